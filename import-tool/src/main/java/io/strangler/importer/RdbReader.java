package io.strangler.importer;

import com.moilioncircle.redis.replicator.Configuration;
import com.moilioncircle.redis.replicator.RedisRdbReplicator;
import com.moilioncircle.redis.replicator.event.Event;
import com.moilioncircle.redis.replicator.event.PostRdbSyncEvent;
import com.moilioncircle.redis.replicator.io.RedisInputStream;
import com.moilioncircle.redis.replicator.rdb.RdbParser;
import com.moilioncircle.redis.replicator.rdb.datatype.AuxField;
import com.moilioncircle.redis.replicator.rdb.datatype.ExpiredType;
import com.moilioncircle.redis.replicator.rdb.datatype.KeyStringValueHash;
import com.moilioncircle.redis.replicator.rdb.datatype.KeyStringValueSet;
import com.moilioncircle.redis.replicator.rdb.datatype.KeyStringValueString;
import com.moilioncircle.redis.replicator.rdb.datatype.KeyStringValueZSet;
import com.moilioncircle.redis.replicator.rdb.datatype.KeyValuePair;
import com.moilioncircle.redis.replicator.rdb.datatype.ZSetEntry;
import com.moilioncircle.redis.replicator.util.ByteArray;
import com.moilioncircle.redis.replicator.util.CRC64;
import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongConsumer;

/**
 * Streams the keys of one logical database of an RDB file (versions 2 to 12: Redis 2.6 to 7.x) into
 * a {@link KeySink}, one key at a time, with redis-replicator's parser: nothing but the key being
 * read is held in memory.
 *
 * <p>Stricter than the parser alone: a file that ends early, a length that runs past the end of the
 * file, bytes after the end marker and a checksum that does not match are all errors naming the
 * file offset, since a backup that does not read back whole must not be imported in part.
 */
final class RdbReader {
  /** The newest RDB format the parser knows (Redis 7.4). */
  static final int MAX_VERSION = 12;

  private static final int MIN_VERSION = 2;
  private static final int BUFFER = 64 * 1024;

  private final Path file;
  private final long db;
  private final LongConsumer progress;

  /**
   * @param progress told the file offset reached, now and then
   */
  RdbReader(Path file, long db, LongConsumer progress) {
    this.file = file;
    this.db = db;
    this.progress = progress;
  }

  /** What the file held besides the keys handed to the sink. */
  record Stats(int version, long bytes, long keysInOtherDbs, boolean ctimeFound) {}

