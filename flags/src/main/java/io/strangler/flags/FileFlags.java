package io.strangler.flags;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Flags from a JSON file ({@link FlagsFile}), the embedded default source.
 *
 * <p><b>Rollout.</b> An API with a flag {@code {mode, rolloutPercent}} gives a routing key whose
 * sticky bucket (0..99, from the operation and the key, see {@link Rollout}) is below {@code
 * rolloutPercent} the configured mode, and every other key {@code mode.previous()}. A call with no
 * routing key is outside the rollout until it reaches 100%. An API with no flag gets the default
 * mode (the file's {@code defaultMode}, else the one configured here, LEGACY_ONLY unless set). Kill
 * switches ({@code killLegacy}, {@code killNew}) are applied last, by {@link KillSwitches}.
 *
 * <p><b>Reload.</b> A daemon thread watches the file's directory and also re-reads the file every
 * poll interval (250 ms by default), so edits apply within a second without a restart. A file that
 * does not parse, or names an operation this source does not know, is not applied: the last good
 * flags stay in force and the error (message, when) shows in {@link #snapshot()} until a good file
 * replaces it. At startup the same problems fail fast.
 *
 * <p><b>Hot path.</b> {@link #decide} reads one immutable state from a volatile field: no locks, no
 * allocation (every {@link Decision} is precomputed when a file is applied).
 *
 * <p><b>Writes.</b> {@link #set} writes the flags in force plus the change to a temporary file
 * beside the flags file and moves it over the file atomically, then applies it at once; the change
 * goes to the audit with the caller's name. Changes read from the file are audited without one.
 */
public final class FileFlags implements FlagSource {
  private static final Logger LOG = LoggerFactory.getLogger(FileFlags.class);
  static final String SOURCE = "file";

  private final Path file;
  private final Mode configuredDefault;
  private final Set<String> knownOperations;
  private final FlagAudit audit;
  private final Clock clock;
  private final long pollMillis;
  private final Object lock = new Object();
  private final Thread watcher;
  private final WatchService watch;

  private volatile CompiledFlags state;
  private volatile FlagsError error;
  private volatile boolean closed;
  // Guarded by lock: the bytes last read or written, so an unchanged file is not parsed again.
  private byte[] lastSeen;

  private FileFlags(Builder b, FlagsFile initial, byte[] initialBytes) {
    this.file = b.file;
    this.configuredDefault = b.defaultMode;
    this.knownOperations = Set.copyOf(b.knownOperations);
    this.audit = b.audit;
    this.clock = b.clock;
    this.pollMillis = b.pollInterval.toMillis();
    this.state = CompiledFlags.of(initial, configuredDefault, SOURCE);
    this.lastSeen = initialBytes;
    this.watch = newWatch(file);
    this.watcher = new Thread(this::watchLoop, "strangler-flags-file-watch");
    watcher.setDaemon(true);
  }

  /** A file source with the defaults: LEGACY_ONLY for APIs with no flag, no audit. */
  public static FileFlags open(Path file) {
    return builder(file).build();
  }

  public static Builder builder(Path file) {
    return new Builder(file);
  }

  @Override
  public Decision decide(String operation, String routingKey) {
    return state.decide(operation, routingKey);
  }

  @Override
  public FlagsSnapshot snapshot() {
    return state.snapshot(knownOperations, error);
  }

  @Override
  public SetResult set(String operation, Mode mode, int rolloutPercent, String who) {
    ApiSetting setting;
    try {
      FlagsFile.checkOperation(operation);
      checkKnown(operation);
      if (mode == null) {
        return new SetResult.Invalid(
            "mode is required (LEGACY_ONLY, SHADOW, NEW_PRIMARY, NEW_ONLY)");
      }
      setting = new ApiSetting(mode, rolloutPercent);
    } catch (IllegalArgumentException e) {
      return new SetResult.Invalid(e.getMessage());
    }
    synchronized (lock) {
      // Pick up an edit not yet seen, so the write does not undo it.
      checkNow();
      FlagsFile next = state.file.with(operation, setting);
      byte[] bytes = next.toJson();
      try {
        writeAtomically(bytes);
      } catch (IOException e) {
        return new SetResult.Failed("cannot write flags file " + file + ": " + e);
      }
      lastSeen = bytes;
      error = null;
      apply(next, who);
      return new SetResult.Applied(state.view(operation));
    }
  }

  @Override
  public List<AuditEntry> audit(int limit) {
    return audit.latest(limit);
  }

  /** The file this source reads. */
  public Path file() {
    return file;
  }

  /** Stops watching the file. The audit is the caller's to close. */
  @Override
  public void close() {
    closed = true;
    watcher.interrupt();
    if (watch != null) {
      try {
        watch.close();
      } catch (IOException e) {
        LOG.debug("closing the flags file watch", e);
      }
    }
    try {
      watcher.join(2_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Reads the file now and applies it if it changed and is good. Runs on the watcher thread. */
  void checkNow() {
    synchronized (lock) {
      byte[] bytes;
      try {
        bytes = Files.readAllBytes(file);
      } catch (IOException e) {
        lastSeen = null; // so the file is read again, whatever it holds, once it is back
        fail(
            e instanceof NoSuchFileException
                ? "flags file " + file + " is missing; keeping the last good flags"
                : "cannot read flags file " + file + ": " + e + "; keeping the last good flags");
        return;
      }
      if (Arrays.equals(bytes, lastSeen)) {
        return;
      }
      lastSeen = bytes;
      FlagsFile next;
      try {
        next = parse(bytes);
      } catch (IllegalArgumentException e) {
        fail("flags file " + file + ": " + e.getMessage() + "; keeping the last good flags");
        return;
      }
      if (error != null) {
        LOG.info("flags file {} is good again", file);
      }
      error = null;
      apply(next, null);
    }
  }

  private void fail(String message) {
    FlagsError current = error;
    if (current == null || !current.message().equals(message)) {
      error = new FlagsError(message, clock.instant());
      LOG.warn(message);
    }
  }

  private void apply(FlagsFile next, String who) {
    CompiledFlags before = state;
    CompiledFlags after = CompiledFlags.of(next, configuredDefault, SOURCE);
    state = after;
    for (AuditEntry e : after.changesSince(before, clock.instant(), who)) {
      audit.append(e);
    }
  }

  private FlagsFile parse(byte[] bytes) {
    FlagsFile f = FlagsFile.parse(bytes);
    for (String op : f.apis().keySet()) {
      checkKnown(op);
    }
    return f;
  }

  private void checkKnown(String operation) {
    if (!knownOperations.isEmpty() && !knownOperations.contains(operation)) {
      throw new IllegalArgumentException(
          "unknown operation '"
              + operation
              + "' (known: "
              + String.join(", ", new TreeSet<>(knownOperations))
              + ")");
    }
  }

  private void writeAtomically(byte[] bytes) throws IOException {
    Path dir = file.toAbsolutePath().getParent();
    Path tmp = Files.createTempFile(dir, "." + file.getFileName() + ".", ".tmp");
    try {
      Files.write(tmp, bytes);
      try {
        Files.setPosixFilePermissions(tmp, Files.getPosixFilePermissions(file));
      } catch (IOException | UnsupportedOperationException e) {
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-r--r--"));
      }
      try {
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
      }
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  private static WatchService newWatch(Path file) {
    try {
      WatchService w = file.getFileSystem().newWatchService();
      file.toAbsolutePath()
          .getParent()
          .register(
              w,
              StandardWatchEventKinds.ENTRY_CREATE,
              StandardWatchEventKinds.ENTRY_MODIFY,
              StandardWatchEventKinds.ENTRY_DELETE);
      return w;
    } catch (IOException | UnsupportedOperationException e) {
      LOG.info("cannot watch {} ({}); polling it instead", file, e.toString());
      return null;
    }
  }

  private void watchLoop() {
    while (!closed) {
      try {
        if (watch != null) {
          // An event wakes us at once; the timeout is the poll fallback (missed or coalesced
          // events).
          WatchKey key = watch.poll(pollMillis, TimeUnit.MILLISECONDS);
          if (key != null) {
            key.pollEvents();
            key.reset();
          }
        } else {
          TimeUnit.MILLISECONDS.sleep(pollMillis);
        }
        checkNow();
      } catch (InterruptedException | ClosedWatchServiceException e) {
        return;
      } catch (RuntimeException e) {
        LOG.warn("flags file check failed; will retry", e);
      }
    }
  }

  private FileFlags startWatching() {
    watcher.start();
    return this;
  }

  /** Immutable settings of a file source; {@link #build()} loads the file or fails. */
  public static final class Builder {
    private final Path file;
    private Mode defaultMode = Mode.LEGACY_ONLY;
    private Collection<String> knownOperations = List.of();
    private FlagAudit audit = FlagAudit.none();
    private Clock clock = Clock.systemUTC();
    private Duration pollInterval = Duration.ofMillis(250);

    private Builder(Path file) {
      this.file = Objects.requireNonNull(file, "file");
    }

    /** The mode of APIs with no flag when the file names no {@code defaultMode}. */
    public Builder defaultMode(Mode mode) {
      this.defaultMode = Objects.requireNonNull(mode, "defaultMode");
      return this;
    }

    /**
     * The operations the proxy serves: listed in the snapshot even without a flag, and the only
     * names the file and {@link #set} may use (so a typo is an error, not a silent no-op). Empty
     * (the default) accepts any well-formed name.
     */
    public Builder knownOperations(Collection<String> operations) {
      for (String op : operations) {
        FlagsFile.checkOperation(op);
      }
      this.knownOperations = List.copyOf(operations);
      return this;
    }

    public Builder audit(FlagAudit audit) {
      this.audit = Objects.requireNonNull(audit, "audit");
      return this;
    }

    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /** How often the file is re-read when no watch event came (10 ms .. 1 s). */
    public Builder pollInterval(Duration interval) {
      if (interval.compareTo(Duration.ofMillis(10)) < 0
          || interval.compareTo(Duration.ofSeconds(1)) > 0) {
        throw new IllegalArgumentException(
            "pollInterval must be within 10 ms .. 1 s (changes must apply within 1 s), got "
                + interval);
      }
      this.pollInterval = interval;
      return this;
    }

    /**
     * Loads the file and starts watching it.
     *
     * @throws IllegalArgumentException when the file is missing, unreadable or not a valid flags
     *     file, with a message that says which and where
     */
    public FileFlags build() {
      byte[] bytes;
      try {
        bytes = Files.readAllBytes(file);
      } catch (NoSuchFileException e) {
        throw new IllegalArgumentException(
            "flags file "
                + file.toAbsolutePath()
                + " does not exist: create it (the smallest valid file is {\"apis\": {}}; see"
                + " docs/flags.md)",
            e);
      } catch (IOException e) {
        throw new IllegalArgumentException(
            "cannot read flags file " + file.toAbsolutePath() + ": " + e, e);
      }
      FlagsFile initial;
      try {
        initial = FlagsFile.parse(bytes);
        if (!knownOperations.isEmpty()) {
          Set<String> known = Set.copyOf(knownOperations);
          for (String op : initial.apis().keySet()) {
            if (!known.contains(op)) {
              throw new IllegalArgumentException(
                  "apis."
                      + op
                      + ": unknown operation (known: "
                      + String.join(", ", new TreeSet<>(known))
                      + ")");
            }
          }
        }
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "flags file " + file.toAbsolutePath() + " is not valid: " + e.getMessage(), e);
      }
      return new FileFlags(this, initial, bytes).startWatching();
    }
  }
}
