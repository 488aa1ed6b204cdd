using Gateway;

InlineCompletions.DefaultOn();
return await Cli.RunAsync(args).ConfigureAwait(false);
