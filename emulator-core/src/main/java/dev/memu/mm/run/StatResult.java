package dev.memu.mm.run;

/**
 * A /proc-style figure summed over the folios it was computed for, from a scheme's answers and
 * from exact's (dev.memu.mm.consumer.ProcStats).
 *
 * @param stat          AnonPages (pages), Pss (bytes << PSS_SHIFT), Uss (pages)
 * @param scheme        the scheme's sum
 * @param exact         exact's sum
 * @param absoluteError sum of |scheme - exact| per contribution (errors that cancel still count)
 * @param relativeError (scheme - exact) / exact of the sums
 */
public record StatResult(String stat, long scheme, long exact, long absoluteError, double relativeError) {
}
