package io.strangler.api;

/**
 * Every error both backends raise, built in one place so that both answer the same call with the
 * same code and the same message.
 */
public final class Errors {
  private Errors() {}

  public static ControlPlaneException invalid(String message) {
    return new ControlPlaneException(ErrorCode.INVALID_ARGUMENT, message);
  }

  public static ControlPlaneException missingField(String field) {
    return invalid("missing required field '" + field + "'");
  }

  public static ControlPlaneException unknownRegion(String region) {
    return invalid("unknown region '" + region + "'");
  }

  public static ControlPlaneException unknownCluster(String cluster) {
    return invalid("unknown cluster '" + cluster + "'");
  }

  public static ControlPlaneException replNotFound(String replId) {
    return new ControlPlaneException(ErrorCode.NOT_FOUND, "repl '" + replId + "' not found");
  }

  public static ControlPlaneException slugNotFound(String slug) {
    return new ControlPlaneException(ErrorCode.NOT_FOUND, "no repl with slug '" + slug + "'");
  }

  public static ControlPlaneException machineNotFound(String machineId) {
    return new ControlPlaneException(ErrorCode.NOT_FOUND, "machine '" + machineId + "' not found");
  }

  public static ControlPlaneException containerNotFound(String containerId) {
    return new ControlPlaneException(
        ErrorCode.NOT_FOUND, "container '" + containerId + "' not found");
  }

  public static ControlPlaneException replExists(String replId) {
    return new ControlPlaneException(
        ErrorCode.ALREADY_EXISTS, "repl '" + replId + "' already exists");
  }

  public static ControlPlaneException slugTaken(String slug) {
    return new ControlPlaneException(
        ErrorCode.ALREADY_EXISTS, "slug '" + slug + "' is already taken");
  }

  public static ControlPlaneException containerExists(String containerId) {
    return new ControlPlaneException(
        ErrorCode.ALREADY_EXISTS, "container '" + containerId + "' already exists");
  }

  public static ControlPlaneException machineInOtherCluster(String machineId, String cluster) {
    return new ControlPlaneException(
        ErrorCode.FAILED_PRECONDITION,
        "machine '" + machineId + "' is registered in cluster '" + cluster + "'");
  }

  public static ControlPlaneException noCapacity(String replId, String cluster) {
    return new ControlPlaneException(
        ErrorCode.FAILED_PRECONDITION,
        "no ACTIVE machine with spare capacity in cluster '"
            + cluster
            + "' for repl '"
            + replId
            + "'");
  }

  public static ControlPlaneException unavailable(String backend, Throwable cause) {
    return new ControlPlaneException(
        ErrorCode.UNAVAILABLE, backend + " is unavailable: " + cause.getMessage(), cause);
  }

  public static ControlPlaneException internal(String backend, Throwable cause) {
    return new ControlPlaneException(ErrorCode.INTERNAL, backend + " failed: " + cause, cause);
  }
}
