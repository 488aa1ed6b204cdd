using System.Diagnostics;
using Gateway.Config;

namespace Gateway.Tracing;

/// <summary>What tracing keeps per request (in <see cref="Proxy.Exchange.ListenerState"/>).</summary>
internal sealed class ExchangeTrace(Activity? root, TracingOptions options)
{
    public Activity? Root { get; } = root;
    public TracingOptions Options { get; } = options;
    /// <summary>tfy.tracing_project_fqn of every span of the request (tracing projects' rules, or the default).</summary>
    public string ProjectFqn { get; init; } = options.DefaultProjectFqn;
    /// <summary>The request's messages, read once at start while the body is valid.</summary>
    public List<PromptMessage>? Prompt { get; set; }
    /// <summary><c>tfy.input</c>, shared by the root and every Model span (one string, several spans).</summary>
    public string? Input { get; set; }
    /// <summary><c>tfy.output</c> of the answer the client got, built once for the Model span and the root.</summary>
    public string? Output { get; set; }
}
