package io.strangler.flags;

import java.time.Instant;
import java.util.Objects;

/**
 * One flag change seen by a flag source.
 *
 * @param at when the source saw it (the source's clock)
 * @param source {@code file}, {@code unleash} or {@code postgres}
 * @param api the operation name, or {@code default} (the default mode), {@code kill.legacy}, {@code
 *     kill.new}
 * @param from the value before ({@code none} when the API had no flag), as {@link
 *     ApiSetting#toString()} renders it, a mode name, or {@code on}/{@code off}
 * @param to the value after, in the same form
 * @param who who asked for it, when an admin call names it; null for changes read from the file or
 *     from Unleash
 */
public record AuditEntry(
    Instant at, String source, String api, String from, String to, String who) {
  public AuditEntry {
    Objects.requireNonNull(at, "at");
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(api, "api");
    Objects.requireNonNull(from, "from");
    Objects.requireNonNull(to, "to");
  }
}
