package dev.memu.bench;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The three workload shapes of LLFree's benchmark, kept exactly so that memu's numbers compare
 * with LLFree's published ones (luhsra/llfree-rs {@code bench/src/bin/bench.rs}; the ATC 2023
 * paper's "bulk", "repeat" and "rand").
 *
 * <p>In all three, each of T threads works on {@code frames / (2 * T_max) / 2^order} blocks, where
 * T_max is the largest thread count of the series: with T = T_max the threads together hold half
 * of memory. Each thread is one vcpu and times each phase as a whole with {@link System#nanoTime()};
 * a barrier separates the phases.
 */
public enum LlfreeShape {

    /**
     * Each thread allocates its share, then frees it in reverse order of allocation. Reports ns per
     * get (the allocation phase over its count) and ns per put (the free phase over its count).
     */
    BULK("bulk", "each thread allocates its share, then frees it in reverse"),

    /**
     * Each thread first allocates its share, untimed, so that memory is half full; then it times
     * get-then-put pairs of one block, as many pairs as its share. Reports ns per pair.
     */
    REPEAT("repeat", "half of memory allocated untimed, then timed get+put pairs"),

    /**
     * Each thread allocates its share (timed: ns per get); then one thread shuffles every thread's
     * blocks together with a fixed seed; then each thread frees the blocks that landed in its
     * share (timed: ns per put), so threads free each other's blocks in random order.
     */
    RAND("rand", "allocate, shuffle all threads' blocks together (fixed seed), free");

    private final String key;
    private final String summary;

    LlfreeShape(final String key, final String summary) {
        this.key = key;
        this.summary = summary;
    }

    /** Name on the command line and in output. */
    public String key() {
        return key;
    }

    public String summary() {
        return summary;
    }

    /** True when the shape times the get and put phases apart; false for {@link #REPEAT}'s pairs. */
    public boolean timesGetAndPut() {
        return this != REPEAT;
    }

    /** Every shape's key, in declaration order. */
    public static List<String> keys() {
        return Arrays.stream(values()).map(LlfreeShape::key).toList();
    }

    /**
     * The shape named {@code key} (case-insensitive).
     *
     * @throws IllegalArgumentException naming the input and the known shapes
     */
    public static LlfreeShape ofKey(final String key) {
        for (final LlfreeShape shape : values()) {
            if (shape.key.equals(key.toLowerCase(Locale.ROOT))) {
                return shape;
            }
        }
        throw new IllegalArgumentException("unknown shape '" + key + "' (known: " + String.join(", ", keys()) + ")");
    }
}
