package dev.memu.failure;

import dev.memu.access.CountingAccess;
import dev.memu.access.Region;
import dev.memu.alloc.AllocatorOptions;
import dev.memu.alloc.potad.PotadAllocator;
import dev.memu.layout.Layouts;
import dev.memu.layout.Memmap;
import dev.memu.machine.Machine;
import dev.memu.memdesc.MemdescHeap;
import dev.memu.memdesc.MemdescType;
import dev.memu.memdesc.Memdescs;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * What memdesc8-hvo saves per large POTAD alloc and free and what it adds per pfn -> descriptor
 * lookup ({@link OwnerLookup}), beside the faithful memdesc8 that writes every entry, counted
 * exactly by {@link CountingAccess}. Prints one line per layout (the figures in the README).
 */
class HvoCostTest {

    private static final long RAM = 64L << 20;

    /** Lines of one order-{@code order} alloc, its free, and lookups of its head, a tail and a free pfn. */
    record Cost(int allocMemmap, int allocTotal, int freeMemmap, int freeTotal, int headLookup, int tailLookup,
                int tailLookupMemmap, int freeLookup) {
    }

    private static Cost measure(final String layout, final int order) {
        try (Machine machine = Machine.create(RAM)) {
            final CountingAccess access = new CountingAccess();
            final Memmap memmap = Layouts.byName(layout).bind(machine, access);
            final PotadAllocator potad = new PotadAllocator(memmap, AllocatorOptions.defaults());
            final Memdescs descs = new Memdescs(MemdescHeap.forDescriptors(machine, access));
            final OwnerLookup lookup = new OwnerLookup(memmap, descs, potad.maxOrder());
            final long folio = descs.newFolio(MemdescType.ANON_FOLIO, order, 0, 0);
            potad.alloc(order, folio, 0);       // warm: the first huge claim also moves the cursor
            access.beginOp();
            final long pfn = potad.alloc(order, folio, 0);
            access.endOp();
            final int allocMemmap = access.lastOpLines(Region.MEMMAP);
            final int allocTotal = access.lastOpLinesTotal();
            descs.setPfn(folio, pfn);
            final PageOwner head = lookup.find(pfn);
            final long tailPfn = pfn + (1L << order) - 3;
            final PageOwner tail = lookup.find(tailPfn);
            access.beginOp();
            lookup.find(tailPfn);
            access.endOp();
            final int tailMemmap = access.lastOpLines(Region.MEMMAP);
            assertEquals(pfn, tail.headPfn(), layout + ": tail resolves to its head");
            assertEquals(order, tail.order());
            assertEquals(folio, tail.allocatee());
            final long freePfn = machine.pages() - 7;       // never allocated: the cursor runs upwards
            final PageOwner free = lookup.find(freePfn);
            assertEquals(MemdescType.FREE, free.type(), layout + ": pfn 0x" + Long.toHexString(freePfn) + " is free");
            access.beginOp();
            potad.free(pfn, order, 0);
            access.endOp();
            final Cost cost = new Cost(allocMemmap, allocTotal, access.lastOpLines(Region.MEMMAP),
                    access.lastOpLinesTotal(), head.lines(), tail.lines(), tailMemmap, free.lines());
            System.out.printf("%-13s order %2d  alloc %3d lines (memmap %3d)  free %3d lines (memmap %3d)  "
                            + "lookup head %d, tail %d (memmap %d), free pfn %d%n", layout, order,
                    cost.allocTotal, cost.allocMemmap, cost.freeTotal, cost.freeMemmap, cost.headLookup,
                    cost.tailLookup, cost.tailLookupMemmap, cost.freeLookup);
            assertEquals(true, potad.verify().ok(), () -> potad.verify().toString());
            return cost;
        }
    }

    @Test
    void orderNineWritesOneEntryInsteadOfSixtyFourLinesAndTailsPayOneLine() {
        final Cost faithful = measure("memdesc8", 9);
        final Cost hvo = measure("memdesc8-hvo", 9);
        assertEquals(64, faithful.allocMemmap(), "memdesc8 writes 512 entries: 64 lines");
        assertEquals(64, faithful.freeMemmap());
        assertEquals(1, hvo.allocMemmap(), "memdesc8-hvo writes the head entry only");
        assertEquals(1, hvo.freeMemmap(), "the free check reads and clears the head entry only");
        assertEquals(faithful.allocTotal() - 63, hvo.allocTotal(), "nothing else changes on alloc");
        assertEquals(faithful.freeTotal() - 63, hvo.freeTotal(), "nothing else changes on free");
        assertEquals(faithful.headLookup(), hvo.headLookup(), "a head resolves in its own entry");
        assertEquals(1, faithful.tailLookupMemmap());
        assertEquals(2, hvo.tailLookupMemmap(), "a tail reads its entry, then its region's record");
        assertEquals(faithful.tailLookup() + 1, hvo.tailLookup());
        assertEquals(faithful.freeLookup() + 1, hvo.freeLookup(), "a free pfn off a region start reads the record too");
    }

    @Test
    void orderElevenWritesOneRecordPerRegion() {
        final Cost faithful = measure("memdesc8", 11);
        final Cost hvo = measure("memdesc8-hvo", 11);
        assertEquals(256, faithful.allocMemmap(), "2048 entries: 256 lines");
        assertEquals(4, hvo.allocMemmap(), "one record per 2 MiB region");
        assertEquals(4, hvo.freeMemmap());
        assertEquals(2, hvo.tailLookupMemmap());
    }
}
