namespace Gateway.Tracing;

/// <summary>
/// The indexed keys of seed 000 (<c>gen_ai.prompt.{index}.content</c> and friends), cached for the
/// first indexes so the common case allocates no strings.
/// </summary>
internal static class IndexedKeys
{
    private const int Cached = 32;
    private static readonly string[] s_promptContent = Build("gen_ai.prompt.{0}.content");
    private static readonly string[] s_promptRole = Build("gen_ai.prompt.{0}.role");
    private static readonly string[] s_completionContent = Build("gen_ai.completion.{0}.content");
    private static readonly string[] s_completionRole = Build("gen_ai.completion.{0}.role");
    private static readonly string[] s_completionFinishReason = Build("gen_ai.completion.{0}.finish_reason");

    public static string PromptContent(int i) => i < Cached ? s_promptContent[i] : $"gen_ai.prompt.{i}.content";
    public static string PromptRole(int i) => i < Cached ? s_promptRole[i] : $"gen_ai.prompt.{i}.role";
    public static string CompletionContent(int i) => i < Cached ? s_completionContent[i] : $"gen_ai.completion.{i}.content";
    public static string CompletionRole(int i) => i < Cached ? s_completionRole[i] : $"gen_ai.completion.{i}.role";
    public static string CompletionFinishReason(int i) => i < Cached ? s_completionFinishReason[i] : $"gen_ai.completion.{i}.finish_reason";
    public static string PromptToolCallId(int i) => $"gen_ai.prompt.{i}.tool_call_id";
    public static string PromptToolCallsName(int i, int j) => $"gen_ai.prompt.{i}.tool_calls.{j}.name";
    public static string PromptToolCallsId(int i, int j) => $"gen_ai.prompt.{i}.tool_calls.{j}.id";
    public static string PromptToolCallsArguments(int i, int j) => $"gen_ai.prompt.{i}.tool_calls.{j}.arguments";
    public static string CompletionToolCallName(int i, int j) => $"gen_ai.completion.{i}.tool_calls.{j}.name";
    public static string CompletionToolCallId(int i, int j) => $"gen_ai.completion.{i}.tool_calls.{j}.id";
    public static string CompletionToolCallArguments(int i, int j) => $"gen_ai.completion.{i}.tool_calls.{j}.arguments";

    private static string[] Build(string format)
    {
        var keys = new string[Cached];
        for (var i = 0; i < Cached; i++) keys[i] = string.Format(System.Globalization.CultureInfo.InvariantCulture, format, i);
        return keys;
    }
}
