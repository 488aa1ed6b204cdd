using System.Net.Http.Headers;
using System.Text;

namespace Gateway.FunctionalTests.Infrastructure;

/// <summary>Chat requests against a <see cref="GatewayUnderTest"/>.</summary>
public static class GatewayRequests
{
    public static string ChatBody(string model, bool stream = false, string extra = "") =>
        $$"""{"model":"{{model}}","messages":[{"role":"user","content":"hi"}]{{(stream ? ",\"stream\":true" : "")}}{{extra}}}""";

    public static Task<HttpResponseMessage> Chat(this GatewayUnderTest gateway, string model, bool stream = false, string? key = null, string extra = "", params (string Name, string Value)[] headers)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = new StringContent(ChatBody(model, stream, extra), Encoding.UTF8, "application/json"),
        };
        if (key is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        foreach (var (name, value) in headers) request.Headers.TryAddWithoutValidation(name, value);
        return gateway.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
    }
}
