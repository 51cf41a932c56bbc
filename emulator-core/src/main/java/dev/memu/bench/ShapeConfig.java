package dev.memu.bench;

import dev.memu.alloc.Allocators;
import dev.memu.layout.Layouts;
import dev.memu.util.Sizes;

/**
 * One run of one shape: which allocator over which layout, how much RAM, which order, how many
 * threads out of how many at most, and how many rounds.
 *
 * @param shape        the LLFree shape
 * @param allocator    allocator name as registered in {@link Allocators} (e.g. {@code buddy}, {@code potad+pcp})
 * @param layout       layout name as registered in {@link Layouts}
 * @param ramBytes     emulated RAM; LLFree's runs on a machine like memu's used 8 GiB
 * @param order        every block of the run has 2^order pages
 * @param threads      T: worker threads of this run, one vcpu each (vcpu = thread index)
 * @param maxThreads   T_max: the largest T of the series; each thread's share is
 *                     {@code frames / (2 * T_max) / 2^order} blocks, as in LLFree
 * @param rounds       timed rounds, or {@link #AUTO}: enough rounds that each thread does at least
 *                     {@link #AUTO_MIN_OPS} operations per phase, and at least {@link #AUTO_MIN_ROUNDS}
 *                     (4 at order 0 on 8 GiB, 256 at order 9: LLFree's order-9 share is only
 *                     1024 blocks a thread)
 * @param warmupRounds untimed rounds before the timed ones, or {@link #AUTO}: as many as timed
 *                     rounds (the JIT compiles the shape's loops during them)
 * @param seed         seed of rand's shuffle; LLFree uses 42
 * @param putBatch     blocks per {@link dev.memu.alloc.PageAllocator#freeBatch} in the put phases
 *                     of bulk and rand; 1 (LLFree's put loop, the default) frees one at a time
 */
public record ShapeConfig(LlfreeShape shape, String allocator, String layout, long ramBytes, int order,
                          int threads, int maxThreads, int rounds, int warmupRounds, long seed, int putBatch) {

    /** Rounds or warm-up rounds chosen from the share size. */
    public static final int AUTO = -1;
    /** With {@link #AUTO} rounds, each thread does at least this many operations per timed phase. */
    public static final long AUTO_MIN_OPS = 1L << 18;
    /**
     * With {@link #AUTO} rounds, at least this many timed rounds (and as many warm-up rounds):
     * measured here, one warm-up round of order-0 bulk on 8 GiB left POTAD's get 20 ns slower
     * than after four, because the JIT was still compiling the loops.
     */
    public static final int AUTO_MIN_ROUNDS = 4;
    /** rand's shuffle seed in LLFree's benchmark. */
    public static final long LLFREE_SEED = 42;
    /** Page shift of every shape run: 4 KiB pages, as LLFree's frames. */
    public static final int PAGE_SHIFT = 12;
    /** Largest {@link #putBatch}. */
    public static final int MAX_PUT_BATCH = 1024;
    /** Largest {@link #order}: a block of 2^62 frames is still a long count. */
    public static final int MAX_ORDER = 62;

    public ShapeConfig {
        if (shape == null) {
            throw new IllegalArgumentException("shape is missing");
        }
        Allocators.check(allocator);
        Layouts.byName(layout);
        if (ramBytes <= 0 || (ramBytes & ((1L << PAGE_SHIFT) - 1)) != 0) {
            throw new IllegalArgumentException("RAM size must be a positive multiple of 4 KiB, got " + ramBytes);
        }
        if (order < 0 || order > MAX_ORDER) {
            throw new IllegalArgumentException("order must be 0.." + MAX_ORDER + ", got " + order);
        }
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1, got " + threads);
        }
        if (maxThreads < threads) {
            throw new IllegalArgumentException("max threads (" + maxThreads + ") is below threads (" + threads + ")");
        }
        if (rounds != AUTO && rounds < 1) {
            throw new IllegalArgumentException("rounds must be at least 1, got " + rounds);
        }
        if (warmupRounds != AUTO && warmupRounds < 0) {
            throw new IllegalArgumentException("warm-up rounds must be at least 0, got " + warmupRounds);
        }
        if (putBatch < 1 || putBatch > MAX_PUT_BATCH) {
            throw new IllegalArgumentException("put batch must be 1.." + MAX_PUT_BATCH + ", got " + putBatch);
        }
        // Fields are assigned only after this body: compute from the parameters.
        final long share = share(ramBytes, maxThreads, order);
        if (share < 1) {
            throw new IllegalArgumentException(Sizes.format(ramBytes) + " of RAM leaves no order-" + order
                    + " block per thread with " + maxThreads + " threads at most: frames / (2 * "
                    + maxThreads + ") / 2^" + order + " is 0");
        }
        if (share * threads > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("too many blocks (" + share * threads
                    + ") for one array; use a larger order or less RAM");
        }
    }

    /** A config whose puts free one block at a time, as LLFree's put loop. */
    public ShapeConfig(final LlfreeShape shape, final String allocator, final String layout, final long ramBytes,
                       final int order, final int threads, final int maxThreads, final int rounds,
                       final int warmupRounds, final long seed) {
        this(shape, allocator, layout, ramBytes, order, threads, maxThreads, rounds, warmupRounds, seed, 1);
    }

    /** A config with LLFree's defaults: auto rounds and warm-up, seed 42. */
    public static ShapeConfig of(final LlfreeShape shape, final String allocator, final String layout,
                                 final long ramBytes, final int order, final int threads, final int maxThreads) {
        return new ShapeConfig(shape, allocator, layout, ramBytes, order, threads, maxThreads, AUTO, AUTO,
                LLFREE_SEED);
    }

    public ShapeConfig withRounds(final int timed, final int warmup) {
        return new ShapeConfig(shape, allocator, layout, ramBytes, order, threads, maxThreads, timed, warmup, seed, putBatch);
    }

    public ShapeConfig withThreads(final int t) {
        return new ShapeConfig(shape, allocator, layout, ramBytes, order, t, maxThreads, rounds, warmupRounds, seed, putBatch);
    }

    public ShapeConfig withPutBatch(final int blocks) {
        return new ShapeConfig(shape, allocator, layout, ramBytes, order, threads, maxThreads, rounds, warmupRounds,
                seed, blocks);
    }

    /** Page frames of the emulated RAM. */
    public long frames() {
        return ramBytes >>> PAGE_SHIFT;
    }

    /** Each thread's share: {@code frames / T_max / 2 / 2^order} blocks, LLFree's {@code allocs}. */
    public long allocsPerThread() {
        return share(ramBytes, maxThreads, order);
    }

    private static long share(final long ramBytes, final int maxThreads, final int order) {
        return (ramBytes >>> PAGE_SHIFT) / maxThreads / 2 >>> order;
    }

    /** Timed rounds after resolving {@link #AUTO}. */
    public int resolvedRounds() {
        if (rounds != AUTO) {
            return rounds;
        }
        return (int) Math.max(AUTO_MIN_ROUNDS, (AUTO_MIN_OPS + allocsPerThread() - 1) / allocsPerThread());
    }

    /** Warm-up rounds after resolving {@link #AUTO}. */
    public int resolvedWarmupRounds() {
        return warmupRounds == AUTO ? resolvedRounds() : warmupRounds;
    }
}
