using Microsoft.Extensions.Logging;

namespace Gateway.FunctionalTests.Hosting;

/// <summary>The console log keeps the line format of the framework's simple console formatter (single line, UTC timestamps).</summary>
public sealed class ConsoleLineLoggerProviderTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 21, 15, 56, 501, TimeSpan.Zero);

    [Theory]
    [InlineData(LogLevel.Trace, "trce")]
    [InlineData(LogLevel.Debug, "dbug")]
    [InlineData(LogLevel.Information, "info")]
    [InlineData(LogLevel.Warning, "warn")]
    [InlineData(LogLevel.Error, "fail")]
    [InlineData(LogLevel.Critical, "crit")]
    public void Format_TimestampLevelCategoryEventIdAndMessage_OnOneLine(LogLevel level, string label)
    {
        var line = ConsoleLineLoggerProvider.Format(Now, level, "Gateway", 100, "gateway 0.1.0 listening", null);
        Assert.Equal($"2026-12-01T21:15:56.501Z {label}: Gateway[100] gateway 0.1.0 listening" + Environment.NewLine, line);
    }

    [Fact]
    public void Format_MessageAndExceptionLineBreaks_BecomeSpaces()
    {
        var exception = new InvalidOperationException("bad" + Environment.NewLine + "worse");
        var line = ConsoleLineLoggerProvider.Format(Now, LogLevel.Error, "Gateway.Tracing", 7, "first" + Environment.NewLine + "second", exception);
        Assert.Equal("2026-12-01T21:15:56.501Z fail: Gateway.Tracing[7] first second System.InvalidOperationException: bad worse" + Environment.NewLine, line);
    }

    [Fact]
    public void Format_NoMessage_OnlyTheHead()
    {
        Assert.Equal("2026-12-01T21:15:56.501Z info: Gateway[0]" + Environment.NewLine, ConsoleLineLoggerProvider.Format(Now, LogLevel.Information, "Gateway", 0, "", null));
    }

    [Fact]
    public void Dispose_WritesEveryQueuedLine_ThenLaterLinesDirectly()
    {
        using var output = new StringWriter();
        var provider = new ConsoleLineLoggerProvider(TextWriter.Synchronized(output));
        var logger = provider.CreateLogger("Gateway");
        for (var i = 0; i < 100; i++) logger.LogInformation("line {Number}", i);
        provider.Dispose();
        logger.LogWarning("after dispose");

        var lines = output.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(101, lines.Length);
        for (var i = 0; i < 100; i++) Assert.EndsWith($" info: Gateway[0] line {i}", lines[i]);
        Assert.EndsWith(" warn: Gateway[0] after dispose", lines[100]);
    }
}
