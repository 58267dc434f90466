package io.strangler.flags;

/**
 * The admin view of one API's flag.
 *
 * @param operation the API
 * @param configured the configured mode, or null when the API has no flag (it runs in the default
 *     mode) or the source cannot tell
 * @param rolloutPercent the share of routing keys that get {@code configured}; null when the source
 *     cannot tell (an Unleash toggle whose strategies are not a single rollout)
 * @param inRollout what a routing key in the rollout gets after kill switches; null means
 *     UNAVAILABLE (both backends killed)
 * @param outsideRollout what a routing key outside the rollout gets after kill switches; null means
 *     UNAVAILABLE
 * @param source {@code file}, {@code unleash}, {@code postgres}, {@code default} (no flag for this
 *     API), {@code kill switch} (a kill switch changed what the flag says) or {@code override} (the
 *     proxy holds a setting over the source's: see {@link FlagsSnapshot#overrides()})
 */
public record ApiFlag(
    String operation,
    Mode configured,
    Integer rolloutPercent,
    Mode inRollout,
    Mode outsideRollout,
    String source) {

  public static final String FILE = "file";
  public static final String UNLEASH = "unleash";
  public static final String DEFAULT = "default";
  public static final String KILL_SWITCH = "kill switch";
  public static final String OVERRIDE = "override";
}
