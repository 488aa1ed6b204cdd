using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Text.Json;
using Gateway.Spans;

namespace Gateway;

/// <summary>
/// <c>gateway spans query</c>: its flags, checked while parsing (a bad time, filter or limit is a usage
/// error, exit code 2, before any request), bound to <see cref="SpansQueryOptions"/> and run by <see cref="SpansCli"/>.
/// </summary>
internal sealed class SpansQueryCommand : Command
{
    /// <summary>Printed after the standard help: the filter grammar and examples.</summary>
    public const string Notes = """
        Filters (--filter EXPR): SCOPE:KEY OP [VALUE], SCOPE one of field, attr, meta; OP an operator
        name (EQUAL, IN, STRING_CONTAINS, PRESENT, ...) or = != > < >= <= ~; list values comma-separated.
        Times (--start, --end): ISO 8601 (2025-06-01T00:00:00Z) or an age: 30s, 15m, 1h, 7d.

        Examples:
          gateway spans query --filter 'field:spanName = chatCompletions'
          gateway spans query --filter 'attr:tfy.model.metric.cost_in_usd > 0.01'
          gateway spans query --filter 'meta:env IN prod,staging'
          gateway spans query --start 1h --root --subject user:example@email.com --output table
        """;

    private const string DefaultUrl = "http://127.0.0.1:8080";
    private const string DefaultStart = "1h";

    private readonly Func<string, string?> _environment;
    private readonly TimeProvider _time;

    private readonly Option<string> _url = new("--url") { HelpName = "URL", Description = $"the gateway (or GATEWAY_URL; default {DefaultUrl})" };
    private readonly Option<string> _apiKey = new("--api-key") { HelpName = "KEY", Description = "sent as a bearer token (or GATEWAY_API_KEY)" };
    private readonly Option<string> _project = new("--project") { HelpName = "FQN", Description = "tracing project, e.g. acme:tracing-project:default (default: the gateway's)" };
    private readonly Option<string> _start = new("--start") { HelpName = "TIME", Description = $"ISO 8601 or an age (default {DefaultStart})" };
    private readonly Option<string> _end = new("--end") { HelpName = "TIME", Description = "same forms (default: now)" };
    private readonly Option<bool> _root = new("--root") { Description = "root spans only" };
    private readonly Option<string[]> _subjectTypes = new("--subject-type") { HelpName = "TYPE", Description = "user, virtualaccount, ... (repeatable)" };
    private readonly Option<string[]> _subjects = new("--subject")
    {
        HelpName = "TYPE:SLUG",
        Description = "one caller, e.g. user:example@email.com or virtualaccount:exampleaccount (repeatable)",
        CustomParser = Each(CheckSubject),
    };
    private readonly Option<string[]> _subjectSlugs = new("--subject-slug") { HelpName = "SLUG", Description = "a caller by slug alone (repeatable)" };
    private readonly Option<string[]> _traceIds = new("--trace-id") { HelpName = "ID", Description = "spans of one trace (repeatable)" };
    private readonly Option<string[]> _spanIds = new("--span-id") { HelpName = "ID", Description = "(repeatable)" };
    private readonly Option<string[]> _applications = new("--application") { HelpName = "NAME", Description = "(repeatable)" };
    private readonly Option<string[]> _filters = new("--filter")
    {
        HelpName = "EXPR",
        Description = "SCOPE:KEY OP [VALUE], see below (repeatable)",
        CustomParser = Each(SpansCli.Filter),
    };
    private readonly Option<string[]> _filterJson = new("--filter-json")
    {
        HelpName = "JSON",
        Description = "one filter object as the API takes it (repeatable)",
        CustomParser = Each(CheckFilterJson),
    };
    private readonly Option<int?> _limit = new("--limit") { HelpName = "N", Description = "spans per page (default 200, at most 1000)", CustomParser = One(Limit) };
    private readonly Option<string> _sort = new("--sort") { HelpName = "asc|desc", Description = "by start time (default desc)", CustomParser = One(Sort) };
    private readonly Option<string> _pageToken = new("--page-token") { HelpName = "TOKEN", Description = "continue from a previous page" };
    private readonly Option<bool> _all = new("--all") { Description = "follow pages to the end" };
    private readonly Option<string> _output = new("--output", "-o") { HelpName = "table|json", Description = "(default table)", CustomParser = One(Output) };

