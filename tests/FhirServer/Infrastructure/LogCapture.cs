using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace SeSPHR.FhirServer.Tests.Infrastructure;

/// <summary>Keeps every log line the server writes (message, state and exception), for leak tests.</summary>
public sealed class LogCapture : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _lines = new();

    public IReadOnlyCollection<string> Lines => _lines;

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, _lines);

    public void Dispose()
    {
    }

    private sealed class Logger(string category, ConcurrentQueue<string> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull
        {
            lines.Enqueue($"{category} scope {state}");
            return null;
        }

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var structured = state is IEnumerable<KeyValuePair<string, object?>> pairs
                ? string.Join(" ", pairs.Select(p => $"{p.Key}={Render(p.Value)}"))
                : "";
            lines.Enqueue($"{logLevel} {category} {formatter(state, exception)} {structured} {exception}");
        }

        private static string Render(object? value) => value switch
        {
            null => "",
            string text => text,
            System.Collections.IEnumerable items => string.Join(",", items.Cast<object?>().Select(Render)),
            _ => value.ToString() ?? "",
        };
    }
}
