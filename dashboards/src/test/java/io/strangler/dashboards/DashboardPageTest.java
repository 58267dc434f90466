package io.strangler.dashboards;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class DashboardPageTest {

  @Test
  void html_isOneSelfContainedDocument() {
    String html = new String(DashboardPage.html(), StandardCharsets.UTF_8);

    assertThat(html).startsWith("<!DOCTYPE html>").contains("</html>");
    // Nothing is fetched from elsewhere: no external scripts, styles, fonts or images.
    assertThat(html).doesNotContainPattern("(?i)(src|href)\\s*=\\s*\"(https?:)?//");
    assertThat(html).doesNotContainPattern("(?i)@import|url\\(");
    assertThat(html).doesNotContain("innerHTML").doesNotContain("insertAdjacentHTML");
  }

  @Test
  void html_returnsACopy() {
    byte[] first = DashboardPage.html();
    first[0] = 'x';

    assertThat(DashboardPage.html()[0]).isEqualTo((byte) '<');
  }

  @Test
  void headers_allowOnlyThePagesOwnScriptAndStyle() throws Exception {
    String html = new String(DashboardPage.html(), StandardCharsets.UTF_8);
    String script = html.substring(html.indexOf("<script>") + 8, html.indexOf("</script>"));
    String hash =
        Base64.getEncoder()
            .encodeToString(
                MessageDigest.getInstance("SHA-256")
                    .digest(script.getBytes(StandardCharsets.UTF_8)));

    String csp = DashboardPage.headers().get("Content-Security-Policy");

    assertThat(csp)
        .startsWith("default-src 'none';")
        .contains("script-src 'sha256-" + hash + "'")
        .contains("style-src 'sha256-")
        .contains("connect-src 'self'")
        .doesNotContain("unsafe-inline");
    assertThat(DashboardPage.headers()).containsEntry("Content-Type", "text/html; charset=utf-8");
  }

  @Test
  void contentSecurityPolicy_ofAPageWithTwoScripts_fails() {
    assertThatThrownBy(
            () ->
                DashboardPage.contentSecurityPolicy(
                    "<style></style><script>a</script><script>b</script>"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("<script>");
  }
}
