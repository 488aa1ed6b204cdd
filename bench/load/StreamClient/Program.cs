using StreamClient;

// stream-client stream  --url URL --model M [--concurrency 100] [--duration 10] [--warmup 1] [--prompt TEXT]
// stream-client hold    --url URL --model M [--streams 5000] [--opening 200] [--hold 10] [--pid PID]...
// stream-client startup --exe PATH --url BASEURL [--env K=V]... [--exe-b PATH] [--env-b K=V]... [--runs 5] [--idle-ms 1000] -- ARGS OF PATH...
// Each prints one "RESULT key=value ..." line for bench/load/run.sh and exits non-zero when something failed.
if (args.Length == 0)
{
    Console.Error.WriteLine("usage: stream-client stream|hold|startup --name value ... (see Program.cs)");
    return 2;
}
try
{
    var options = new Args(args.Skip(1));
    return args[0] switch
    {
        "stream" => await StreamMode.RunAsync(options),
        "hold" => await HoldMode.RunAsync(options),
        "startup" => await StartupMode.RunAsync(options),
        _ => throw new ArgumentException($"unknown mode '{args[0]}'"),
    };
}
catch (ArgumentException e)
{
    Console.Error.WriteLine("stream-client: " + e.Message);
    return 2;
}
