package io.strangler.flags;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the strangler toggles say regardless of any routing key, read from Unleash's client-features
 * JSON (what the server sends, the backup file, a bootstrap file): whether a toggle is on, the mode
 * its variants name and its rollout percentage. The Unleash client exposes no variants or
 * strategies of a toggle, so this is read beside it, for two things only: the mode of keys outside
 * a rollout (the previous of the configured one) and the admin view.
 */
final class ToggleDefinitions {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Set<String> ROLLOUTS =
      Set.of(
          "flexibleRollout",
          "gradualRolloutUserId",
          "gradualRolloutSessionId",
          "gradualRolloutRandom");

  /**
   * One toggle.
   *
   * @param mode the most advanced mode among the variant names (feature and strategy variants), or
   *     null when none names a mode
   * @param rolloutPercent 0 when off, 100 when on for everyone, the rollout of its single rollout
   *     strategy, or null when its strategies are anything else
   * @param badVariants variant names that are not modes
   */
  record Toggle(Mode mode, Integer rolloutPercent, List<String> badVariants) {}

  private ToggleDefinitions() {}

  /**
   * The toggles named with {@code prefix}, by name.
   *
   * @throws IllegalArgumentException when the JSON is not client-features JSON
   */
  static Map<String, Toggle> parse(String clientFeatures, String prefix) {
    JsonNode root;
    try {
      root = JSON.readTree(clientFeatures);
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "Unleash features are not valid JSON: " + e.getMessage(), e);
    }
    JsonNode features = root == null ? null : root.get("features");
    if (features == null || !features.isArray()) {
      throw new IllegalArgumentException("Unleash features JSON has no \"features\" array");
    }
    Map<String, Toggle> out = new HashMap<>();
    for (JsonNode f : features) {
      String name = f.path("name").asText("");
      if (!name.startsWith(prefix)) {
        continue;
      }
      out.put(name, toggle(f));
    }
    return out;
  }

  private static Toggle toggle(JsonNode f) {
    List<String> names = new ArrayList<>();
    f.path("variants").forEach(v -> names.add(v.path("name").asText("")));
    JsonNode strategies = f.path("strategies");
    strategies.forEach(s -> s.path("variants").forEach(v -> names.add(v.path("name").asText(""))));
    Mode mode = null;
    List<String> bad = new ArrayList<>();
    for (String n : names) {
      try {
        Mode m = Mode.parse(n);
        if (mode == null || m.ordinal() > mode.ordinal()) {
          mode = m;
        }
      } catch (IllegalArgumentException e) {
        bad.add(n);
      }
    }
    return new Toggle(
        mode, rollout(f.path("enabled").asBoolean(false), strategies), List.copyOf(bad));
  }

  private static Integer rollout(boolean enabled, JsonNode strategies) {
    if (!enabled) {
      return 0;
    }
    if (!strategies.isArray() || strategies.isEmpty()) {
      return 100;
    }
    for (JsonNode s : strategies) {
      if ("default".equals(s.path("name").asText()) && unconditional(s)) {
        return 100;
      }
    }
    if (strategies.size() == 1) {
      JsonNode s = strategies.get(0);
      if (ROLLOUTS.contains(s.path("name").asText()) && unconditional(s)) {
        JsonNode p = s.path("parameters");
        String v = p.has("rollout") ? p.path("rollout").asText() : p.path("percentage").asText();
        try {
          int pct = Integer.parseInt(v.trim());
          return pct >= 0 && pct <= 100 ? pct : null;
        } catch (NumberFormatException e) {
          return null;
        }
      }
    }
    return null;
  }

  private static boolean unconditional(JsonNode strategy) {
    return strategy.path("constraints").isEmpty() && strategy.path("segments").isEmpty();
  }
}
