package io.strangler.cli;

import picocli.CommandLine.Option;

/** {@code --json}: the raw JSON instead of the text for people. */
final class JsonOption {
  @Option(names = "--json", description = "Print JSON instead of text.")
  boolean json;
}
