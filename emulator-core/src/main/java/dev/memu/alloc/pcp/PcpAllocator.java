package dev.memu.alloc.pcp;

import dev.memu.access.Access;
import dev.memu.access.FieldLabeler;
import dev.memu.alloc.AllocatorFactory;
import dev.memu.alloc.AllocatorOptions;
import dev.memu.alloc.BadFreeException;
import dev.memu.alloc.BuddyAllocator;
import dev.memu.alloc.LiveBlockCheck;
import dev.memu.alloc.PageAllocator;
import dev.memu.alloc.VerifyReport;
import dev.memu.layout.Memmap;
import dev.memu.memdesc.Allocatee;
import dev.memu.memdesc.MemdescType;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

/**
 * memu's per-CPU page lists: the policy of Linux's {@code struct per_cpu_pages} ({@code
 * mm/page_alloc.c}) in front of any backend {@link PageAllocator}, with memu's own list storage
 * (compact arrays, {@link ArrayPerCpuPages}) and drain protocol (no lock on the owner's path).
 * {@code buddy+apcp} ("array PCP") is {@code PcpAllocator.over(BuddyAllocator::new)}, {@code
 * potad+pcp} is {@code PcpAllocator.over(PotadAllocator::new)}. Linux's own PCP over the buddy,
 * touching what Linux touches, is {@link LinuxPcpAllocator} ({@code buddy+pcp}).
 *
 * <h2>What it does (Linux names)</h2>
 * <ul>
 *   <li>Orders 0..{@code PAGE_ALLOC_COSTLY_ORDER} (3) and the THP order 9 (when the backend goes
 *       that high) are served from the calling vcpu's lists; other orders go to the backend.</li>
 *   <li>{@code rmqueue_pcplist}: pop the hottest block; on an empty list {@code rmqueue_bulk}
 *       takes {@code nr_pcp_alloc} blocks from the backend first: {@code batch} for order 0,
 *       {@code max(batch >> order, 2)} above, 1 when {@code high < batch}.</li>
 *   <li>{@code free_unref_page_commit}: push the block, add its pages to {@code pcp->count}; when
 *       {@code count >= high}, {@code free_pcppages_bulk} returns {@code nr_pcp_free} = {@code batch}
 *       pages (1 when {@code high < batch}) to the backend, round-robin over the lists starting
 *       with the one just freed to, coldest block first.</li>
 *   <li>{@code drain_all_pages}: when the backend has nothing for an allocation, every vcpu's
 *       lists go back to it and the allocation is retried once, as {@code
 *       __alloc_pages_direct_reclaim} does (the backend, POTAD, takes every vcpu's region
 *       reservation back before it fails, so the retry finds the drained pages). {@link
 *       #vcpuOffline} drains one vcpu and tells the backend ({@code page_alloc_cpu_dead}).</li>
 *   <li>{@code batch} and {@code high} default to Linux's boot values ({@link PcpSizing});
 *       {@link AllocatorOptions#pcpBatch()} and {@link AllocatorOptions#pcpHigh()} override them.
 *       Not modelled: migratetype lists (one list per order instead of three), the 6.7+
 *       auto-tuning of {@code high} ({@code alloc_factor}, {@code free_count}, {@code
 *       decay_pcp_high}), and the {@code free_high} shortcut for high-order frees.</li>
 * </ul>
 *
 * <h2>Ownership in the memmap</h2>
 * A block on a PCP list is free for the user and allocated as far as the backend knows. As in
 * Linux, where a page on a pcp list has no mapping, no refcount and no PageBuddy, its memmap
 * entries read as unowned ({@link Allocatee#NONE}) and not free: the backend never merges with it,
 * and a free of it is a {@link BadFreeException.Kind#DOUBLE_FREE} by the same check as for a page
 * on the backend's lists. An alloc records the user's allocatee ({@code memmap.setAllocated}), a
 * free clears it ({@code memmap.clearAllocated}): for order 0 one write each, to the memmap line
 * the free check reads anyway.
 * <p>Towards the backend the PCP has its own allocatee, {@link #pcpOwner()} (the Misc
 * subtype {@link #OWNER_TYPE}, which no user allocatee carries), and
 * moves blocks with {@link PageAllocator#takeForCache} and {@link PageAllocator#returnFromCache}.
 * Over buddy these write the head's entry only ({@code __rmqueue} clears PageBuddy on the head,
 * {@code __free_one_page} sets it), as Linux's {@code rmqueue_bulk} and {@code free_pcppages_bulk}
 * do: a held block is marked via its head, its tails are untouched. A backend without its own
 * versions (POTAD today) gets the interface defaults, which record and clear the PCP's owner on
 * every page of the block. {@link #verify()} marks the held blocks as the PCP's for the duration
 * of the backend's own walk, then clears them again.
 *
 * <h2>Drain protocol: the owner never locks and never does an atomic read-modify-write</h2>
 * Each vcpu's area has two protocol words in its first line ({@link PerCpuPages}): {@code active},
 * written only by the owner, and {@code claim}, written only by drainers.
 * <pre>
 * owner (every alloc/free of its lists)         drainer (pressure, offline, explicit)
 *   O1 active = 1            volatile store       D1 CAS claim 0 -> me   (drainers exclude each other)
 *   O2 c = claim             volatile load        D2 a = active          volatile load
 *   O3 if c != 0: active = 0 (release),           D3 while a != 0: spin on D2 (the owner is mid-op;
 *      spin until claim == 0, go to O1               it will finish and then back off at O3)
 *   O4 work on own lists (plain accesses)         D4 move every block to the backend (plain accesses)
 *   O5 active = 0            release store        D5 claim = 0           release store
 * </pre>
 * <b>Mutual exclusion.</b> The volatile and CAS accesses O1, O2, D1, D2, D5 are synchronization
 * actions, in one total order consistent with program order (JLS 17.4.4). Suppose a drainer is
 * past D3 (its last D2 read 0) while the owner is between O2 (read {@code c == 0}) and O5. D2 read
 * 0, not this operation's O1, so D2 precedes O1 in that order (the owner writes {@code active}
 * again only at O5, which has not happened). Then D1 precedes D2 precedes O1 precedes O2, so O2
 * reads D1's claim, or D5's 0 if the drain already ended; {@code c == 0} means the latter, and the
 * drain is not in progress after all. Drainers exclude each other by the CAS. This is Dekker's
 * store-then-load on both sides; by Attiya et al. ("Laws of Order", POPL 2011) an owner that must
 * exclude a remote party needs either such a store-load fence or an atomic RMW. memu's owner pays
 * the fence (one volatile store per operation; HotSpot on x86 emits it as a {@code lock add} to
 * the thread's own stack, which orders the store buffer but touches no shared line), never an
 * RMW on a shared word, and no remote write dirties its line unless a drain is underway.
 * <br><b>Visibility.</b> The owner's list writes precede O5; the drainer's D2 that reads O5's 0
 * synchronizes-with it. The drainer's writes precede D5; the owner's O2 that reads D5's 0 (it must
 * read D5 or later, by the argument above) synchronizes-with it.
 * <br><b>Progress.</b> An idle or offline owner sits at {@code active == 0}, so a drainer never
 * needs its cooperation. A busy owner finishes its current operation (which never waits for a
 * claim) and then yields at O3 until D5. Drainers run only outside their own vcpu's operations,
 * so a drainer never holds {@code active == 1} while it waits: no cycle of waits.
 *
 * <h2>Quiescent views</h2>
 * {@link #freePages()} and {@link #freeBlocksByOrder()} count the backend's free blocks plus every
 * block held on a PCP list (held blocks are not coalesced, so per order they are what the lists
 * hold, not what a buddy would merge them into). {@link #verify()} walks every list (bounds,
 * alignment, no block listed twice, every held page unowned and not a free-list head, {@code
 * pcp->count} equal to what the lists hold), runs the backend's verifier with the held blocks
 * marked as the PCP's, and reports the user's view: free = backend free + PCP-held, allocated =
 * backend allocated - PCP-held.
 */
