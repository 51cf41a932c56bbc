package dev.memu.alloc.potad;

import dev.memu.alloc.AllocatorOptions;
import dev.memu.alloc.BadFreeException;
import dev.memu.alloc.LiveBlockCheck;
import dev.memu.alloc.VerifyReport;
import dev.memu.layout.Memmap;
import dev.memu.memdesc.Allocatee;

import java.util.ArrayList;
import java.util.List;

/**
 * POTAD, the power-of-two allocator with descriptor, over a machine's RAM: a lock-free {@link
 * PotadCore} over its pages, plus the memmap, where each allocation's allocatee is recorded in the
 * layout's way (every page's entry for per-page layouts), as proposed on linux-mm: the caller
 * allocates its memdesc first and passes the tagged pointer in.
 *
 * <ul>
 *   <li>Orders 0 to all of memory ({@code log2(pages)} rounded down, or {@link
 *       AllocatorOptions#maxOrder()}). POTAD keeps no free state in the memmap, so the layout's
 *       {@link dev.memu.layout.Layout#maxFreeOrder()} limits nothing; only its allocation-order
 *       field must hold the order (6 bits in memdesc8/16, 8 bits in linux64's folio order).</li>
 *   <li>{@link #alloc}: claim in the core, then {@link Memmap#setAllocated}.
 *       {@link #free}: check against the memmap (exactly the buddy's classification), then
 *       {@link Memmap#clearAllocated}, then free in the core. The memmap is written before the
 *       bits are released so no other vcpu can be handed the pages while they still name us.</li>
 *   <li>{@link #allocRange}: the CMA case, aligned contiguous ranges built from adjacent blocks.</li>
 * </ul>
 *
 * Order-0 cost, by construction: alloc touches the vcpu's slot line, one bitfield line and the
 * page's memmap line; free touches the memmap line, one bitfield line and the region's entry line.
 * An allocation returns {@link #NO_PAGE} only after taking every vcpu's region reservation back
 * and looking again ({@link PotadCore}: "No stranded frames"), so at quiescence it fails only
 * when no free block of its order exists.
 */
public final class PotadAllocator extends PotadBase {

    public PotadAllocator(final Memmap memmap, final AllocatorOptions options) {
        super(memmap, options);
    }

    @Override
    public String name() {
        return "potad";
    }

    @Override
    public long alloc(final int order, final long allocatee, final int vcpu) {
        LiveBlockCheck.allocatee(allocatee);
        final long pfn = core.alloc(order, vcpu);
        if (pfn != PotadCore.NO_FRAME) {
            memmap.setAllocated(pfn, order, allocatee);
        }
        return pfn;
    }

