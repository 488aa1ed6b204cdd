using System.Text;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Gateway.Auth;
using Gateway.Config;
using Gateway.Guardrails;

namespace Gateway.Benchmarks;

/// <summary>
/// The PII guardrail on a 4 KB prompt (issue #14): the scan alone, clean and with findings, the redaction, and the
/// whole input check of a 4 KB chat body as the guardrail stage runs it (text parts read from the JSON, then
/// scanned). The prompt mixes prose with look-alikes every scanner has to reject: versions, dates, times, order
/// numbers, URLs with @handles, hashes.
/// </summary>
[MemoryDiagnoser]
public class PiiScanBenchmarks
{
    private string _clean = "";
    private string _withFindings = "";
    private byte[] _body = [];
    private PiiGuardrail _validate = null!;
    private GuardrailCheck _check = null!;

    [GlobalSetup]
    public void Setup()
    {
        _clean = Prompt(findings: false);
        _withFindings = Prompt(findings: true);
        _body = Encoding.UTF8.GetBytes($$"""{"model":"gpt-4o","messages":[{"role":"user","content":"{{JsonEncodedText.Encode(_clean).Value}}"}]}""");
        _validate = new PiiGuardrail(new GuardrailConfig(Name: "pii", Type: GuardrailKind.Pii));
        _check = new GuardrailCheck(GuardrailHook.LlmInput, [], Subject.Anonymous, new Dictionary<string, string>(), GuardedEntity.Model("openai/gpt-4o"));
        if (PiiScanner.FindKinds(_clean, PiiScanner.All) != 0) throw new InvalidOperationException("the clean prompt has findings");
        if (PiiScanner.FindKinds(_withFindings, PiiScanner.All) == 0) throw new InvalidOperationException("the prompt with findings has none");
    }

    /// <summary>4,096 characters of prose and look-alikes; with findings, an email, a card, a phone number and a key spread through it.</summary>
    private static string Prompt(bool findings)
    {
        string[] sentences =
        [
            "Please summarize the release notes for version 2.14.3 published on 2024-11-05 at 14:32:07. ",
            "Order 100234567 shipped to the warehouse; see https://medium.com/@ops.team/shipping for details. ",
            "The build hash was 3f786850e387550fdab836ed7e6dc881de23001b and the request id 550e8400-e29b-41d4-a716-446655440000. ",
            "Our quarterly revenue grew by 12.5 percent, with 3,400 new customers in 27 countries. ",
            "Refactor the CustomerAccountRepositoryImplementation class so it no longer depends on the cache. ",
            "Meeting moved to room 4B; dial-in code 8812 then press the hash key. ",
        ];
        string[] secrets = ["Write to jane.doe@example.com today. ", "Charge card 4111 1111 1111 1111 now. ", "Call +1 415-555-0132 later. ", "Use key sk-proj-abcdefghijklmnopqrstuv1234 here. "];
        var sb = new StringBuilder(4200);
        var i = 0;
        while (sb.Length < 4096)
        {
            sb.Append(sentences[i % sentences.Length]);
            if (findings && i % 9 == 4) sb.Append(secrets[i / 9 % secrets.Length]);
            i++;
        }
        return sb.ToString(0, 4096);
    }

    [Benchmark(Baseline = true)]
    public int Scan_Clean4K() => PiiScanner.FindKinds(_clean, PiiScanner.All);

    [Benchmark]
    public int Scan_WithFindings4K() => PiiScanner.FindKinds(_withFindings, PiiScanner.All);

    [Benchmark]
    public int Redact_WithFindings4K() => PiiScanner.Redact(_withFindings, PiiScanner.All, out _).Length;

    /// <summary>What the guardrail stage adds to a request with a 4 KB prompt and a PII validate guardrail that passes.</summary>
    [Benchmark]
    public bool InputCheck_ChatBody4K()
    {
        var parts = JsonTextParts.Read(_body, request: true);
        return _validate.CheckAsync(_check with { Parts = JsonTextParts.Values(parts) }, null, CancellationToken.None).Result.Outcome == GuardrailOutcome.Pass;
    }
}
