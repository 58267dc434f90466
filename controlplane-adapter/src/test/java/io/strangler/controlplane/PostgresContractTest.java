package io.strangler.controlplane;

import io.strangler.api.ControlPlane;
import io.strangler.api.contract.ControlPlaneContract;
import io.strangler.servers.RealServers;
import io.strangler.servers.RealServers.PostgresDb;
import org.junit.jupiter.api.extension.ExtendWith;

/** The shared contract suite against the PostgreSQL control plane. */
@ExtendWith(RealServers.class)
class PostgresContractTest extends ControlPlaneContract {
  private final PostgresDb db;

  PostgresContractTest(PostgresDb db) {
    this.db = db;
  }

  @Override
  protected ControlPlane newPlane() {
    return TestDatabase.emptyPlane(db);
  }
}
