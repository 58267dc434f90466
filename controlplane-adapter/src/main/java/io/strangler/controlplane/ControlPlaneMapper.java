package io.strangler.controlplane;

import io.strangler.api.model.Container;
import io.strangler.api.model.Machine;
import io.strangler.api.model.Repl;
import io.strangler.api.ops.HostingMetadata;
import io.strangler.api.ops.ResolveClusterResponse;
import java.time.Instant;
import java.util.List;
import org.apache.ibatis.annotations.Param;

/**
 * The control plane's statements; the SQL, and why each is shaped as it is, is in
 * ControlPlaneMapper.xml beside this interface's package on the classpath. Methods that return a
 * row or null answer null when no row matched.
 */
interface ControlPlaneMapper {

  // ---- topology

  List<ClusterRow> selectClusters();

  int insertRegions(@Param("names") String[] names);

  int upsertClusters(@Param("names") String[] names, @Param("regions") String[] regions);

  int deleteClustersNotIn(@Param("names") String[] names);

  int deleteRegionsNotIn(@Param("names") String[] names);

  // ---- repls

  int insertRepl(
      @Param("replId") String replId,
      @Param("ownerId") String ownerId,
      @Param("slug") String slug,
      @Param("cluster") String cluster,
      @Param("createdAt") Instant createdAt);

  Taken selectTaken(@Param("replId") String replId, @Param("slug") String slug);

  Repl selectRepl(@Param("replId") String replId);

  ReplState selectReplState(@Param("replId") String replId);

  Repl lockRepl(@Param("replId") String replId);

  Repl setPendingTransfer(@Param("replId") String replId, @Param("target") String target);

  int clearPendingTransfer(@Param("replId") String replId);

  Repl moveRepl(
      @Param("replId") String replId,
      @Param("from") String from,
      @Param("target") String target,
      @Param("now") Instant now,
      @Param("expiresAt") Instant expiresAt);

  ResolveClusterResponse selectResolve(@Param("replId") String replId, @Param("now") Instant now);

  HostingMetadata selectHostingMetadata(@Param("slug") String slug);

  // ---- machines

  Machine upsertMachine(
      @Param("machineId") String machineId,
      @Param("cluster") String cluster,
      @Param("address") String address,
      @Param("capacity") int capacity,
      @Param("now") Instant now);

  String selectMachineCluster(@Param("machineId") String machineId);

  Machine heartbeat(
      @Param("machineId") String machineId,
      @Param("cpuPercent") double cpuPercent,
      @Param("now") Instant now);

  Machine drainMachine(@Param("machineId") String machineId);

  List<Machine> selectMachines(@Param("cluster") String cluster);

  List<Machine> selectCandidates(@Param("cluster") String cluster);

  // ---- containers

  PlacementResult placeContainer(
      @Param("replId") String replId,
      @Param("cluster") String cluster,
      @Param("machineId") String machineId,
      @Param("containerId") String containerId,
      @Param("now") Instant now,
      @Param("checkRoom") boolean checkRoom);

  PlacementResult placeContainerWithTransfer(
      @Param("replId") String replId,
      @Param("from") String from,
      @Param("target") String target,
      @Param("machineId") String machineId,
      @Param("containerId") String containerId,
      @Param("now") Instant now,
      @Param("expiresAt") Instant expiresAt,
      @Param("checkRoom") boolean checkRoom);

  Container stopContainer(@Param("containerId") String containerId, @Param("now") Instant now);

  /** Empty: unknown repl; a single null element: a repl without containers. */
  List<Container> selectContainersOfRepl(@Param("replId") String replId);

  /** Empty: unknown machine; a single null element: a machine without containers. */
  List<Container> selectContainersOfMachine(@Param("machineId") String machineId);
}
