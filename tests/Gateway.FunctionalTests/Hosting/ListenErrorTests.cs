using System.Net;
using System.Net.Sockets;
using Gateway.FunctionalTests.Infrastructure;

namespace Gateway.FunctionalTests.Hosting;

/// <summary>An address the gateway cannot listen on is one line on stderr and exit code 1, not an unhandled exception (exit 134 and a stack trace).</summary>
public sealed class ListenErrorTests
{
    [Fact]
    public async Task A_port_that_is_taken_is_named_with_the_cause()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var url = $"http://127.0.0.1:{((IPEndPoint)taken.LocalEndpoint).Port}";

        var (code, _, stderr) = await GatewayProcess.RunAsync("--urls", url);

        Assert.Equal(1, code);
        Assert.Contains($"cannot listen on '{url}'", stderr);
        Assert.Contains("address already in use", stderr);
        Assert.DoesNotContain("Unhandled exception", stderr);
    }

    [Fact]
    public async Task A_listen_address_that_is_not_a_url_is_named()
    {
        var (code, _, stderr) = await GatewayProcess.RunAsync("--urls", "not-a-url");

        Assert.Equal(1, code);
        Assert.Contains("cannot listen on 'not-a-url'", stderr);
        Assert.DoesNotContain("Unhandled exception", stderr);
    }
}
