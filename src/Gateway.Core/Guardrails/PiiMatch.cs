using Gateway.Config;

namespace Gateway.Guardrails;

/// <summary>One finding of <see cref="PiiScanner"/>: where it is and what it is (never the text itself, so it cannot leak).</summary>
internal readonly record struct PiiMatch(int Start, int Length, PiiEntity Entity)
{
    public int End => Start + Length;
}
