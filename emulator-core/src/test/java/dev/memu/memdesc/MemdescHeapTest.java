package dev.memu.memdesc;

import dev.memu.access.PlainAccess;
import dev.memu.access.Region;
import dev.memu.machine.Machine;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MemdescHeapTest {

    @Test
    void objectsAreAlignedDistinctAndReused() {
        try (Machine machine = Machine.create(4L << 20)) {
            final MemdescHeap heap = MemdescHeap.forDescriptors(machine, PlainAccess.INSTANCE);
            final Set<Long> seen = new HashSet<>();
            final long[] objs = new long[2000];
            for (int i = 0; i < objs.length; i++) {
                objs[i] = heap.alloc(88);
                assertEquals(0, objs[i] & 15, "16-byte aligned");
                assertTrue(seen.add(objs[i]), "handed out twice");
                assertTrue(Allocatee.isValid(Allocatee.of(MemdescType.FILE_FOLIO, objs[i])));
            }
            assertEquals(2000 * 96L, heap.liveBytes());
            assertEquals(2000 * 88L, heap.requestedBytes());
            final long mapped = heap.mappedBytes();
            assertTrue(mapped >= heap.liveBytes());
            assertEquals(mapped, machine.footprint().bytes(Region.MEMDESC), "only carved chunks are accounted");
            heap.free(objs[7], 88);
            assertThrows(IllegalArgumentException.class, () -> heap.free(objs[7], 88), "double free");
            assertThrows(IllegalArgumentException.class, () -> heap.free(objs[8] + 16, 88), "not an object");
            assertThrows(IllegalArgumentException.class, () -> heap.free(objs[9], 16), "object of another class");
            assertEquals(objs[7], heap.alloc(90), "freed object reused first");
            assertEquals(mapped, heap.mappedBytes());
        }
    }

    @Test
    void descriptorsKeepTheirFields() {
        try (Machine machine = Machine.create(4L << 20)) {
            final Memdescs d = new Memdescs(MemdescHeap.forDescriptors(machine, PlainAccess.INSTANCE));
            final long folio = d.newFolio(MemdescType.FILE_FOLIO, 4, 0xabc0, 77);
            d.setPfn(folio, 512);
            assertEquals(MemdescType.FILE_FOLIO, Memdescs.type(folio));
            assertEquals(4, d.order(folio));
            assertEquals(512, d.pfn(folio));
            assertEquals(16, d.getLong(folio, FolioDesc.NR_PAGES));
            assertEquals(77, d.getLong(folio, FolioDesc.INDEX));
            final long vm = d.newVmalloc(5, 0xffffc90000000000L, machine.pageSize());
            for (int i = 0; i < 5; i++) {
                d.setPage(vm, i, 100 + 7 * i);
            }
            assertEquals(3, d.indexOf(vm, 121));
            assertEquals(-1, d.indexOf(vm, 122));
            assertEquals(100, d.pfn(vm));
            final long slab = d.newSlab(1, 0x5000, 192, machine.pageSize());
            assertEquals(8192 / 192, (d.getLong(slab, SlabDesc.COUNTERS) >>> 16) & 0x7fff);
            d.free(vm);
            d.free(folio);
            d.free(slab);
            assertEquals(0, d.heap().liveObjects());
        }
    }
}