    /**
     * Checks, clears the memmap, then frees in the core. A random order-0 free misses on three
     * lines, and all three are needed: the memmap entry (the order check reads it, and it must be
     * cleared anyway, so the read adds no line), the bitfield word (the bit is what proves the
     * frame allocated; alone it cannot tell a head of order 0 from a page inside a larger
     * allocation, hence the memmap) and the region entry (the token goes back there). What the
     * order of the steps buys: the bitfield word is loaded first, before the memmap check, so the
     * two independent misses overlap instead of the second waiting behind the first's branches and
     * store; the core then CASes from that word instead of reading it again, and the argument
     * checks run once instead of twice. A double or wrong-order free is still rejected by the
     * memmap check with {@link BadFreeException} before anything is written.
     *
     * <p>What a random single free waits for, and why it stays as it is: its locked CAS waits for
     * the memmap miss, and the next free's miss waits for that CAS (see {@link #freeBatch}, which
     * overlaps the misses of a batch). Measured on 8 GiB memdesc8, rand shape, and found no
     * better: checking the order without loading the memmap entry (the store alone, before a CAS,
     * costs the same miss: {@code LockedMissBenchmark.storeCas} 27-49 against {@code loadStoreCas}
     * 29-43 ns per word, and the rand put of {@code bench llfree} did not move), the memmap load
     * issued before the bitfield load, and the memmap store after the CAS ({@code casThenStore}
     * 27-42 ns; also unsafe: a vcpu holding any token of the region may claim the freed bit and
     * record its allocatee before the late clear lands); taking the entry with one atomic swap
     * ({@code getAndBitwiseAnd} to 0, the line fetched for ownership at once; rand put 68-164 ns over
     * four runs against 50-109: two locked instructions per free); loading the region entry early
     * too, beside the bitfield word, and returning the token by a CAS from that value instead of
     * an atomic add (rand put 104-148 against 82-107 ns, four interleaved runs: the early load
     * fetches the line shared and the CAS must then take it for ownership, often after the other
     * vcpu's frees have moved it again).
     *
     * <p>What would pay, and why it is not done: not clearing the entry at all (the bitfield alone
     * saying which pages are live, the entry trusted only for those) took the 2-thread rand put to
     * 33-63 ns over four runs, as the entry's line, last written by the other vcpu, is then only
     * read, never taken for writing. Linux writes the descriptor of every page it frees ({@code
     * __free_pages}: {@code put_page_testzero}, an atomic on {@code _refcount}, before {@code
     * free_pages_prepare} resets {@code page->flags}), and every pfn-to-descriptor lookup (memory
     * failure, compaction's scanners, {@code OwnerLookup}) would have to ask the allocator whether
     * a page is live; a memmap that says "free" for a free page is the layout's contract here.
     */
    @Override
    public void free(final long pfn, final int order, final int vcpu) {
        LiveBlockCheck.placement(pages, core.maxOrder(), pfn, order);
        if (order >= PotadCore.REGION_ORDER) {
            freeHuge(pfn, order);
            return;
        }
        final long bits = order <= 6 ? core.bitWordOf(pfn) : 0;       // bitfield line, load issued first
        LiveBlockCheck.allocated(memmap, pfn, order);                  // memmap line: the order check
        memmap.clearAllocated(pfn, order);
        final BadFreeException.Kind kind = core.free(pfn, order, bits);
        if (kind != null) {
            // The memmap said it was a live allocation, the bits say not: two frees of one block
            // racing each other (a caller bug that the memmap check cannot see, as in Linux) or
            // a corrupted state. The other free has made the block free; say so loudly.
            throw new IllegalStateException("memmap and POTAD bits disagree on pfn 0x" + Long.toHexString(pfn)
                    + " order " + order + " (" + kind + "): freed twice at once?");
        }
    }

