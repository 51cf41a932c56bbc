package dev.memu.machine;

import dev.memu.access.Region;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MachineTest {

    /** 1 TiB of emulated RAM on a host with far less: reserved, not committed, until touched. */
    @Test
    void oneTebibyteMachineIsLazilyCommitted() {
        final long tib = 1L << 40;
        try (Machine machine = Machine.create(tib)) {
            assertEquals(tib, machine.ram().byteSize());
            assertEquals(1L << 28, machine.pages());
            assertEquals(tib, machine.footprint().bytes(Region.PAGE_DATA));
            final long lastPage = (machine.pages() - 1) << machine.pageShift();
            assertEquals(0L, machine.ram().get(ValueLayout.JAVA_LONG, lastPage), "untouched memory reads as zero");
            machine.ram().set(ValueLayout.JAVA_LONG, lastPage + machine.pageSize() - 8, 0xC0FFEE_1234L);
            machine.ram().set(ValueLayout.JAVA_LONG, lastPage, -1L);
            assertEquals(0xC0FFEE_1234L, machine.ram().get(ValueLayout.JAVA_LONG, lastPage + machine.pageSize() - 8));
            assertEquals(-1L, machine.ram().get(ValueLayout.JAVA_LONG, lastPage));
            assertEquals(0L, machine.ram().get(ValueLayout.JAVA_LONG, 0L));
        }
    }

    @Test
    void allocateIsZeroedPageAlignedAndAccounted() {
        try (Machine machine = Machine.create(1 << 24)) {
            final MemorySegment a = machine.allocate(Region.ALLOCATOR, 100);
            final MemorySegment b = machine.allocate(Region.ALLOCATOR, 4097);
            final MemorySegment c = machine.allocate(Region.LOOKUP, 8192);
            assertEquals(0, a.address() % NativeMemory.HOST_PAGE, "atomic access needs aligned memory");
            assertEquals(4096 + 8192, machine.footprint().bytes(Region.ALLOCATOR), "rounded to host pages");
            assertEquals(8192, machine.footprint().bytes(Region.LOOKUP));
            assertEquals(4096 + 8192 + 8192, machine.footprint().metadataBytes(), "metadata excludes RAM");
            for (long off = 0; off < b.byteSize(); off += 8) {
                assertEquals(0L, b.get(ValueLayout.JAVA_LONG, off));
            }
            c.set(ValueLayout.JAVA_LONG, 8184, 42L);
            assertEquals(42L, c.get(ValueLayout.JAVA_LONG, 8184));
        }
    }

    @Test
    void pagesAndPageShift() {
        try (Machine machine = Machine.create(3L << 21, 21)) {
            assertEquals(3, machine.pages());
            assertEquals(1L << 21, machine.pageSize());
            assertEquals(3L << 21, machine.ramBytes());
        }
        try (Machine machine = Machine.create(4096 * 1000)) {
            assertEquals(1000, machine.pages());
            assertEquals(Machine.DEFAULT_PAGE_SHIFT, machine.pageShift());
        }
    }

    @Test
    void memoryIsGoneAfterClose() {
        final Machine machine = Machine.create(1 << 20);
        final MemorySegment ram = machine.ram();
        machine.close();
        assertThrows(IllegalStateException.class, () -> ram.get(ValueLayout.JAVA_LONG, 0L));
    }

    @Test
    void badSizesAreRejectedNamingTheInput() {
        assertMessage(() -> Machine.create(0), "0");
        assertMessage(() -> Machine.create(-4096), "-4096");
        assertMessage(() -> Machine.create(4095), "4095");
        assertMessage(() -> Machine.create(4096 + 100), "4196");
        assertMessage(() -> Machine.create(1 << 20, 8), "8");
        assertMessage(() -> Machine.create(1 << 30, 22), "22");
    }

    @Test
    void hugeMappingFailureIsAClearError() {
        // 2^62 bytes is beyond any x86-64 address space: mmap must fail with ENOMEM, reported as such.
        final OutOfMemoryError e = assertThrows(OutOfMemoryError.class,
                () -> NativeMemory.map(1L << 62, java.lang.foreign.Arena.global()));
        assertTrue(e.getMessage().contains("mmap") && e.getMessage().contains(Long.toString(1L << 62)), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> NativeMemory.map(0, java.lang.foreign.Arena.global()));
    }

    private static void assertMessage(final org.junit.jupiter.api.function.Executable call, final String input) {
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(input), "message '" + e.getMessage() + "' must name the input " + input);
    }
}
