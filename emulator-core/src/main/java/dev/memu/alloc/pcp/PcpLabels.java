package dev.memu.alloc.pcp;

import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * Names the words of the per-vcpu areas ({@link PerCpuPages} and its two storage schemes) for
 * {@code memu explain}, from the offset tables in those classes' comments: {@code
 * pcp[vcpu 0].count}, {@code pcp[vcpu 0].hot[3]}, {@code pcp[vcpu 0].ring[order 1].tail}, {@code
 * pcp[vcpu 0].ring[order 0][17]}, {@code pcp[vcpu 0].lists[order 0].head} (Linux {@code
 * pcp->lists[]}). Kept apart from the lists so that the hot code carries none of it.
 */
final class PcpLabels {

    private PcpLabels() {
    }

    static void label(final PerCpuPages lists, final MemorySegment segment, final long offset, final long bytes,
                      final List<String> out) {
        final MemorySegment area = lists.area();
        if (segment.address() != area.address()) {
            return;
        }
        final long stride = lists.base(1);
        final long end = offset + Math.max(bytes, 1);
        // Words of 4 bytes at most are named; 8-byte words are named once, at their first byte.
        for (long at = offset & -4L; at < end; at += 4) {
            final long vcpu = at / stride;
            final long in = at - vcpu * stride;
            final String name = name(lists, in);
            if (name != null) {
                out.add("pcp[vcpu " + vcpu + "]." + name);
            }
        }
    }

    /** The field starting at (or, for 8-byte words, containing) byte {@code in} of a vcpu's area. */
    private static String name(final PerCpuPages lists, final long in) {
        if (in == PerCpuPages.ACTIVE || in == PerCpuPages.ACTIVE + 4) {
            return "active";
        }
        if (in == PerCpuPages.CLAIM || in == PerCpuPages.CLAIM + 4) {
            return "claim";
        }
        if (in == PerCpuPages.COUNT) {
            return "count";
        }
        if (in >= PerCpuPages.REFILLS && in < PerCpuPages.HEADER_BYTES) {
            return in < PerCpuPages.BULK_FREES ? "stat.refills" : in < PerCpuPages.DRAINS ? "stat.bulkFrees"
                    : in < PerCpuPages.DRAINS + 8 ? "stat.drains" : null;
        }
        if (lists instanceof ArrayPerCpuPages array) {
            return arrayName(array, in);
        }
        if (in >= LinkedPerCpuPages.HEAD && in < LinkedPerCpuPages.HEAD + 8L * PerCpuPages.NR_LISTS && in % 8 == 0) {
            return "lists[" + listName((int) ((in - LinkedPerCpuPages.HEAD) / 8)) + "].head";
        }
        if (in >= LinkedPerCpuPages.TAIL && in < LinkedPerCpuPages.TAIL + 8L * PerCpuPages.NR_LISTS && in % 8 == 0) {
            return "lists[" + listName((int) ((in - LinkedPerCpuPages.TAIL) / 8)) + "].tail";
        }
        return null;
    }

    private static String arrayName(final ArrayPerCpuPages lists, final long in) {
        if (in == ArrayPerCpuPages.HOT) {
            return "hot";
        }
        if (in >= ArrayPerCpuPages.HOT_SLOT && in < ArrayPerCpuPages.HOT_SLOT
                + ArrayPerCpuPages.SLOT_BYTES * ArrayPerCpuPages.HOT_SLOTS) {
            return "hot[" + (in - ArrayPerCpuPages.HOT_SLOT) / ArrayPerCpuPages.SLOT_BYTES + "]";
        }
        if (in >= ArrayPerCpuPages.RING_INDEX && in < ArrayPerCpuPages.RING_INDEX + 8L * PerCpuPages.NR_LISTS) {
            final long rel = in - ArrayPerCpuPages.RING_INDEX;
            return "ring[" + listName((int) (rel / 8)) + "]." + (rel % 8 == 0 ? "head" : "tail");
        }
        // Rings follow the header back to back, each 64-byte aligned (ArrayPerCpuPages.ringOffsets);
        // a ring's capacity is what maxBlocks says beyond the hot slots.
        long ring = PerCpuPages.HEADER_BYTES;
        for (int list = 0; list < PerCpuPages.NR_LISTS; list++) {
            final long capacity = lists.maxBlocks(list) - (list == 0 ? ArrayPerCpuPages.HOT_SLOTS : 0);
            final long next = PerCpuPages.align(ring + capacity * ArrayPerCpuPages.SLOT_BYTES, 64);
            if (in >= ring && in < next) {
                final long slot = (in - ring) / ArrayPerCpuPages.SLOT_BYTES;
                return slot < capacity ? "ring[" + listName(list) + "][" + slot + "]" : null;
            }
            ring = next;
        }
        return null;
    }

    private static String listName(final int list) {
        return "order " + (list == PerCpuPages.THP_LIST ? PcpAllocator.THP_ORDER : list);
    }
}
