package dev.memu.workload.kernelmix;

import dev.memu.memdesc.Allocatee;
import dev.memu.memdesc.MemdescType;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Builds a fragmented state out of real descriptors, the input compaction needs: fill memory with
 * small anon folios (order 0 and 1, movable), with a few unmovable slabs first, then free a
 * random fraction of the folios. Free memory ends up scattered in small holes across every
 * pageblock, so high-order allocations fail until something moves.
 *
 * <p>Allocations made with fake allocatee pointers cannot be compacted (the compactor reads the
 * descriptor to learn pfn and order): a fragment workload meant for {@code --compact} should be
 * built with this class or with {@link KernelObjects}.
 */
public final class FragmentingFill {

    private final KernelObjects objects;
    private long[] live = new long[0];
    private int liveCount;

    public FragmentingFill(final KernelObjects objects) {
        this.objects = objects;
    }

    /**
     * Fills, then frees {@code freeFraction} of the movable folios (chosen with {@code seed}).
     *
     * @param unmovableSlabs slabs allocated before the fill (they land in the first pageblocks)
     */
    public void fill(final int unmovableSlabs, final double freeFraction, final long seed, final int vcpu) {
        if (freeFraction < 0 || freeFraction > 1) {
            throw new IllegalArgumentException("free fraction must be in [0, 1], got " + freeFraction);
        }
        final long pages = objects.allocator().managedPages();
        live = new long[(int) Math.min(Integer.MAX_VALUE - 8, pages + unmovableSlabs)];
        for (int i = 0; i < unmovableSlabs; i++) {
            final long a = objects.slab(0, 256, vcpu);
            if (a != 0) {
                live[liveCount++] = a;
            }
        }
        long a;
        int i = 0;
        while ((a = objects.anonFolio(i++ % 3 == 0 ? 1 : 0, vcpu)) != 0) {
            live[liveCount++] = a;
        }
        final SplittableRandom rnd = new SplittableRandom(seed);
        int kept = 0;
        for (int k = 0; k < liveCount; k++) {
            final long x = live[k];
            if (Allocatee.type(x) == MemdescType.ANON_FOLIO && rnd.nextDouble() < freeFraction) {
                objects.free(x, vcpu);
            } else {
                live[kept++] = x;
            }
        }
        liveCount = kept;
        live = Arrays.copyOf(live, liveCount);
    }

    public int liveCount() {
        return liveCount;
    }

    public long live(final int i) {
        return live[i];
    }

    /** Frees everything still live. */
    public void drain(final int vcpu) {
        for (int k = 0; k < liveCount; k++) {
            objects.free(live[k], vcpu);
        }
        liveCount = 0;
    }
}
