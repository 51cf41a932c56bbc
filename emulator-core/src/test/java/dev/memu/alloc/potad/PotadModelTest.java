package dev.memu.alloc.potad;

import dev.memu.access.PlainAccess;
import dev.memu.alloc.AllocatorOptions;
import dev.memu.alloc.Allocators;
import dev.memu.alloc.BadFreeException;
import dev.memu.alloc.PageAllocator;
import dev.memu.alloc.VerifyReport;
import dev.memu.layout.Layout;
import dev.memu.layout.Layouts;
import dev.memu.machine.Machine;
import dev.memu.memdesc.Allocatee;
import dev.memu.memdesc.MemdescType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * POTAD against an on-heap reference model, over every layout: random alloc/free of mixed
 * orders (model decides whether an allocation must succeed), every bad-free kind rejected with
 * no state change, and verify() after every test.
 *
 * <p>Written here because the shared {@code AllocatorConformanceSuite} was not on a committed
 * branch when POTAD needed it; once it is merged, a three-line subclass should join these.
 */
class PotadModelTest {

    private Machine machine;
    private PotadAllocator potad;

    static Stream<Arguments> layoutsAndSizes() {
        final List<Arguments> args = new ArrayList<>();
        for (final Layout layout : Layouts.all()) {
            args.add(Arguments.of(layout.name(), 4096L));
            args.add(Arguments.of(layout.name(), 1000L));
        }
        return args.stream();
    }

    private PotadAllocator build(final String layout, final long pages) {
        machine = Machine.create(pages << 12);
        potad = (PotadAllocator) Allocators.create("potad", Layouts.byName(layout).bind(machine, PlainAccess.INSTANCE),
                AllocatorOptions.defaults());
        return potad;
    }

    @AfterEach
    void verifyAndClose() {
        if (potad != null) {
            final VerifyReport report = potad.verify();
            assertTrue(report.ok(), report::toString);
            assertEquals(potad.freePages(), report.freePages());
            assertEquals(potad.managedPages(), report.freePages() + report.allocatedPages());
        }
        if (machine != null) {
            machine.close();
        }
    }

    private static long owner(final long n) {
        return Allocatee.of(MemdescType.ANON_FOLIO, (n + 1) << 4);
    }

    /** Reference: the set of allocated pages and the live allocations. */
    static final class Model {
        final long pages;
        final BitSet used = new BitSet();
        final Map<Long, Integer> live = new HashMap<>();

        Model(final long pages) {
            this.pages = pages;
        }

        boolean hasFreeBlock(final int order) {
            for (long p = 0; p + (1L << order) <= pages; p += 1L << order) {
                final int next = used.nextSetBit((int) p);
                if (next < 0 || next >= p + (1L << order)) {
                    return true;
                }
            }
            return false;
        }

        long free() {
            return pages - used.cardinality();
        }
    }

