package io.strangler.flags;

/**
 * Per-API runtime decisions. One core method: the decision for an operation and a routing key (the
 * repl id where the call has one), with rollout and kill switches already applied. It is on the
 * proxy's request path: implementations answer from memory, never block, never throw.
 */
public interface Flags extends AutoCloseable {

  Decision decide(String operation, String routingKey);

  @Override
  default void close() {}
}
