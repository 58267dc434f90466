package io.strangler.traffic.replay;

/**
 * Where calls go: a running proxy over HTTP, or both backends in this process. Called from the
 * replayer's worker threads, concurrently, but never twice at once for one entity.
 */
public interface Target extends AutoCloseable {

  /** For reports: the proxy's URL, or the two stores. */
  String describe();

  /** Sends one call; never throws for what the call answers (errors are {@link Answer.Failed}). */
  CallResult call(ReadyCall call);

  @Override
  void close();
}
