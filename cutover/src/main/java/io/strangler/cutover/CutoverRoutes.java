package io.strangler.cutover;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.strangler.dispatch.AdminRequest;
import io.strangler.dispatch.AdminResponse;
import io.strangler.dispatch.AdminRoutes;

/**
 * The cut-over's admin routes: {@code GET /admin/cutover}, {@code GET /admin/cutover/audit}, and
 * {@code POST /admin/cutover/{api}/advance|rollback|clear-override}. A refused advance is a 409
 * naming the failing gates, with every gate in the body.
 */
public final class CutoverRoutes {
  private static final ObjectMapper JSON =
      JsonMapper.builder()
          .addModule(new JavaTimeModule())
          .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
          .build();

  private CutoverRoutes() {}

  /**
   * The body of {@code GET /admin/cutover}: the ladder, the rollback window, every API's status.
   */
  public static ObjectNode status(Cutover cutover) {
    ObjectNode body = JSON.createObjectNode();
    body.set(
        "ladder",
        JSON.valueToTree(cutover.config().ladder().steps().stream().map(Step::toString).toList()));
    body.put("rollbackWindowSeconds", cutover.window().window().toSeconds());
    body.set("apis", JSON.valueToTree(cutover.status()));
    return body;
  }

  public static AdminRoutes of(Cutover cutover) {
    return AdminRoutes.builder()
        .get("/admin/cutover", req -> AdminResponse.ok(status(cutover)))
        .get(
            "/admin/cutover/audit",
            req -> {
              int limit;
              try {
                limit = req.queryParam("limit").map(Integer::parseInt).orElse(100);
              } catch (NumberFormatException e) {
                return AdminResponse.error(400, "INVALID_ARGUMENT", "limit must be 1..1000");
              }
              ObjectNode body = JSON.createObjectNode();
              body.set(
                  "entries", JSON.valueToTree(cutover.audit(Math.max(1, Math.min(limit, 1000)))));
              return AdminResponse.ok(body);
            })
        .get(
            "/admin/cutover/{api}/gates",
            req -> {
              Step target;
              try {
                target = Step.parse(req.queryParam("to").orElse(""));
              } catch (IllegalArgumentException e) {
                return AdminResponse.error(400, "INVALID_ARGUMENT", "to: " + e.getMessage());
              }
              return cutover
                  .gates(req.pathParam("api"), target)
                  .map(
                      c -> {
                        ObjectNode body = JSON.valueToTree(c);
                        body.put("holds", c.holds());
                        return AdminResponse.ok(body);
                      })
                  .orElseGet(
                      () ->
                          AdminResponse.error(
                              404, "NOT_FOUND", "unknown API '" + req.pathParam("api") + "'"));
            })
        .post(
            "/admin/cutover/{api}/advance",
            req -> {
              JsonNode b = body(req);
              return answer(
                  cutover.advance(
                      req.pathParam("api"),
                      text(b, "to"),
                      text(b, "reason"),
                      b.path("force").asBoolean(false),
                      who(req, b)));
            })
        .post(
            "/admin/cutover/{api}/rollback",
            req -> {
              JsonNode b = body(req);
              return answer(cutover.rollback(req.pathParam("api"), text(b, "reason"), who(req, b)));
            })
        .post(
            "/admin/cutover/{api}/clear-override",
            req -> answer(cutover.clearOverride(req.pathParam("api"), who(req, body(req)))))
        .build();
  }

  private static AdminResponse answer(MoveResult r) {
    return switch (r) {
      case MoveResult.Moved m -> AdminResponse.ok(JSON.valueToTree(m.event()));
      case MoveResult.Refused f -> {
        ObjectNode body = JSON.createObjectNode();
        body.put("code", "FAILED_PRECONDITION");
        body.put("message", f.message());
        body.set("gates", JSON.valueToTree(f.gates()));
        yield AdminResponse.json(409, body);
      }
      case MoveResult.Invalid i -> AdminResponse.error(400, "INVALID_ARGUMENT", i.message());
      // The flag source could not store it (its file or database): not the caller's fault.
      case MoveResult.Failed x -> AdminResponse.error(503, "UNAVAILABLE", x.message());
    };
  }

  private static JsonNode body(AdminRequest req) {
    JsonNode b = req.body();
    return b == null || !b.isObject() ? JSON.createObjectNode() : b;
  }

  private static String text(JsonNode b, String field) {
    return b.hasNonNull(field) ? b.get(field).asText() : null;
  }

  private static String who(AdminRequest req, JsonNode b) {
    return b.hasNonNull("who")
        ? b.get("who").asText()
        : req.header("x-strangler-user").orElse("admin@" + req.remote());
  }
}
