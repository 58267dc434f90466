package io.strangler.dispatch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class AdminRoutesTest {
  private static final AdminHandler A = r -> AdminResponse.text(200, "text/plain", "a");
  private static final AdminHandler B = r -> AdminResponse.text(200, "text/plain", "b");

  @Test
  void match_bindsParametersAndPrefersLiterals() {
    AdminRoutes routes =
        AdminRoutes.builder().get("/admin/flags/{operation}", A).get("/admin/flags/audit", B).build();

    assertThat(routes.match("GET", "/admin/flags/GetRepl"))
        .isEqualTo(new AdminRoutes.Found(A, Map.of("operation", "GetRepl"), false));
    assertThat(routes.match("GET", "/admin/flags/audit"))
        .isEqualTo(new AdminRoutes.Found(B, Map.of(), false));
    assertThat(routes.match("GET", "/admin/flags/audit/")).isInstanceOf(AdminRoutes.Found.class);
    assertThat(routes.match("GET", "/admin/flags")).isEqualTo(new AdminRoutes.NotFound());
    assertThat(routes.match("GET", "/admin/flags//")).isEqualTo(new AdminRoutes.NotFound());
  }

  @Test
  void match_onAnotherMethod_namesTheAllowedOnes() {
    AdminRoutes routes = AdminRoutes.builder().get("/admin/flags/{op}", A).put("/admin/flags/{op}", B).build();

    assertThat(routes.match("DELETE", "/admin/flags/x"))
        .isEqualTo(new AdminRoutes.WrongMethod(new java.util.LinkedHashSet<>(java.util.List.of("GET", "PUT"))));
  }

  @Test
  void routes_thatClashOrAreMalformed_areRefused() {
    assertThatThrownBy(() -> AdminRoutes.builder().get("/admin/{a}", A).get("/admin/{b}", B))
        .hasMessage("GET /admin/{b} clashes with GET /admin/{a}");
    assertThatThrownBy(() -> AdminRoutes.builder().get("admin", A))
        .hasMessageContaining("starts with '/'");
    assertThatThrownBy(() -> AdminRoutes.builder().get("/admin/*", A))
        .hasMessageContaining("neither a literal nor {name}");
  }

  @Test
  void add_mergesRoutesOfSeveralParts() {
    AdminRoutes flags = AdminRoutes.builder().get("/admin/flags", A).build();
    AdminRoutes metrics = AdminRoutes.builder().get("/metrics", B).build();

    AdminRoutes all = AdminRoutes.builder().add(flags).add(metrics).build();

    assertThat(all.describe()).containsExactly("GET /admin/flags", "GET /metrics");
    assertThatThrownBy(() -> AdminRoutes.builder().add(flags).add(flags))
        .hasMessageContaining("clashes");
  }
}
