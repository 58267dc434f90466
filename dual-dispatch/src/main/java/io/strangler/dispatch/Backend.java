package io.strangler.dispatch;

/**
 * One side of the proxy: the legacy or the new implementation of the registered API.
 *
 * <p>{@link #call} blocks (a Redis or SQL round trip); the proxy runs it on its own bounded pools
 * of platform threads, never on a network thread. It answers errors as {@link Reply.Failed} values;
 * an exception thrown out of it becomes an {@code INTERNAL} failure.
 */
public interface Backend {

  /** A short name for messages and thread names, for example {@code legacy}. */
  String name();

  /** Runs one call. {@code request} passed the operation's {@link ApiSpec#prepare}. */
  Reply call(String operation, Prepared request, Stamp stamp);

  /** A cheap check that the backend's store answers, for {@code /readyz}. May block briefly. */
  default boolean ready() {
    return true;
  }
}
