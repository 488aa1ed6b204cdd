using Gateway;

return await Cli.RunAsync(args).ConfigureAwait(false);