    @ParameterizedTest(name = "{0} {1} pages")
    @MethodSource("layoutsAndSizes")
    void randomOpsMatchTheModel(final String layout, final long pages) {
        final PotadAllocator a = build(layout, pages);
        assertEquals(63 - Long.numberOfLeadingZeros(pages), a.maxOrder());
        assertEquals(pages, a.freePages());
        final Model model = new Model(pages);
        final Random random = new Random(42 + pages);
        final List<Long> heads = new ArrayList<>();
        for (int op = 0; op < 6000; op++) {
            if (heads.isEmpty() || random.nextInt(100) < 55) {
                final int order = random.nextInt(10) < 7 ? random.nextInt(3) : random.nextInt(a.maxOrder() + 1);
                final long who = owner(op);
                final long pfn = a.alloc(order, who, 0);
                if (pfn == PageAllocator.NO_PAGE) {
                    assertFalse(model.hasFreeBlock(order), "order " + order + " failed though the model has a free block");
                    continue;
                }
                assertEquals(0, pfn & ((1L << order) - 1), "misaligned block");
                final int clash = model.used.nextSetBit((int) pfn);
                assertTrue(clash < 0 || clash >= pfn + (1L << order), "block handed out twice at " + pfn);
                model.used.set((int) pfn, (int) (pfn + (1L << order)));
                model.live.put(pfn, order);
                heads.add(pfn);
                assertEquals(order, a.memmap().allocatedOrder(pfn));
                assertEquals(who, a.memmap().allocatee(pfn));
                assertEquals(who, a.memmap().allocatee(pfn + (1L << order) - 1));
            } else {
                final long pfn = heads.remove(random.nextInt(heads.size()));
                final int order = model.live.remove(pfn);
                a.free(pfn, order, 0);
                model.used.clear((int) pfn, (int) (pfn + (1L << order)));
                assertEquals(Allocatee.NONE, a.memmap().allocatee(pfn));
            }
            if (op % 1000 == 0) {
                assertTrue(a.verify().ok(), () -> a.verify().toString());
            }
            assertEquals(model.free(), a.freePages());
        }
        for (final long pfn : heads) {
            a.free(pfn, model.live.get(pfn), 0);
        }
        assertEquals(pages, a.freePages());
        // Everything coalesced: the whole of memory is allocatable again in one block.
        a.releaseReservation(0);
        final long all = a.alloc(a.maxOrder(), owner(1), 0);
        assertEquals(0, all);
        a.free(all, a.maxOrder(), 0);
    }

    @ParameterizedTest(name = "{0} {1} pages")
    @MethodSource("layoutsAndSizes")
    void everyBadFreeIsRejectedAndChangesNothing(final String layout, final long pages) {
        final PotadAllocator a = build(layout, pages);
        final long p0 = a.alloc(0, owner(0), 0);
        final long p3 = a.alloc(3, owner(3), 0);
        final long p9 = pages >= 1024 ? a.alloc(9, owner(9), 0) : PageAllocator.NO_PAGE;
        final long free = a.freePages();
        final long[] blocks = a.freeBlocksByOrder();

        expect(a, BadFreeException.Kind.BAD_ORDER, p0, -1);
        expect(a, BadFreeException.Kind.BAD_ORDER, p0, a.maxOrder() + 1);
        expect(a, BadFreeException.Kind.OUT_OF_RANGE, pages, 0);
        expect(a, BadFreeException.Kind.OUT_OF_RANGE, -1, 0);
        expect(a, BadFreeException.Kind.OUT_OF_RANGE, Long.MAX_VALUE, 0);
        expect(a, BadFreeException.Kind.OUT_OF_RANGE, pages - 1, 1);
        expect(a, BadFreeException.Kind.MISALIGNED, p3 + 1, 2);
        expect(a, BadFreeException.Kind.NOT_ALLOCATED, p3 + 1, 0);
        expect(a, BadFreeException.Kind.WRONG_ORDER, p3, 2);
        expect(a, BadFreeException.Kind.WRONG_ORDER, p3, 0);
        final long freePfn = firstFree(a);
        expect(a, BadFreeException.Kind.DOUBLE_FREE, freePfn, 0);
        if (p9 != PageAllocator.NO_PAGE) {
            expect(a, BadFreeException.Kind.NOT_ALLOCATED, p9 + 64, 0);
            expect(a, BadFreeException.Kind.WRONG_ORDER, p9, 8);
            expect(a, BadFreeException.Kind.WRONG_ORDER, p9, 0);
        }
        a.free(p0, 0, 0);
        expect(a, BadFreeException.Kind.DOUBLE_FREE, p0, 0);

        assertEquals(free + 1, a.freePages());
        final long[] after = a.freeBlocksByOrder();
        assertNotEquals(0, after.length);
        assertEquals(owner(3), a.memmap().allocatee(p3 + 7));
        assertEquals(blocks.length, after.length);
        a.free(p3, 3, 0);
        if (p9 != PageAllocator.NO_PAGE) {
            a.free(p9, 9, 0);
        }
        assertEquals(pages, a.freePages());
    }

