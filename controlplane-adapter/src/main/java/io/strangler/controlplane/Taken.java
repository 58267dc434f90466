package io.strangler.controlplane;

/** Which of CreateRepl's unique keys another repl holds. */
record Taken(boolean replIdTaken, boolean slugTaken) {}