    /**
     * {@link #free} of each block in turn, in three passes over the batch instead of one free after
     * another, because of what a random free waits for on x86. Every free ends in lock-prefixed
     * instructions (the bit's CAS, the token's add), and a locked instruction waits until every
     * older store has reached the cache and holds back the accesses after it, so in a run of single
     * frees each memmap miss (the load for the check, the store for the clear) is taken alone. On
     * this project's 2-vCPU EPYC, random words of a 16 MiB huge-page mapping (memdesc8's memmap of
     * 8 GiB; {@code perf}'s {@code LockedMissBenchmark}, two runs): a load and a store cost 6-12 ns
     * per word, the same with a CAS on a cached line after each 29-43 ns, with a CAS after every
     * 16th 14-25 ns. Here the first pass checks every memmap
     * entry of the batch with plain loads only, so their misses are in flight together; the second
     * clears them (plain stores to lines now in cache); the third does the core frees, whose
     * bitfield words and entries (256 KiB and 32 KiB for 8 GiB) mostly stay in cache. Each block
     * touches the same three lines as in {@link #free}.
     *
     * <p>Measured (the put of LLFree's rand shape alone: 8 GiB, memdesc8, half of RAM as order-0
     * blocks freed in a shuffled order, 10 trials per variant alternating in one JVM, contended
     * machine): batches of 31 against single frees, 1 thread 43 against 78 ns median per free;
     * 2 threads, four JVMs, 68-96 (median 82) against 119-284 (median 193) ns. Variants that
     * measured worse or no better: checking and clearing in one pass (a store after each load;
     * 1 thread 76 ns), reading the bit words in the first pass too (2 threads, median 80 ns), and
     * for {@link #free} issuing the memmap load before the bitfield load (no better).
     *
     * <p>The first pass stops at the first block whose memmap entry is not a live allocation of
     * {@code order}; the second stops where an entry has been cleared since (by an earlier copy of
     * the same pfn in the batch, so a pfn given twice is caught as a double free). The blocks
     * before it are freed, then {@link #free} of it throws the precise {@link BadFreeException},
     * and nothing after it has changed.
     */
    @Override
    public void freeBatch(final long[] pfns, final int from, final int to, final int order, final int vcpu) {
        java.util.Objects.checkFromToIndex(from, to, pfns.length);
        if (order >= PotadCore.REGION_ORDER || order < 0) {
            for (int i = from; i < to; i++) {
                free(pfns[i], order, vcpu);
            }
            return;
        }
        final int maxOrder = core.maxOrder();
        int checked = from;
        while (checked < to && placed(pfns[checked], order, maxOrder)       // pass 1: loads only
                && memmap.allocatedOrder(pfns[checked]) == order) {
            checked++;
        }
        int end = from;
        while (end < checked && memmap.allocatedOrder(pfns[end]) == order) {  // pass 2: stores, lines in cache;
            memmap.clearAllocated(pfns[end], order);                         // a pfn given twice finds its entry
            end++;                                                           // cleared by the first copy
        }
        for (int i = from; i < end; i++) {      // pass 3: bits and tokens, lines in cache
            final long pfn = pfns[i];
            final BadFreeException.Kind kind = core.free(pfn, order, order <= 6 ? core.bitWordOf(pfn) : 0);
            if (kind != null) {
                throw new IllegalStateException("memmap and POTAD bits disagree on pfn 0x" + Long.toHexString(pfn)
                        + " order " + order + " (" + kind + "): freed twice at once?");
            }
        }
        if (end < to) {
            free(pfns[end], order, vcpu);       // throws for it; if a racing alloc made it live meanwhile, frees it
            freeBatch(pfns, end + 1, to, order, vcpu);
        }
    }

    /**
     * A PCP's bulk free: the cache's marks are written for the whole batch first (stores to the
     * random memmap lines of cold blocks, which overlap each other), then {@link #freeBatch}
     * checks and clears them, lines in cache, before the core frees.
     */
    @Override
    public void returnBatchFromCache(final long[] pfns, final int from, final int to, final int order,
                                     final long cacheOwner, final int vcpu) {
        java.util.Objects.checkFromToIndex(from, to, pfns.length);
        for (int i = from; i < to; i++) {
            memmap.setAllocated(pfns[i], order, cacheOwner);
        }
        freeBatch(pfns, from, to, order, vcpu);
    }

    /** {@link LiveBlockCheck#placement} as a test, for the batch's fast pass (no exception built). */
    private boolean placed(final long pfn, final int order, final int maxOrder) {
        return order <= maxOrder && pfn >= 0 && pfn <= pages - (1L << order) && (pfn & ((1L << order) - 1)) == 0;
    }

    /**
     * Orders 9 and up: the region entries alone prove "allocated as one block of exactly this
     * order" (each says HUGE and the order), so the memmap is only written (cleared), never read,
     * unless the entries reject the free: then the memmap names the precise kind (double free,
     * not a head, wrong order). On a bulk order-9 free that saves the one load of the run that
     * misses in cache and TLB (the head entries lie 4 KiB apart), a store miss does not stall.
     */
    private void freeHuge(final long pfn, final int order) {
        if (!core.isHugeBlock(pfn, order)) {
            LiveBlockCheck.allocated(memmap, pfn, order);          // throws BadFreeException, or:
            throw new IllegalStateException("memmap records an order-" + order + " allocation at pfn 0x"
                    + Long.toHexString(pfn) + " that the POTAD region entries do not");
        }
        memmap.clearAllocated(pfn, order);
        final BadFreeException.Kind kind = core.free(pfn, order, 0);
        if (kind != null) {
            throw new IllegalStateException("huge block at pfn 0x" + Long.toHexString(pfn) + " order " + order
                    + " changed while being freed (" + kind + "): freed twice at once?");
        }
    }

