using System.Buffers;
using System.Collections.Concurrent;

namespace Gateway.Tests.Proxy;

/// <summary>An array pool that hands out new arrays and counts, per array, how often each came back.</summary>
internal sealed class TrackingPool : ArrayPool<byte>
{
    private readonly ConcurrentDictionary<byte[], int> _returns = new(ReferenceEqualityComparer.Instance);

    public override byte[] Rent(int minimumLength) => new byte[minimumLength];

    public override void Return(byte[] array, bool clearArray = false) => _returns.AddOrUpdate(array, 1, static (_, n) => n + 1);

    public int Returns(byte[] array) => _returns.TryGetValue(array, out var n) ? n : 0;
}