public final class PcpAllocator implements PageAllocator, FieldLabeler, PcpFront {

    /** Linux's PAGE_ALLOC_COSTLY_ORDER: orders up to it have PCP lists. */
    public static final int PAGE_ALLOC_COSTLY_ORDER = 3;
    /** HPAGE_PMD_ORDER with 4 KiB pages: the THP order, the one PCP list above the costly order. */
    public static final int THP_ORDER = 9;
    /**
     * Type of {@link #pcpOwner()}. No type of the memdesc plan means "held on a per-CPU list"; memu
     * gives it a Misc subtype of its own ({@link MemdescType#PCP_HELD}), which no user allocation
     * carries.
     */
    public static final MemdescType OWNER_TYPE = MemdescType.PCP_HELD;

    private final PageAllocator backend;
    private final Memmap memmap;
    private final Access access;
    private final PerCpuPages lists;
    private final long pages;
    private final int maxOrder;
    private final int vcpus;
    private final int batch;
    private final int high;
    private final boolean thpList;
    private final long pcpOwner;
    /**
     * Per vcpu's lists: the blocks of one bulk free handed to the backend at once ({@link
     * PageAllocator#returnBatchFromCache}), at most {@link PageAllocator#PAGEVEC_SIZE}; used
     * only by whoever holds those lists (their owner, or the one drainer the claim lets in).
     */
    private final long[][] bulkScratch;

