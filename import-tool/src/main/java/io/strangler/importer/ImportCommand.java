package io.strangler.importer;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code strangler import}: a legacy Redis backup into the PostgreSQL control plane. */
@Command(
    name = "import",
    mixinStandardHelpOptions = true,
    versionProvider = ImportCommand.Version.class,
    sortOptions = false,
    usageHelpAutoWidth = true,
    description = {
      "Imports a legacy Redis backup into the PostgreSQL control plane, all or nothing.",
      "",
      "Imports a legacy Redis backup (an RDB file, or a live server restored from one) into the"
          + " PostgreSQL control plane, all or nothing: the data is streamed into staging tables"
          + " with COPY, checked in SQL (references, unique slugs, one RUNNING container per"
          + " repl, indexes against entities), and moved into the control plane in one"
          + " transaction. A failed import leaves the database as it was.",
      "",
      "Records that cannot be imported are rejected, counted by reason and, with --rejects,"
          + " written as JSON lines. Keys already expired at the backup's time (its ctime) are"
          + " skipped and counted. See docs/import.md."
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:imported (and verified, with --verify)",
      "1:the import failed; the control plane was not changed",
      "2:bad usage",
      "3:imported, but the verification's parity is below --verify-threshold"
    },
    footerHeading = "%nExamples:%n",
    footer = {
      "  strangler import --rdb dump.rdb --postgres postgresql://postgres@db:5432/cp",
      "  strangler import --redis redis://10.0.0.9:6379/0 \\",
      "      --postgres postgresql://postgres@db:5432/cp --mode replace \\",
      "      --rejects rejects.jsonl --max-rejects 100 --verify 1000",
      "  strangler import --postgres postgresql://postgres@db:5432/cp --list-replaced"
    })
public final class ImportCommand implements Callable<Integer> {

  @Spec private CommandSpec spec;

  // Optional for picocli so that --list-replaced and --drop-replaced need none; call() requires
  // it for an import.
  @ArgGroup(exclusive = true, multiplicity = "0..1", heading = "%nSource (one of):%n")
  private SourceOptions source;

  static final class SourceOptions {
    @Option(
        names = "--rdb",
        paramLabel = "FILE",
        description = "An RDB file (Redis 6 or 7 SAVE/BGSAVE output, RDB versions 2 to 12).")
    private Path rdb;

    @Option(
        names = "--redis",
        paramLabel = "URL",
        description =
            "A live Redis restored from the backup, read with SCAN: redis://[:password@]host:port[/db].")
    private String redis;
  }

  @Option(
      names = "--postgres",
      required = true,
      paramLabel = "URL",
      description =
          "The control plane's database: postgresql://user[:password]@host:port/db or"
              + " jdbc:postgresql://host:port/db. Its schema is created if missing.")
  private String postgres;

  @Option(
      names = "--db",
      paramLabel = "N",
      description = "The Redis logical database to import (default: 0, or the one in --redis).")
  private Integer db;

  @Option(
      names = "--mode",
      paramLabel = "MODE",
      defaultValue = "empty",
      converter = ModeConverter.class,
      completionCandidates = ModeCandidates.class,
      description =
          "empty (default): refuse unless the control plane is empty; replace: delete what it"
              + " holds, then import; merge: upsert by id, keeping what the backup lacks.")
  private ImportMode mode;

  @Option(
      names = "--rejects",
      paramLabel = "FILE",
      description = "Write each rejected record as a JSON line {\"key\", \"reason\", \"detail\"}.")
  private Path rejects;

  @Option(
      names = "--max-rejects",
      paramLabel = "N",
      description = "Fail the import (changing nothing) when more than N records are rejected.")
  private Long maxRejects;

  @Option(
      names = "--max-reject-share",
      paramLabel = "PERCENT",
      description =
          "Fail the import (changing nothing) when the rejected records pass PERCENT of the keys"
              + " read. Default 1, unless --max-rejects is given; 100 allows any share.")
  private Double maxRejectShare;

  @Option(
      names = "--list-replaced",
      description =
          "List the copies of earlier contents that --mode replace kept (schemas"
              + " strangler_replaced_YYYYMMDDHHMMSS), then exit; needs only --postgres.")
  private boolean listReplaced;

  @Option(
      names = "--drop-replaced",
      paramLabel = "SCHEMA",
      description = "Drop one copy that --mode replace kept (see --list-replaced), then exit.")
  private String dropReplaced;

  @Option(
      names = "--verify",
      paramLabel = "N",
      defaultValue = "0",
      description =
          "After the import, compare the legacy reads and the control plane's for N sampled"
              + " repls (GetRepl, ListContainers, ResolveCluster, GetHostingMetadata,"
              + " ListMachines) and print the parity.")
  private int verify;

  @Option(
      names = "--verify-threshold",
      paramLabel = "PERCENT",
      defaultValue = "100",
      description = "The parity below which verification fails (exit code 3); default 100.")
  private double verifyThreshold;

