using System.Text.Json;
using Gateway.McpGateway;

namespace Gateway.Tests.McpGateway;

public sealed class JsonRpcMessageTests
{
    private static JsonRpcMessage? Read(string json, out string? error)
    {
        using var doc = JsonDocument.Parse(json);
        var message = JsonRpcMessage.Read(doc.RootElement.Clone(), out error);
        return message;
    }

    [Theory]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"tools/list"}""", true, false, "1")]
    [InlineData("""{"jsonrpc":"2.0","id":"a-1","method":"tools/call","params":{"name":"echo"}}""", true, false, "a-1")]
    [InlineData("""{"jsonrpc":"2.0","method":"notifications/initialized"}""", false, true, null)]
    [InlineData("""{"jsonrpc":"2.0","id":3,"result":{}}""", false, false, "3")]
    public void Reads_requests_notifications_and_responses(string json, bool request, bool notification, string? id)
    {
        var message = Read(json, out var error);
        Assert.Null(error);
        Assert.Equal(request, message!.Value.IsRequest);
        Assert.Equal(notification, message.Value.IsNotification);
        Assert.Equal(id, message.Value.IdText);
    }

    [Theory]
    [InlineData("""[{"jsonrpc":"2.0","id":1,"method":"ping"}]""", "batches")]
    [InlineData("""{"id":1,"method":"ping"}""", "jsonrpc")]
    [InlineData("""{"jsonrpc":"1.0","id":1,"method":"ping"}""", "jsonrpc")]
    [InlineData("""{"jsonrpc":"2.0","id":null,"method":"ping"}""", "id")]
    [InlineData("""{"jsonrpc":"2.0","id":{},"method":"ping"}""", "id")]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":""}""", "method")]
    [InlineData("""{"jsonrpc":"2.0","id":1}""", "neither")]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"ping","params":3}""", "params")]
    [InlineData("\"ping\"", "object")]
    public void Refuses_what_is_not_one_message(string json, string reason)
    {
        Assert.Null(Read(json, out var error));
        Assert.Contains(reason, error);
    }

    [Fact]
    public void Param_reads_string_members_only()
    {
        var message = Read("""{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","n":1}}""", out _)!.Value;
        Assert.Equal("echo", message.Param("name"));
        Assert.Null(message.Param("n"));
        Assert.Null(message.Param("missing"));
    }

    [Theory]
    [InlineData("2025-06-18", "2025-06-18")]
    [InlineData("2024-11-05", "2024-11-05")]
    [InlineData("2026-07-28", McpProtocolVersions.Latest)]
    [InlineData(null, McpProtocolVersions.Latest)]
    public void Negotiates_the_client_version_when_supported(string? requested, string answered) =>
        Assert.Equal(answered, McpProtocolVersions.Negotiate(requested));
}
