using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;

namespace Gateway;

/// <summary>
/// System.CommandLine's help, then a section of notes for the commands that have one: the environment
/// variables and examples that options and arguments cannot describe.
/// </summary>
internal sealed class HelpWithNotesAction(HelpAction help, IReadOnlyDictionary<Command, string> notes) : SynchronousCommandLineAction
{
    // As the default help action: '--help' wins over other errors on the line.
    public override bool ClearsParseErrors => true;

    public override int Invoke(ParseResult parseResult)
    {
        var code = help.Invoke(parseResult);
        if (notes.TryGetValue(parseResult.CommandResult.Command, out var text))
        {
            parseResult.InvocationConfiguration.Output.WriteLine(text);
        }
        return code;
    }
}
