package io.strangler.dispatch.repair;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.strangler.common.QueueDrain;
import io.strangler.dispatch.ApiSpec;
import io.strangler.dispatch.Exchange;
import io.strangler.dispatch.Outcome;
import io.strangler.dispatch.OutcomeSink;
import io.strangler.flags.Mode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The durable record of shadow writes that did not land: an {@link OutcomeSink} that appends one
 * line per write whose shadow failed, timed out or was never sent (or whose answers differ) to a
 * local append-only file, named with the entities the write touched. A {@link Repairer} reads it
 * and copies those entities from the authoritative store to the other one.
 *
 * <p>The journal is a local file on purpose: the store it would otherwise live in may be the one
 * that is down. The proxy's threads only classify the exchange and offer it to a bounded queue;
 * naming the entities, serialising and writing happen on one writer thread, which forces the file
 * to disk whenever its queue runs dry. When the queue or the file is full the write's API is marked
 * as needing a drift scan (kept in a file beside the journal), so no loss goes unnoticed.
 *
 * <p>Files in {@link Config#dir()}: {@code repairs.jsonl} (the entries), {@code repairs.offset}
 * (how far the repairer has got and the sequence number of the last entry it committed, replaced
 * atomically), {@code needs-scan.txt} (the APIs that lost entries), {@code journal.id} (a random id
 * made when the directory is first used: with an entry's sequence number it names the entry across
 * restarts, so that a consumer forwarding entries elsewhere can tell one it forwarded before),
 * {@code repairs.lock} (held while the journal is open: one process per directory) and {@code
 * repairs.open} (made when the journal opens, removed when it closes: found at the next open, it
 * says the process before stopped without closing, for example killed, {@link
 * #previousRunEndedUncleanly}).
 */
public final class RepairJournal implements OutcomeSink, RepairSource, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(RepairJournal.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int FORCE_EVERY = 256;

  /**
   * Where and how much.
   *
   * @param dir the journal's directory (created when missing)
   * @param queueCapacity writes waiting for the writer thread at most
   * @param maxBytes the journal file's size at most; past it entries are lost and their API marked
   * @param compactBytes once the repairer has caught up, a file at least this long is emptied
   */
  public record Config(Path dir, int queueCapacity, long maxBytes, long compactBytes) {
    public Config {
      Objects.requireNonNull(dir, "dir");
      if (queueCapacity < 1) {
        throw new IllegalArgumentException(
            "queueCapacity must be at least 1, got " + queueCapacity);
      }
      if (maxBytes < 1024) {
        throw new IllegalArgumentException("maxBytes must be at least 1024, got " + maxBytes);
      }
      if (compactBytes < 0) {
        throw new IllegalArgumentException("compactBytes must not be negative");
      }
    }

    /** 64k queued writes, a 256 MiB file, emptied from 1 MiB once drained. */
    public static Config in(Path dir) {
      return new Config(dir, 65_536, 256L << 20, 1L << 20);
    }
  }

  /**
   * One write to repair.
   *
   * @param end the journal offset just past this entry's line (what {@link #commit} takes)
   * @param from the backend that was authoritative for the write: the state to copy
   * @param seq the entry's number in this journal ({@link #id()}), from 1, growing by one per entry
   *     across restarts and compactions; 0 for an entry written before journals numbered theirs
   */
  public record Entry(
      long end,
      Instant at,
      String operation,
      Mode.Backend from,
      String reason,
      List<String> keys,
      long seq) {}

  /**
   * What the journal holds and has lost.
   *
   * @param recorded entries made durable since the journal was opened
   * @param pending entries durable and not yet repaired
   * @param pendingByOperation {@code pending} by the operation of the write, operations with none
   *     left out
   * @param needsScan the operations that lost an entry and need a drift scan
   */
  public record Stats(
      long recorded,
      long pending,
      Map<String, Long> pendingByOperation,
      long lostQueueFull,
      long lostFileFull,
      long writeFailures,
      Set<String> needsScan) {}

  private record Pending(Exchange exchange, String reason) {}

  private final Config config;
  private final TouchedEntities touched;
  private final Clock clock;
  private final Path file;
  private final Path offsetFile;
  private final Path scanFile;
  private final Path openMarker;
  private final boolean endedUncleanly;
  private final String id;
  private final FileChannel lockChannel;
  private final FileLock dirLock;
  private final QueueDrain<Pending> writer;
  private final Object lock = new Object();

  private final LongAdder lostQueueFull = new LongAdder();
  private final LongAdder lostFileFull = new LongAdder();
  private final LongAdder writeFailures = new LongAdder();
  private volatile boolean closing;

  // Guarded by lock: the file's durable length and line count, and how far the repairer has got.
  private final FileChannel channel;
  private long durableEnd;
  private long durableLines;
  private long committed;
  private long committedLines;
  private long recorded;
  private long committedSeq;
  private final Set<String> needsScan = new TreeSet<>();
  // Guarded by lock: how many entries were lost so far (in this run), and the count at each marked
  // operation's last loss, so that a scan clears only the marks it started after.
  private long losses;
  private final Map<String, Long> lastLoss = new HashMap<>();
  private final Map<String, Long> pendingByOperation = new TreeMap<>();

  // Writer thread only (set by recover before it starts): the next entry's sequence number, and
  // what is written but not yet forced to disk.
  private long nextSeq;
  private long writtenEnd;
  private long writtenLines;
  private final List<String> writtenOperations = new ArrayList<>();

  public RepairJournal(Config config, TouchedEntities touched, Clock clock) {
    this.config = Objects.requireNonNull(config, "config");
    this.touched = Objects.requireNonNull(touched, "touched");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.file = config.dir().resolve("repairs.jsonl");
    this.offsetFile = config.dir().resolve("repairs.offset");
    this.scanFile = config.dir().resolve("needs-scan.txt");
    this.openMarker = config.dir().resolve("repairs.open");
    boolean unclean = false;
    boolean wroteMarker = false;
    FileChannel lockFile = null;
    FileChannel data = null;
    try {
      Files.createDirectories(config.dir());
      lockFile =
          FileChannel.open(
              config.dir().resolve("repairs.lock"),
              StandardOpenOption.CREATE,
              StandardOpenOption.WRITE);
      FileLock taken;
      try {
        taken = lockFile.tryLock();
      } catch (java.nio.channels.OverlappingFileLockException e) {
        taken = null;
      }
      if (taken == null) {
        throw new IllegalStateException(
            "the repair journal in "
                + config.dir().toAbsolutePath()
                + " is open in another process (or twice in this one): give each instance its own state directory");
      }
      lockChannel = lockFile;
      dirLock = taken;
      unclean = Files.exists(openMarker);
      Files.writeString(openMarker, "opened " + clock.instant() + "\n", StandardCharsets.UTF_8);
      wroteMarker = true;
      data =
          FileChannel.open(
              file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
      channel = data;
      boolean numbersKnown = recover();
      // Numbers that cannot be continued (the offset file lost after the journal was emptied)
      // start again from 1 under a new id, never under one whose numbers were used.
      id = readOrMakeId(config.dir().resolve("journal.id"), !numbersKnown);
      writeOffset(committed, committedSeq);
    } catch (IOException | RuntimeException e) {
      if (wroteMarker && !unclean) {
        try {
          Files.deleteIfExists(openMarker);
        } catch (IOException ignored) {
          // the next open then counts this one as unclean: a scan too many, never one too few
        }
      }
      closeQuietly(data);
      closeQuietly(lockFile);
      if (e instanceof RuntimeException r) {
        throw r;
      }
      throw new UncheckedIOException(
          "cannot open the repair journal in "
              + config.dir().toAbsolutePath()
              + ": "
              + e.getMessage(),
          (IOException) e);
    }
    this.endedUncleanly = unclean;
    if (unclean) {
      log.warn(
          "the repair journal in {} was not closed by the process before (killed or crashed):"
              + " the shadow writes it held in memory were neither sent nor journaled",
          config.dir().toAbsolutePath());
    }
    this.writer =
        QueueDrain.start(
            "repair-journal",
            config.queueCapacity(),
            1,
            new QueueDrain.Handler<>() {
              @Override
              public void handle(List<Pending> batch) {
                for (Pending p : batch) {
                  append(p);
                }
                // Forced every few hundred entries under a steady stream (and below whenever the
                // queue runs dry), so the repairer never waits long for what is already written.
                if (writtenLines - durableLines >= FORCE_EVERY) {
                  force();
                }
              }

              @Override
              public void drained() {
                force();
              }

              @Override
              public void idle() {
                compactIfDrained();
              }

              @Override
              public void stopped() {
                force();
              }
            });
  }

  private static String readOrMakeId(Path idFile, boolean makeNew) throws IOException {
    if (!makeNew && Files.exists(idFile)) {
      String text = Files.readString(idFile, StandardCharsets.UTF_8).trim();
      if (!text.isEmpty()) {
        return text;
      }
    }
    String made = java.util.UUID.randomUUID().toString();
    Path tmp = idFile.resolveSibling("journal.id.tmp");
    Files.writeString(tmp, made, StandardCharsets.UTF_8);
    Files.move(tmp, idFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    return made;
  }

  private static void closeQuietly(FileChannel c) {
    if (c != null) {
      try {
        c.close();
      } catch (IOException e) {
        log.debug("closing", e);
      }
    }
  }

  /**
   * Reads back what a previous run left: the offset, the entries after it, the marked APIs. True
   * when the entry numbers can be continued (the offset file had the last committed number, or an
   * entry after the offset has one).
   */
  private boolean recover() throws IOException {
    boolean numbersKnown = false;
    long size = channel.size();
    long offset = 0;
    if (Files.exists(offsetFile)) {
      String text = Files.readString(offsetFile, StandardCharsets.UTF_8).trim();
      try {
        // "<offset>" or "<offset> <sequence number of the last committed entry>"
        String[] parts = text.split("\\s+");
        offset = Math.min(size, Math.max(0, Long.parseLong(parts[0])));
        committedSeq = parts.length > 1 ? Math.max(0, Long.parseLong(parts[1])) : 0;
        numbersKnown = parts.length > 1;
      } catch (NumberFormatException e) {
        log.warn(
            "repair journal offset file {} is unreadable ({}); repairing from the start",
            offsetFile,
            text);
      }
    }
    // A line cut short by a crash is not an entry: the file ends at the last newline.
    long end = lastNewline(size);
    if (end < size) {
      log.warn("repair journal {} ends in a partial line; {} bytes dropped", file, size - end);
      channel.truncate(end);
    }
    offset = Math.min(offset, end);
    long lines = 0;
    long lastSeq = committedSeq;
    for (Entry e : readRange(offset, end, Integer.MAX_VALUE)) {
      lines++;
      lastSeq = Math.max(lastSeq, e.seq());
      pendingByOperation.merge(e.operation(), 1L, Long::sum);
    }
    nextSeq = lastSeq + 1;
    numbersKnown |= lastSeq > 0;
    if (Files.exists(scanFile)) {
      for (String line : Files.readAllLines(scanFile, StandardCharsets.UTF_8)) {
        if (!line.isBlank()) {
          needsScan.add(line.trim());
        }
      }
    }
    channel.position(end);
    durableEnd = end;
    writtenEnd = end;
    committed = offset;
    durableLines = lines;
    writtenLines = lines;
    committedLines = 0;
    if (lines > 0) {
      log.info("repair journal {}: {} entries still to repair", file, lines);
    }
    return numbersKnown;
  }

  private long lastNewline(long size) throws IOException {
    long pos = size;
    ByteBuffer one = ByteBuffer.allocate(1);
    while (pos > 0) {
      one.clear();
      channel.read(one, pos - 1);
      if (one.get(0) == '\n') {
        return pos;
      }
      pos--;
    }
    return 0;
  }

  @Override
  public void accept(Exchange e) {
    // On the proxy's threads: a few type checks and a non-blocking offer, never an exception.
    String reason = reason(e);
    if (reason == null) {
      return;
    }
    if (!writer.offer(new Pending(e, reason))) {
      lostQueueFull.increment();
      markNeedsScan(e.operation());
    }
  }

  /** Why a write needs a repair, or null when both stores took it alike (or it is no write). */
  static String reason(Exchange e) {
    if (e.kind() != ApiSpec.Kind.WRITE || !e.mode().isDual()) {
      return null;
    }
    return switch (e.authoritative()) {
      case Outcome.Answer a ->
          switch (e.shadow()) {
            case Outcome.Answer s -> s.sameAnswer(a) ? null : "answers_differ";
            case Outcome.Failure f -> "shadow_failed";
            case Outcome.TimedOut t -> "shadow_timed_out";
            case Outcome.Dropped d -> "shadow_" + d.label();
            case Outcome.NotCalled n -> null;
          };
      // The authoritative store failed on its side (not the request's fault): its write may
      // have been applied in part, and the shadow was not told.
      case Outcome.Failure f -> f.httpStatus() >= 500 ? "authoritative_failed" : null;
      case Outcome.TimedOut t -> "authoritative_timed_out";
      case Outcome.Dropped d -> null;
      case Outcome.NotCalled n -> null;
    };
  }

  private void append(Pending p) {
    Exchange e = p.exchange();
    List<String> keys;
    try {
      JsonNode answer = e.authoritative() instanceof Outcome.Answer a ? a.body() : null;
      keys = touched.of(e.operation(), e.request(), answer);
    } catch (RuntimeException ex) {
      writeFailures.increment();
      log.warn(
          "cannot name the entities of a {} write to repair; marking it for a drift scan",
          e.operation(),
          ex);
      markNeedsScan(e.operation());
      return;
    }
    if (keys == null || keys.isEmpty()) {
      return;
    }
    ObjectNode line = JSON.createObjectNode();
    line.put("at", clock.instant().toString());
    line.put("op", e.operation());
    line.put("from", e.mode().authoritative().name());
    line.put("reason", p.reason());
    line.put("requestId", e.requestId());
    line.put("seq", nextSeq);
    ArrayNode k = line.putArray("keys");
    keys.forEach(k::add);
    byte[] data;
    try {
      data = (JSON.writeValueAsString(line) + "\n").getBytes(StandardCharsets.UTF_8);
    } catch (IOException ex) {
      writeFailures.increment();
      markNeedsScan(e.operation());
      return;
    }
    if (writtenEnd + data.length > config.maxBytes()) {
      lostFileFull.increment();
      markNeedsScan(e.operation());
      return;
    }
    try {
      ByteBuffer buf = ByteBuffer.wrap(data);
      while (buf.hasRemaining()) {
        channel.write(buf, writtenEnd + buf.position());
      }
      writtenEnd += data.length;
      writtenLines++;
      nextSeq++;
      writtenOperations.add(e.operation());
    } catch (IOException ex) {
      writeFailures.increment();
      log.warn(
          "cannot append to the repair journal {}; marking {} for a drift scan",
          file,
          e.operation(),
          ex);
      markNeedsScan(e.operation());
    }
  }

  /** Makes what was appended durable and visible to the repairer. */
  private void force() {
    synchronized (lock) {
      if (writtenEnd == durableEnd) {
        return;
      }
      try {
        channel.force(false);
      } catch (IOException ex) {
        writeFailures.increment();
        log.warn("cannot sync the repair journal {}", file, ex);
      }
      recorded += writtenLines - durableLines;
      durableEnd = writtenEnd;
      durableLines = writtenLines;
      for (String op : writtenOperations) {
        pendingByOperation.merge(op, 1L, Long::sum);
      }
      writtenOperations.clear();
      lock.notifyAll();
    }
  }

  /** Empties a long journal once everything in it is repaired, so it does not grow for ever. */
  private void compactIfDrained() {
    synchronized (lock) {
      if (committed < durableEnd
          || durableEnd < Math.max(1, config.compactBytes())
          || writtenEnd != durableEnd) {
        return;
      }
      try {
        channel.truncate(0);
        channel.force(true);
        committed = 0;
        committedLines = 0;
        durableEnd = 0;
        durableLines = 0;
        writtenEnd = 0;
        writtenLines = 0;
        pendingByOperation.clear();
        writeOffset(0, committedSeq);
      } catch (IOException ex) {
        log.warn("cannot compact the repair journal {}", file, ex);
      }
    }
  }

  /**
   * The next entries after what the repairer has committed, at most {@code max}; waits up to {@code
   * wait} for one when there is none.
   */
  @Override
  public List<Entry> next(int max, java.time.Duration wait) throws InterruptedException {
    long deadline = System.nanoTime() + wait.toNanos();
    synchronized (lock) {
      while (committed >= durableEnd && !closing) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return List.of();
        }
        TimeUnit.NANOSECONDS.timedWait(lock, left);
      }
      try {
        return readRange(committed, durableEnd, max);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read the repair journal " + file, e);
      }
    }
  }

  private List<Entry> readRange(long from, long to, int max) throws IOException {
    List<Entry> out = new ArrayList<>();
    long pos = from;
    ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
    java.io.ByteArrayOutputStream line = new java.io.ByteArrayOutputStream();
    while (pos < to && out.size() < max) {
      buf.clear();
      buf.limit((int) Math.min(buf.capacity(), to - pos));
      int n = channel.read(buf, pos);
      if (n <= 0) {
        break;
      }
      for (int i = 0; i < n && out.size() < max; i++) {
        byte b = buf.get(i);
        if (b == '\n') {
          out.add(parse(line.toByteArray(), pos + i + 1));
          line.reset();
          if (out.size() == max) {
            return out;
          }
        } else {
          line.write(b);
        }
      }
      pos += n;
    }
    return out;
  }

  private static Entry parse(byte[] line, long end) throws IOException {
    JsonNode n = JSON.readTree(line);
    List<String> keys = new ArrayList<>();
    n.path("keys").forEach(k -> keys.add(k.asText()));
    return new Entry(
        end,
        Instant.parse(n.path("at").asText()),
        n.path("op").asText(),
        Mode.Backend.valueOf(n.path("from").asText()),
        n.path("reason").asText(),
        List.copyOf(keys),
        n.path("seq").asLong(0));
  }

  /**
   * The repairer is done with every entry up to {@code end} ({@link Entry#end} of the last one).
   */
  @Override
  public void commit(long end, int entries) {
    synchronized (lock) {
      if (end <= committed || end > durableEnd) {
        return;
      }
      // The committed range is read again (one batch, from the page cache) to count its entries
      // by operation: the pending count of each API stays exact whoever commits.
      try {
        for (Entry e : readRange(committed, end, entries)) {
          pendingByOperation.computeIfPresent(e.operation(), (op, n) -> n <= 1 ? null : n - 1);
          committedSeq = Math.max(committedSeq, e.seq());
        }
      } catch (IOException e) {
        log.warn("cannot read back the repair journal {} to count what was repaired", file, e);
      }
      committed = end;
      committedLines += entries;
      try {
        writeOffset(end, committedSeq);
      } catch (IOException e) {
        // The entries will be repaired again after a restart: repairs are idempotent.
        log.warn("cannot save the repair journal offset in {}", offsetFile, e);
      }
    }
  }

  private void writeOffset(long end, long lastSeq) throws IOException {
    Path tmp = offsetFile.resolveSibling("repairs.offset.tmp");
    Files.writeString(tmp, end + " " + lastSeq, StandardCharsets.UTF_8);
    Files.move(
        tmp, offsetFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  /**
   * True if this directory's journal was open when its process stopped last time (killed or
   * crashed): the shadow writes that process still held were neither sent nor journaled, so only a
   * drift scan can find what they left behind ({@link #needsScan(Collection, String)}).
   */
  public boolean previousRunEndedUncleanly() {
    return endedUncleanly;
  }

  /**
   * Marks {@code operations} as needing a drift scan for a loss the journal did not see itself
   * ({@code why}, logged): as if each had lost an entry now.
   */
  public void needsScan(java.util.Collection<String> operations, String why) {
    for (String op : operations) {
      markNeedsScan(op, why);
    }
  }

  private void markNeedsScan(String operation) {
    markNeedsScan(operation, "the repair journal lost an entry of it");
  }

  private void markNeedsScan(String operation, String why) {
    synchronized (lock) {
      lastLoss.put(operation, ++losses);
      if (!needsScan.add(operation)) {
        return;
      }
      log.warn("{} needs a drift scan: {}", operation, why);
      try {
        Files.write(scanFile, needsScan, StandardCharsets.UTF_8);
      } catch (IOException e) {
        log.warn("cannot save {}", scanFile, e);
      }
    }
  }

  /** A drift scan and repair of these APIs' entities was made: they no longer need one. */
  public void scanned(Set<String> operations) {
    synchronized (lock) {
      if (needsScan.removeAll(operations)) {
        try {
          Files.write(scanFile, needsScan, StandardCharsets.UTF_8);
        } catch (IOException e) {
          log.warn("cannot save {}", scanFile, e);
        }
      }
    }
  }

  /**
   * The operations that need a drift scan now, and how far their losses had got: what {@link
   * #scanned(Marks)} clears once a scan that started after this has found the stores equal.
   */
  public record Marks(Map<String, Long> lastLoss) {
    public Marks {
      lastLoss = Map.copyOf(lastLoss);
    }

    public Set<String> operations() {
      return lastLoss.keySet();
    }

    public boolean isEmpty() {
      return lastLoss.isEmpty();
    }
  }

  /** The marks a drift scan starting now would clear. */
  public Marks marks() {
    synchronized (lock) {
      Map<String, Long> m = new HashMap<>();
      for (String op : needsScan) {
        m.put(op, lastLoss.getOrDefault(op, 0L));
      }
      return new Marks(m);
    }
  }

  /**
   * A drift scan and repair that started when {@code before} was taken found the stores equal: its
   * operations no longer need one, unless they lost another entry since (the scan may have passed
   * that entry's entities already).
   */
  public void scanned(Marks before) {
    synchronized (lock) {
      boolean changed = false;
      for (Map.Entry<String, Long> e : before.lastLoss().entrySet()) {
        if (lastLoss.getOrDefault(e.getKey(), 0L).equals(e.getValue())) {
          changed |= needsScan.remove(e.getKey());
        }
      }
      if (changed) {
        try {
          Files.write(scanFile, needsScan, StandardCharsets.UTF_8);
        } catch (IOException e) {
          log.warn("cannot save {}", scanFile, e);
        }
      }
    }
  }

  /** Entries written and not yet repaired (queued writes not counted). */
  public long pending() {
    synchronized (lock) {
      return durableLines - committedLines;
    }
  }

  /** Entries of {@code operation}'s writes written and not yet repaired. */
  public long pending(String operation) {
    synchronized (lock) {
      return pendingByOperation.getOrDefault(operation, 0L);
    }
  }

  /** The operations that lost an entry (queue or file full) since their last drift scan. */
  public Set<String> needsScan() {
    synchronized (lock) {
      return Set.copyOf(needsScan);
    }
  }

  /** The journal's directory. */
  public Path dir() {
    return config.dir();
  }

  /**
   * The journal's id, made when its directory was first used and kept across restarts: with {@link
   * Entry#seq()} it names an entry uniquely.
   */
  public String id() {
    return id;
  }

  public Stats stats() {
    synchronized (lock) {
      return new Stats(
          recorded,
          durableLines - committedLines,
          java.util.Collections.unmodifiableMap(new TreeMap<>(pendingByOperation)),
          lostQueueFull.sum(),
          lostFileFull.sum(),
          writeFailures.sum(),
          Set.copyOf(needsScan));
    }
  }

  @Override
  public void close() {
    closing = true;
    synchronized (lock) {
      lock.notifyAll();
    }
    // Writes still queued when the writer stops (or gives up after 5 s) are lost: marked for a
    // drift scan like any other loss.
    writer.close(
        java.time.Duration.ofSeconds(5),
        p -> {
          lostQueueFull.increment();
          markNeedsScan(p.exchange().operation());
        });
    try {
      channel.close();
    } catch (IOException e) {
      log.warn("cannot close the repair journal {}", file, e);
    }
    try {
      dirLock.release();
    } catch (IOException e) {
      log.debug("releasing the journal's lock", e);
    }
    try {
      Files.deleteIfExists(openMarker); // closed: the next open is not after a crash
    } catch (IOException e) {
      log.warn("cannot remove {}: the next start will scan for drift", openMarker, e);
    }
    closeQuietly(lockChannel);
  }
}
