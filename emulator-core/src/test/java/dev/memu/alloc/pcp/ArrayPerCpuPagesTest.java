package dev.memu.alloc.pcp;

import dev.memu.access.PlainAccess;
import dev.memu.machine.Machine;
import org.junit.jupiter.api.Test;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The hot line and rings behave as one deque per list: LIFO at the top, coldest at the bottom. */
class ArrayPerCpuPagesTest {

    @Test
    void orderZeroListIsADequeAcrossHotLineAndRing() {
        try (Machine machine = Machine.create(1 << 20)) {
            final ArrayPerCpuPages lists = new ArrayPerCpuPages(machine, PlainAccess.INSTANCE, 2, new int[] {64, 8, 8, 8, 0});
            final long base = lists.base(1);
            final Deque<Long> model = new ArrayDeque<>();          // first = coldest, last = hottest
            final Random random = new Random(5);
            for (int op = 0; op < 20_000; op++) {
                final int r = random.nextInt(10);
                if (r < 5) {
                    final long pfn = random.nextInt(1 << 30) * 2L + 0x8000_0000L;   // above 2^31: u32 storage
                    final boolean pushed = lists.push(base, 0, pfn);
                    assertTrue(pushed || model.size() >= 64 + ArrayPerCpuPages.HOT_HALF,
                            "push refused with only " + model.size() + " blocks");
                    if (pushed) {
                        model.addLast(pfn);
                    }
                } else if (r < 8) {
                    assertEquals(model.isEmpty() ? PerCpuPages.EMPTY : model.removeLast(), lists.pop(base, 0));
                } else {
                    assertEquals(model.isEmpty() ? PerCpuPages.EMPTY : model.removeFirst(), lists.takeColdest(base, 0));
                }
                assertEquals(model.size(), lists.blocks(base, 0));
                assertEquals(model.isEmpty(), lists.isEmpty(base, 0));
            }
            int i = 0;
            for (final long pfn : model) {
                assertEquals(pfn, lists.blockAt(base, 0, i++), "blockAt lists coldest first");
            }
            assertEquals(0, lists.blocks(lists.base(0), 0), "vcpu 0's area is apart");
        }
    }

    @Test
    void fullRingRefusesAndChangesNothing() {
        try (Machine machine = Machine.create(1 << 20)) {
            final ArrayPerCpuPages lists = new ArrayPerCpuPages(machine, PlainAccess.INSTANCE, 1, new int[] {16, 4, 4, 4, 4});
            final long base = lists.base(0);
            for (int i = 0; i < 4; i++) {
                assertTrue(lists.push(base, 2, 100 + 4 * i));
            }
            assertFalse(lists.push(base, 2, 200));
            assertEquals(4, lists.blocks(base, 2));
            assertEquals(112, lists.pop(base, 2));
            assertEquals(100, lists.takeColdest(base, 2));
            int pushed = 0;
            while (lists.push(base, 0, pushed)) {
                pushed++;
            }
            assertTrue(pushed >= 16 + ArrayPerCpuPages.HOT_HALF && pushed <= lists.maxBlocks(0),
                    "order 0 holds the ring and at least half the hot slots: " + pushed);
            assertEquals(pushed, lists.blocks(base, 0));
            for (int i = pushed - 1; i >= 0; i--) {
                assertEquals(i, lists.pop(base, 0));
            }
            assertEquals(PerCpuPages.EMPTY, lists.pop(base, 0));
        }
    }
}
