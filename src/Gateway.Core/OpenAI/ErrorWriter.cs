using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Gateway.OpenAI;

/// <summary>
/// Writes errors in OpenAI's shape: <c>{"error":{"message","type","param","code"}}</c> (DESIGN.md decision 6).
/// </summary>
internal static class ErrorWriter
{
    public static byte[] Serialize(string message, string type, string? code, string? param = null) =>
        JsonSerializer.SerializeToUtf8Bytes(new Wire.ErrorResponse(new Wire.ErrorResponse.Body(message, type, param, code)), OpenAIJsonContext.Wire.ErrorResponse);

    public static Task WriteAsync(HttpContext context, GatewayError error)
    {
        var response = context.Response;
        if (response.HasStarted)
        {
            // Headers are gone: the only honest signal left is to break the connection.
            context.Abort();
            return Task.CompletedTask;
        }
        response.StatusCode = error.Status;
        response.ContentType = "application/json";
        if (error.RetryAfterSeconds is int retry)
        {
            response.Headers.RetryAfter = retry.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        var body = Serialize(error.Message, error.Type, error.Code, error.Param);
        response.ContentLength = body.Length;
        return response.Body.WriteAsync(body).AsTask();
    }
}
