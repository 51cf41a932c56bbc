package dev.memu.migrate;

import dev.memu.alloc.PageAllocator;
import dev.memu.memdesc.Allocatee;
import dev.memu.memdesc.MemdescType;
import dev.memu.memdesc.Memdescs;

/**
 * Order-9 success before and after one compaction pass, as a THP fault would see it: try
 * {@code max(1, freePages >> order)} allocations of the order (as many as the free memory could
 * hold if it were contiguous), count the successes, give the blocks back; compact; try again.
 * Stop-the-world, like the compactor.
 */
public final class CompactionProbe {

    private static final long PROBE = Allocatee.of(MemdescType.ANON_FOLIO, 0);

    private CompactionProbe() {
    }

    /**
     * What one probe-compact-probe round measured.
     *
     * @param order           the probed order (the compaction target)
     * @param attempts        allocations tried in each probe
     * @param successesBefore probe successes before compaction
     * @param successesAfter  probe successes after compaction
     * @param compaction      the pass itself
     */
    public record Report(int order, long attempts, long successesBefore, long successesAfter,
                         CompactionResult compaction) {
    }

    /** Probes, compacts for {@code min(9, maxOrder)} and probes again on {@code allocator}. */
    public static Report run(final PageAllocator allocator, final Memdescs descs, final int vcpu) {
        final int order = Math.min(Compactor.DEFAULT_TARGET_ORDER, allocator.maxOrder());
        final long attempts = Math.max(1, allocator.freePages() >> order);
        final long before = probe(allocator, order, attempts, vcpu);
        final CompactionResult result = new Compactor(allocator, descs, new Migrator(allocator, descs))
                .compact(order, vcpu);
        final long after = probe(allocator, order, attempts, vcpu);
        return new Report(order, attempts, before, after, result);
    }

    /** Allocations of {@code order} that succeed out of {@code attempts}; every block is freed again. */
    static long probe(final PageAllocator allocator, final int order, final long attempts, final int vcpu) {
        final long[] got = new long[Math.toIntExact(attempts)];
        int n = 0;
        for (long i = 0; i < attempts; i++) {
            final long pfn = allocator.alloc(order, PROBE, vcpu);
            if (pfn != PageAllocator.NO_PAGE) {
                got[n++] = pfn;
            }
        }
        for (int i = 0; i < n; i++) {
            allocator.free(got[i], order, vcpu);
        }
        return n;
    }
}
