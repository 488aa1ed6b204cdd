using System.Diagnostics;

namespace Gateway.Tracing;

/// <summary>The Model span of one attempt and its network-call child (in <see cref="Proxy.Attempt.ListenerState"/>).</summary>
internal sealed class AttemptSpans(Activity? model, Activity? network)
{
    public Activity? Model { get; } = model;
    public Activity? Network { get; } = network;
    public bool Ended { get; set; }
}
