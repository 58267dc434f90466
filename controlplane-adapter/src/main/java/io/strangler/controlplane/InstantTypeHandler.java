package io.strangler.controlplane;

import java.sql.CallableStatement;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import org.apache.ibatis.type.BaseTypeHandler;
import org.apache.ibatis.type.JdbcType;

/**
 * Instants as timestamptz through {@link OffsetDateTime} in UTC, which PgJDBC binds and reads
 * without a detour through java.sql.Timestamp and the JVM's default time zone.
 */
final class InstantTypeHandler extends BaseTypeHandler<Instant> {
  @Override
  public void setNonNullParameter(PreparedStatement ps, int i, Instant value, JdbcType jdbcType)
      throws SQLException {
    ps.setObject(i, value.atOffset(ZoneOffset.UTC));
  }

  @Override
  public Instant getNullableResult(ResultSet rs, String column) throws SQLException {
    return toInstant(rs.getObject(column, OffsetDateTime.class));
  }

  @Override
  public Instant getNullableResult(ResultSet rs, int index) throws SQLException {
    return toInstant(rs.getObject(index, OffsetDateTime.class));
  }

  @Override
  public Instant getNullableResult(CallableStatement cs, int index) throws SQLException {
    return toInstant(cs.getObject(index, OffsetDateTime.class));
  }

  private static Instant toInstant(OffsetDateTime t) {
    return t == null ? null : t.toInstant();
  }
}