  @Option(
      names = "--verify-redis",
      paramLabel = "URL",
      description =
          "With --rdb and --verify: a Redis holding the same data (restored from the same"
              + " backup), for the legacy reads. With --redis, that server is used.")
  private String verifyRedis;

  @Option(
      names = "--verify-seed",
      paramLabel = "S",
      defaultValue = "1",
      description = "Seed of the verification's sample; the same seed samples the same repls.")
  private long verifySeed;

  @Option(
      names = "--progress",
      paramLabel = "HOW",
      defaultValue = "auto",
      converter = ProgressConverter.class,
      description = "auto (a bar on a terminal, log lines otherwise), bar, log or none.")
  private ImportOptions.Progress progress;

  @Override
  public Integer call() {
    if (listReplaced || dropReplaced != null) {
      return replaced();
    }
    if (source == null) {
      throw new ParameterException(
          spec.commandLine(),
          "Missing required argument (specify one of these): (--rdb=FILE | --redis=URL)");
    }
    ImportOptions options;
    try {
      ImportOptions.Builder b =
          ImportOptions.builder()
              .postgres(postgres)
              .db(db)
              .mode(mode)
              .rejectsFile(rejects)
              .maxRejects(maxRejects == null ? -1 : maxRejects)
              .maxRejectShare(maxRejectShare)
              .verify(verify)
              .verifyThreshold(verifyThreshold)
              .verifyRedis(verifyRedis)
              .verifySeed(verifySeed)
              .progress(progress);
      if (source.rdb != null) {
        b.rdb(source.rdb);
      } else {
        b.redis(source.redis);
      }
      options = b.build();
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage(), e);
    }
    ImportOutcome outcome = Importer.run(options);
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    switch (outcome) {
      case ImportOutcome.Imported imported -> {
        out.print(imported.summary().render());
        if (imported.verify() != null) {
          out.print(imported.verify().render());
        }
      }
      case ImportOutcome.Failed failed ->
          err.println(
              "import failed ("
                  + failed.kind().name().toLowerCase(Locale.ROOT)
                  + "): "
                  + failed.message());
    }
    out.flush();
    err.flush();
    return outcome.exitCode();
  }

  /** --list-replaced and --drop-replaced: the copies REPLACE keeps, listed or dropped. */
  private int replaced() {
    if (source != null || (listReplaced && dropReplaced != null)) {
      throw new ParameterException(
          spec.commandLine(),
          "--list-replaced and --drop-replaced go alone (with --postgres), not with an import");
    }
    io.strangler.endpoints.PostgresEndpoint db;
    try {
      db = ImportOptions.parsePostgres(postgres);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage(), e);
    }
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    ReplacedTables.Result result =
        listReplaced ? ReplacedTables.list(db) : ReplacedTables.drop(db, dropReplaced);
    switch (result) {
      case ReplacedTables.Result.Listed l -> {
        if (l.kept().isEmpty()) {
          out.println("no kept copies at " + db.jdbcUrl());
        }
        for (ReplacedTables.Kept k : l.kept()) {
          out.println(k.schema() + "  " + rows(k) + "  (" + k.note() + ")");
        }
      }
      case ReplacedTables.Result.Dropped d ->
          out.println("dropped " + d.dropped().schema() + " (" + rows(d.dropped()) + ")");
      case ReplacedTables.Result.Failed f ->
          err.println(
              (listReplaced ? "--list-replaced" : "--drop-replaced")
                  + " failed ("
                  + f.kind().name().toLowerCase(Locale.ROOT)
                  + "): "
                  + f.message());
    }
    out.flush();
    err.flush();
    return result.exitCode();
  }

  private static String rows(ReplacedTables.Kept k) {
    java.util.StringJoiner j = new java.util.StringJoiner(", ");
    k.rows().forEach((t, n) -> j.add(t + " " + n));
    return j.toString();
  }

  /** The version of the jar this command came in, as {@code strangler --version} says it. */
  static final class Version implements picocli.CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = ImportCommand.class.getPackage().getImplementationVersion();
      return new String[] {"strangler import " + (v == null ? "dev" : v)};
    }
  }

  static final class ModeConverter implements ITypeConverter<ImportMode> {
    @Override
    public ImportMode convert(String value) {
      try {
        return ImportMode.valueOf(value.trim().toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new picocli.CommandLine.TypeConversionException(
            "expected empty, replace or merge, got '" + value + "'");
      }
    }
  }

  static final class ModeCandidates implements Iterable<String> {
    @Override
    public java.util.Iterator<String> iterator() {
      return java.util.List.of("empty", "replace", "merge").iterator();
    }
  }

  static final class ProgressConverter implements ITypeConverter<ImportOptions.Progress> {
    @Override
    public ImportOptions.Progress convert(String value) {
      try {
        return ImportOptions.Progress.valueOf(value.trim().toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new picocli.CommandLine.TypeConversionException(
            "expected auto, bar, log or none, got '" + value + "'");
      }
    }
  }
}
