package dev.memu.bench;

import dev.memu.layout.Layouts;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The measuring main's cacheline and bytes-per-page columns mean what they say (no timing asserted). */
class LookupCostTest {

    @Test
    void directLayoutsCostOneLineAndTheirEntrySize() {
        final LookupCost.Row m8 = LookupCost.measure(Layouts.byName("memdesc8"), 16L << 20, 4_000, 20_000, 1);
        assertEquals(1.0, m8.linesAllocatee(), 1e-9, "one word per page: one line per lookup");
        assertEquals(8.0, m8.memmapBytesPerPage(), 1e-9);
        assertEquals(0.0, m8.lookupBytesPerPage(), 1e-9);
        assertTrue(m8.linesOwner() > m8.linesAllocatee(), "the owner lookup also reads the descriptor");
        assertTrue(m8.memdescBytesPerPage() >= m8.memdescLiveBytesPerPage());
    }

    @Test
    void radixIsAtMostDirectoryLeafAndRecord() {
        final LookupCost.Row radix = LookupCost.measure(Layouts.byName("peralloc16-radix"), 16L << 20, 4_000, 20_000, 1);
        assertEquals(0.0, radix.memmapBytesPerPage(), 1e-9, "no per-page array");
        assertTrue(radix.linesAllocatee() > 1.0 && radix.linesAllocatee() <= 3.0, () -> "lines " + radix.linesAllocatee());
        assertTrue(radix.lookupBytesPerPage() > 0);
    }
}