  /**
   * Reads the whole file into {@code sink}. The sink's exceptions propagate unchanged; anything
   * wrong with the file is an {@link ImportException} of kind BAD_INPUT.
   */
  Stats read(KeySink sink) {
    long size = checkHeader();
    long mtime;
    try {
      mtime = Files.getLastModifiedTime(file).toMillis();
    } catch (IOException e) {
      throw ImportException.badInput("cannot read " + file + ": " + e.getMessage(), e);
    }
    int version = version(size);
    // The backup's time is the file's until the parser meets the "ctime" aux field.
    sink.backupTime(mtime);

    Listener listener = new Listener(sink);
    try (CheckedStream in = new CheckedStream(Files.newInputStream(file), size);
        StrictReplicator replicator = new StrictReplicator(in, size)) {
      replicator.addEventListener((r, event) -> listener.onEvent(event, replicator));
      try {
        replicator.open();
      } catch (RuntimeException | IOException | AssertionError | OutOfMemoryError e) {
        if (listener.failure != null) {
          throw listener.failure;
        }
        throw corrupt(replicator.position(), listener.recordEnd, size, e);
      }
      if (listener.failure != null) {
        throw listener.failure;
      }
      if (!listener.ended) {
        throw ImportException.badInput(
            file + " is truncated: it ends at offset " + size + " before the RDB end marker", null);
      }
      long end = replicator.position();
      if (end != size) {
        throw ImportException.badInput(
            file
                + " has "
                + (size - end)
                + " unexpected bytes after the RDB end marker, from offset "
                + end,
            null);
      }
      if (version >= 5 && listener.storedChecksum != 0 && listener.storedChecksum != in.crc) {
        throw ImportException.badInput(
            file
                + " is corrupt: its checksum (offset "
                + (size - 8)
                + ") is "
                + Long.toHexString(listener.storedChecksum)
                + " but its content sums to "
                + Long.toHexString(in.crc),
            null);
      }
      progress.accept(size);
      return new Stats(version, size, listener.otherDbKeys, listener.ctimeFound);
    } catch (IOException e) {
      throw ImportException.badInput("cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  /**
   * Checks that the file exists and starts like an RDB of a version this tool reads; answers its
   * size.
   */
  long checkHeader() {
    if (Files.isDirectory(file)) {
      throw ImportException.badInput(file + " is a directory, not an RDB file", null);
    }
    long size;
    try {
      size = Files.size(file);
    } catch (NoSuchFileException e) {
      throw ImportException.badInput("no such RDB file: " + file, e);
    } catch (IOException e) {
      throw ImportException.badInput("cannot read " + file + ": " + e.getMessage(), e);
    }
    version(size);
    return size;
  }

  private int version(long size) {
    byte[] head;
    try (InputStream in = Files.newInputStream(file)) {
      head = in.readNBytes(9);
    } catch (IOException e) {
      throw ImportException.badInput("cannot read " + file + ": " + e.getMessage(), e);
    }
    if (head.length < 5 || !new String(head, 0, 5, StandardCharsets.ISO_8859_1).equals("REDIS")) {
      throw ImportException.badInput(
          file + " is not an RDB file: it does not start with \"REDIS\" (offset 0)", null);
    }
    if (head.length < 9) {
      throw ImportException.badInput(
          file + " is truncated: it ends at offset " + size + " inside the RDB header", null);
    }
    String digits = new String(head, 5, 4, StandardCharsets.ISO_8859_1);
    int version;
    try {
      version = Integer.parseInt(digits);
    } catch (NumberFormatException e) {
      throw ImportException.badInput(
          file + " is not an RDB file: its version at offset 5 is '" + digits + "'", null);
    }
    if (version < MIN_VERSION || version > MAX_VERSION) {
      throw ImportException.badInput(
          file
              + " has RDB version "
              + version
              + " (offset 5), which this tool cannot read: it reads versions "
              + MIN_VERSION
              + " to "
              + MAX_VERSION
              + " (Redis 2.6 to 7.x)",
          null);
    }
    return version;
  }

  /**
   * @param offset where the parser stopped
   * @param recordEnd where the last record the parser finished ends
   * @param size the file's size
   */
  private ImportException corrupt(long offset, long recordEnd, long size, Throwable e) {
    String what;
    if (e instanceof EOFException) {
      return ImportException.badInput(
          file
              + " is truncated: it ends at offset "
              + size
              + " inside a record; the last whole record ends at offset "
              + recordEnd,
          e);
    } else if (e instanceof LengthPastEndException) {
      // A cut file and a damaged length look alike from here.
      return ImportException.badInput(
          file + " is truncated or corrupt near offset " + offset + ": " + e.getMessage(), e);
    } else if (e instanceof AssertionError && e.getMessage() != null) {
      what = e.getMessage().replace(", check your ModuleParser or ValueIterableRdbVisitor.", "");
    } else if (e instanceof OutOfMemoryError) {
      what = "a length field is far too large";
    } else {
      what = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
    }
    return ImportException.badInput(file + " is corrupt near offset " + offset + ": " + what, e);
  }

  /** Turns the parser's events into sink calls; remembers the first failure to stop the parse. */
  private final class Listener {
    private final KeySink sink;
    private RuntimeException failure;
    private boolean ended;
    private boolean ctimeFound;
    private long storedChecksum;
    private long otherDbKeys;
    private long events;

    /**
     * The offset after the last record handed out as an event: where the next one starts. The first
     * starts after the header, "REDIS" and four version digits.
     */
    private long recordEnd = 9;

    Listener(KeySink sink) {
      this.sink = sink;
    }

    void onEvent(Event event, StrictReplicator replicator) {
      try {
        handle(event);
        recordEnd = replicator.position();
        if ((++events & 0x3FF) == 0) {
          progress.accept(recordEnd);
        }
      } catch (RuntimeException e) {
        failure = e;
        // The only exception type the replicator lets through to stop parsing.
        throw new UncheckedIOException(new IOException("import stopped", e));
      }
    }

    private void handle(Event event) {
      if (event instanceof AuxField aux) {
        if ("ctime".equals(aux.getAuxKey())) {
          try {
            sink.backupTime(Long.parseLong(aux.getAuxValue().trim()) * 1000L);
            ctimeFound = true;
          } catch (NumberFormatException e) {
            // A damaged ctime leaves the file's time in place; the checksum judges the file.
          }
        }
        return;
      }
      if (event instanceof PostRdbSyncEvent end) {
        ended = true;
        storedChecksum = end.getChecksum();
        return;
      }
      if (!(event instanceof KeyValuePair<?, ?> kv)) {
        return;
      }
      if (kv.getDb() != null && kv.getDb().getDbNumber() != db) {
        otherDbKeys++;
        return;
      }
      long expireAt =
          kv.getExpiredType() == null || kv.getExpiredType() == ExpiredType.NONE
              ? KeySink.NO_EXPIRY
              : kv.getExpiredMs();
      switch (event) {
        case KeyStringValueString s -> sink.string(text(s.getKey()), text(s.getValue()), expireAt);
        case KeyStringValueHash h -> {
          Map<String, String> fields = new HashMap<>(h.getValue().size() * 2);
          h.getValue().forEach((f, v) -> fields.put(text(f), text(v)));
          sink.hash(text(h.getKey()), fields, expireAt);
        }
        case KeyStringValueSet s -> {
          List<String> members = new ArrayList<>(s.getValue().size());
          for (byte[] m : s.getValue()) {
            members.add(text(m));
          }
          sink.set(text(s.getKey()), members, expireAt);
        }
        case KeyStringValueZSet z -> {
          Set<ZSetEntry> entries = z.getValue();
          String[] members = new String[entries.size()];
          double[] scores = new double[entries.size()];
          int i = 0;
          for (ZSetEntry e : entries) {
            members[i] = text(e.getElement());
            scores[i++] = e.getScore();
          }
          sink.zset(text(z.getKey()), members, scores, expireAt);
        }
        default -> sink.other(keyText(kv.getKey()), typeName(kv.getValueRdbType()), expireAt);
      }
    }
  }

  private static String text(byte[] b) {
    return new String(b, StandardCharsets.UTF_8);
  }

  private static String keyText(Object key) {
    return key instanceof byte[] b ? text(b) : String.valueOf(key);
  }

  private static String typeName(int rdbType) {
    return switch (rdbType) {
      case 1, 10, 14, 18 -> "list";
      case 15, 19, 21 -> "stream";
      case 6, 7 -> "module";
      default -> "rdb type " + rdbType;
    };
  }

  /**
   * The parser over the file, with EOF an error rather than a normal end, and lengths checked
   * against what is left of the file before anything is allocated for them.
   */
  private static final class StrictReplicator extends RedisRdbReplicator {
    StrictReplicator(CheckedStream in, long size) {
      super(in, Configuration.defaultSetting().setUseDefaultExceptionListener(false));
      this.inputStream = new BoundedInputStream(in, size);
    }

    @Override
    protected void doOpen() throws IOException {
      new RdbParser(inputStream, this).parse();
    }

    /** Bytes the parser has consumed: the offset of the next byte it will read. */
    long position() {
      return consumed(inputStream);
    }
  }

  /**
   * Bytes of the file consumed from {@code in}: those read into its buffer less those still unread
   * there. When {@code fill()} meets the end of the file it sets {@code tail} to -1 and keeps
   * {@code total}: every byte read has then been consumed.
   */
  private static long consumed(RedisInputStream in) {
    return in.tail() < 0 ? in.total() : in.total() - (in.tail() - in.head());
  }

  private static final class BoundedInputStream extends RedisInputStream {
    private final long size;

    BoundedInputStream(InputStream in, long size) {
      super(in, BUFFER);
      this.size = size;
    }

    @Override
    public ByteArray readBytes(long len) throws IOException {
      long position = consumed(this);
      if (len < 0 || len > size - position) {
        throw new LengthPastEndException(
            "a length of "
                + len
                + " bytes at offset "
                + position
                + " runs past the end of the file");
      }
      return super.readBytes(len);
    }
  }

  private static final class LengthPastEndException extends IOException {
    private static final long serialVersionUID = 1L;

    LengthPastEndException(String message) {
      super(message);
    }
  }

  /** Counts bytes and sums the CRC-64 of all but the file's last 8 bytes (the stored checksum). */
  private static final class CheckedStream extends FilterInputStream {
    private final long summed;
    private long read;
    long crc;

    CheckedStream(InputStream in, long size) {
      super(in);
      this.summed = size - 8;
    }

    @Override
    public int read() throws IOException {
      int b = super.read();
      if (b >= 0) {
        if (read < summed) {
          crc = CRC64.crc64((byte) b, crc);
        }
        read++;
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = super.read(b, off, len);
      if (n > 0) {
        long sum = Math.min(n, Math.max(0, summed - read));
        if (sum > 0) {
          crc = CRC64.crc64(b, off, (int) sum, crc);
        }
        read += n;
      }
      return n;
    }
  }
}