    public SpansQueryCommand(Func<string, string?> environment, TimeProvider time)
        : base("query", "query the spans a running gateway stored")
    {
        _environment = environment;
        _time = time;
        _start.CustomParser = One(text => SpansCli.Time(text, _time));
        _end.CustomParser = One(text => SpansCli.Time(text, _time));
        Options.Add(_url);
        Options.Add(_apiKey);
        Options.Add(_project);
        Options.Add(_start);
        Options.Add(_end);
        Options.Add(_root);
        Options.Add(_subjectTypes);
        Options.Add(_subjects);
        Options.Add(_subjectSlugs);
        Options.Add(_traceIds);
        Options.Add(_spanIds);
        Options.Add(_applications);
        Options.Add(_filters);
        Options.Add(_filterJson);
        Options.Add(_limit);
        Options.Add(_sort);
        Options.Add(_pageToken);
        Options.Add(_all);
        Options.Add(_output);
        SetAction((r, cancellationToken) => SpansCli.QueryAsync(Bind(r), r.InvocationConfiguration.Output, r.InvocationConfiguration.Error, cancellationToken));
    }

    /// <summary>The flags of a parse result without errors, with the environment's and the defaults filled in.</summary>
    internal SpansQueryOptions Bind(ParseResult r)
    {
        var subjectTypes = new List<string>(r.GetValue(_subjectTypes) ?? []);
        var subjectSlugs = new List<string>(r.GetValue(_subjectSlugs) ?? []);
        foreach (var subject in r.GetValue(_subjects) ?? [])
        {
            var (type, slug) = SubjectRef.Split(subject);
            if (!subjectTypes.Contains(type!)) subjectTypes.Add(type!);
            subjectSlugs.Add(slug);
        }
        return new SpansQueryOptions
        {
            Url = r.GetValue(_url) ?? (_environment("GATEWAY_URL") is { Length: > 0 } url ? url : DefaultUrl),
            ApiKey = r.GetValue(_apiKey) ?? _environment("GATEWAY_API_KEY"),
            Project = r.GetValue(_project),
            Start = r.GetValue(_start) ?? SpansCli.Time(DefaultStart, _time),
            End = r.GetValue(_end),
            Root = r.GetValue(_root),
            SubjectTypes = subjectTypes,
            SubjectSlugs = subjectSlugs,
            TraceIds = r.GetValue(_traceIds) ?? [],
            SpanIds = r.GetValue(_spanIds) ?? [],
            Applications = r.GetValue(_applications) ?? [],
            Filters = [.. r.GetValue(_filters) ?? [], .. r.GetValue(_filterJson) ?? []],
            Limit = r.GetValue(_limit),
            Sort = r.GetValue(_sort),
            PageToken = r.GetValue(_pageToken),
            All = r.GetValue(_all),
            Json = r.GetValue(_output) == "json",
        };
    }

    private static string CheckSubject(string subject) =>
        SubjectRef.Split(subject).Type is null ? throw new FormatException($"--subject '{subject}': expected TYPE:SLUG, e.g. user:example@email.com.") : subject;

    private static string CheckFilterJson(string json)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            return doc.RootElement.ValueKind == JsonValueKind.Object ? json : throw new FormatException("--filter-json takes one JSON object.");
        }
        catch (JsonException e)
        {
            throw new FormatException("--filter-json is not valid JSON: " + e.Message);
        }
    }

    private static int? Limit(string text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : throw new FormatException($"--limit '{text}' is not a positive integer.");

    private static string Sort(string text) =>
        text.ToUpperInvariant() is "ASC" or "DESC" ? text.ToUpperInvariant() : throw new FormatException("--sort takes asc or desc.");

    private static string Output(string text) =>
        text is "table" or "json" ? text : throw new FormatException($"--output '{text}': expected table or json.");

    // The checks above throw FormatException with the message for the user; the parser reports it as an error of the option.
    private static Func<ArgumentResult, T?> One<T>(Func<string, T> parse) => r =>
    {
        try
        {
            return parse(r.Tokens[^1].Value);
        }
        catch (FormatException e)
        {
            r.AddError(e.Message);
            return default;
        }
    };

    private static Func<ArgumentResult, string[]?> Each(Func<string, string> parse) => r =>
    {
        try
        {
            return [.. r.Tokens.Select(t => parse(t.Value))];
        }
        catch (FormatException e)
        {
            r.AddError(e.Message);
            return null;
        }
    };
}