    /** Gives up the vcpu's region reservation (before quiescent checks); any thread may call it. */
    public void releaseReservation(final int vcpu) {
        core.releaseReservation(vcpu);
    }

    // ------------------------------------------------------------------------------------------
    // aligned contiguous ranges (CMA)
    // ------------------------------------------------------------------------------------------

    /**
     * Allocates {@code pages} contiguous pages starting at a multiple of 2^alignOrder, the CMA
     * case ("8 MiB at 1 MiB alignment" = {@code allocRange(2048, 8, ...)}). First one naturally
     * aligned block of the largest order that divides the size, then two adjacent blocks of half
     * that order, then four, ... down to blocks of the alignment order; at each step every aligned
     * start is tried, and the blocks of a candidate are claimed in place ({@link
     * PotadCore#claimAt}) and rolled back when one of them is taken. All or nothing: on
     * {@link #NO_PAGE} nothing stays claimed.
     *
     * <p>Each block is recorded in the memmap as its own allocation of its order, all with the
     * same allocatee; {@link #freeRange} frees them together. The caller's own region reservation
     * is released first so its tokens count; when no candidate works, every other vcpu's
     * reservation is taken back ({@link PotadCore#reclaimReservations}) and the search runs once
     * more, so that frames held as tokens in another vcpu's reservation are found too.
     *
     * @return the first pfn, or {@link #NO_PAGE} when no aligned free range of that size exists
     * @throws IllegalArgumentException when {@code pages} is not a positive multiple of 2^alignOrder
     *         or the alignment is beyond {@link #maxOrder()}
     */
    public long allocRange(final long pages, final int alignOrder, final long allocatee, final int vcpu) {
        LiveBlockCheck.allocatee(allocatee);
        if (alignOrder < 0 || alignOrder > core.maxOrder()) {
            throw new IllegalArgumentException("alignment order " + alignOrder + " is outside 0.." + core.maxOrder());
        }
        if (pages <= 0 || (pages & ((1L << alignOrder) - 1)) != 0) {
            throw new IllegalArgumentException("range of " + pages + " pages is not a positive multiple of 2^"
                    + alignOrder + " pages");
        }
        if (pages > this.pages) {
            return NO_PAGE;
        }
        core.releaseReservation(vcpu);
        long start = findRange(pages, alignOrder, allocatee);
        if (start == NO_PAGE && core.reclaimReservations(vcpu)) {
            start = findRange(pages, alignOrder, allocatee);
        }
        return start;
    }

    /** One search of {@link #allocRange}: claims and records the first range that works. */
    private long findRange(final long pages, final int alignOrder, final long allocatee) {
        final int top = Math.min(core.maxOrder(), Long.numberOfTrailingZeros(pages));
        for (int order = top; order >= alignOrder; order--) {
            final long block = 1L << order;
            final long count = pages >>> order;
            long start = 0;
            while (start + pages <= this.pages) {
                final long failedAt = claimRun(start, count, order);
                if (failedAt < 0) {
                    for (long i = 0; i < count; i++) {
                        memmap.setAllocated(start + i * block, order, allocatee);
                    }
                    return start;
                }
                start = failedAt + block;     // no candidate can include the block we failed on
            }
        }
        return NO_PAGE;
    }

    /** Claims count adjacent blocks from start; returns -1 on success, else the pfn of the block that failed (nothing kept). */
    private long claimRun(final long start, final long count, final int order) {
        final long block = 1L << order;
        for (long i = 0; i < count; i++) {
            if (!core.claimAt(start + i * block, order)) {
                for (long back = 0; back < i; back++) {
                    core.free(start + back * block, order);
                }
                return start + i * block;
            }
        }
        return -1;
    }

