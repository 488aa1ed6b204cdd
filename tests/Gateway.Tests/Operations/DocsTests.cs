using Gateway.Config;
using Gateway.Tracing;

namespace Gateway.Tests.Operations;

/// <summary>
/// The README states what the code does where newcomers trip (issue #9, item 14): the model names
/// OPENAI_API_KEY brings, the service name default, the span store path, the shutdown drain.
/// </summary>
public sealed class DocsTests
{
    private static readonly string s_readme = RepoFiles.Read("README.md");

    [Fact]
    public void Readme_NamesEveryModelOfTheDefaultConfig_AsProviderSlashModel()
    {
        foreach (var withKey in new[] { false, true })
        {
            var config = ConfigLoader.LoadDefault(name => withKey && name == "OPENAI_API_KEY" ? "sk-test" : null);
            foreach (var provider in config.Providers)
            {
                foreach (var model in provider.Models)
                {
                    Assert.Contains($"`{provider.Name}/{model.Name}`", s_readme);
                }
            }
        }
        var openAI = Assert.Single(ConfigLoader.LoadDefault(name => name == "OPENAI_API_KEY" ? "sk-test" : null).Providers, p => p.Kind == ProviderKind.OpenAI);
        Assert.Contains($"With `OPENAI_API_KEY` set it also serves OpenAI's, addressed as\n`{openAI.Name}/<model>`", s_readme);
    }

    [Fact]
    public void Readme_GivesTheServiceNameDefaultTheCodeUses()
    {
        Assert.Contains($"default `{OtlpSettings.DefaultServiceName}`", s_readme);
        Assert.Equal(OtlpSettings.DefaultServiceName, OtlpSettings.FromEnvironment(_ => null).ServiceName);
    }

    [Fact]
    public void Readme_SaysTheSpanStorePathIsRelativeToTheWorkingDirectory()
    {
        Assert.Contains($"span_store: {{path: {SpanStoreConfig.DefaultPath},", s_readme);
        Assert.Contains("a relative one is resolved against the gateway's working directory", s_readme);
        Assert.Contains("relative to the working directory", RepoFiles.Read("src/Gateway.Core/Spans/README.md"));
    }

    [Fact]
    public void Readme_DocumentsTheShutdownDrain_WithItsDefault()
    {
        Assert.Contains($"shutdown_drain_delay_ms: {new ServerOptions().ShutdownDrainDelayMs} ", s_readme);
        Assert.Contains("`server.shutdown_drain_delay_ms` (default 0)", s_readme);
        Assert.Contains("shutdown_drain_delay_ms:", RepoFiles.Read("examples/gateway.yaml"));
    }
}
