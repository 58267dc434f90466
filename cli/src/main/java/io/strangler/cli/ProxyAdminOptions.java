package io.strangler.cli;

import io.strangler.traffic.replay.ProxyAdmin;
import java.net.URI;
import picocli.CommandLine.Option;

/** The proxy's admin port, optional: where a traffic command reads the proxy's own comparison. */
final class ProxyAdminOptions {
  @Option(
      names = "--admin",
      paramLabel = "URL",
      description =
          "With --target: the proxy's admin URL, to read its comparison of the two backends (/metrics) over the run.")
  URI admin;

  @Option(
      names = "--admin-token",
      paramLabel = "T",
      description = "Admin bearer token (default: $STRANGLER_ADMIN_TOKEN).")
  String token;

  boolean given() {
    return admin != null;
  }

  ProxyAdmin open() {
    return new ProxyAdmin(admin, token != null ? token : System.getenv(ProxyAdmin.TOKEN_ENV));
  }
}