    /** Where the per-vcpu lists keep their entries (see {@link ArrayPerCpuPages}). */
    public enum Lists {
        /** Compact pfn arrays: a hot line for order 0, rings behind it. memu's choice. */
        ARRAY,
        /** Linked through the free blocks as Linux's {@code page->pcp_list}; for comparison. */
        LINKED
    }

    public PcpAllocator(final PageAllocator backend, final AllocatorOptions options) {
        this(backend, options, Lists.ARRAY);
    }

    public PcpAllocator(final PageAllocator backend, final AllocatorOptions options, final Lists scheme) {
        this.backend = backend;
        this.memmap = backend.memmap();
        this.access = memmap.access();
        this.pages = backend.managedPages();
        this.maxOrder = backend.maxOrder();
        this.vcpus = options.vcpus();
        if (memmap.machine().pages() > (1L << 32)) {
            throw new IllegalArgumentException("the PCP keeps pfns in 32 bits; this machine has "
                    + memmap.machine().pages() + " pages");
        }
        final long pageSize = memmap.machine().pageSize();
        this.batch = options.pcpBatch() == 0 ? PcpSizing.batch(pages, pageSize) : options.pcpBatch();
        this.high = options.pcpHigh() == 0 ? PcpSizing.high(pages, pageSize, batch, vcpus) : options.pcpHigh();
        this.thpList = maxOrder >= THP_ORDER;
        if (scheme == Lists.LINKED) {
            this.lists = new LinkedPerCpuPages(memmap, vcpus);
        } else {
            final int[] capacity = new int[PerCpuPages.NR_LISTS];
            for (int list = 0; list < PerCpuPages.NR_LISTS; list++) {
                if (list == PerCpuPages.THP_LIST && !thpList) {
                    continue;
                }
                final int order = listOrder(list);
                // Enough that the count/high rules never fill a ring; a full ring still only
                // forces an early bulk free, never a lost block.
                capacity[list] = (int) ((Math.min(high, pages) + batch) >> order) + nrPcpAlloc(order)
                        + 2 * ArrayPerCpuPages.HOT_SLOTS;
            }
            this.lists = new ArrayPerCpuPages(memmap.machine(), access, vcpus, capacity);
        }
        this.pcpOwner = Allocatee.of(OWNER_TYPE, 0);
        this.bulkScratch = new long[vcpus][PAGEVEC_SIZE];
    }

    /** Wraps any backend factory: {@code ALL.put("potad+pcp", PcpAllocator.over(PotadAllocator::new))}. */
    public static AllocatorFactory over(final AllocatorFactory backend) {
        return over(backend, Lists.ARRAY);
    }

    /**
     * Wraps any backend factory with lists of the given scheme.
     *
     * @throws IllegalArgumentException (from the factory) for {@link Lists#LINKED} on a layout
     *         whose free-list links overlap the allocatee (memdesc16)
     */
    public static AllocatorFactory over(final AllocatorFactory backend, final Lists scheme) {
        return (memmap, options) -> {
            if (scheme == Lists.LINKED && !LinkedPerCpuPages.linksKeepBlocksUnowned(memmap)) {
                throw new IllegalArgumentException("linked PCP lists need free-list links apart from the allocatee;"
                        + " layout " + memmap.layout().name() + " keeps them in the same word");
            }
            return new PcpAllocator(backend.create(memmap, options), options, scheme);
        };
    }

