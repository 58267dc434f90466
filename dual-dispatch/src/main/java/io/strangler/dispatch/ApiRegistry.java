package io.strangler.dispatch;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/** The operations a proxy serves, by name. Immutable; built once before the proxy starts. */
public final class ApiRegistry {
  private final Map<String, ApiSpec> byName;

  private ApiRegistry(Map<String, ApiSpec> byName) {
    this.byName = Collections.unmodifiableMap(new LinkedHashMap<>(byName));
  }

  public static Builder builder() {
    return new Builder();
  }

  public Optional<ApiSpec> find(String name) {
    return Optional.ofNullable(byName.get(name));
  }

  /** Every operation, in registration order. */
  public List<ApiSpec> all() {
    return List.copyOf(byName.values());
  }

  public Set<String> names() {
    return byName.keySet();
  }

  /** Collects operations; names must be unique. */
  public static final class Builder {
    private final Map<String, ApiSpec> byName = new LinkedHashMap<>();

    private Builder() {}

    public Builder add(ApiSpec spec) {
      Objects.requireNonNull(spec, "spec");
      String name = Objects.requireNonNull(spec.name(), "spec.name()");
      if (!ApiSpec.NAME.matcher(name).matches()) {
        throw new IllegalArgumentException(
            "operation name must match " + ApiSpec.NAME.pattern() + ", got '" + name + "'");
      }
      Objects.requireNonNull(spec.kind(), () -> "kind of " + name);
      if (byName.putIfAbsent(name, spec) != null) {
        throw new IllegalArgumentException("operation '" + name + "' is registered twice");
      }
      return this;
    }

    public Builder addAll(Iterable<? extends ApiSpec> specs) {
      for (ApiSpec s : specs) {
        add(s);
      }
      return this;
    }

    public ApiRegistry build() {
      if (byName.isEmpty()) {
        throw new IllegalStateException("an API registry needs at least one operation");
      }
      return new ApiRegistry(byName);
    }
  }
}
