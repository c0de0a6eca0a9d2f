using NormLab.Cli;

return CommandLine.Run(args);
