package io.strangler.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.strangler.api.ControlApiJson;
import io.strangler.api.ControlPlane;
import io.strangler.dispatch.AdminResponse;
import io.strangler.dispatch.AdminRoutes;
import io.strangler.dispatch.CountingSink;
import io.strangler.dispatch.DispatchServer;
import io.strangler.dispatch.OutcomeSink;
import io.strangler.dispatch.ProxyConfig;
import io.strangler.flags.FlagSource;
import io.strangler.flags.Mode;
import io.strangler.flags.SetResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The assembled proxy: the control API bound into the dual-dispatch server over the two real
 * backends, the flags, the outcome sink and the admin routes. Owns everything it is given and
 * closes it in reverse order.
 */
public final class StranglerServer implements AutoCloseable {
  private static final ObjectMapper JSON = ControlApiJson.mapper();

  private final DispatchServer server;
  private final CountingSink counts;
  private final List<AutoCloseable> owned;

  private StranglerServer(DispatchServer server, CountingSink counts, List<AutoCloseable> owned) {
    this.server = server;
    this.counts = counts;
    this.owned = owned;
  }

  /** Starts serving; on failure closes what it was given. */
  public static StranglerServer start(
      ProxyConfig config, ControlPlane legacy, ControlPlane controlPlane, FlagSource flags) {
    Objects.requireNonNull(config, "config");
    List<AutoCloseable> owned = new ArrayList<>(List.of(legacy, controlPlane, flags));
    try {
      CountingSink counts = new CountingSink();
      OutcomeSink sink = counts;
      AdminRoutes admin = AdminRoutes.builder().add(flagRoutes(flags)).add(statsRoutes(counts)).build();
      DispatchServer server =
          DispatchServer.builder(config)
              .apis(ControlApiBinding.registry())
              .flags(flags)
              .legacy(ControlApiBinding.backend(legacy))
              .newer(ControlApiBinding.backend(controlPlane))
              .sink(sink)
              .admin(admin)
              .start();
      return new StranglerServer(server, counts, owned);
    } catch (RuntimeException e) {
      closeAll(owned, e);
      throw e;
    }
  }

  static AdminRoutes flagRoutes(FlagSource flags) {
    return AdminRoutes.builder()
        .get("/admin/flags", req -> AdminResponse.ok(JSON.valueToTree(flags.snapshot())))
        .get(
            "/admin/flags/audit",
            req -> {
              int limit = req.queryParam("limit").map(Integer::parseInt).orElse(100);
              ObjectNode body = JSON.createObjectNode();
              body.set("entries", JSON.valueToTree(flags.audit(Math.max(1, Math.min(limit, 1000)))));
              return AdminResponse.ok(body);
            })
        .put(
            "/admin/flags/{operation}",
            req -> {
              JsonNode body = req.body();
              if (!body.isObject() || !body.hasNonNull("mode")) {
                return AdminResponse.error(400, "INVALID_ARGUMENT", "body must be {\"mode\": ..., \"rolloutPercent\": 0..100}");
              }
              Mode mode;
              try {
                mode = Mode.parse(body.get("mode").asText());
              } catch (IllegalArgumentException e) {
                return AdminResponse.error(400, "INVALID_ARGUMENT", e.getMessage());
              }
              JsonNode rollout = body.get("rolloutPercent");
              if (rollout != null && !rollout.isNull() && !rollout.canConvertToInt()) {
                return AdminResponse.error(400, "INVALID_ARGUMENT", "rolloutPercent must be an integer 0..100");
              }
              int percent = rollout == null || rollout.isNull() ? 100 : rollout.asInt();
              String who =
                  body.hasNonNull("who")
                      ? body.get("who").asText()
                      : req.header("x-strangler-user").orElse("admin@" + req.remote());
              SetResult result = flags.set(req.pathParam("operation"), mode, percent, who);
              return switch (result) {
                case SetResult.Applied a -> AdminResponse.ok(JSON.valueToTree(a.flag()));
                case SetResult.Invalid i -> AdminResponse.error(400, "INVALID_ARGUMENT", i.message());
                case SetResult.NotSupported n -> AdminResponse.error(409, "FAILED_PRECONDITION", n.message());
                case SetResult.Failed f -> AdminResponse.error(500, "INTERNAL", f.message());
              };
            })
        .build();
  }

  private static AdminRoutes statsRoutes(CountingSink counts) {
    return AdminRoutes.builder()
        .get("/admin/outcomes", req -> AdminResponse.ok(JSON.valueToTree(counts.snapshot())))
        .build();
  }

  public int port() {
    return server.port();
  }

  public int adminPort() {
    return server.adminPort();
  }

  public DispatchServer dispatch() {
    return server;
  }

  public CountingSink outcomes() {
    return counts;
  }

  /** Stops accepting, finishes in-flight calls and shadow writes (bounded), then closes. */
  public boolean shutdown(Duration grace) {
    boolean clean = server.shutdown(grace);
    closeAll(owned, null);
    return clean;
  }

  @Override
  public void close() {
    shutdown(Duration.ofSeconds(10));
  }

  private static void closeAll(List<AutoCloseable> owned, RuntimeException primary) {
    for (int i = owned.size() - 1; i >= 0; i--) {
      try {
        owned.get(i).close();
      } catch (Exception e) {
        if (primary != null) {
          primary.addSuppressed(e);
        }
      }
    }
  }
}
