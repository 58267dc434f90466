package io.strangler.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.strangler.api.ControlApiJson;
import io.strangler.diff.report.ApiReadiness;
import io.strangler.diff.report.DiffAdmin;
import io.strangler.diff.report.DiffConfig;
import io.strangler.diff.report.FleetCounters;
import io.strangler.diff.report.FleetReadiness;
import io.strangler.diff.report.Readiness;
import io.strangler.dispatch.AdminRequest;
import io.strangler.dispatch.AdminResponse;
import io.strangler.endpoints.PostgresEndpoint;
import io.strangler.flags.FlagSource;
import io.strangler.flags.FlagVersions;
import io.strangler.flags.OverridingFlags;
import io.strangler.flags.PostgresFlags;
import io.strangler.flags.SharedOverrides;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This instance's part in a fleet of proxies that share one PostgreSQL: its diff counters written
 * per minute for everyone's readiness ({@link FleetCounters}), the fleet's readiness read back
 * ({@link FleetReadiness}) for {@code /admin/readiness} and the cut-over gates, which flags it
 * applies ({@link FlagVersions}) for {@code /admin/flags}, and the flag overrides every instance
 * holds ({@link SharedOverrides}). One small connection pool for the four.
 */
final class Fleet implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Fleet.class);
  private static final ObjectMapper JSON = ControlApiJson.mapper();
  private static final Duration FLAG_CHECK = Duration.ofMillis(250);

  private final String instance;
  private final HikariDataSource pool;
  private final FleetCounters counters;
  private final FleetReadiness readiness;
  private final FlagVersions flagVersions;
  private final SharedOverrides overrides;
  private final AtomicLong gateReadFailures = new AtomicLong();

  private Fleet(
      String instance,
      HikariDataSource pool,
      FleetCounters counters,
      FleetReadiness readiness,
      FlagVersions flagVersions,
      SharedOverrides overrides) {
    this.instance = instance;
    this.pool = pool;
    this.counters = counters;
    this.readiness = readiness;
    this.flagVersions = flagVersions;
    this.overrides = overrides;
  }

  /** Joins the fleet on {@code store} as {@code instance}; on failure closes what it opened. */
  static Fleet open(
      PostgresEndpoint store,
      String instance,
      DiffConfig config,
      Clock clock,
      FleetSetup setup,
      OverridingFlags flags) {
    HikariConfig hikari = new HikariConfig();
    hikari.setPoolName("strangler-fleet");
    hikari.setJdbcUrl(store.jdbcUrl());
    hikari.setUsername(store.user());
    hikari.setPassword(store.password());
    // The counters' writer, the flag versions' writer, and readers of the fleet's readiness.
    hikari.setMaximumPoolSize(4);
    hikari.setMinimumIdle(1);
    hikari.setConnectionTimeout(5_000);
    HikariDataSource pool = new HikariDataSource(hikari);
    FleetCounters counters = null;
    try {
      counters =
          FleetCounters.open(
              pool,
              instance,
              clock,
              FleetCounters.Options.defaults().withFlushInterval(setup.flushInterval()));
      FleetReadiness readiness = counters.readiness(config, clock);
      Optional<PostgresFlags> shared = shared(flags);
      FlagVersions versions =
          FlagVersions.start(
              pool,
              instance,
              flags,
              () -> shared.map(p -> OptionalLong.of(p.version())).orElse(OptionalLong.empty()),
              clock,
              FLAG_CHECK);
      // Overrides held over a source the proxies cannot write (Unleash): every instance's.
      SharedOverrides overrides;
      try {
        overrides = SharedOverrides.start(pool, flags, instance, FLAG_CHECK);
      } catch (RuntimeException e) {
        versions.close();
        throw e;
      }
      log.info(
          "in the fleet as {}: counters every {}, flags {}, overrides shared",
          instance,
          setup.flushInterval(),
          shared.isPresent() ? "shared" : "this instance's own");
      return new Fleet(instance, pool, counters, readiness, versions, overrides);
    } catch (RuntimeException e) {
      if (counters != null) {
        counters.close();
      }
      pool.close();
      throw e;
    }
  }

  /** The shared source under the overrides and closers, if the flags are shared. */
  private static Optional<PostgresFlags> shared(FlagSource flags) {
    FlagSource f = flags;
    for (int depth = 0; depth < 4; depth++) {
      switch (f) {
        case PostgresFlags p -> {
          return Optional.of(p);
        }
        case OverridingFlags o -> f = o.source();
        case ClosingFlags c -> f = c.flags();
        default -> {
          return Optional.empty();
        }
      }
    }
    return Optional.empty();
  }

  String instance() {
    return instance;
  }

  FleetCounters counters() {
    return counters;
  }

  FleetReadiness readiness() {
    return readiness;
  }

  /**
   * The fleet's readiness of {@code api} for the cut-over's gates; null (the gates then say
   * "unknown" and fail) while the shared store cannot be read.
   */
  ApiReadiness gateReadiness(String api) {
    try {
      return readiness.of(api);
    } catch (IllegalStateException e) {
      if (gateReadFailures.getAndIncrement() % 60 == 0) {
        log.warn("the fleet's readiness cannot be read; the cut-over gates see it as unknown", e);
      }
      return null;
    }
  }

  /**
   * {@code GET /admin/readiness}: the fleet's numbers, {@code ?instance=ID} one instance's (from
   * what it wrote), {@code ?scope=local} this process's own window. 503 when the shared store
   * cannot be read.
   */
  AdminResponse readinessRoute(
      AdminRequest req, DiffAdmin local, Readiness own, UnaryOperator<JsonNode> decorate) {
    Optional<String> scope = req.queryParam("scope").filter(s -> !s.isBlank());
    Optional<String> one = req.queryParam("instance").filter(s -> !s.isBlank());
    if (scope.isPresent() && !scope.get().equals("local") && !scope.get().equals("fleet")) {
      return AdminResponse.error(
          400, "INVALID_ARGUMENT", "scope must be fleet or local, got '" + scope.get() + "'");
    }
    if (scope.isPresent() && scope.get().equals("local")) {
      return AdminResponse.ok(decorate.apply(body(local, own.all(), "local", instance)));
    }
    try {
      if (one.isPresent()) {
        return AdminResponse.ok(
            decorate.apply(body(local, readiness.ofInstance(one.get()), "instance", one.get())));
      }
      ObjectNode out = body(local, readiness.all(), "fleet", instance);
      List<FleetReadiness.Instance> instances = readiness.instances();
      out.set("instances", JSON.valueToTree(instances));
      out.put("liveInstances", instances.stream().filter(FleetReadiness.Instance::live).count());
      return AdminResponse.ok(decorate.apply(out));
    } catch (IllegalStateException e) {
      return AdminResponse.error(
          503,
          "UNAVAILABLE",
          "the fleet's numbers cannot be read ("
              + e.getMessage()
              + "); ?scope=local has this instance's own");
    }
  }

  private static ObjectNode body(
      DiffAdmin admin, List<ApiReadiness> values, String scope, String instance) {
    ObjectNode apis = admin.readiness(values);
    ObjectNode out = JSON.createObjectNode();
    out.put("scope", scope);
    out.put("instance", instance);
    out.set("apis", apis.get("apis"));
    return out;
  }

  /**
   * Adds to a {@code GET /admin/flags} body what this instance applies ({@code version}, {@code
   * digest}, {@code appliedAt}) and every instance's ({@code fleet}); the fleet is left out, with
   * {@code fleetError}, while the shared store cannot be read.
   */
  void addFlagVersions(ObjectNode snapshot) {
    FlagVersions.Current mine = flagVersions.current();
    snapshot.put("instance", instance);
    if (mine.version() != null) {
      snapshot.put("version", mine.version());
    }
    snapshot.put("digest", mine.digest());
    snapshot.set("appliedAt", JSON.valueToTree(mine.appliedAt()));
    try {
      snapshot.set("fleet", JSON.valueToTree(flagVersions.fleet()));
    } catch (IllegalStateException e) {
      snapshot.put("fleetError", e.getMessage());
    }
  }

  /** Stops reporting flags, writes the last counters, closes the pool. */
  @Override
  public void close() {
    try {
      overrides.close();
      flagVersions.close();
    } finally {
      try {
        counters.close();
      } finally {
        pool.close();
      }
    }
  }
}