    /**
     * Frees a range from {@link #allocRange}: every block in [pfn, pfn + pages) must be the head
     * of a live allocation with the allocatee of the first, tiling the range exactly. Checked in
     * full before anything is freed.
     *
     * @throws BadFreeException when the range is not such a tiling; nothing changes
     */
    public void freeRange(final long pfn, final long pages, final int vcpu) {
        if (pfn < 0 || pfn >= this.pages || pages <= 0 || pages > this.pages - pfn) {
            throw new BadFreeException(BadFreeException.Kind.OUT_OF_RANGE, pfn, -1,
                    "range of " + pages + " pages is outside the " + this.pages + " managed pages");
        }
        final long end = pfn + pages;
        final long owner = memmap.allocatee(pfn);
        long p = pfn;
        while (p < end) {
            final int order = memmap.allocatedOrder(p);
            if (order < 0) {
                final BadFreeException.Kind kind = memmap.allocatee(p) == Allocatee.NONE
                        ? BadFreeException.Kind.DOUBLE_FREE : BadFreeException.Kind.NOT_ALLOCATED;
                throw new BadFreeException(kind, p, -1, "range [0x" + Long.toHexString(pfn) + ", 0x"
                        + Long.toHexString(end) + ") does not consist of live allocations here");
            }
            if (p + (1L << order) > end) {
                throw new BadFreeException(BadFreeException.Kind.WRONG_ORDER, p, order,
                        "allocation runs past the end of the range");
            }
            if (memmap.allocatee(p) != owner) {
                throw new BadFreeException(BadFreeException.Kind.NOT_ALLOCATED, p, order,
                        "block belongs to another allocatee than the range's first block");
            }
            p += 1L << order;
        }
        p = pfn;
        while (p < end) {
            final int order = memmap.allocatedOrder(p);
            free(p, order, vcpu);
            p += 1L << order;
        }
    }

    // ------------------------------------------------------------------------------------------
    // quiescent views
    // ------------------------------------------------------------------------------------------

    /**
     * The core's own check (bits against entries and reservations), then every page against the
     * memmap: a free page names no allocatee, an allocated page lies in an allocation whose head
     * records its order and whose every page names the head's allocatee.
     */
    @Override
    public VerifyReport verify() {
        final List<String> problems = new ArrayList<>();
        final long freeFound = verifyCore(problems);
        long allocatedPages = 0;
        long pfn = 0;
        while (pfn < pages) {
            if (!core.isAllocated(pfn)) {
                if (memmap.allocatee(pfn) != Allocatee.NONE || memmap.allocatedOrder(pfn) >= 0) {
                    VerifyReport.addProblem(problems, "free pfn 0x" + Long.toHexString(pfn) + " still names an allocatee");
                }
                pfn++;
                continue;
            }
            final int order = memmap.allocatedOrder(pfn);
            if (order < 0 || pfn + (1L << order) > pages) {
                VerifyReport.addProblem(problems, "allocated pfn 0x" + Long.toHexString(pfn) + " is not covered by an allocation head");
                pfn++;
                continue;
            }
            final int huge = core.hugeOrder(pfn);
            if (order >= PotadCore.REGION_ORDER && huge != order) {
                VerifyReport.addProblem(problems, "order-" + order + " allocation at 0x" + Long.toHexString(pfn)
                        + " but its region records huge order " + huge);
            }
            final long owner = memmap.allocatee(pfn);
            for (long tail = pfn; tail < pfn + (1L << order); tail++) {
                if (!core.isAllocated(tail)) {
                    VerifyReport.addProblem(problems, "pfn 0x" + Long.toHexString(tail) + " of the allocation at 0x"
                            + Long.toHexString(pfn) + " is free in the bitfield");
                } else if (memmap.allocatee(tail) != owner) {
                    VerifyReport.addProblem(problems, "pfn 0x" + Long.toHexString(tail) + " names another allocatee than its head");
                }
            }
            allocatedPages += 1L << order;
            pfn += 1L << order;
        }
        if (freeFound + allocatedPages != pages) {
            VerifyReport.addProblem(problems, "free " + freeFound + " + allocated " + allocatedPages + " != managed " + pages);
        }
        return new VerifyReport(freeFound, allocatedPages, pages, problems);
    }
}
