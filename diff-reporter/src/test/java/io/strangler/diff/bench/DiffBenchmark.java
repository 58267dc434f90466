package io.strangler.diff.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.strangler.diff.Classification;
import io.strangler.diff.Classifier;
import io.strangler.diff.DiffRules;
import io.strangler.diff.Observations;
import io.strangler.diff.Observed;
import io.strangler.diff.Recheck;
import io.strangler.diff.Side;
import io.strangler.diff.UnifiedDiff;
import io.strangler.diff.Verdict;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Canonicalize both answers + diff + verdict, for typical answers of the control API, as the
 * proxy's answers arrive: parsed JSON trees with the two backends' field and list orders differing.
 * Run with {@code ./mvnw -pl diff-reporter test-compile exec:exec@bench}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class DiffBenchmark {
  private static final ObjectMapper MAPPER = JsonMapper.builder().build();

  private Classifier classifier;
  private Observations repl;
  private Observations listMachines50;
  private Observations listMachines50OneFieldDiffers;
  private Observations listContainers20;
  private Classification mismatch;

  @Setup
  public void setUp() {
    classifier = new Classifier(DiffRules.strict());
    Random random = new Random(42);

    ObjectNode replAnswer = repl("r-1");
    repl = pair(replAnswer, reordered(replAnswer, random));

    ObjectNode machines = MAPPER.createObjectNode();
    ArrayNode machineList = machines.putArray("machines");
    for (int i = 0; i < 50; i++) {
      machineList.add(machine(i));
    }
    ObjectNode machinesNew = reordered(machines, random);
    listMachines50 = pair(machines, machinesNew);

    ObjectNode machinesChanged = machinesNew.deepCopy();
    ((ObjectNode) machinesChanged.withArray("/machines").get(17)).put("address", "10.9.9.9");
    listMachines50OneFieldDiffers = pair(machines, machinesChanged);

    ObjectNode containers = MAPPER.createObjectNode();
    ArrayNode containerList = containers.putArray("containers");
    for (int i = 0; i < 20; i++) {
      containerList.add(container(i));
    }
    listContainers20 = pair(containers, reordered(containers, random));

    require(classify("GetRepl", repl), Verdict.MATCH);
    require(classify("ListMachines", listMachines50), Verdict.MATCH);
    require(classify("ListContainers", listContainers20), Verdict.MATCH);
    mismatch = classify("ListMachines", listMachines50OneFieldDiffers);
    require(mismatch, Verdict.MISMATCH);
  }

  @Benchmark
  public Classification getRepl() {
    return classify("GetRepl", repl);
  }

  @Benchmark
  public Classification listMachines50() {
    return classify("ListMachines", listMachines50);
  }

  @Benchmark
  public Classification listMachines50OneFieldDiffers() {
    return classify("ListMachines", listMachines50OneFieldDiffers);
  }

  @Benchmark
  public Classification listContainers20() {
    return classify("ListContainers", listContainers20);
  }

  /** What a stored mismatch sample costs on top of its classification. */
  @Benchmark
  public String listMachines50UnifiedDiff() {
    return UnifiedDiff.between(mismatch.canonicalLegacy(), mismatch.canonicalNew());
  }

  private Classification classify(String api, Observations observations) {
    return classifier.classify(api, Side.LEGACY, observations, Recheck.NONE);
  }

  private static void require(Classification c, Verdict expected) {
    if (c.verdict() != expected) {
      throw new IllegalStateException("benchmark data gives " + c.verdict() + ", not " + expected);
    }
  }

  private static Observations pair(JsonNode legacy, JsonNode newer) {
    return new Observations(new Observed.Answer(legacy), new Observed.Answer(newer));
  }

  static ObjectNode repl(String replId) {
    return MAPPER
        .createObjectNode()
        .put("replId", replId)
        .put("ownerId", "u-" + replId)
        .put("slug", "slug-" + replId)
        .put("region", "us")
        .put("cluster", "us-1")
        .putNull("pendingTransferTo")
        .put("createdAt", "2026-11-21T07:00:00.123Z");
  }

  static ObjectNode machine(int i) {
    return MAPPER
        .createObjectNode()
        .put("machineId", String.format("m-%03d", i))
        .put("cluster", "us-1")
        .put("address", "10.0." + (i / 250) + "." + (i % 250))
        .put("capacity", 64)
        .put("state", i % 10 == 0 ? "DRAINING" : "ACTIVE")
        .put("cpuPercent", (i * 7 % 100) + 0.5)
        .put("runningContainers", i % 64)
        .put("registeredAt", "2026-11-21T07:00:00.123Z")
        .put("lastHeartbeatAt", "2026-11-21T07:05:" + (10 + i % 50) + ".456Z");
  }

  private static ObjectNode container(int i) {
    return MAPPER
        .createObjectNode()
        .put("containerId", String.format("ctr-%020x", 0x1000L * (i + 1)))
        .put("replId", "r-1")
        .put("machineId", String.format("m-%03d", i % 7))
        .put("cluster", "us-1")
        .put("state", i == 19 ? "RUNNING" : "STOPPED")
        .put("startedAt", "2026-11-21T07:" + (10 + i) + ":00.123Z")
        .put("stoppedAt", i == 19 ? null : "2026-11-21T07:" + (10 + i) + ":30Z");
  }

  /**
   * The same answer as another backend may give it: other field order, other list order, 8 as 8.0.
   */
  static ObjectNode reordered(ObjectNode node, Random random) {
    List<String> names = new ArrayList<>();
    node.fieldNames().forEachRemaining(names::add);
    Collections.shuffle(names, random);
    ObjectNode copy = MAPPER.createObjectNode();
    for (String name : names) {
      JsonNode value = node.get(name);
      if (value.isArray()) {
        List<JsonNode> elements = new ArrayList<>();
        value.forEach(e -> elements.add(e.isObject() ? reordered((ObjectNode) e, random) : e));
        Collections.shuffle(elements, random);
        ArrayNode array = copy.putArray(name);
        elements.forEach(array::add);
      } else if (value.isObject()) {
        copy.set(name, reordered((ObjectNode) value, random));
      } else if (value.isInt()) {
        copy.put(name, (double) value.intValue());
      } else {
        copy.set(name, value);
      }
    }
    return copy;
  }
}
