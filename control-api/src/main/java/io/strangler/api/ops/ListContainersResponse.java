package io.strangler.api.ops;

import io.strangler.api.model.Container;
import java.util.Comparator;
import java.util.List;

/** Containers ordered by startedAt, then containerId. */
public record ListContainersResponse(List<Container> containers) {
  public static final Comparator<Container> ORDER =
      Comparator.comparing(Container::startedAt).thenComparing(Container::containerId);
}
