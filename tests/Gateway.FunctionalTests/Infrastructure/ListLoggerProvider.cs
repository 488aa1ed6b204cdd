using Microsoft.Extensions.Logging;

namespace Gateway.FunctionalTests.Infrastructure;

/// <summary>Collects log lines of the in-process gateway into <see cref="GatewayUnderTest.Output"/>, as the binary's stdout is.</summary>
internal sealed class ListLoggerProvider(List<string> lines) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => new Logger(lines);

    public void Dispose() { }

    private sealed class Logger(List<string> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (lines) lines.Add(logLevel + ": " + formatter(state, exception));
        }
    }
}
