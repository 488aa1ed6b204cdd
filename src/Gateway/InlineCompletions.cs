namespace Gateway;

/// <summary>
/// Socket completions run inline on the socket engine's threads by default (issue #11; the ASP.NET Core
/// TechEmpower entries do the same): a request's reads, writes and upstream call continue on the thread that saw
/// the socket ready instead of hopping through the thread pool, which cut the added latency at one connection
/// from about +160 to +50 µs (bench/load/RESULTS.md, session 7). The runtime reads the variable once, when the
/// first socket is made, so it is set here before anything opens one; <c>DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=0</c>
/// turns it off. Inline code must never block: the span store, the span queries and the OTLP export run on
/// their own threads, and end hooks that write to Redis are awaited (StageRunner.EndAsync), not waited on.
/// </summary>
internal static class InlineCompletions
{
    public const string Variable = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

    public static void DefaultOn()
    {
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable(Variable))) Environment.SetEnvironmentVariable(Variable, "1");
    }
}
