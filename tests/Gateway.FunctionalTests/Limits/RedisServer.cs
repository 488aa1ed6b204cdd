using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Gateway.FunctionalTests.Limits;

/// <summary>A real <c>redis-server</c> (Debian's package) on a free loopback port with its own temp dir; stopped by PID.</summary>
public sealed class RedisServer : IDisposable
{
    private readonly Process _process;
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
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            var port = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
            var dir = Directory.CreateTempSubdirectory("limits-redis-").FullName;
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
            var server = new RedisServer(process, dir, port);
            var until = DateTime.UtcNow.AddSeconds(10);
            while (true)
            {
                try
                {
                    using var client = new TcpClient();
                    await client.ConnectAsync(IPAddress.Loopback, port);
                    return server;
                }
                catch (SocketException) when (DateTime.UtcNow < until && !process.HasExited)
                {
                    await Task.Delay(20);
                }
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
