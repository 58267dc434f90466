package io.strangler.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.strangler.api.CallContext;
import io.strangler.api.ControlApiJson;
import io.strangler.api.ControlPlane;
import io.strangler.api.model.Topology;
import io.strangler.api.ops.GetReplRequest;
import io.strangler.dispatch.CountingSink.Role;
import io.strangler.flags.Mode;
import io.strangler.proxy.StranglerServer;
import io.strangler.proxy.TestStrangler;
import io.strangler.servers.RealServers;
import io.strangler.servers.RealServers.PostgresDb;
import io.strangler.servers.RealServers.RedisDb;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The assembled proxy over the two real backends, called over HTTP like a client would. */
@ExtendWith(RealServers.class)
class ServerEndToEndTest {
  private static final String TOKEN = TestStrangler.TOKEN;
  private static final List<String> OPERATIONS = TestStrangler.OPERATIONS;

  private final RedisDb redis;
  private final PostgresDb pg;
  private TestStrangler strangler;
  private StranglerServer server;
  private ControlPlane legacyView;
  private ControlPlane newView;

  @TempDir Path dir;

  ServerEndToEndTest(RedisDb redis, PostgresDb pg) {
    this.redis = redis;
    this.pg = pg;
  }

  @BeforeEach
  void start() throws Exception {
    strangler = TestStrangler.start(redis, pg, dir, Mode.SHADOW, Topology.sample(2, 2));
    server = strangler.server;
    legacyView = strangler.legacyView;
    newView = strangler.newView;
  }

  @AfterEach
  void stop() {
    strangler.close();
  }

  private HttpResponse<String> post(String operation, String body) {
    return strangler.post(operation, body);
  }

  private HttpResponse<String> admin(String method, String path, String body, String token) {
    return strangler.admin(method, path, body, token);
  }

  private static JsonNode json(String s) {
    return TestStrangler.json(s);
  }

