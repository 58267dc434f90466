package io.strangler.controlplane;

import static org.assertj.core.api.Assertions.assertThat;

import io.strangler.api.ErrorCode;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The SQLSTATE classification, including the states PostgresStoreFaultsTest does not provoke on a
 * real server (shutdowns, too many connections, conflicts that outlast the retries).
 */
class SqlErrorsTest {
  @Test
  void anExceptionWithoutSqlState_isNotRetryable_andDoesNotThrow() {
    SQLException poolTimeout =
        new SQLTransientConnectionException(
            "controlplane - Connection is not available, request timed out after 500ms");

    assertThat(SqlErrors.isRetryable(poolTimeout)).isFalse();
    assertThat(SqlErrors.isRetryable(new SQLException("no state"))).isFalse();
    assertThat(SqlErrors.translate("controlplane", poolTimeout).code())
        .isEqualTo(ErrorCode.UNAVAILABLE);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "08001", "08006", "57P01", "57P02", "57P03", "53300", "53200", "57014", "25006", "40001",
        "40P01"
      })
  void storeFaults_areUnavailable(String state) {
    var e = SqlErrors.translate("controlplane", new SQLException("fault " + state, state));

    assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE);
    assertThat(e.getMessage()).isEqualTo("controlplane is unavailable: fault " + state);
  }

  @ParameterizedTest
  @ValueSource(strings = {"23505", "22P02", "42P01", "XX000"})
  void defects_areInternal(String state) {
    assertThat(SqlErrors.translate("controlplane", new SQLException("x", state)).code())
        .isEqualTo(ErrorCode.INTERNAL);
  }

  @Test
  void anSqlExceptionWithoutState_isInternal() {
    assertThat(SqlErrors.translate("controlplane", new SQLException("odd")).code())
        .isEqualTo(ErrorCode.INTERNAL);
  }
}
