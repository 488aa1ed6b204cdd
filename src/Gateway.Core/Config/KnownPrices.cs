namespace Gateway.Config;

/// <summary>
/// Default prices (USD per million tokens) for well-known models, used when the config gives none.
/// Source: the providers' public price pages as of 2026; a config <c>price</c> always wins.
/// </summary>
internal static class KnownPrices
{
    internal readonly record struct Entry(double Input, double Output, ModelTypes Types);

    private static readonly Dictionary<string, Entry> s_prices = new(StringComparer.OrdinalIgnoreCase)
    {
        ["gpt-4o"] = new(2.50, 10.00, ModelTypes.Chat),
        ["gpt-4o-mini"] = new(0.15, 0.60, ModelTypes.Chat),
        ["gpt-4.1"] = new(2.00, 8.00, ModelTypes.Chat),
        ["gpt-4.1-mini"] = new(0.40, 1.60, ModelTypes.Chat),
        ["gpt-4.1-nano"] = new(0.10, 0.40, ModelTypes.Chat),
        ["o3"] = new(2.00, 8.00, ModelTypes.Chat),
        ["o4-mini"] = new(1.10, 4.40, ModelTypes.Chat),
        ["gpt-3.5-turbo-instruct"] = new(1.50, 2.00, ModelTypes.Completion),
        ["text-embedding-3-small"] = new(0.02, 0, ModelTypes.Embedding),
        ["text-embedding-3-large"] = new(0.13, 0, ModelTypes.Embedding),
        ["text-embedding-ada-002"] = new(0.10, 0, ModelTypes.Embedding),
    };

    public static Entry? Find(string upstreamModel) =>
        s_prices.TryGetValue(upstreamModel, out var e) ? e : null;
}
