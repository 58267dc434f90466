package io.strangler.cli;

import java.net.URI;
import picocli.CommandLine.Option;

/** Where the running proxy's admin port is, for commands that talk to it. */
final class AdminOptions {
  @Option(
      names = "--admin",
      defaultValue = "http://127.0.0.1:8081/",
      description = "Admin URL of the running proxy (default ${DEFAULT-VALUE}).")
  URI admin;

  @Option(
      names = "--admin-token",
      description = "Admin bearer token (default: $STRANGLER_ADMIN_TOKEN).")
  String token;

  AdminClient client() {
    String t = token != null ? token : System.getenv(AdminTokens.ENV);
    if (t == null || t.isBlank()) {
      throw new CliException(
          "no admin token: pass --admin-token or set "
              + AdminTokens.ENV
              + " (`strangler serve` prints the one it uses)");
    }
    return new AdminClient(admin, t);
  }
}
