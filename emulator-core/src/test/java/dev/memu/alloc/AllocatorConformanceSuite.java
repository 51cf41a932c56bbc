package dev.memu.alloc;

import dev.memu.access.PlainAccess;
import dev.memu.layout.Layout;
import dev.memu.layout.Layouts;
import dev.memu.layout.Memmap;
import dev.memu.machine.Machine;
import dev.memu.memdesc.Allocatee;
import dev.memu.memdesc.MemdescType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The contract every {@link PageAllocator} passes, checked against an on-heap {@link
 * ReferenceModel}, for every layout in {@link Layouts#all()}.
 *
 * <p>JCTools' pattern: this abstract class holds every test; an implementation's test is one tiny
 * subclass that says how to build the allocator and what it promises:
 *
 * <pre>{@code
 * class PotadConformanceTest extends AllocatorConformanceSuite {
 *     @Override
 *     protected Spec spec() {
 *         return Spec.of(PotadAllocator::new)          // any AllocatorFactory
 *                 .maxOrderUnbounded()                  // maxOrder = floor(log2(pages))
 *                 .freeStateOutsideMemmap();            // free blocks are not memmap free marks
 *         // also: .options(AllocatorOptions), .maxOrderFixed(cap), .freeBlocksApproximate(),
 *         //       .singleThreaded(), .verifierIgnoresMemmap()
 *     }
 * }
 * }</pre>
 *
 * An allocator whose maxOrder() is neither min(cap, floor(log2(pages))) nor floor(log2(pages))
 * overrides {@link #expectedMaxOrder(long)}. Extra implementation-specific tests go in the
 * subclass and use {@link #start(Layout, long)}, {@link #allocator}, {@link #memmap}, {@link
 * #checkAgainstModel(ReferenceModel)} and {@link #corruptAndExpectReport}; the after-test verify
 * covers them too.
 *
 * <p>The suite uses only the {@link PageAllocator} interface and the {@link Memmap} the allocator
 * reports, so it knows nothing of an allocator's insides. After every test an {@code @AfterEach}
 * asserts {@link PageAllocator#verify()} is ok and agrees with {@link PageAllocator#freePages()}.
 *
 * <p>Bad frees are classified in this order, first match wins (the tests only use inputs whose
 * kind is unambiguous under it): {@code BAD_ORDER} (order outside 0..maxOrder), {@code
 * OUT_OF_RANGE} (block not inside managed RAM), {@code MISALIGNED} (pfn not aligned to the order),
 * then by state: {@code DOUBLE_FREE} (the pfn is free, whether it heads a free block or lies
 * inside one), {@code NOT_ALLOCATED} (the pfn is inside an allocation but not its head), {@code
 * WRONG_ORDER} (the pfn heads an allocation of another order).
 */
public abstract class AllocatorConformanceSuite {

    /** Test RAM in pages: a power of two holding several max-order (10) blocks. */
    protected static final long PAGES = 4096;
    /** Test RAM in pages that is neither a power of two nor a multiple of the max block. */
    protected static final long ODD_PAGES = 1000;

    /** How to build the allocator under test, and what it promises beyond the common contract. */
    public static final class Spec {
        /** {@link #maxOrderCap} value for allocators whose largest order is all of memory. */
        public static final int UNBOUNDED = Integer.MAX_VALUE;

        final AllocatorFactory factory;
        AllocatorOptions options = AllocatorOptions.defaults();
        int maxOrderCap = UNBOUNDED;
        boolean exactFreeBlocks = true;
        boolean threadSafe = true;
        boolean verifierChecksMemmap = true;
        boolean freeStateInMemmap = true;

        private Spec(final AllocatorFactory factory) {
            this.factory = factory;
        }

        /** An allocator built by {@code factory} with default options; all promises on. */
        public static Spec of(final AllocatorFactory factory) {
            return new Spec(factory);
        }

        /** Options passed to the factory ({@code vcpus} is raised by the multi-thread test). */
        public Spec options(final AllocatorOptions value) {
            this.options = value;
            return this;
        }

        /** maxOrder() is min(cap, floor(log2(pages))), e.g. 10 for buddy (MAX_PAGE_ORDER). */
        public Spec maxOrderFixed(final int cap) {
            this.maxOrderCap = cap;
            return this;
        }

        /** maxOrder() is floor(log2(pages)): the allocator hands out blocks up to all of memory. */
        public Spec maxOrderUnbounded() {
            this.maxOrderCap = UNBOUNDED;
            return this;
        }

        /**
         * freeBlocksByOrder() need not equal the perfectly coalesced buddy decomposition of the free
         * pages (per-CPU lists hold blocks that are not merged); the suite then checks that the
         * blocks it lists add up to exactly freePages().
         */
        public Spec freeBlocksApproximate() {
            this.exactFreeBlocks = false;
            return this;
        }

        /** Skip the multi-thread test. */
        public Spec singleThreaded() {
            this.threadSafe = false;
            return this;
        }

        /**
         * The allocator keeps its free state in its own metadata, not as memmap free marks
         * ({@link Memmap#setFree}), so a stray free mark written behind its back is not its state
         * and need not be reported; corruptions of allocatees still must be.
         */
        public Spec freeStateOutsideMemmap() {
            this.freeStateInMemmap = false;
            return this;
        }

        /**
         * The verifier does not read the memmap at all, so corrupting it behind the allocator's
         * back need not be detected; skips {@code verifierCatchesMemmapCorruption}.
         */
        public Spec verifierIgnoresMemmap() {
            this.verifierChecksMemmap = false;
            return this;
        }
    }

    /** How to build the allocator under test. Called once per test. */
    protected abstract Spec spec();

    /** The maxOrder() the allocator must report on {@code pages} pages. */
    protected int expectedMaxOrder(final long pages) {
        final int fitsRam = 63 - Long.numberOfLeadingZeros(pages);
        return Math.min(spec().maxOrderCap, fitsRam);
    }

    // ---- per-test state ----

    protected Spec spec;
    protected Machine machine;
    protected PageAllocator allocator;
    protected Memmap memmap;
    /** Set by tests that corrupt state on purpose: the after-test verify is skipped. */
    protected boolean corrupted;
    private long nextDescriptor = 0x10_0000;

    public static Stream<Layout> layouts() {
        return Layouts.all().stream();
    }

    public static Stream<Arguments> layoutsAndSeeds() {
        final List<Arguments> out = new ArrayList<>();
        for (final Layout layout : Layouts.all()) {
            for (final long pages : new long[] {PAGES, ODD_PAGES}) {
                for (final long seed : new long[] {1, 0x5eed, 20261123}) {
                    out.add(Arguments.of(layout, pages, seed));
                }
            }
        }
        return out.stream();
    }

    protected PageAllocator start(final Layout layout, final long pages) {
        return start(layout, pages, spec().options);
    }

    protected PageAllocator start(final Layout layout, final long pages, final AllocatorOptions options) {
        spec = spec();
        machine = Machine.create(pages << Machine.DEFAULT_PAGE_SHIFT);
        memmap = layout.bind(machine, PlainAccess.INSTANCE);
        allocator = spec.factory.create(memmap, options);
        assertEquals(pages, allocator.managedPages(), "managed pages");
        if (options.equals(spec.options.withVcpus(options.vcpus()))) {
            assertEquals(expectedMaxOrder(pages), allocator.maxOrder(), "maxOrder on " + pages + " pages");
        }
        assertEquals(pages, allocator.freePages(), "a fresh allocator has every page free");
        return allocator;
    }

    @AfterEach
    void verifyAfterEachTest() {
        try {
            if (allocator != null && !corrupted) {
                final VerifyReport report = allocator.verify();
                assertTrue(report.ok(), "verify after test: " + report);
                assertEquals(allocator.freePages(), report.freePages(), "verify's free pages vs freePages()");
                assertEquals(allocator.managedPages(), report.freePages() + report.allocatedPages(),
                        "free + allocated == managed");
            }
        } finally {
            if (machine != null) {
                machine.close();
            }
        }
    }

    /** A fresh, valid allocatee of a varying type with a distinct 16-byte aligned descriptor address. */
    protected long nextAllocatee() {
        final MemdescType[] types = {MemdescType.FILE_FOLIO, MemdescType.ANON_FOLIO, MemdescType.SLAB,
                MemdescType.PAGE_TABLE, MemdescType.VMALLOC, MemdescType.NETPOOL, MemdescType.KSM};
        nextDescriptor += 16;
        // Spread addresses over the whole 48-bit field so that high pointer bits are exercised too.
        final long address = (nextDescriptor * 0x9E3779B97F4A7C10L) & Allocatee.POINTER_MASK;
        return Allocatee.of(types[(int) (nextDescriptor >>> 4) % types.length], address);
    }

    // ---- checks shared by the tests ----

    /** A fresh alloc that the model says must succeed: checked and recorded. */
    protected long allocChecked(final ReferenceModel model, final int order) {
        final long allocatee = nextAllocatee();
        final long pfn = allocator.alloc(order, allocatee, 0);
        assertNotEquals(PageAllocator.NO_PAGE, pfn, "alloc of order " + order + " failed with "
                + model.freePages() + " pages free");
        checkNewBlock(model, pfn, order, allocatee);
        return pfn;
    }

    private void checkNewBlock(final ReferenceModel model, final long pfn, final int order, final long allocatee) {
        final long size = 1L << order;
        assertTrue(pfn >= 0 && pfn + size <= model.pages(), "block 0x" + Long.toHexString(pfn) + " order "
                + order + " is outside RAM of " + model.pages() + " pages");
        assertEquals(0, pfn & (size - 1), "block 0x" + Long.toHexString(pfn) + " is not aligned to order " + order);
        assertFalse(model.overlapsLive(pfn, order), "block 0x" + Long.toHexString(pfn) + " order " + order
                + " overlaps a live block: handed out twice");
        for (long p = pfn; p < pfn + size; p++) {
            assertEquals(allocatee, memmap.allocatee(p), "allocatee of pfn 0x" + Long.toHexString(p));
        }
        model.add(pfn, order, allocatee);
    }

    protected void freeChecked(final ReferenceModel model, final ReferenceModel.Block block) {
        allocator.free(block.pfn(), block.order(), 0);
        model.remove(block.pfn());
    }

    /** The thorough comparison: memmap owners, counters, free blocks, verifier. O(pages). */
    protected void checkAgainstModel(final ReferenceModel model) {
        assertEquals(model.freePages(), allocator.freePages(), "freePages() == managed - live pages");
        for (final ReferenceModel.Block block : model.live()) {
            for (long p = block.pfn(); p < block.pfn() + block.pages(); p++) {
                assertEquals(block.allocatee(), memmap.allocatee(p), "allocatee of live pfn 0x" + Long.toHexString(p));
            }
        }
        for (long p = 0; p < model.pages(); p++) {
            if (!model.isAllocated(p)) {
                assertEquals(Allocatee.NONE, memmap.allocatee(p), "free pfn 0x" + Long.toHexString(p)
                        + " still names an owner");
            }
        }
        final long[] blocks = allocator.freeBlocksByOrder();
        if (spec.exactFreeBlocks) {
            assertArrayEquals(model.buddyFreeBlocks(allocator.maxOrder()), blocks,
                    "freeBlocksByOrder vs the coalesced free pages");
        } else {
            long listed = 0;
            for (int order = 0; order < blocks.length; order++) {
                assertTrue(blocks[order] >= 0, "negative free block count at order " + order);
                listed += blocks[order] << order;
            }
            assertEquals(allocator.freePages(), listed, "pages in the blocks freeBlocksByOrder lists vs freePages()");
        }
        final VerifyReport report = allocator.verify();
        assertTrue(report.ok(), report::toString);
        assertEquals(model.livePages(), report.allocatedPages(), "verify's allocated pages");
    }

    /** Everything a rejected operation must leave untouched, read through the public API only. */
    protected record Snapshot(long[] freeBlocks, long freePages, long[] allocatee, int[] freeOrder, int[] allocatedOrder) {
        @Override
        public boolean equals(final Object o) {
            return o instanceof Snapshot s && Arrays.equals(freeBlocks, s.freeBlocks) && freePages == s.freePages
                    && Arrays.equals(allocatee, s.allocatee) && Arrays.equals(freeOrder, s.freeOrder)
                    && Arrays.equals(allocatedOrder, s.allocatedOrder);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(allocatee);
        }

        @Override
        public String toString() {
            return "freeBlocks " + Arrays.toString(freeBlocks) + ", freePages " + freePages;
        }
    }

    protected Snapshot snapshot() {
        final int n = (int) allocator.managedPages();
        final long[] owners = new long[n];
        final int[] freeOrders = new int[n];
        final int[] allocatedOrders = new int[n];
        for (int p = 0; p < n; p++) {
            owners[p] = memmap.allocatee(p);
            freeOrders[p] = memmap.freeOrder(p);
            allocatedOrders[p] = memmap.allocatedOrder(p);
        }
        return new Snapshot(allocator.freeBlocksByOrder(), allocator.freePages(), owners, freeOrders, allocatedOrders);
    }

    private void assertBadFree(final BadFreeException.Kind kind, final long pfn, final int order) {
        final Snapshot before = snapshot();
        final BadFreeException e = assertThrows(BadFreeException.class, () -> allocator.free(pfn, order, 0),
                "free(0x" + Long.toHexString(pfn) + ", " + order + ") must be rejected");
        assertEquals(kind, e.kind(), "kind of bad free(0x" + Long.toHexString(pfn) + ", " + order + "): " + e.getMessage());
        assertEquals(pfn, e.pfn(), "the exception names the pfn");
        assertEquals(order, e.order(), "the exception names the order");
        assertEquals(before, snapshot(), "a rejected free changed state: " + e.getMessage());
        final VerifyReport report = allocator.verify();
        assertTrue(report.ok(), () -> "after rejected free: " + report);
    }

    private void assertBadAlloc(final int order, final long allocatee) {
        final Snapshot before = snapshot();
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> allocator.alloc(order, allocatee, 0),
                "alloc(" + order + ", 0x" + Long.toHexString(allocatee) + ") must be rejected");
        assertTrue(e.getMessage() != null && !e.getMessage().isBlank(), "rejection says why");
        assertEquals(before, snapshot(), "a rejected alloc changed state: " + e.getMessage());
    }

    // ---- the tests ----

    /**
     * Seeded random alloc/free sequences in phases (fill until allocations fail, drain to a third),
     * every order from 0 to maxOrder, each step checked against the model. One thread plays every
     * vcpu of {@code spec.options.vcpus()} in turn (one at a time, as the contract allows), so
     * per-CPU state is exercised when a spec asks for several vcpus.
     */
    @ParameterizedTest(name = "{0} {1} pages seed {2}")
    @MethodSource("dev.memu.alloc.AllocatorConformanceSuite#layoutsAndSeeds")
    void randomOpsAgreeWithReferenceModel(final Layout layout, final long pages, final long seed) {
        start(layout, pages);
        final ReferenceModel model = new ReferenceModel(pages);
        final Random random = new Random(seed);
        final int maxOrder = allocator.maxOrder();
        // maxOrder works on empty memory (later, with other blocks live, it may legitimately fail).
        final long whole = allocChecked(model, maxOrder);
        freeChecked(model, model.block(whole));
        final int largeOrder = Math.min(maxOrder, 8);
        final int ops = 4000;
        boolean filling = true;
        int failures = 0;
        int successes = 0;
        int largeOrderSuccesses = 0;
        for (int op = 0; op < ops; op++) {
            final boolean doAlloc = model.liveBlocks() == 0 || random.nextInt(100) < (filling ? 75 : 25);
            if (doAlloc) {
                final int order = randomOrder(random, maxOrder);
                final long allocatee = nextAllocatee();
                final long pfn = allocator.alloc(order, allocatee, random.nextInt(spec.options.vcpus()));
                if (pfn == PageAllocator.NO_PAGE) {
                    failures++;
                    assertFalse(model.hasFreeAlignedRange(order), "op " + op + ": alloc of order " + order
                            + " failed although an aligned free range of that order exists");
                    if (failures % 8 == 0) {
                        filling = false;
                    }
                } else {
                    checkNewBlock(model, pfn, order, allocatee);
                    successes++;
                    if (order >= largeOrder) {
                        largeOrderSuccesses++;
                    }
                }
            } else {
                final ReferenceModel.Block block = model.randomLive(random);
                allocator.free(block.pfn(), block.order(), random.nextInt(spec.options.vcpus()));
                model.remove(block.pfn());
                if (model.livePages() < pages / 3) {
                    filling = true;
                }
            }
            assertEquals(model.freePages(), allocator.freePages(), "op " + op + ": freePages()");
            if (op % 500 == 499) {
                checkAgainstModel(model);
            }
        }
        checkAgainstModel(model);
        assertTrue(failures > 0, "the sequence must reach exhaustion at least once");
        assertTrue(successes > ops / 4, "the sequence must mostly allocate successfully, got " + successes);
        assertTrue(largeOrderSuccesses > 0, "the sequence must allocate at least one block of order >= " + largeOrder);
        // Drain: everything must come back.
        while (model.liveBlocks() > 0) {
            freeChecked(model, model.randomLive(random));
        }
        checkAgainstModel(model);
    }

    /** Mostly order 0, some 1-3, a few mid orders, and maxOrder often enough to matter. */
    private static int randomOrder(final Random random, final int maxOrder) {
        final int r = random.nextInt(100);
        if (r < 55 || maxOrder == 0) {
            return 0;
        }
        if (r < 85) {
            return 1 + random.nextInt(Math.min(3, maxOrder));
        }
        if (r < 95) {
            return random.nextInt(maxOrder + 1);
        }
        return maxOrder;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.memu.alloc.AllocatorConformanceSuite#layouts")
    void exhaustionAtOrderZeroThenEverythingCoalescesBack(final Layout layout) {
        start(layout, PAGES);
        final ReferenceModel model = new ReferenceModel(PAGES);
        final long[] fresh = allocator.freeBlocksByOrder();
        for (long i = 0; i < PAGES; i++) {
            allocChecked(model, 0);
        }
        assertEquals(0, allocator.freePages(), "everything allocated");
        for (int order = 0; order <= allocator.maxOrder(); order++) {
            assertEquals(PageAllocator.NO_PAGE, allocator.alloc(order, nextAllocatee(), 0),
                    "alloc of order " + order + " with no free page");
        }
        assertArrayEquals(new long[allocator.maxOrder() + 1], allocator.freeBlocksByOrder(), "no free blocks");
        checkAgainstModel(model);
        final Random random = new Random(7);
        while (model.liveBlocks() > 0) {
            freeChecked(model, model.randomLive(random));
        }
        assertEquals(PAGES, allocator.freePages());
        checkAgainstModel(model);
        if (spec.exactFreeBlocks) {
            assertArrayEquals(fresh, allocator.freeBlocksByOrder(), "all memory back in max-order blocks");
            assertEquals(PAGES >> allocator.maxOrder(), allocator.freeBlocksByOrder()[allocator.maxOrder()]);
        }
        // The coalesced memory is usable as max-order blocks again: all of it.
        final int maxOrder = allocator.maxOrder();
        long got = 0;
        while (true) {
            final long allocatee = nextAllocatee();
            final long pfn = allocator.alloc(maxOrder, allocatee, 0);
            if (pfn == PageAllocator.NO_PAGE) {
                break;
            }
            checkNewBlock(model, pfn, maxOrder, allocatee);
            got++;
        }
        assertEquals(PAGES >> maxOrder, got, "max-order blocks after freeing everything");
        checkAgainstModel(model);
        while (model.liveBlocks() > 0) {
            freeChecked(model, model.randomLive(random));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.memu.alloc.AllocatorConformanceSuite#layouts")
    void badFreesAreRejectedWithTheirKindAndChangeNothing(final Layout layout) {
        start(layout, PAGES);
        final ReferenceModel model = new ReferenceModel(PAGES);
        final int maxOrder = allocator.maxOrder();
        // A few live blocks of several orders so that the memmap has heads, tails and free blocks.
        final long small = allocChecked(model, 0);
        final long pair = allocChecked(model, 1);
        final long quad = allocChecked(model, 2);
        final long big = allocChecked(model, 4);
        allocChecked(model, 0);

        // BAD_ORDER
        assertBadFree(BadFreeException.Kind.BAD_ORDER, small, -1);
        assertBadFree(BadFreeException.Kind.BAD_ORDER, 0, maxOrder + 1);
        assertBadFree(BadFreeException.Kind.BAD_ORDER, big, Integer.MAX_VALUE);
        // OUT_OF_RANGE, with aligned pfns so that nothing else is wrong
        assertBadFree(BadFreeException.Kind.OUT_OF_RANGE, PAGES, 0);
        assertBadFree(BadFreeException.Kind.OUT_OF_RANGE, -1, 0);
        assertBadFree(BadFreeException.Kind.OUT_OF_RANGE, PAGES + 4, 2);
        assertBadFree(BadFreeException.Kind.OUT_OF_RANGE, Long.MAX_VALUE, 0);
        assertBadFree(BadFreeException.Kind.OUT_OF_RANGE, Long.MIN_VALUE, 0);
        assertBadFree(BadFreeException.Kind.OUT_OF_RANGE, Long.MAX_VALUE & -16L, 4);
        // MISALIGNED
        assertBadFree(BadFreeException.Kind.MISALIGNED, pair + 1, 1);
        assertBadFree(BadFreeException.Kind.MISALIGNED, quad + 2, 2);
        assertBadFree(BadFreeException.Kind.MISALIGNED, big + 8, 4);
        // WRONG_ORDER: the head of a live allocation, aligned, another order
        assertBadFree(BadFreeException.Kind.WRONG_ORDER, quad, 0);
        assertBadFree(BadFreeException.Kind.WRONG_ORDER, quad, 1);
        assertBadFree(BadFreeException.Kind.WRONG_ORDER, big, 2);
        if ((big & 31) == 0) {
            assertBadFree(BadFreeException.Kind.WRONG_ORDER, big, 5);
        }
        // NOT_ALLOCATED: tails of live allocations
        assertBadFree(BadFreeException.Kind.NOT_ALLOCATED, pair + 1, 0);
        assertBadFree(BadFreeException.Kind.NOT_ALLOCATED, quad + 3, 0);
        assertBadFree(BadFreeException.Kind.NOT_ALLOCATED, quad + 2, 1);
        assertBadFree(BadFreeException.Kind.NOT_ALLOCATED, big + 4, 2);
        // DOUBLE_FREE: a freed block, a page inside a large free block, the head of a free block
        freeChecked(model, model.block(small));
        assertBadFree(BadFreeException.Kind.DOUBLE_FREE, small, 0);
        final long lastPage = PAGES - 1;
        assertFalse(model.isAllocated(lastPage), "test set-up: the last page is free");
        assertBadFree(BadFreeException.Kind.DOUBLE_FREE, lastPage, 0);
        assertBadFree(BadFreeException.Kind.DOUBLE_FREE, PAGES - 2, 1);
        assertBadFree(BadFreeException.Kind.DOUBLE_FREE, PAGES - (1L << maxOrder), maxOrder);
        // A block freed and merged: its pages now lie inside a bigger free block.
        freeChecked(model, model.block(quad));
        assertBadFree(BadFreeException.Kind.DOUBLE_FREE, quad, 2);
        assertBadFree(BadFreeException.Kind.DOUBLE_FREE, quad + 1, 0);
        assertBadFree(BadFreeException.Kind.DOUBLE_FREE, quad + 2, 1);

        checkAgainstModel(model);
        // The live blocks are still freeable and everything comes back.
        for (final ReferenceModel.Block block : model.live()) {
            freeChecked(model, block);
        }
        assertEquals(PAGES, allocator.freePages());
        checkAgainstModel(model);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.memu.alloc.AllocatorConformanceSuite#layouts")
    void freeBatchFreesInTurnAndStopsAtTheFirstBadBlock(final Layout layout) {
        start(layout, PAGES);
        final ReferenceModel model = new ReferenceModel(PAGES);
        final long[] singles = new long[48];
        for (int i = 0; i < singles.length; i++) {
            singles[i] = allocChecked(model, 0);
        }
        final long quad = allocChecked(model, 2);
        // A whole batch, scrambled and inside a larger array, comes back; what lies outside the range stays.
        final long[] scrambled = new long[22];
        scrambled[0] = singles[47];
        scrambled[21] = singles[46];
        for (int i = 0; i < 20; i++) {
            scrambled[1 + i] = singles[(i * 7) % 20];
        }
        allocator.freeBatch(scrambled, 1, 21, 0, 0);
        for (int i = 1; i < 21; i++) {
            model.remove(scrambled[i]);
        }
        checkAgainstModel(model);

        // A pfn given twice: the blocks before its second copy are freed, it is a double free, the rest untouched.
        final long[] twice = {singles[20], singles[21], singles[20], singles[22]};
        final BadFreeException dup = assertThrows(BadFreeException.class,
                () -> allocator.freeBatch(twice, 0, twice.length, 0, 0));
        assertEquals(BadFreeException.Kind.DOUBLE_FREE, dup.kind(), dup.getMessage());
        assertEquals(singles[20], dup.pfn());
        model.remove(singles[20]);
        model.remove(singles[21]);
        checkAgainstModel(model);

        // A block of another order in the middle: rejected with its kind, the one after it still live.
        final long[] mixed = {singles[23], quad, singles[24]};
        final BadFreeException wrong = assertThrows(BadFreeException.class,
                () -> allocator.freeBatch(mixed, 0, mixed.length, 0, 0));
        assertEquals(BadFreeException.Kind.WRONG_ORDER, wrong.kind(), wrong.getMessage());
        assertEquals(quad, wrong.pfn());
        model.remove(singles[23]);
        checkAgainstModel(model);

        // A range outside the array frees nothing.
        final Snapshot before = snapshot();
        assertThrows(IndexOutOfBoundsException.class, () -> allocator.freeBatch(singles, 40, 49, 0, 0));
        assertEquals(before, snapshot(), "a batch with a bad range changed state");

        // Everything else as batches of its order: all memory comes back.
        allocator.freeBatch(new long[] {quad}, 0, 1, 2, 0);
        model.remove(quad);
        final long[] rest = model.live().stream().mapToLong(ReferenceModel.Block::pfn).toArray();
        allocator.freeBatch(rest, 0, rest.length, 0, 0);
        for (final long pfn : rest) {
            model.remove(pfn);
        }
        assertEquals(PAGES, allocator.freePages());
        checkAgainstModel(model);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.memu.alloc.AllocatorConformanceSuite#layouts")
    void badAllocInputIsRejectedAndChangesNothing(final Layout layout) {
        start(layout, PAGES);
        final ReferenceModel model = new ReferenceModel(PAGES);
        allocChecked(model, 0);
        allocChecked(model, 3);
        final long good = nextAllocatee();
        assertBadAlloc(-1, good);
        assertBadAlloc(allocator.maxOrder() + 1, good);
        assertBadAlloc(Integer.MIN_VALUE, good);
        assertBadAlloc(0, Allocatee.NONE);
        assertBadAlloc(0, 0x7f0L);     // Misc word with a subtype no type has
        assertBadAlloc(0, Allocatee.of(MemdescType.FREE, 0x1230));
        assertBadAlloc(0, Allocatee.of(MemdescType.FREE, 0));
        assertBadAlloc(0, good | (1L << Allocatee.POINTER_BITS));
        assertBadAlloc(0, good | (1L << 63));
        checkAgainstModel(model);
        for (final ReferenceModel.Block block : model.live()) {
            freeChecked(model, block);
        }
        checkAgainstModel(model);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.memu.alloc.AllocatorConformanceSuite#layouts")
    void ramThatIsNotAPowerOfTwoIsFullyUsable(final Layout layout) {
        start(layout, ODD_PAGES);
        final ReferenceModel model = new ReferenceModel(ODD_PAGES);
        checkAgainstModel(model);
        // Every page can be handed out once, in the largest blocks that fit, then nothing more.
        for (int order = allocator.maxOrder(); order >= 0; order--) {
            while (model.hasFreeAlignedRange(order)) {
                allocChecked(model, order);
            }
            assertEquals(PageAllocator.NO_PAGE, allocator.alloc(order, nextAllocatee(), 0),
                    "no aligned free range of order " + order + " is left");
        }
        assertEquals(0, model.freePages(), "every page of the odd-sized RAM was handed out");
        assertEquals(0, allocator.freePages());
        checkAgainstModel(model);
        for (final ReferenceModel.Block block : model.live()) {
            freeChecked(model, block);
        }
        checkAgainstModel(model);
    }

    /** The spec's options with at least {@code vcpus} vcpus. */
    protected AllocatorOptions withAtLeastVcpus(final int vcpus) {
        return spec().options.withVcpus(Math.max(vcpus, spec().options.vcpus()));
    }

    /** Allocates blocks of {@code order} on {@code vcpu} until NO_PAGE, each checked; returns how many. */
    protected long allocUntilNoPage(final ReferenceModel model, final int order, final int vcpu) {
        long got = 0;
        while (true) {
            final long allocatee = nextAllocatee();
            final long pfn = allocator.alloc(order, allocatee, vcpu);
            if (pfn == PageAllocator.NO_PAGE) {
                return got;
            }
            checkNewBlock(model, pfn, order, allocatee);
            got++;
        }
    }

    /**
     * Issue 9's strand, 16 MiB and 2 vcpus: vcpu 1 allocates one page, then vcpu 0 allocates
     * order 0 until NO_PAGE. Whatever vcpu 1 keeps for itself (a POTAD region reservation, pages
     * on its PCP lists), every other page must reach vcpu 0: an allocation fails only when no free
     * block of its order is left anywhere.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.memu.alloc.AllocatorConformanceSuite#layouts")
    void pagesKeptForAnotherVcpuAreNotStranded(final Layout layout) {
        start(layout, PAGES, withAtLeastVcpus(2));
        final ReferenceModel model = new ReferenceModel(PAGES);
        final long allocatee = nextAllocatee();
        final long first = allocator.alloc(0, allocatee, 1);
        assertNotEquals(PageAllocator.NO_PAGE, first, "vcpu 1's first page");
        checkNewBlock(model, first, 0, allocatee);
        assertEquals(PAGES - 1, allocUntilNoPage(model, 0, 0), "order-0 pages vcpu 0 gets while vcpu 1 holds one");
        assertEquals(0, allocator.freePages(), "nothing left free");
        checkAgainstModel(model);
        for (final ReferenceModel.Block block : model.live()) {
            freeChecked(model, block);
        }
        checkAgainstModel(model);
    }

    /**
     * The same strand for the largest blocks: vcpu 1 allocates one page and frees it (the page
     * may stay in its reservation or on its lists), then vcpu 0 must still get all of memory in
     * max-order blocks.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.memu.alloc.AllocatorConformanceSuite#layouts")
    void maxOrderBlocksAreNotStrandedByAnotherVcpu(final Layout layout) {
        start(layout, PAGES, withAtLeastVcpus(2));
        final ReferenceModel model = new ReferenceModel(PAGES);
        final long pfn = allocator.alloc(0, nextAllocatee(), 1);
        assertNotEquals(PageAllocator.NO_PAGE, pfn, "vcpu 1's page");
        allocator.free(pfn, 0, 1);
        final int maxOrder = allocator.maxOrder();
        assertEquals(PAGES >> maxOrder, allocUntilNoPage(model, maxOrder, 0), "max-order blocks vcpu 0 gets");
        checkAgainstModel(model);
        for (final ReferenceModel.Block block : model.live()) {
            freeChecked(model, block);
        }
    }

    /**
     * {@link PageAllocator#vcpuOffline}: vcpu 1 allocates and frees a few pages, goes offline, and
     * vcpu 0 then gets every page, one by one and again as max-order blocks; vcpu 1 can come back.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.memu.alloc.AllocatorConformanceSuite#layouts")
    void offlineVcpuLeavesNothingBehind(final Layout layout) {
        start(layout, PAGES, withAtLeastVcpus(2));
        final ReferenceModel model = new ReferenceModel(PAGES);
        final long[] pfns = new long[5];
        for (int i = 0; i < pfns.length; i++) {
            pfns[i] = allocator.alloc(i & 1, nextAllocatee(), 1);
            assertNotEquals(PageAllocator.NO_PAGE, pfns[i]);
        }
        for (int i = 0; i < pfns.length; i++) {
            allocator.free(pfns[i], i & 1, 1);
        }
        allocator.vcpuOffline(1);
        assertEquals(PAGES, allocator.freePages(), "nothing lost by going offline");
        checkAgainstModel(model);
        assertEquals(PAGES, allocUntilNoPage(model, 0, 0), "order-0 pages vcpu 0 gets after vcpu 1 went offline");
        checkAgainstModel(model);
        for (final ReferenceModel.Block block : model.live()) {
            freeChecked(model, block);
        }
        final int maxOrder = allocator.maxOrder();
        assertEquals(PAGES >> maxOrder, allocUntilNoPage(model, maxOrder, 0), "max-order blocks after freeing all");
        for (final ReferenceModel.Block block : model.live()) {
            freeChecked(model, block);
        }
        final long back = allocator.alloc(0, nextAllocatee(), 1);
        assertNotEquals(PageAllocator.NO_PAGE, back, "vcpu 1 allocates again after coming back");
        allocator.free(back, 0, 1);
        checkAgainstModel(model);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.memu.alloc.AllocatorConformanceSuite#layouts")
    void onePageRamWorks(final Layout layout) {
        start(layout, 1);
        final ReferenceModel model = new ReferenceModel(1);
        assertEquals(0, allocator.maxOrder());
        final long pfn = allocChecked(model, 0);
        assertEquals(0, pfn);
        assertEquals(PageAllocator.NO_PAGE, allocator.alloc(0, nextAllocatee(), 0));
        assertBadFree(BadFreeException.Kind.OUT_OF_RANGE, 1, 0);
        assertBadFree(BadFreeException.Kind.BAD_ORDER, 0, 1);
        checkAgainstModel(model);
        freeChecked(model, model.live().get(0));
        assertBadFree(BadFreeException.Kind.DOUBLE_FREE, 0, 0);
        checkAgainstModel(model);
        allocChecked(model, 0);
        checkAgainstModel(model);
    }

    /**
     * The verifier is only worth running after every test if it notices corruption: state changed
     * through the Memmap API behind the allocator's back must be reported.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.memu.alloc.AllocatorConformanceSuite#layouts")
    void verifierCatchesMemmapCorruption(final Layout layout) {
        assumeTrue(spec().verifierChecksMemmap, "the verifier does not read the memmap");
        // Owners: every allocator records allocatees in the memmap.
        corruptAndExpectReport(layout, "an allocation forgotten (its pages neither free nor allocated)",
                (live) -> memmap.clearAllocated(live.pfn(), live.order()));
        corruptAndExpectReport(layout, "pages inside a free block marked allocated",
                (live) -> memmap.setAllocated(PAGES - 2, 1, nextAllocatee()));
    }

    /** Free marks: state of allocators that keep their free blocks in the memmap. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.memu.alloc.AllocatorConformanceSuite#layouts")
    void verifierCatchesCorruptedFreeMarks(final Layout layout) {
        assumeTrue(spec().verifierChecksMemmap, "the verifier does not read the memmap");
        assumeTrue(spec().freeStateInMemmap, "free state lives outside the memmap: no free marks to corrupt");
        corruptAndExpectReport(layout, "an allocated block marked free",
                (live) -> memmap.setFree(live.pfn(), live.order()));
        corruptAndExpectReport(layout, "a tail page of an allocation marked free",
                (live) -> memmap.setFree(live.pfn() + 1, 0));
        corruptAndExpectReport(layout, "a page inside a free block marked as an extra free block",
                (live) -> memmap.setFree(PAGES - 1, 0));
    }

    /**
     * Starts a fresh allocator with a few live blocks (the {@code live} one of order 2, and the top
     * of RAM free), applies {@code corruption}, and expects verify() to report a problem.
     */
    protected void corruptAndExpectReport(final Layout layout, final String what,
                                          final Consumer<ReferenceModel.Block> corruption) {
        if (machine != null) {
            machine.close();
        }
        start(layout, PAGES);
        final ReferenceModel model = new ReferenceModel(PAGES);
        allocChecked(model, 0);
        final long pfn = allocChecked(model, 2);
        allocChecked(model, 1);
        checkAgainstModel(model);
        corrupted = true;
        boolean refused = false;
        try {
            corruption.accept(model.block(pfn));
        } catch (final IllegalStateException e) {
            refused = true;     // a memmap that checks its own consistency caught it before verify
        }
        if (!refused) {
            final VerifyReport report = allocator.verify();
            assertFalse(report.ok(), "verify() did not notice: " + what + " (" + report + ")");
        }
    }

    /**
     * 2-4 threads, each its own vcpu, allocating and freeing their own blocks with their own
     * allocatees; a shared bitmap of pfns catches any page handed out twice.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.memu.alloc.AllocatorConformanceSuite#layouts")
    void concurrentThreadsNeverShareAPage(final Layout layout) throws InterruptedException {
        assumeTrue(spec().threadSafe, "single-threaded allocator");
        final int threads = 3;
        start(layout, PAGES, spec().options.withVcpus(threads));
        final AtomicLongArray owned = new AtomicLongArray((int) (PAGES / 64));
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final CountDownLatch go = new CountDownLatch(1);
        final List<Thread> workers = new ArrayList<>();
        final long[][] leftovers = new long[threads][];
        for (int t = 0; t < threads; t++) {
            final int vcpu = t;
            final Thread worker = new Thread(() -> {
                try {
                    go.await();
                    leftovers[vcpu] = churn(vcpu, owned);
                } catch (final Throwable e) {
                    failure.compareAndSet(null, e);
                }
            }, "conformance-vcpu-" + t);
            workers.add(worker);
            worker.start();
        }
        go.countDown();
        for (final Thread worker : workers) {
            worker.join(60_000);
            assertFalse(worker.isAlive(), worker.getName() + " did not finish");
        }
        if (failure.get() != null) {
            fail("worker failed: " + failure.get(), failure.get());
        }
        long livePages = 0;
        for (int p = 0; p < PAGES; p++) {
            if ((owned.get(p >>> 6) & (1L << p)) != 0) {
                livePages++;
            }
        }
        final VerifyReport report = allocator.verify();
        assertTrue(report.ok(), report::toString);
        assertEquals(livePages, report.allocatedPages(), "pages the threads hold");
        assertEquals(PAGES, allocator.freePages() + livePages, "free + allocated == managed");
        for (int t = 0; t < threads; t++) {
            final long[] blocks = leftovers[t];
            for (int i = 0; i < blocks.length; i += 2) {
                allocator.free(blocks[i], (int) blocks[i + 1], t);
            }
        }
        assertEquals(PAGES, allocator.freePages(), "everything freed");
    }

    /** One worker's loop; returns its still-live blocks as (pfn, order) pairs. */
    private long[] churn(final int vcpu, final AtomicLongArray owned) {
        final Random random = new Random(1000 + vcpu);
        final long allocatee = Allocatee.of(MemdescType.ANON_FOLIO, 0x1000L * (vcpu + 1));
        final int maxOrder = Math.min(allocator.maxOrder(), 4);
        final long[] pfns = new long[4096];
        final int[] orders = new int[4096];
        int live = 0;
        for (int op = 0; op < 20_000; op++) {
            if (live < pfns.length && (live == 0 || random.nextBoolean())) {
                final int order = random.nextInt(4) == 0 ? random.nextInt(maxOrder + 1) : 0;
                final long pfn = allocator.alloc(order, allocatee, vcpu);
                if (pfn == PageAllocator.NO_PAGE) {
                    continue;
                }
                if ((pfn & ((1L << order) - 1)) != 0 || pfn < 0 || pfn + (1L << order) > PAGES) {
                    throw new AssertionError("vcpu " + vcpu + ": bad block 0x" + Long.toHexString(pfn) + " order " + order);
                }
                for (long p = pfn; p < pfn + (1L << order); p++) {
                    claim(owned, p, vcpu);
                    if (memmap.allocatee(p) != allocatee) {
                        throw new AssertionError("vcpu " + vcpu + ": pfn 0x" + Long.toHexString(p)
                                + " names allocatee 0x" + Long.toHexString(memmap.allocatee(p)));
                    }
                }
                pfns[live] = pfn;
                orders[live] = order;
                live++;
            } else {
                final int i = random.nextInt(live);
                final long pfn = pfns[i];
                final int order = orders[i];
                for (long p = pfn; p < pfn + (1L << order); p++) {
                    release(owned, p);
                }
                allocator.free(pfn, order, vcpu);
                live--;
                pfns[i] = pfns[live];
                orders[i] = orders[live];
            }
        }
        final long[] out = new long[live * 2];
        for (int i = 0; i < live; i++) {
            out[2 * i] = pfns[i];
            out[2 * i + 1] = orders[i];
        }
        return out;
    }

    private static void claim(final AtomicLongArray owned, final long pfn, final int vcpu) {
        final long bit = 1L << pfn;
        final long before = owned.getAndUpdate((int) (pfn >>> 6), w -> w | bit);
        if ((before & bit) != 0) {
            throw new AssertionError("vcpu " + vcpu + ": pfn 0x" + Long.toHexString(pfn) + " handed out twice");
        }
    }

    private static void release(final AtomicLongArray owned, final long pfn) {
        final long bit = 1L << pfn;
        owned.getAndUpdate((int) (pfn >>> 6), w -> w & ~bit);
    }
}
