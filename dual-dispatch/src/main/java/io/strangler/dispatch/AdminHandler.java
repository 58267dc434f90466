package io.strangler.dispatch;

/**
 * Serves one admin route. Runs on a virtual thread of the admin port (a few at a time), so it may
 * block briefly (a database query). A {@link BadRequest} (for example from {@link
 * AdminRequest#intParam}) is answered with its status and code; any other exception becomes a 500
 * with its message.
 */
@FunctionalInterface
public interface AdminHandler {
  AdminResponse handle(AdminRequest request) throws Exception;
}