    // ---- PageAllocator ----

    @Override
    public String name() {
        // Over buddy "+apcp", so that memu's design is not mistaken for Linux's buddy+pcp.
        final String pcp = backend instanceof BuddyAllocator ? "+apcp" : "+pcp";
        return backend.name() + pcp + (lists instanceof LinkedPerCpuPages ? "-linked" : "");
    }

    @Override
    public Memmap memmap() {
        return memmap;
    }

    @Override
    public int maxOrder() {
        return maxOrder;
    }

    @Override
    public long managedPages() {
        return pages;
    }

    @Override
    public long freePages() {
        long held = 0;
        for (int vcpu = 0; vcpu < vcpus; vcpu++) {
            held += lists.count(lists.base(vcpu));
        }
        return backend.freePages() + held;
    }

    @Override
    public long alloc(final int order, final long allocatee, final int vcpu) {
        checkAllocation(order, allocatee, vcpu);
        final int list = listIndex(order);
        long pfn = list < 0 ? backend.alloc(order, allocatee, vcpu) : rmqueuePcplist(list, order, vcpu);
        if (pfn == NO_PAGE) {
            // Pages may sit on per-CPU lists: drain them all and retry once, as Linux does after
            // direct reclaim fails.
            drainAllPages(vcpu);
            pfn = list < 0 ? backend.alloc(order, allocatee, vcpu) : rmqueuePcplist(list, order, vcpu);
            if (pfn == NO_PAGE) {
                return NO_PAGE;
            }
        }
        if (list >= 0) {
            memmap.setAllocated(pfn, order, allocatee);      // post_alloc_hook: the user's allocatee
        }
        return pfn;
    }

    @Override
    public void free(final long pfn, final int order, final int vcpu) {
        checkVcpu(vcpu);
        LiveBlockCheck.free(memmap, pages, maxOrder, pfn, order);
        final int list = listIndex(order);
        if (list < 0) {
            backend.free(pfn, order, vcpu);
            return;
        }
        memmap.clearAllocated(pfn, order);                  // free_pages_prepare: no owner any more
        final long base = lists.base(vcpu);
        enter(base);
        try {
            freeUnrefPageCommit(base, list, order, pfn, vcpu);
        } finally {
            exit(base);
        }
    }

    // ---- owner side ----

    private long rmqueuePcplist(final int list, final int order, final int vcpu) {
        final long base = lists.base(vcpu);
        enter(base);
        try {
            long pfn = lists.pop(base, list);
            if (pfn == PerCpuPages.EMPTY) {
                if (rmqueueBulk(base, list, order, vcpu) == 0) {
                    return NO_PAGE;
                }
                pfn = lists.pop(base, list);
            }
            lists.setCount(base, lists.count(base) - (1 << order));
            return pfn;
        } finally {
            exit(base);
        }
    }

    /** Refills an empty list from the backend; returns the blocks taken. */
    private int rmqueueBulk(final long base, final int list, final int order, final int vcpu) {
        final int want = nrPcpAlloc(order);
        int got = 0;
        while (got < want) {
            final long pfn = backend.takeForCache(order, pcpOwner, vcpu);
            if (pfn == NO_PAGE) {
                break;
            }
            if (!lists.push(base, list, pfn)) {          // cannot happen: the list was empty and fits a refill
                backend.returnFromCache(pfn, order, pcpOwner, vcpu);
                break;
            }
            got++;
        }
        lists.setCount(base, lists.count(base) + (got << order));
        lists.addStat(base, PerCpuPages.REFILLS);
        return got;
    }

    private void freeUnrefPageCommit(final long base, final int list, final int order, final long pfn, final int vcpu) {
        while (!lists.push(base, list, pfn)) {
            freePcppagesBulk(base, vcpu, Math.max(batch, 1 << order), list, vcpu);
        }
        final int count = lists.count(base) + (1 << order);
        lists.setCount(base, count);
        if (count >= high) {
            freePcppagesBulk(base, vcpu, nrPcpFree(), list, vcpu);
        }
    }

