using System.CommandLine;
using System.CommandLine.Invocation;

namespace Gateway;

/// <summary><c>--version</c> prints <c>gateway X.Y.Z</c>, as before, instead of the assembly's informational version.</summary>
internal sealed class VersionAction(string text) : SynchronousCommandLineAction
{
    public override int Invoke(ParseResult parseResult)
    {
        parseResult.InvocationConfiguration.Output.WriteLine(text);
        return 0;
    }
}