    private static long firstFree(final PotadAllocator a) {
        for (long p = 0; p < a.managedPages(); p++) {
            if (!a.core().isAllocated(p)) {
                return p;
            }
        }
        throw new AssertionError("nothing free");
    }

    private static void expect(final PotadAllocator a, final BadFreeException.Kind kind, final long pfn, final int order) {
        final long free = a.freePages();
        final long[] blocks = a.freeBlocksByOrder();
        final BadFreeException e = assertThrows(BadFreeException.class, () -> a.free(pfn, order, 0));
        assertEquals(kind, e.kind(), e::getMessage);
        assertEquals(free, a.freePages(), "a rejected free changed the free count");
        assertArrayEquals(blocks, a.freeBlocksByOrder(), "a rejected free changed the free blocks");
        assertTrue(a.verify().ok());
    }

    @Test
    void freeBlocksByOrderReportsMaximalAlignedBlocks() {
        final PotadAllocator a = build("memdesc8", 4096);
        // Fresh: one block of all of memory.
        final long[] fresh = a.freeBlocksByOrder();
        assertEquals(1, fresh[12]);
        assertEquals(1, java.util.Arrays.stream(fresh).sum());
        final long p = a.alloc(0, owner(0), 0);
        assertEquals(0, p);
        final long[] one = a.freeBlocksByOrder();
        // Like buddyinfo after splitting 2^12 for one page: one block of each order 0..11.
        for (int order = 0; order < 12; order++) {
            assertEquals(1, one[order], "order " + order);
        }
        assertEquals(0, one[12]);
        a.free(p, 0, 0);
        assertEquals(1, a.freeBlocksByOrder()[12]);
    }

    @Test
    void oddSizeKeepsTheTailOfTheLastRegionOutOfReach() {
        final PotadAllocator a = build("memdesc16", 1000);
        assertEquals(9, a.maxOrder());
        final long whole = a.alloc(9, owner(0), 0);
        assertEquals(0, whole, "region 0 is whole");
        assertEquals(PageAllocator.NO_PAGE, a.alloc(9, owner(0), 0), "region 1 has only 488 pages");
        final long p = a.alloc(8, owner(1), 0);
        assertEquals(512, p);
        assertEquals(PageAllocator.NO_PAGE, a.alloc(8, owner(1), 0), "pages 768..1023 run past the end");
        final long[] blocks = a.freeBlocksByOrder();
        long total = 0;
        for (int order = 0; order < blocks.length; order++) {
            total += blocks[order] << order;
        }
        assertEquals(1000 - 512 - 256, total);
        assertEquals(1, blocks[7]);   // 768..895
        assertEquals(1, blocks[6]);   // 896..959
        assertEquals(1, blocks[5]);   // 960..991
        assertEquals(1, blocks[3]);   // 992..999
        a.free(p, 8, 0);
        a.free(whole, 9, 0);
    }

    @Test
    void maxOrderOptionCapsOrders() {
        machine = Machine.create(4096L << 12);
        potad = new PotadAllocator(Layouts.byName("memdesc8").bind(machine, PlainAccess.INSTANCE),
                AllocatorOptions.defaults().withMaxOrder(10));
        assertEquals(10, potad.maxOrder());
        assertThrows(IllegalArgumentException.class, () -> potad.alloc(11, owner(0), 0));
        assertEquals(4, potad.freeBlocksByOrder()[10]);
    }

    @Test
    void badAllocateeIsRejected() {
        final PotadAllocator a = build("memdesc8", 4096);
        assertThrows(IllegalArgumentException.class, () -> a.alloc(0, Allocatee.NONE, 0));
        assertThrows(IllegalArgumentException.class, () -> a.alloc(0, MemdescType.FREE.tag(), 0));
        assertThrows(IllegalArgumentException.class, () -> a.alloc(0, 1L << 60 | 1, 0));
        assertThrows(IllegalArgumentException.class, () -> a.alloc(-1, owner(0), 0));
        assertEquals(4096, a.freePages());
    }
}
