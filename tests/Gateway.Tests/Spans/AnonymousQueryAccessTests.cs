using System.Net;
using System.Security.Cryptography;
using System.Text;
using Gateway.Auth;
using Gateway.Config;
using Gateway.Spans;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Gateway.Tests.Spans;

/// <summary>
/// Issue #9 item 11: with no API keys the span query API's caller is the store's admin, so only callers
/// on this machine get it unless span_store.allow_anonymous_remote says otherwise. The decision, on the
/// connection's remote address as Kestrel sets it.
/// </summary>
public sealed class AnonymousQueryAccessTests
{
    private static readonly ApiKeyStore NoKeys = new([]);

    private static HttpContext Request(string? remote, params (string Name, string Value)[] headers)
    {
        var context = new DefaultHttpContext();
        context.Connection.RemoteIpAddress = remote is null ? null : IPAddress.Parse(remote);
        foreach (var (name, value) in headers) context.Request.Headers[name] = value;
        return context;
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("127.0.0.2")]
    [InlineData("127.255.255.254")]
    [InlineData("::1")]
    [InlineData("::ffff:127.0.0.1")]
    public void Loopback_callers_are_the_anonymous_admin(string remote)
    {
        var caller = AnonymousQueryAccess.Resolve(NoKeys, Request(remote), allowRemote: false);
        Assert.Same(SpanFeature.AnonymousAdmin, caller.Subject);
        Assert.Null(caller.Refusal);
    }

    [Theory]
    [InlineData("203.0.113.7")]
    [InlineData("10.0.0.1")]
    [InlineData("192.168.1.20")]
    [InlineData("::ffff:203.0.113.7")]
    [InlineData("2001:db8::1")]
    [InlineData("fe80::1")]
    public void Remote_callers_are_refused_with_a_403(string remote)
    {
        var caller = AnonymousQueryAccess.Resolve(NoKeys, Request(remote), allowRemote: false);
        Assert.Null(caller.Subject);
        var error = caller.Refusal!;
        Assert.Equal(403, error.Status);
        Assert.Equal("permission_error", error.Type);
        Assert.Equal("anonymous_remote_forbidden", error.Code);
        Assert.Contains("span_store.allow_anonymous_remote", error.Message);
    }

    [Theory]
    [InlineData("Forwarded", "for=203.0.113.7")]
    [InlineData("X-Forwarded-For", "203.0.113.7")]
    public void A_request_relayed_by_a_local_proxy_is_not_local(string header, string value)
    {
        var caller = AnonymousQueryAccess.Resolve(NoKeys, Request("127.0.0.1", (header, value)), allowRemote: false);
        Assert.Equal(403, caller.Refusal?.Status);
    }

    [Fact]
    public void A_connection_without_an_ip_is_local()
    {
        // A Unix socket or named pipe: only processes on this machine can connect.
        Assert.Same(SpanFeature.AnonymousAdmin, AnonymousQueryAccess.Resolve(NoKeys, Request(null), allowRemote: false).Subject);
    }

    [Theory]
    [InlineData("203.0.113.7")]
    [InlineData("127.0.0.1")]
    public void The_switch_serves_every_address(string remote)
    {
        var caller = AnonymousQueryAccess.Resolve(NoKeys, Request(remote, ("X-Forwarded-For", "198.51.100.1")), allowRemote: true);
        Assert.Same(SpanFeature.AnonymousAdmin, caller.Subject);
    }

    [Fact]
    public void With_keys_the_address_does_not_matter_only_the_key()
    {
        var alice = new Subject(Subject.UserType, "alice@acme.com", [], "acme");
        var keys = new ApiKeyStore([new ApiKeyConfig { Name = "alice", Sha256 = SHA256.HashData(Encoding.UTF8.GetBytes("sk-alice")), Subject = alice }]);

        Assert.Same(alice, AnonymousQueryAccess.Resolve(keys, Request("203.0.113.7", ("Authorization", "Bearer sk-alice")), allowRemote: false).Subject);
        var local = AnonymousQueryAccess.Resolve(keys, Request("127.0.0.1"), allowRemote: true);
        // No key is the plain 401, from anywhere: anonymous admin exists only without keys.
        Assert.Null(local.Subject);
        Assert.Null(local.Refusal);
    }

    [Theory]
    [InlineData(false, LogLevel.Information, "answers callers on this machine only")]
    [InlineData(true, LogLevel.Warning, "any caller that reaches the port reads every stored span")]
    public void The_startup_log_says_which_mode(bool allowRemote, LogLevel level, string text)
    {
        var logger = new LineLogger();
        SpanFeature.LogAnonymousAccess(logger, allowRemote);
        var (logged, line) = Assert.Single(logger.Lines);
        Assert.Equal(level, logged);
        Assert.Contains(text, line);
        Assert.Contains($"span_store.allow_anonymous_remote: {(allowRemote ? "true" : "false")}", line);
    }

    private sealed class LineLogger : ILogger
    {
        public List<(LogLevel, string)> Lines { get; } = [];

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Lines.Add((logLevel, formatter(state, exception)));
    }
}
