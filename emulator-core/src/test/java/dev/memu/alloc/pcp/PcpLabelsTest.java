package dev.memu.alloc.pcp;

import dev.memu.access.ExplainingAccess;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** The PCP names the words its lists really write, in both storage schemes and for every vcpu. */
class PcpLabelsTest {

    private static List<String> fieldsOfPush(final PcpAllocator.Lists scheme, final int vcpu, final int list,
                                             final int pushes) {
        final ExplainingAccess access = new ExplainingAccess();
        try (PcpFixture f = new PcpFixture("memdesc8", 16L << 20, PcpFixture.options(2, 0, 0), access, scheme)) {
            access.setLabelers(List.of(f.pcp, f.memmap));
            final PerCpuPages lists = f.pcp.lists();
            final long base = lists.base(vcpu);
            for (int i = 0; i < pushes - 1; i++) {
                lists.push(base, list, 16L * i);
            }
            access.beginOp();
            lists.push(base, list, 16L * pushes);
            access.endOp();
            return access.lastOpLines().stream().flatMap(l -> l.fields().stream()).toList();
        }
    }

    @Test
    void arrayListsNameHotSlotsRingIndicesAndRingSlots() {
        final List<String> hot = fieldsOfPush(PcpAllocator.Lists.ARRAY, 1, 0, 3);
        assertTrue(hot.containsAll(List.of("pcp[vcpu 1].hot", "pcp[vcpu 1].hot[2]")), hot.toString());
        // The 11th order-0 push spills 5 hot pfns to the ring: its first slots and its tail.
        final List<String> spill = fieldsOfPush(PcpAllocator.Lists.ARRAY, 0, 0, 11);
        assertTrue(spill.containsAll(List.of("pcp[vcpu 0].ring[order 0][0]", "pcp[vcpu 0].ring[order 0][4]",
                "pcp[vcpu 0].ring[order 0].tail")), spill.toString());
        final List<String> thirdOrderOne = fieldsOfPush(PcpAllocator.Lists.ARRAY, 0, 1, 3);
        assertTrue(thirdOrderOne.containsAll(List.of("pcp[vcpu 0].ring[order 1][2]", "pcp[vcpu 0].ring[order 1].tail")),
                thirdOrderOne.toString());
    }

    @Test
    void linkedListsNameTheirHeadsAndTheLinksInTheFreePages() {
        final List<String> first = fieldsOfPush(PcpAllocator.Lists.LINKED, 1, 2, 1);
        assertTrue(first.containsAll(List.of("pcp[vcpu 1].lists[order 2].head", "pcp[vcpu 1].lists[order 2].tail",
                "page[pfn 0x10].data.next")), first.toString());
    }
}
