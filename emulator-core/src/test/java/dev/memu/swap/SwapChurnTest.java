package dev.memu.swap;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SwapChurnTest {

    @Test
    void churnsSlotsOfADeviceWithNoBackingMemoryAndLeavesItSound() {
        final SwapChurn.Result r = SwapChurn.run(256L << 20, 50_000, 7);
        assertEquals(65_536, r.slots());
        assertTrue(r.verify().ok(), r.verify().toString());
        assertEquals(r.slots(), r.verify().freePages() + r.verify().allocatedPages());
        // Half full, held there: every op found room, and ops were both allocs and frees.
        assertEquals(0, r.failedAllocs());
        assertEquals(r.ops(), r.alloc().getTotalCount() + r.free().getTotalCount());
        assertTrue(r.alloc().getTotalCount() > r.ops() / 4 && r.free().getTotalCount() > r.ops() / 4);
        // The device's state is bits plus per-region entries: about one bit per slot, not a struct page.
        assertTrue(r.metadataBytes() > 0 && r.bytesPerSlot() < 1.0, "bytes per slot " + r.bytesPerSlot());
        assertTrue(r.linesPerAlloc() >= 1 && r.linesPerFree() >= 1);
    }

    @Test
    void sameSeedSameSequence() {
        final SwapChurn.Result a = SwapChurn.run(64L << 20, 20_000, 3);
        final SwapChurn.Result b = SwapChurn.run(64L << 20, 20_000, 3);
        assertEquals(a.alloc().getTotalCount(), b.alloc().getTotalCount());
        assertEquals(a.linesPerAlloc(), b.linesPerAlloc(), 0.0);
        assertEquals(a.verify().allocatedPages(), b.verify().allocatedPages());
    }

    @Test
    void rejectsABadDeviceSizeAndOpCount() {
        assertThrows(IllegalArgumentException.class, () -> SwapChurn.run(1000, 10, 1));
        assertThrows(IllegalArgumentException.class, () -> SwapChurn.run(64L << 20, 0, 1));
    }
}