  @Test
  void shadow_writeAppliesToBothBackends_andTheClientGetsTheLegacyAnswer() throws Exception {
    HttpResponse<String> created =
        post(
            "CreateRepl",
            "{\"replId\":\"r-1\",\"ownerId\":\"o-1\",\"slug\":\"my-app\",\"region\":\"region-1\"}");

    assertThat(created.statusCode()).isEqualTo(200);
    JsonNode repl = json(created.body());
    assertThat(repl.get("replId").asText()).isEqualTo("r-1");
    CallContext now = new CallContext("check", Instant.now());
    assertThat(
            ControlApiJson.mapper()
                .valueToTree(legacyView.getRepl(new GetReplRequest("r-1"), now))
                .equals(repl))
        .isTrue();
    // The shadow write follows off the client's path: wait for it.
    await()
        .atMost(Duration.ofSeconds(5))
        .untilAsserted(
            () ->
                assertThat(
                        ControlApiJson.mapper()
                            .<JsonNode>valueToTree(newView.getRepl(new GetReplRequest("r-1"), now)))
                    .isEqualTo(repl));
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> server.outcomes().count("CreateRepl", Role.SHADOW, "answer") == 1);
  }

  @Test
  void shadow_read_answersTheLegacyError_withTheContractsJson() throws Exception {
    HttpResponse<String> r = post("GetRepl", "{\"replId\":\"nope\"}");

    assertThat(r.statusCode()).isEqualTo(404);
    assertThat(json(r.body()))
        .isEqualTo(json("{\"code\":\"NOT_FOUND\",\"message\":\"repl 'nope' not found\"}"));
  }

  @Test
  void badInput_getsAContractError_andTouchesNeitherBackend() throws Exception {
    Set<String> keysBefore;
    try (var j = redis.connect()) {
      keysBefore = j.keys("*");
    }
    Map<String, Integer> cases =
        Map.of(
            "{not json", 400,
            "{\"replId\":\"r-1\",\"ownerId\":\"o\",\"slug\":\"s\",\"region\":\"region-1\",\"extra\":1}",
                400,
            "{\"replId\":\"r-1\",\"slug\":\"s\",\"region\":\"region-1\"}", 400,
            "{\"replId\":7,\"ownerId\":\"o\",\"slug\":\"Bad Slug\",\"region\":\"region-1\"}", 400,
            "[]", 400);
    for (var c : cases.entrySet()) {
      HttpResponse<String> r = post("CreateRepl", c.getKey());
      assertThat(r.statusCode()).as(c.getKey()).isEqualTo(c.getValue());
      assertThat(json(r.body()).get("code").asText()).as(c.getKey()).isEqualTo("INVALID_ARGUMENT");
    }
    HttpResponse<String> unknown = post("DropEverything", "{}");
    assertThat(unknown.statusCode()).isEqualTo(404);
    assertThat(json(unknown.body()).get("code").asText()).isEqualTo("NOT_FOUND");

    try (var j = redis.connect()) {
      assertThat(j.keys("*")).isEqualTo(keysBefore);
    }
    try (var c = pg.database().connect();
        var s = c.createStatement();
        var rs = s.executeQuery("SELECT count(*) FROM repls")) {
      rs.next();
      assertThat(rs.getInt(1)).isZero();
    }
    assertThat(server.outcomes().exchanges()).isZero();
  }

  @Test
  void admin_withoutToken_is401() throws Exception {
    assertThat(admin("GET", "/admin/flags", null, null).statusCode()).isEqualTo(401);
    assertThat(admin("GET", "/admin/flags", null, "wrong").statusCode()).isEqualTo(401);
    assertThat(admin("GET", "/admin/flags", null, TOKEN).statusCode()).isEqualTo(200);
  }

  @Test
  void flagsSet_fromTheCli_changesTheMode_andIsAudited() throws Exception {
    int code =
        Main.run(
            "flags",
            "set",
            "GetRepl",
            "NEW_PRIMARY",
            "--rollout",
            "40",
            "--admin",
            "http://127.0.0.1:" + server.adminPort() + "/",
            "--admin-token",
            TOKEN);
    assertThat(code).isZero();

    JsonNode snapshot = json(admin("GET", "/admin/flags", null, TOKEN).body());
    JsonNode getRepl = null;
    for (JsonNode api : snapshot.get("apis")) {
      if (api.get("operation").asText().equals("GetRepl")) {
        getRepl = api;
      }
    }
    assertThat(getRepl).isNotNull();
    assertThat(getRepl.get("configured").asText()).isEqualTo("NEW_PRIMARY");
    assertThat(getRepl.get("rolloutPercent").asInt()).isEqualTo(40);
    await()
        .atMost(Duration.ofSeconds(5))
        .untilAsserted(
            () -> {
              JsonNode audit =
                  json(admin("GET", "/admin/flags/audit", null, TOKEN).body()).get("entries");
              assertThat(audit.toString())
                  .contains("GetRepl")
                  .contains("NEW_PRIMARY")
                  .contains(System.getProperty("user.name"));
            });
  }

  @Test
  void adminQueryParameters_thatAreNotNumbersInRange_are400() throws Exception {
    for (String path :
        new String[] {
          "/admin/flags/audit?limit=abc",
          "/admin/flags/audit?limit=0",
          "/admin/flags/audit?limit=1001",
          "/admin/mismatches?limit=abc",
          "/admin/mismatches/abc"
        }) {
      HttpResponse<String> r = admin("GET", path, null, TOKEN);

      assertThat(r.statusCode()).as(path).isEqualTo(400);
      assertThat(json(r.body()).get("code").asText()).isEqualTo("INVALID_ARGUMENT");
    }
    assertThat(admin("GET", "/admin/flags/audit?limit=5", null, TOKEN).statusCode()).isEqualTo(200);
  }

  @Test
  void flagsGet_fromTheCli_printsEveryApi() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    PrintStream old = System.out;
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    int code;
    try {
      code =
          Main.run(
              "flags",
              "get",
              "--admin",
              "http://127.0.0.1:" + server.adminPort() + "/",
              "--admin-token",
              TOKEN);
    } finally {
      System.setOut(old);
    }
    assertThat(code).isZero();
    String printed = out.toString(StandardCharsets.UTF_8);
    assertThat(printed).contains("GetHostingMetadata").contains("SHADOW");
    OPERATIONS.forEach(op -> assertThat(printed).contains(op));
  }

  @Test
  void flagsCommand_withoutAReachableProxy_failsWithAClearMessage() {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream old = System.err;
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    int code;
    try {
      code = Main.run("flags", "get", "--admin", "http://127.0.0.1:1/", "--admin-token", TOKEN);
    } finally {
      System.setErr(old);
    }
    assertThat(code).isEqualTo(1);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("cannot reach the admin port");
  }
}
