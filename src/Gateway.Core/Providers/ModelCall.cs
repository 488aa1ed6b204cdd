using Gateway.Pipeline;
using Gateway.Proxy;

namespace Gateway.Providers;

/// <summary>
/// One attempt to send: the prepared body for a target, the timeouts in force, and what the plan would do
/// on failure (so a refusal the plan moves on from is returned, not delivered).
/// </summary>
/// <param name="IsLast">No retry or fallback follows: whatever the upstream answers is delivered.</param>
/// <param name="CanFallBack">A later step of the plan may still be tried.</param>
internal readonly record struct ModelCall(Exchange Exchange, Attempt Attempt, PooledContent Content, RequestTimeouts Timeouts, bool IsLast, bool CanFallBack);
