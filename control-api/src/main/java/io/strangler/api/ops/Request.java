package io.strangler.api.ops;

/**
 * A control API request. Both backends call {@link #validate()} before touching their store, so
 * both reject the same input with the same error.
 */
public interface Request {
  /** Throws INVALID_ARGUMENT when a field is missing or malformed. */
  void validate();

  /**
   * The key gradual rollouts stick to: the repl id where the call has one, else the id of the
   * entity it names.
   */
  String routingKey();

  /**
   * The entity this call touches; shadow writes on one entity are applied in the order the
   * authoritative backend applied them.
   */
  String entityKey();
}
