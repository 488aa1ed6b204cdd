using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Gateway.FunctionalTests.Limits;

/// <summary>A real <c>redis-server</c> (Debian's package) on a free loopback port with its own temp dir; stopped by PID.</summary>
public sealed class RedisServer : IDisposable
{
    private Process _process;
    private readonly string _dir;

    private RedisServer(Process process, string dir, int port)
    {
        _process = process;
        _dir = dir;
        Port = port;
    }

    public int Port { get; }
    public string Url => $"127.0.0.1:{Port}";

    public static async Task<RedisServer> StartAsync()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        var dir = Directory.CreateTempSubdirectory("limits-redis-").FullName;
        var server = new RedisServer(Launch(dir, port), dir, port);
        await server.WaitUntilListeningAsync();
        return server;
    }

    /// <summary>Starts the server again on the same port (empty: it keeps nothing on disk), after <see cref="Stop"/>.</summary>
    public async Task RestartAsync()
    {
        Stop();
        _process.Dispose();
        _process = Launch(_dir, Port);
        await WaitUntilListeningAsync();
    }

    private static Process Launch(string dir, int port)
    {
        var psi = new ProcessStartInfo("redis-server")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = dir,
        };
        foreach (var a in new[] { "--port", port.ToString(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir }) psi.ArgumentList.Add(a);
        var process = Process.Start(psi)!;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private async Task WaitUntilListeningAsync()
    {
        var until = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < until && !_process.HasExited)
            {
                await Task.Delay(20);
            }
        }
    }

    /// <summary>
    /// Script calls the server has run (EVAL and EVALSHA: every limits operation is one), from <c>INFO commandstats</c>.
    /// </summary>
    public async Task<long> ScriptCallsAsync()
    {
        long calls = 0;
        foreach (var line in (await CommandAsync("INFO", "commandstats"))!.Split("\r\n"))
        {
            // cmdstat_evalsha:calls=12,usec=...
            if (!line.StartsWith("cmdstat_eval:", StringComparison.Ordinal) && !line.StartsWith("cmdstat_evalsha:", StringComparison.Ordinal)) continue;
            var field = line[(line.IndexOf("calls=", StringComparison.Ordinal) + 6)..];
            calls += long.Parse(field[..field.IndexOf(',')]);
        }
        return calls;
    }

    /// <summary>One command over a connection of its own; the reply as text (a bulk string, a simple string or an integer), null for nil.</summary>
    public async Task<string?> CommandAsync(params string[] args)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, Port);
        var stream = client.GetStream();
        var request = new System.Text.StringBuilder($"*{args.Length}\r\n");
        foreach (var a in args) request.Append($"${System.Text.Encoding.UTF8.GetByteCount(a)}\r\n{a}\r\n");
        await stream.WriteAsync(System.Text.Encoding.UTF8.GetBytes(request.ToString()));
        var buffer = new byte[64 * 1024];
        var read = 0;
        while (true)
        {
            var n = await stream.ReadAsync(buffer.AsMemory(read));
            if (n == 0) throw new IOException("redis closed the connection");
            read += n;
            var eol = Array.IndexOf(buffer, (byte)'\n', 0, read);
            if (eol < 0) continue;
            var head = System.Text.Encoding.ASCII.GetString(buffer, 1, eol - 2);
            switch ((char)buffer[0])
            {
                case '+' or ':': return head;
                case '-': throw new InvalidOperationException("redis: " + head);
                case '$' when head == "-1": return null;
                case '$':
                    var length = int.Parse(head);
                    if (read >= eol + 1 + length) return System.Text.Encoding.UTF8.GetString(buffer, eol + 1, length);
                    break;
                default: throw new InvalidOperationException("unexpected redis reply " + (char)buffer[0]);
            }
        }
    }

    /// <summary>Kills the server (as a crash would), by its PID.</summary>
    public void Stop()
    {
        if (_process.HasExited) return;
        _process.Kill();
        _process.WaitForExit(5_000);
    }

    public void Dispose()
    {
        Stop();
        _process.Dispose();
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
