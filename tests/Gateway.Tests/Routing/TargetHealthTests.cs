using System.Diagnostics;
using Gateway.Config;
using Gateway.Proxy;
using Gateway.Providers;
using Gateway.Routing;
using Microsoft.Extensions.Time.Testing;

namespace Gateway.Tests.Routing;

public sealed class TargetHealthTests : IDisposable
{
    private readonly Upstream _upstream = new(new ProviderConfig { Name = "p", Kind = ProviderKind.Mock, Models = [] });

    public void Dispose() => _upstream.Dispose();

    private (Exchange, Attempt) Attempt(AttemptOutcome outcome, int status = 0, bool stream = false, long startOffsetMs = 100)
    {
        var step = new RouteStep(new ModelTarget(_upstream, new ModelConfig { Name = "m", UpstreamModel = "m" }));
        var now = Stopwatch.GetTimestamp();
        var exchange = new Exchange { Operation = Operation.Chat, StartTimestamp = now - startOffsetMs * Stopwatch.Frequency / 1000 };
        exchange.Head.Stream = stream;
        var attempt = new Attempt { Step = step, Number = 0, Retry = 0, StartTimestamp = exchange.StartTimestamp, EndTimestamp = now, Outcome = outcome, UpstreamStatus = status };
        return (exchange, attempt);
    }

    [Theory]
    // AttemptOutcome is internal, so the cases name it and the test parses it.
    [InlineData("Unreachable", 0, true)]
    [InlineData("TimedOut", 0, true)]
    [InlineData("Interrupted", 0, true)]
    [InlineData("UpstreamStatus", 503, true)]
    [InlineData("UpstreamStatus", 429, true)]
    [InlineData("UpstreamStatus", 401, true)]
    [InlineData("UpstreamStatus", 400, false)]
    [InlineData("UpstreamStatus", 422, false)]
    [InlineData("ClientGone", 0, false)]
    public void Outcomes_CountAsFailuresOnlyWhenTheTargetIsAtFault(string outcomeName, int status, bool failure)
    {
        var outcome = Enum.Parse<AttemptOutcome>(outcomeName);
        var health = new TargetHealth(new HealthOptions { FailureThreshold = 1, CooldownMs = 60_000 });
        var (exchange, attempt) = Attempt(outcome, status);
        health.Observe(exchange, attempt);
        Assert.Equal(failure, health.IsDown(Stopwatch.GetTimestamp()));
    }

    [Fact]
    public void Delivered_RecordsLatency_AndResetsTheFailureCount()
    {
        var health = new TargetHealth(new HealthOptions { FailureThreshold = 2, CooldownMs = 60_000 });
        health.RecordFailure(Stopwatch.GetTimestamp());
        var (exchange, attempt) = Attempt(AttemptOutcome.Delivered, 200);
        health.Observe(exchange, attempt);
        Assert.Equal(0, health.ConsecutiveFailures);
        Assert.InRange(health.Latency(stream: false), 99, 200);
        Assert.True(double.IsNaN(health.Latency(stream: true)));
    }

    [Fact]
    public void DeliveredStream_RecordsTimeToFirstTokenFromTheAttemptStart_AndInterTokenLatency()
    {
        var health = new TargetHealth(HealthOptions.Default);
        var (exchange, attempt) = Attempt(AttemptOutcome.Delivered, 200, stream: true);
        var f = Stopwatch.Frequency / 1000;
        exchange.RecordToken(attempt.StartTimestamp + 40 * f);
        exchange.RecordToken(attempt.StartTimestamp + 50 * f);
        exchange.RecordToken(attempt.StartTimestamp + 60 * f);
        health.Observe(exchange, attempt);
        Assert.Equal(40, health.Latency(stream: true), 3);
        Assert.Equal(10, health.TimePerOutputTokenMs, 3);
    }

    [Fact]
    public void Ewma_BlendsFreshSamples()
    {
        var health = new TargetHealth(HealthOptions.Default);
        var now = Stopwatch.GetTimestamp();
        health.RecordLatency(false, 100, now);
        health.RecordLatency(false, 200, now);
        Assert.Equal(0.3 * 200 + 0.7 * 100, health.Latency(false), 6);
    }

    [Fact]
    public void ObservedFailures_StartTheCoolDownOnTheInjectedClock()
    {
        var time = new FakeTimeProvider();
        var health = new TargetHealth(new HealthOptions { FailureThreshold = 1, CooldownMs = 10_000 }, time);
        var (exchange, attempt) = Attempt(AttemptOutcome.Unreachable);
        health.Observe(exchange, attempt);

        Assert.True(health.IsDown(time.GetTimestamp()));
        time.Advance(TimeSpan.FromMilliseconds(9_999));
        Assert.True(health.IsDown(time.GetTimestamp()));
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.False(health.IsDown(time.GetTimestamp()));
        Assert.True(health.IsHalfOpen(time.GetTimestamp()));
        Assert.True(health.TryClaimRecoveryProbe(time.GetTimestamp()));
        Assert.False(health.TryClaimRecoveryProbe(time.GetTimestamp()));
    }

    [Fact]
    public void LatencySamples_GoStaleOnTheInjectedClock()
    {
        var time = new FakeTimeProvider();
        var health = new TargetHealth(new HealthOptions { CooldownMs = 1_000 }, time);
        var (exchange, attempt) = Attempt(AttemptOutcome.Delivered, 200);
        health.Observe(exchange, attempt);

        Assert.False(health.IsStale(stream: false, time.GetTimestamp()));
        time.Advance(TimeSpan.FromMilliseconds(1_001));
        Assert.True(health.IsStale(stream: false, time.GetTimestamp()));
    }
}