    /**
     * Returns at least {@code nrPages} pages (or all held) of {@code listsVcpu}'s lists at {@code
     * base} to the backend, coldest blocks first, up to {@link PageAllocator#PAGEVEC_SIZE} blocks
     * of one list per backend call.
     */
    private void freePcppagesBulk(final long base, final int listsVcpu, final int nrPages, final int startList,
                                  final int vcpu) {
        int held = lists.count(base);
        int toFree = Math.min(nrPages, held);
        int list = startList - 1;
        while (toFree > 0) {
            int probes = 0;
            do {
                list = list + 1 == PerCpuPages.NR_LISTS ? 0 : list + 1;
            } while (lists.isEmpty(base, list) && ++probes < PerCpuPages.NR_LISTS);
            if (lists.isEmpty(base, list)) {
                break;                                     // count disagrees with the lists; verify() says so
            }
            final int order = listOrder(list);
            final long[] batchOfList = bulkScratch[listsVcpu];
            do {
                int n = 0;
                while (n < batchOfList.length && toFree > 0 && !lists.isEmpty(base, list)) {
                    batchOfList[n++] = lists.takeColdest(base, list);
                    toFree -= 1 << order;
                    held -= 1 << order;
                }
                backend.returnBatchFromCache(batchOfList, 0, n, order, pcpOwner, vcpu);
            } while (toFree > 0 && !lists.isEmpty(base, list));
        }
        lists.setCount(base, held);
        lists.addStat(base, PerCpuPages.BULK_FREES);
    }

    private void enter(final long base) {
        lists.enter(base);
    }

    private void exit(final long base) {
        lists.exit(base);
    }

    // ---- drainers ----

    /**
     * {@code drain_all_pages}: returns every block on every vcpu's lists to the backend. Safe while
     * other vcpus run; the caller must not be inside an operation of {@code callerVcpu} (it never
     * is between calls).
     *
     * @param callerVcpu the vcpu the calling thread runs as; the backend sees the frees as its
     */
    public void drainAllPages(final int callerVcpu) {
        checkVcpu(callerVcpu);
        for (int vcpu = 0; vcpu < vcpus; vcpu++) {
            drainPages(vcpu, callerVcpu);
        }
    }

    /**
     * {@code page_alloc_cpu_dead}: returns every block on {@code vcpu}'s lists to the backend,
     * then tells the backend the vcpu is gone ({@link PageAllocator#vcpuOffline}: POTAD gives up
     * the vcpu's region reservation), so nothing stays reachable only through it. Meant for a
     * vcpu no thread runs as any more (the backend sees the frees as that vcpu's); if it comes
     * back, its lists refill as they did at start.
     */
    @Override
    public void vcpuOffline(final int vcpu) {
        checkVcpu(vcpu);
        drainPages(vcpu, vcpu);
        backend.vcpuOffline(vcpu);
    }

    /** {@code drain_pages}: D1..D5 of the protocol in the class comment. */
    public void drainPages(final int vcpu, final int callerVcpu) {
        checkVcpu(vcpu);
        checkVcpu(callerVcpu);
        final long base = lists.base(vcpu);
        lists.lockRemote(base, callerVcpu + 1L);
        try {
            final int held = lists.count(base);
            if (held > 0) {
                freePcppagesBulk(base, vcpu, held, 0, callerVcpu);
            }
            lists.addStat(base, PerCpuPages.DRAINS);
        } finally {
            lists.unlockRemote(base);
        }
    }

    // ---- policy (mm/page_alloc.c) ----

    /** {@code nr_pcp_alloc} without auto-tuning: blocks one refill takes. */
    private int nrPcpAlloc(final int order) {
        if (high < batch) {
            return 1;                                      // PCP effectively off
        }
        return batch > 1 ? Math.max(batch >> order, 2) : batch;
    }

    /** {@code nr_pcp_free} without auto-tuning: pages one bulk free returns. */
    private int nrPcpFree() {
        return high < batch ? 1 : batch;
    }

    /** {@code order_to_pindex}: the list of an order, or -1 when the order has none. */
    private int listIndex(final int order) {
        if (order <= PAGE_ALLOC_COSTLY_ORDER) {
            return order;
        }
        return order == THP_ORDER && thpList ? PerCpuPages.THP_LIST : -1;
    }

