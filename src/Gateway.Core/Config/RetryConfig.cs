namespace Gateway.Config;

/// <summary>
/// <c>retry_config</c> of a target. <see cref="Attempts"/> counts retries after the first try, as in
/// the reference ("attempts: Number of retry attempts. Default value is 2"), so 2 means up to 3 tries.
/// </summary>
internal sealed class RetryConfig
{
    /// <summary>The reference's defaults: attempts 2, delay 100 ms, on 429/500/502/503.</summary>
    public static readonly RetryConfig Default = new() { Attempts = 2, DelayMs = 100, OnStatusCodes = new HashSet<int> { 429, 500, 502, 503 } };

    /// <summary>No retry: what a plain <c>provider/model</c> request gets unless the client asks.</summary>
    public static readonly RetryConfig None = new() { Attempts = 0, DelayMs = 0, OnStatusCodes = new HashSet<int>() };

    public required int Attempts { get; init; }
    public required int DelayMs { get; init; }
    public required IReadOnlySet<int> OnStatusCodes { get; init; }
}
