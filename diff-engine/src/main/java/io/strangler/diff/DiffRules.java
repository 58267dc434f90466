package io.strangler.diff;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Per-API canonicalization and comparison rules, loaded from a JSON or YAML rules file (format:
 * {@code docs/diff-rules.md}). Immutable, validated and compiled when loaded: a bad file fails with
 * a {@link DiffRulesException} naming the API and the pattern, never half-applied.
 */
public final class DiffRules {
  /** The syntax of a rules file. */
  public enum Format {
    JSON,
    YAML
  }

  private final String source;
  private final Map<String, ApiRules> byApi;
  private final ApiRules fallback;

  DiffRules(String source, Map<String, ApiRules> byApi, ApiRules fallback) {
    this.source = source;
    this.byApi = Map.copyOf(byApi);
    this.fallback = fallback;
  }

  /**
   * No rules at all: every API's answers are compared value for value, errors by code and message.
   * What a pipeline uses when it is given no rules file.
   */
  public static DiffRules strict() {
    return Strict.RULES;
  }

  /**
   * Loads rules from a URL, usually a resource bundled with a contract; the URL's path ending tells
   * the format as in {@link #load(Path)}.
   *
   * @throws DiffRulesException if the rules are invalid
   * @throws UncheckedIOException if they cannot be read
   */
  public static DiffRules load(URL url) {
    String path = url.getPath().toLowerCase(Locale.ROOT);
    Format format = path.endsWith(".json") ? Format.JSON : Format.YAML;
    try (InputStream in = url.openStream()) {
      return parse(url.toString(), format, new String(in.readAllBytes(), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read diff rules " + url, e);
    }
  }

  /**
   * Loads a rules file; {@code .yaml} and {@code .yml} are read as YAML, {@code .json} as JSON.
   *
   * @throws DiffRulesException if the file is invalid or has another extension
   * @throws UncheckedIOException if it cannot be read
   */
  public static DiffRules load(Path file) {
    String name = file.getFileName() == null ? "" : file.getFileName().toString();
    String lower = name.toLowerCase(Locale.ROOT);
    Format format;
    if (lower.endsWith(".yaml") || lower.endsWith(".yml")) {
      format = Format.YAML;
    } else if (lower.endsWith(".json")) {
      format = Format.JSON;
    } else {
      throw new DiffRulesException(
          "Cannot tell the format of diff rules file "
              + file
              + ": name it *.yaml, *.yml or *.json");
    }
    String content;
    try {
      content = Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read diff rules file " + file, e);
    }
    return parse(file.toString(), format, content);
  }

  /**
   * Parses rules from text; {@code sourceName} only names them in error messages.
   *
   * @throws DiffRulesException if the rules are invalid
   */
  public static DiffRules parse(String sourceName, Format format, String content) {
    return RulesParser.parse(sourceName, format, content);
  }

  /** The rules for {@code api}: its own merged over the defaults, or the defaults alone. */
  public ApiRules forApi(String api) {
    ApiRules rules = byApi.get(api);
    return rules != null ? rules : fallback;
  }

  /** The APIs the rules file names, sorted. */
  public Set<String> apis() {
    return new TreeSet<>(byApi.keySet());
  }

  /**
   * Checks that every API the file names is one of {@code knownApis}, so that a misspelt name fails
   * at start-up instead of silently comparing that API without its rules.
   *
   * @return this
   * @throws DiffRulesException naming the unknown APIs
   */
  public DiffRules requireKnownApis(Collection<String> knownApis) {
    Set<String> unknown = apis();
    unknown.removeAll(Set.copyOf(knownApis));
    if (!unknown.isEmpty()) {
      throw new DiffRulesException(
          "Invalid diff rules in "
              + source
              + ": unknown API(s) "
              + unknown
              + "; the known APIs are "
              + new TreeSet<>(knownApis));
    }
    return this;
  }

  @Override
  public String toString() {
    return "DiffRules[" + source + ", apis=" + apis() + "]";
  }

  private static final class Strict {
    static final DiffRules RULES = parse("strict", Format.YAML, "version: 1\n");
  }
}
