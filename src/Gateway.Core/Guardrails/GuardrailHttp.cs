using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text.Json.Serialization.Metadata;
using Gateway.Tracing;

namespace Gateway.Guardrails;

/// <summary>
/// One JSON POST of a guardrail (webhook or moderation) with its timeout, under a <c>Guardrail Network Call</c>
/// span (reference 1.7) that carries the W3C context to the callee. Returns the answer, or why there is none.
/// </summary>
internal static class GuardrailHttp
{
    /// <summary>Answers past this are not guardrail verdicts; the call counts as failed.</summary>
    private const int MaxAnswerBytes = 4 * 1024 * 1024;

    public static async Task<(T? Answer, string? Error)> PostAsync<TBody, T>(
        HttpMessageInvoker http, string url, IReadOnlyDictionary<string, string>? headers, TBody body, JsonTypeInfo<TBody> bodyInfo, JsonTypeInfo<T> answerInfo,
        int timeoutMs, Activity? parent, CancellationToken ct)
        where T : class
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(timeoutMs);
        using var request = new HttpRequestMessage(HttpMethod.Post, url)
        {
            Content = new ByteArrayContent(System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(body, bodyInfo)),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
        {
            if (!request.Headers.TryAddWithoutValidation(name, value)) request.Content.Headers.TryAddWithoutValidation(name, value);
        }
        using var span = StartSpan(parent);
        if (span is { IsAllDataRequested: true })
        {
            span.SetTag(SpanAttributes.HttpRequestMethod, "POST");
            span.SetTag(SpanAttributes.UrlFull, SpanUrl.Of(request.RequestUri));
            TraceContext.Inject(request, span);
        }
        try
        {
            using var response = await http.SendAsync(request, timeout.Token).ConfigureAwait(false);
            span?.SetTag(SpanAttributes.HttpResponseStatusCode, (int)response.StatusCode);
            if (!response.IsSuccessStatusCode) return Fail(span, $"answered HTTP {(int)response.StatusCode}");
            if (response.Content.Headers.ContentLength > MaxAnswerBytes) return Fail(span, "answered more than 4 MB");
            var bytes = await response.Content.ReadAsByteArrayAsync(timeout.Token).ConfigureAwait(false);
            var answer = System.Text.Json.JsonSerializer.Deserialize(bytes, answerInfo);
            return answer is null ? Fail(span, "answered null") : (answer, null);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return Fail(span, $"did not answer within {timeoutMs} ms");
        }
        catch (HttpRequestException e)
        {
            return Fail(span, "could not be reached: " + e.Message);
        }
        catch (System.Text.Json.JsonException)
        {
            return Fail(span, "answered with JSON of the wrong shape");
        }

        static (T?, string?) Fail(Activity? span, string error)
        {
            span?.SetStatus(ActivityStatusCode.Error, error);
            span?.SetTag(SpanAttributes.TfyErrorMessage, error);
            return (null, error);
        }
    }

    /// <summary>
    /// The network call span, a child of <paramref name="parent"/> through <see cref="Activity.Current"/> rather than
    /// through <c>parent.Context</c>: a span started from an explicit context has no <see cref="Activity.Parent"/>, so
    /// the span store could not take the request's project and subject from its ancestors (it landed in the default
    /// project, without a subject), and no gateway's owner was found on it, so every store and exporter in the
    /// process kept it. Setting Current does not reach PostAsync's caller: an async method's changes stay in it.
    /// </summary>
    private static Activity? StartSpan(Activity? parent)
    {
        if (parent is not { IsAllDataRequested: true }) return null;
        Activity.Current = parent;
        return GatewayActivitySource.Instance.StartActivity(SpanNames.GuardrailNetworkCall, ActivityKind.Client);
    }
}
