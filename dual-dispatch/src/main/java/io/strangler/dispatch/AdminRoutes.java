package io.strangler.dispatch;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The admin port's routes: a method, a path pattern whose segments are literal or {@code {name}},
 * and a handler. Several parts of the tool each contribute routes; they are merged with {@link
 * Builder#add(AdminRoutes)}. A small router, not a framework: exact segments, no wildcards.
 */
public final class AdminRoutes {
  private static final Pattern LITERAL = Pattern.compile("[A-Za-z0-9._~-]+");
  private static final Pattern PARAM = Pattern.compile("\\{[A-Za-z][A-Za-z0-9_]*}");

  record Route(
      String method, String pattern, String[] segments, AdminHandler handler, boolean open) {}

  /** The result of matching a request. */
  sealed interface Match {}

  /** {@code open}: the route is served without the bearer token (a static page). */
  record Found(AdminHandler handler, Map<String, String> params, boolean open) implements Match {}

  record WrongMethod(Set<String> allowed) implements Match {}

  record NotFound() implements Match {}

  private final List<Route> routes;

  private AdminRoutes(List<Route> routes) {
    this.routes = List.copyOf(routes);
  }

  public static Builder builder() {
    return new Builder();
  }

  public static AdminRoutes empty() {
    return new AdminRoutes(List.of());
  }

  /** {@code METHOD pattern} of every route, in the order added. */
  public List<String> describe() {
    return routes.stream().map(r -> r.method + " " + r.pattern).toList();
  }

  Match match(String method, String path) {
    String[] parts = split(path);
    Set<String> allowed = new LinkedHashSet<>();
    Found best = null;
    for (Route r : routes) {
      Map<String, String> params = bind(r.segments, parts);
      if (params == null) {
        continue;
      }
      if (!r.method.equals(method)) {
        allowed.add(r.method);
      } else if (best == null || params.size() < best.params.size()) {
        // A literal segment beats a parameter: /admin/flags/audit before /admin/flags/{op}.
        best = new Found(r.handler, params, r.open);
      }
    }
    if (best != null) {
      return best;
    }
    return allowed.isEmpty() ? new NotFound() : new WrongMethod(allowed);
  }

  private static Map<String, String> bind(String[] pattern, String[] parts) {
    if (pattern.length != parts.length) {
      return null;
    }
    Map<String, String> params = null;
    for (int i = 0; i < pattern.length; i++) {
      String p = pattern[i];
      if (p.startsWith("{")) {
        if (parts[i].isEmpty()) {
          return null;
        }
        if (params == null) {
          params = new HashMap<>(4);
        }
        params.put(p.substring(1, p.length() - 1), parts[i]);
      } else if (!p.equals(parts[i])) {
        return null;
      }
    }
    return params == null ? Map.of() : params;
  }

  private static String[] split(String path) {
    String p = path.startsWith("/") ? path.substring(1) : path;
    if (p.endsWith("/")) {
      p = p.substring(0, p.length() - 1);
    }
    return p.isEmpty() ? new String[0] : p.split("/", -1);
  }

  /** Collects routes; a method and pattern may be routed once. */
  public static final class Builder {
    private final List<Route> routes = new ArrayList<>();

    private Builder() {}

    public Builder get(String pattern, AdminHandler handler) {
      return route("GET", pattern, handler);
    }

    public Builder put(String pattern, AdminHandler handler) {
      return route("PUT", pattern, handler);
    }

    public Builder post(String pattern, AdminHandler handler) {
      return route("POST", pattern, handler);
    }

    public Builder delete(String pattern, AdminHandler handler) {
      return route("DELETE", pattern, handler);
    }

    /** A route for any method, for example {@code route("GET", "/admin/flags/{operation}", h)}. */
    public Builder route(String method, String pattern, AdminHandler handler) {
      return add(method, pattern, handler, false);
    }

    /**
     * A GET served WITHOUT the bearer token: only for static content that reveals nothing (the
     * dashboard page, which fetches its data with the token the user gives it).
     */
    public Builder openGet(String pattern, AdminHandler handler) {
      return add("GET", pattern, handler, true);
    }

    private Builder add(String method, String pattern, AdminHandler handler, boolean open) {
      Objects.requireNonNull(method, "method");
      Objects.requireNonNull(pattern, "pattern");
      Objects.requireNonNull(handler, "handler");
      String m = method.toUpperCase(Locale.ROOT);
      if (!pattern.startsWith("/")) {
        throw new IllegalArgumentException("a route pattern starts with '/', got '" + pattern + "'");
      }
      String[] segments = split(pattern);
      Set<String> names = new LinkedHashSet<>();
      for (String s : segments) {
        if (PARAM.matcher(s).matches()) {
          if (!names.add(s)) {
            throw new IllegalArgumentException("'" + pattern + "' names " + s + " twice");
          }
        } else if (!LITERAL.matcher(s).matches()) {
          throw new IllegalArgumentException(
              "route segment '" + s + "' of '" + pattern + "' is neither a literal nor {name}");
        }
      }
      for (Route r : routes) {
        if (r.method.equals(m) && sameShape(r.segments, segments)) {
          throw new IllegalArgumentException(
              m + " " + pattern + " clashes with " + r.method + " " + r.pattern);
        }
      }
      routes.add(new Route(m, pattern, segments, handler, open));
      return this;
    }

    /** Every route of {@code other}. */
    public Builder add(AdminRoutes other) {
      for (Route r : other.routes) {
        add(r.method, r.pattern, r.handler, r.open);
      }
      return this;
    }

    public AdminRoutes build() {
      return new AdminRoutes(routes);
    }

    private static boolean sameShape(String[] a, String[] b) {
      if (a.length != b.length) {
        return false;
      }
      for (int i = 0; i < a.length; i++) {
        boolean pa = a[i].startsWith("{");
        boolean pb = b[i].startsWith("{");
        if (pa != pb || (!pa && !a[i].equals(b[i]))) {
          return false;
        }
      }
      return true;
    }
  }
}
