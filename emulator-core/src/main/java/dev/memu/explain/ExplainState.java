package dev.memu.explain;

import dev.memu.alloc.BuddyAllocator;
import dev.memu.alloc.PageAllocator;
import dev.memu.alloc.pcp.PcpAllocator;
import dev.memu.alloc.potad.PotadAllocator;
import dev.memu.alloc.potad.PotadCore;
import dev.memu.alloc.potad.PotadNodescAllocator;

import java.util.Arrays;
import java.util.List;

/**
 * The prepared states an operation is explained on. Every state starts from {@link #STEADY};
 * the others then force one path through the allocator, so that its lines can be read one case
 * at a time.
 */
public enum ExplainState {

    /** Half of RAM filled with the churn workload's order mix, then a warm-up of churn ops (fixed seed). */
    STEADY("steady", "half full (churn order mix), then warm-up churn ops; alloc or free"),
    /** A PCP allocator whose list of the order holds a block: the alloc pops it. */
    PCP_HIT("pcp-hit", "PCP allocators, alloc: the order's list holds a block (a hit)"),
    /** A PCP allocator whose lists were just drained: the alloc refills the list first. */
    PCP_MISS("pcp-miss", "PCP allocators, alloc: the lists are empty (rmqueue_bulk refill)"),
    /** A PCP allocator one free below its high watermark: the free returns a batch to the backend. */
    BULK_FREE("bulk-free", "PCP allocators, free: pcp->count reaches high (free_pcppages_bulk)"),
    /** The buddy with an empty free list of the order and a larger free block: the alloc splits it. */
    SPLIT("split", "buddy, alloc: no free block of the order, a larger one splits"),
    /** The buddy with the freed block's buddy free: the free merges them. */
    MERGE("merge", "buddy, free: the block's buddy is free (__free_one_page merges)"),
    /**
     * POTAD with the freed block in a region whose entry ran dry and which the summary marks: the
     * free gives the entry its first token back and clears the mark (one summary line more).
     */
    DRY_REGION("dry-region", "POTAD, free, order 0: the page's region ran dry (mark cleared)");

    private final String key;
    private final String description;

    ExplainState(final String key, final String description) {
        this.key = key;
        this.description = description;
    }

    /** Name on the command line and in output. */
    public String key() {
        return key;
    }

    /** One line for {@code --help}. */
    public String description() {
        return description;
    }

    public static List<String> keys() {
        return Arrays.stream(values()).map(ExplainState::key).toList();
    }

    /** @throws ExplainConfigException naming the known states */
    public static ExplainState of(final String key) {
        for (final ExplainState s : values()) {
            if (s.key.equals(key)) {
                return s;
            }
        }
        throw new ExplainConfigException(ExplainConfigException.Input.STATE, "'" + key + "': unknown state (known: "
                + String.join(", ", keys()) + ")");
    }

    /**
     * Checks that this state can be prepared for {@code op} of {@code order} on {@code allocator}.
     *
     * @throws ExplainConfigException saying why not
     */
    void check(final PageAllocator allocator, final ExplainOp op, final int order) {
        switch (this) {
            case STEADY -> { }
            case PCP_HIT, PCP_MISS, BULK_FREE -> {
                final PcpView pcp = PcpView.of(allocator).orElseThrow(
                        () -> notApplicable("needs an allocator with per-CPU page lists, not " + allocator.name()));
                requireOp(this == BULK_FREE ? ExplainOp.FREE : ExplainOp.ALLOC, op);
                if (!pcp.hasList(order)) {
                    throw notApplicable("order " + order + " has no PCP list on " + allocator.name()
                            + " (orders 0.." + PcpAllocator.PAGE_ALLOC_COSTLY_ORDER + " and the THP order have one)");
                }
            }
            case SPLIT, MERGE -> {
                if (!(allocator instanceof BuddyAllocator)) {
                    throw notApplicable("needs the buddy allocator itself, not " + allocator.name());
                }
                requireOp(this == SPLIT ? ExplainOp.ALLOC : ExplainOp.FREE, op);
                if (order >= allocator.maxOrder()) {
                    throw notApplicable("order " + order + " is the buddy's max order: there is no larger block to "
                            + (this == SPLIT ? "split" : "merge into"));
                }
            }
            case DRY_REGION -> {
                if (potadCore(allocator) == null) {
                    throw notApplicable("needs a POTAD allocator (potad, potad-nodesc), not " + allocator.name());
                }
                requireOp(ExplainOp.FREE, op);
                if (order != 0) {
                    // An order-0 reservation is left only when its region has no token at all; a
                    // larger order's can be left with a few tokens no aligned block fits.
                    throw notApplicable("order 0 only, got " + order);
                }
            }
            default -> throw new IllegalStateException("unhandled state " + this);
        }
    }

    /** The core of a POTAD allocator (with or without descriptors), or null for any other. */
    static PotadCore potadCore(final PageAllocator allocator) {
        if (allocator instanceof PotadAllocator p) {
            return p.core();
        }
        return allocator instanceof PotadNodescAllocator n ? n.core() : null;
    }

    private void requireOp(final ExplainOp wanted, final ExplainOp op) {
        if (op != wanted) {
            throw notApplicable("applies to --op " + wanted.key() + " only");
        }
    }

    private ExplainConfigException notApplicable(final String why) {
        return new ExplainConfigException(ExplainConfigException.Input.STATE, "'" + key + "': " + why);
    }
}