    private static int listOrder(final int list) {
        return list == PerCpuPages.THP_LIST ? THP_ORDER : list;
    }

    // ---- checks ----

    private void checkVcpu(final int vcpu) {
        if (vcpu < 0 || vcpu >= vcpus) {
            throw new IllegalArgumentException("vcpu " + vcpu + " is outside 0.." + (vcpus - 1));
        }
    }

    private void checkAllocation(final int order, final long allocatee, final int vcpu) {
        LiveBlockCheck.allocation(order, maxOrder, allocatee);
        if (allocatee == pcpOwner) {
            throw new IllegalArgumentException("allocatee 0x" + Long.toHexString(allocatee)
                    + " is the PCP's own owner mark");
        }
        checkVcpu(vcpu);
    }

    // ---- accessors (quiescent unless said otherwise) ----

    /** The backend this PCP sits in front of. */
    public PageAllocator backend() {
        return backend;
    }

    /** The allocatee the PCP allocates from and frees to the backend with. */
    public long pcpOwner() {
        return pcpOwner;
    }

    /** True when {@code pfn} lies in a block held on some vcpu's PCP list (walks the lists). */
    public boolean isPcpHeld(final long pfn) {
        for (int vcpu = 0; vcpu < vcpus; vcpu++) {
            final long base = lists.base(vcpu);
            for (int list = 0; list < PerCpuPages.NR_LISTS; list++) {
                final int order = listOrder(list);
                final int n = lists.blocks(base, list);
                for (int i = 0; i < n; i++) {
                    final long block = lists.blockAt(base, list, i);
                    if (pfn >= block && pfn < block + (1L << order)) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    /** The lists themselves, for tests in this package. */
    PerCpuPages lists() {
        return lists;
    }

    /** Where the lists keep their entries. */
    public Lists scheme() {
        return lists instanceof LinkedPerCpuPages ? Lists.LINKED : Lists.ARRAY;
    }

    public int batch() {
        return batch;
    }

    public int high() {
        return high;
    }

    /** Orders served from the per-vcpu lists. */
    public boolean hasList(final int order) {
        return order >= 0 && listIndex(order) >= 0;
    }

    /** {@code pcp->count} of {@code vcpu}: pages on all its lists. */
    public int count(final int vcpu) {
        checkVcpu(vcpu);
        return lists.count(lists.base(vcpu));
    }

    /** Blocks of {@code order} on {@code vcpu}'s list (0 for orders without a list). */
    public int blocks(final int vcpu, final int order) {
        checkVcpu(vcpu);
        final int list = order < 0 ? -1 : listIndex(order);
        return list < 0 ? 0 : lists.blocks(lists.base(vcpu), list);
    }

    /** Refills ({@code rmqueue_bulk}) of {@code vcpu}'s lists so far. */
    public long refills(final int vcpu) {
        checkVcpu(vcpu);
        return lists.stat(lists.base(vcpu), PerCpuPages.REFILLS);
    }

    /** Bulk frees ({@code free_pcppages_bulk}) from {@code vcpu}'s lists so far, drains included. */
    public long bulkFrees(final int vcpu) {
        checkVcpu(vcpu);
        return lists.stat(lists.base(vcpu), PerCpuPages.BULK_FREES);
    }

    /** Whole-list drains of {@code vcpu} so far (pressure, offline, explicit). */
    public long drains(final int vcpu) {
        checkVcpu(vcpu);
        return lists.stat(lists.base(vcpu), PerCpuPages.DRAINS);
    }

    /** Backend free blocks plus PCP-held blocks, per order. */
    @Override
    public long[] freeBlocksByOrder() {
        final long[] counts = backend.freeBlocksByOrder();
        for (int vcpu = 0; vcpu < vcpus; vcpu++) {
            final long base = lists.base(vcpu);
            for (int list = 0; list < PerCpuPages.NR_LISTS; list++) {
                final int order = listOrder(list);
                if (order < counts.length) {
                    counts[order] += lists.blocks(base, list);
                }
            }
        }
        return counts;
    }

    /**
     * Walks every vcpu's lists, then the backend's state with the held blocks marked as the PCP's
     * allocations (as the backend handed them out), then clears the marks again. Quiescent only.
     */
    @Override
    public VerifyReport verify() {
        final List<String> problems = new ArrayList<>();
        final BitSet held = new BitSet();
        final List<long[]> marked = new ArrayList<>();
        long heldPages = 0;
        for (int vcpu = 0; vcpu < vcpus; vcpu++) {
            final long base = lists.base(vcpu);
            if (lists.active(base) != 0 || lists.claim(base) != 0) {
                VerifyReport.addProblem(problems, "vcpu " + vcpu + " is not quiescent (active " + lists.active(base)
                        + ", claim " + lists.claim(base) + ")");
            }
            long vcpuPages = 0;
            for (int list = 0; list < PerCpuPages.NR_LISTS; list++) {
                final int order = listOrder(list);
                final int n = lists.blocks(base, list);
                if (n < 0 || n > lists.maxBlocks(list)) {
                    VerifyReport.addProblem(problems, "vcpu " + vcpu + " order-" + order + " list claims " + n + " blocks");
                    continue;
                }
                if (n > 0 && list == PerCpuPages.THP_LIST && !thpList) {
                    VerifyReport.addProblem(problems, "vcpu " + vcpu + " holds THP blocks without a THP list");
                }
                for (int i = 0; i < n; i++) {
                    final long pfn = lists.blockAt(base, list, i);
                    final String where = "vcpu " + vcpu + " order-" + order + " block 0x" + Long.toHexString(pfn);
                    vcpuPages += 1L << order;
                    if (pfn + (1L << order) > pages || (pfn & ((1L << order) - 1)) != 0) {
                        VerifyReport.addProblem(problems, where + " is out of range or misaligned");
                        continue;
                    }
                    final int from = (int) pfn;
                    final int next = held.nextSetBit(from);
                    if (next != -1 && next < from + (1 << order)) {
                        VerifyReport.addProblem(problems, where + " overlaps another PCP-held block (listed twice?)");
                        continue;
                    }
                    held.set(from, from + (1 << order));
                    if (!unowned(pfn, order)) {
                        VerifyReport.addProblem(problems, where + " is not free in the memmap (allocatee 0x"
                                + Long.toHexString(memmap.allocatee(pfn)) + ", allocated order "
                                + memmap.allocatedOrder(pfn) + ", free order " + memmap.freeOrder(pfn)
                                + "): user-allocated, or on the backend's lists too");
                        continue;
                    }
                    marked.add(new long[] {pfn, order});
                }
            }
            if (vcpuPages != lists.count(base)) {
                VerifyReport.addProblem(problems, "vcpu " + vcpu + " pcp->count is " + lists.count(base) + " but its lists hold "
                        + vcpuPages + " pages");
            }
            heldPages += vcpuPages;
        }
        final VerifyReport inner;
        for (final long[] block : marked) {
            memmap.setAllocated(block[0], (int) block[1], pcpOwner);
        }
        try {
            inner = backend.verify();
        } finally {
            for (final long[] block : marked) {
                memmap.clearAllocated(block[0], (int) block[1]);
            }
        }
        for (final String p : inner.problems()) {
            VerifyReport.addProblem(problems, backend.name() + ": " + p);
        }
        final long free = inner.freePages() + heldPages;
        final long allocated = inner.allocatedPages() - heldPages;
        if (free + allocated != pages) {
            VerifyReport.addProblem(problems, "free " + free + " + allocated " + allocated + " != managed " + pages);
        }
        return new VerifyReport(free, allocated, pages, problems);
    }

    /** Every page of the block reads as neither owned nor a free-list head. */
    private boolean unowned(final long pfn, final int order) {
        if (memmap.allocatedOrder(pfn) >= 0 || memmap.freeOrder(pfn) >= 0) {
            return false;
        }
        for (long p = pfn; p < pfn + (1L << order); p++) {
            if (memmap.allocatee(p) != Allocatee.NONE) {
                return false;
            }
        }
        return true;
    }

    /** The per-vcpu areas' words ({@link PcpLabels}); the backend and the memmap label their own. */
    @Override
    public void labelFields(final MemorySegment segment, final long offset, final long bytes,
                            final List<String> out) {
        PcpLabels.label(lists, segment, offset, bytes, out);
    }
}
