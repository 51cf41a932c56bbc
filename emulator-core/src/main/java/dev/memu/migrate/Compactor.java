package dev.memu.migrate;

import dev.memu.alloc.PageAllocator;
import dev.memu.layout.Memmap;
import dev.memu.memdesc.Allocatee;
import dev.memu.memdesc.MemdescType;
import dev.memu.memdesc.Memdescs;

/**
 * A compaction pass, Linux's {@code compact_zone} simplified: a migrate scanner walks pageblocks
 * up from the bottom of the zone and moves every movable allocation out of each pageblock that
 * holds no unmovable memory; a free scanner walks down from the top and supplies aligned free
 * ranges as targets; the pass ends when the scanners meet.
 *
 * <h2>Placing a target through the PageAllocator interface only</h2>
 * The allocator cannot be told "give me this block", so the pass first isolates all free memory
 * (allocates every free page, order 0, under the {@code offline} tag: Linux's free scanner
 * isolates free pages too). To move an allocation of order o to a target range, it frees exactly
 * that range's 2^o isolated pages, which merge into one block, and allocates order o for the
 * allocation's owner: with every other free page isolated, that block is the only one the
 * allocator can return (checked; the pass stops with a reason if not, e.g. a PCP keeps freed pages
 * on per-cpu lists instead of merging them). After the move the old block is freed and isolated
 * again. At the end every isolated page is freed, and the evacuated pageblocks merge.
 *
 * <p>Stop-the-world: no other vcpu may allocate or free during the pass. Costs O(free pages)
 * allocator calls for the isolation, on top of the moves.
 */
public final class Compactor {

    /** Pageblock order (Linux: pageblock_order = 9 with 4 KiB pages and hugetlb). */
    public static final int DEFAULT_TARGET_ORDER = 9;

    private static final long ISOLATED = Memdescs.bare(MemdescType.OFFLINE);

    private final PageAllocator allocator;
    private final Memdescs descs;
    private final Migrator migrator;
    private final Memmap memmap;

    public Compactor(final PageAllocator allocator, final Memdescs descs, final Migrator migrator) {
        this.allocator = allocator;
        this.descs = descs;
        this.migrator = migrator;
        this.memmap = allocator.memmap();
    }

    /** Compacts for {@link #DEFAULT_TARGET_ORDER} (or the allocator's max order if lower). */
    public CompactionResult compact(final int vcpu) {
        return compact(Math.min(DEFAULT_TARGET_ORDER, allocator.maxOrder()), vcpu);
    }

    public CompactionResult compact(final int targetOrder, final int vcpu) {
        if (targetOrder < 1 || targetOrder > allocator.maxOrder()) {
            throw new IllegalArgumentException("compaction target order " + targetOrder + " is outside 1.."
                    + allocator.maxOrder());
        }
        final long start = System.nanoTime();
        final long[] before = allocator.freeBlocksByOrder();
        final int pages = Math.toIntExact(allocator.managedPages());
        final boolean[] held = new boolean[pages];
        long p;
        while ((p = allocator.alloc(0, ISOLATED, vcpu)) != PageAllocator.NO_PAGE) {
            held[(int) p] = true;
        }
        final long pageblock = 1L << targetOrder;
        final long[] cursor = new long[targetOrder];
        for (int o = 0; o < targetOrder; o++) {
            cursor[o] = ((pages - (1L << o)) >>> o) << o;
        }
        long lowestTarget = pages;
        long moved = 0;
        long movedPages = 0;
        long scanned = 0;
        long skipped = 0;
        String reason = "scanners met";
        final long[] heads = new long[(int) pageblock];
        outer:
        for (long block = 0; block + pageblock <= lowestTarget; block += pageblock) {
            scanned++;
            // Migrate scanner: collect this pageblock's movable heads; give up on it if anything is unmovable.
            int n = 0;
            boolean unmovable = false;
            long pfn = block;
            while (pfn < block + pageblock) {
                if (held[(int) pfn]) {
                    pfn++;
                    continue;
                }
                final long a = memmap.allocatee(pfn);
                final MemdescType type = Allocatee.type(a);
                if (a == Allocatee.NONE || type == null || !Migrator.isMovable(type) || !descs.hasDescriptor(a)) {
                    unmovable = true;
                    break;
                }
                final int order = descs.order(a);
                if (order >= targetOrder) {
                    unmovable = true;                    // a whole pageblock already: nothing to gain
                    break;
                }
                heads[n++] = a;
                pfn = descs.pfn(a) + (1L << order);
            }
            if (unmovable) {
                skipped++;
                continue;
            }
            for (int i = 0; i < n; i++) {
                final long a = heads[i];
                final int order = descs.order(a);
                final long size = 1L << order;
                // Free scanner: the highest aligned fully isolated range above this pageblock.
                long target = -1;
                while (cursor[order] >= block + pageblock) {
                    final long c = cursor[order];
                    cursor[order] -= size;
                    if (allHeld(held, c, size)) {
                        target = c;
                        break;
                    }
                }
                if (target < 0) {
                    break outer;                         // the free scanner reached the migrate scanner
                }
                for (long q = target; q < target + size; q++) {
                    allocator.free(q, 0, vcpu);
                    held[(int) q] = false;
                }
                final long got = allocator.alloc(order, a, vcpu);
                if (got != target) {
                    if (got != PageAllocator.NO_PAGE) {
                        allocator.free(got, order, vcpu);
                    }
                    reason = "stopped: allocator returned " + got + " instead of the freed target " + target
                            + " (it does not merge freed pages back at once)";
                    reisolate(held, vcpu);
                    break outer;
                }
                final long old = descs.pfn(a);
                migrator.moveTo(a, target, vcpu);
                moved++;
                movedPages += size;
                lowestTarget = Math.min(lowestTarget, target & -pageblock);
                for (long q = 0; q < size; q++) {
                    final long r = allocator.alloc(0, ISOLATED, vcpu);
                    if (r == PageAllocator.NO_PAGE || r < old || r >= old + size) {
                        if (r != PageAllocator.NO_PAGE) {
                            held[(int) r] = true;
                        }
                        reason = "stopped: re-isolating the old block returned pfn " + r;
                        break outer;
                    }
                    held[(int) r] = true;
                }
            }
        }
        for (int q = 0; q < pages; q++) {
            if (held[q]) {
                allocator.free(q, 0, vcpu);
            }
        }
        return new CompactionResult(targetOrder, before, allocator.freeBlocksByOrder(), moved, movedPages,
                scanned, skipped, reason, System.nanoTime() - start);
    }

    /** Takes any free page the allocator still has (after a failed placement) back into isolation. */
    private void reisolate(final boolean[] held, final int vcpu) {
        long p;
        while ((p = allocator.alloc(0, ISOLATED, vcpu)) != PageAllocator.NO_PAGE) {
            held[(int) p] = true;
        }
    }

    private static boolean allHeld(final boolean[] held, final long from, final long size) {
        for (long q = from; q < from + size; q++) {
            if (!held[(int) q]) {
                return false;
            }
        }
        return true;
    }
}
