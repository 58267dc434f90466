package io.strangler.controlplane;

import java.io.PrintWriter;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * A DataSource that counts what its connections send: statements prepared (PgJDBC sends each
 * executed statement as one round trip) and transaction ends (commit or rollback, one each).
 */
final class CountingDataSource implements DataSource {
  private final DataSource delegate;
  final AtomicInteger statements = new AtomicInteger();
  final AtomicInteger transactionEnds = new AtomicInteger();

  CountingDataSource(DataSource delegate) {
    this.delegate = delegate;
  }

  void reset() {
    statements.set(0);
    transactionEnds.set(0);
  }

  @Override
  public Connection getConnection() throws SQLException {
    return counting(delegate.getConnection());
  }

  @Override
  public Connection getConnection(String user, String password) throws SQLException {
    return counting(delegate.getConnection(user, password));
  }

  private Connection counting(Connection target) {
    return (Connection)
        Proxy.newProxyInstance(
            Connection.class.getClassLoader(),
            new Class<?>[] {Connection.class},
            (proxy, method, args) -> {
              switch (method.getName()) {
                case "prepareStatement", "createStatement", "prepareCall" ->
                    statements.incrementAndGet();
                case "commit", "rollback" -> transactionEnds.incrementAndGet();
                default -> {}
              }
              try {
                return method.invoke(target, args);
              } catch (InvocationTargetException e) {
                throw e.getCause();
              }
            });
  }

  @Override
  public PrintWriter getLogWriter() throws SQLException {
    return delegate.getLogWriter();
  }

  @Override
  public void setLogWriter(PrintWriter out) throws SQLException {
    delegate.setLogWriter(out);
  }

  @Override
  public void setLoginTimeout(int seconds) throws SQLException {
    delegate.setLoginTimeout(seconds);
  }

  @Override
  public int getLoginTimeout() throws SQLException {
    return delegate.getLoginTimeout();
  }

  @Override
  public Logger getParentLogger() throws SQLFeatureNotSupportedException {
    return delegate.getParentLogger();
  }

  @Override
  public <T> T unwrap(Class<T> iface) throws SQLException {
    return delegate.unwrap(iface);
  }

  @Override
  public boolean isWrapperFor(Class<?> iface) throws SQLException {
    return delegate.isWrapperFor(iface);
  }
}
