package dev.memu.util;

/**
 * The SplitMix64 generator (Steele, Lea, Flood 2014): one long of state, a fixed published
 * sequence for every seed, so a workload replays bit for bit on any JDK. Not thread-safe: one per
 * workload stream.
 */
public final class SplitMix64 {

    private static final long GOLDEN_GAMMA = 0x9E3779B97F4A7C15L;

    private long state;

    public SplitMix64(final long seed) {
        this.state = seed;
    }

    public long nextLong() {
        return mix(state += GOLDEN_GAMMA);
    }

    /** Uniform in [0, bound), bound > 0: the high half of a 64x64-bit product (Lemire), no division. */
    public long nextLong(final long bound) {
        return Math.unsignedMultiplyHigh(nextLong(), bound);
    }

    /** Uniform in [0, bound), bound > 0. */
    public int nextInt(final int bound) {
        return (int) Math.unsignedMultiplyHigh(nextLong(), bound);
    }

    public boolean nextBoolean() {
        return nextLong() < 0;
    }

    /** The seed of stream {@code index} derived from {@code baseSeed}: distinct, well mixed. */
    public static long derive(final long baseSeed, final int index) {
        return mix(baseSeed + GOLDEN_GAMMA * (index + 1L));
    }

    public static long mix(final long z0) {
        long z = z0;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
