using Gateway;

// Socket completions run inline on the socket threads unless the environment says otherwise (=0): request
// code then skips the thread-pool hop on every read and write (GatewayApp sets Kestrel's side to match).
// Measured for issue #11 (bench/load/RESULTS.md): at one connection CPU per request 0.71x and p50
// 587 -> 448 µs; at 50 connections the same CPU. Set here, before the first socket: System.Net.Sockets
// reads the variable once. Nothing on the request path blocks (the span store and queries have threads
// of their own), which is what inline completions require.
if (Environment.GetEnvironmentVariable(GatewayApp.InlineCompletionsVariable) is null)
{
    Environment.SetEnvironmentVariable(GatewayApp.InlineCompletionsVariable, "1");
}

return await Cli.RunAsync(args).ConfigureAwait(false);
