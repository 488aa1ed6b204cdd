namespace Gateway.Tests.Spans;

/// <summary>Polls for what the store's threads do in their own time, with a deadline.</summary>
internal static class Eventually
{
    public static async Task True(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not met within 10 s");
            await Task.Delay(10);
        }
    }
}
