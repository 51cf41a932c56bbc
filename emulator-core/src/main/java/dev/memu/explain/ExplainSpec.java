package dev.memu.explain;

import dev.memu.driver.RunSpec;
import dev.memu.machine.Machine;

/**
 * One operation to explain.
 *
 * @param ramBytes  emulated RAM
 * @param layout    layout name ({@link dev.memu.layout.Layouts})
 * @param allocator allocator name ({@link dev.memu.alloc.Allocators})
 * @param op        alloc or free
 * @param order     order of the block allocated or freed
 * @param state     the prepared state the operation runs on
 * @param warmupOps unmeasured churn ops after the fill (part of every state)
 * @param seed      seed of the fill and warm-up (stream 0 of {@code memu run} with this seed)
 */
public record ExplainSpec(long ramBytes, String layout, String allocator, ExplainOp op, int order,
                          ExplainState state, long warmupOps, long seed) {

    /** Warm-up churn ops by default: enough that PCP lists have filled, refilled and drained. */
    public static final long DEFAULT_WARMUP_OPS = 4096;
    public static final int PAGE_SHIFT = Machine.DEFAULT_PAGE_SHIFT;

    public ExplainSpec {
        if (ramBytes <= 0) {
            throw new ExplainConfigException(ExplainConfigException.Input.MEMORY, "must be positive, got " + ramBytes + " bytes");
        }
        if (op == null || state == null) {
            throw new IllegalArgumentException("op and state are required");
        }
        if (order < 0) {
            throw new ExplainConfigException(ExplainConfigException.Input.ORDER, "'" + order + "': must be >= 0");
        }
        if (warmupOps < 0) {
            throw new IllegalArgumentException("warm-up ops must be >= 0, got " + warmupOps);
        }
    }

    /** The defaults: {@link #DEFAULT_WARMUP_OPS} warm-up ops, {@code memu run}'s default seed. */
    public static ExplainSpec of(final long ramBytes, final String layout, final String allocator, final ExplainOp op,
                                 final int order, final ExplainState state) {
        return new ExplainSpec(ramBytes, layout, allocator, op, order, state, DEFAULT_WARMUP_OPS, RunSpec.DEFAULT_SEED);
    }

    public ExplainSpec withWarmupOps(final long n) {
        return new ExplainSpec(ramBytes, layout, allocator, op, order, state, n, seed);
    }
}
