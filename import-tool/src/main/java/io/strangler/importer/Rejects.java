package io.strangler.importer;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.io.SerializedString;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;

/**
 * Counts rejected records by reason and, when a file is given, writes each as one JSON line {@code
 * {"key":..,"reason":..,"detail":..}}. Raises {@link TooManyRejectsException} as soon as the count
 * passes the limit, so a hopeless import stops early.
 */
final class Rejects implements AutoCloseable {
  private final EnumMap<RejectReason, Long> counts = new EnumMap<>(RejectReason.class);
  private final long limit;
  private final JsonGenerator json;
  private final Path file;
  private long total;

  /**
   * @param file where to write the JSONL lines, or null to count only
   * @param limit the most rejects allowed, or a negative number for no limit
   */
  Rejects(Path file, long limit) {
    this.file = file;
    this.limit = limit;
    if (file == null) {
      this.json = null;
    } else {
      try {
        this.json =
            new JsonFactory().createGenerator(Files.newOutputStream(file), JsonEncoding.UTF8);
        json.setRootValueSeparator(new SerializedString("\n"));
      } catch (IOException e) {
        throw new UncheckedIOException("cannot write the rejects file " + file, e);
      }
    }
  }

  void add(String key, RejectReason reason, String detail) {
    counts.merge(reason, 1L, Long::sum);
    total++;
    if (json != null) {
      try {
        json.writeStartObject();
        json.writeStringField("key", key);
        json.writeStringField("reason", reason.code());
        if (detail != null) {
          json.writeStringField("detail", detail);
        }
        json.writeEndObject();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot write the rejects file " + file, e);
      }
    }
    if (limit >= 0 && total > limit) {
      throw new TooManyRejectsException(total, limit, reason, key);
    }
  }

  long total() {
    return total;
  }

  /** The {@code n} commonest reasons with their counts, "unknown_key 120, wrong_type 3". */
  String commonest(int n) {
    return counts.entrySet().stream()
        .sorted(Map.Entry.<RejectReason, Long>comparingByValue().reversed())
        .limit(n)
        .map(e -> e.getKey().code() + " " + e.getValue())
        .collect(java.util.stream.Collectors.joining(", "));
  }

  Map<RejectReason, Long> counts() {
    return Collections.unmodifiableMap(new EnumMap<>(counts));
  }

  @Override
  public void close() {
    if (json != null) {
      try {
        if (total > 0) {
          json.writeRaw('\n');
        }
        json.close();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot write the rejects file " + file, e);
      }
    }
  }

  /** More rejects than {@code --max-rejects} allows. */
  static final class TooManyRejectsException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    TooManyRejectsException(long total, long limit, RejectReason last, String key) {
      super(
          "more than "
              + limit
              + " rejected records (--max-rejects "
              + limit
              + "); the last was "
              + key
              + " ("
              + last.code()
              + ")",
          null,
          false,
          false);
    }
  }
}
