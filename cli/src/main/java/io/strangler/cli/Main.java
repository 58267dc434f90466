package io.strangler.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code strangler}: the one command users type. */
@Command(
    name = "strangler",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = {
      "Moves a control plane from Redis (legacy) to PostgreSQL (new) with the strangler-fig pattern:",
      "a proxy sends every control API call to both, returns the authoritative answer per API flag,",
      "and compares the two."
    },
    subcommands = {
      ServeCommand.class,
      DemoCommand.class,
      FlagsCommand.class,
      CutoverCommand.class,
      MismatchesCommand.class,
      ReadinessCommand.class,
      io.strangler.importer.SeedCommand.class,
      io.strangler.importer.ImportCommand.class,
      DriftCommand.class,
      ReplayCommand.class,
      SimulateCommand.class,
      CommandLine.HelpCommand.class
    })
public final class Main implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs a command line and returns its exit code (for tests: no System.exit). */
  public static int run(String... args) {
    return new CommandLine(new Main())
        .setCaseInsensitiveEnumValuesAllowed(true)
        .setExecutionExceptionHandler(
            (e, commandLine, parseResult) -> {
              commandLine.getErr().println("strangler: " + Cli.describe(e));
              return e instanceof IllegalArgumentException ? 2 : 1;
            })
        .execute(args);
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = Main.class.getPackage().getImplementationVersion();
      return new String[] {"strangler " + (v == null ? "dev" : v)};
    }
  }
}
