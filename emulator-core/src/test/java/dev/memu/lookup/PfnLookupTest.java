package dev.memu.lookup;

import dev.memu.access.PlainAccess;
import dev.memu.access.Region;
import dev.memu.machine.Machine;
import dev.memu.memdesc.MemdescHeap;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Both lookups against a plain array model, through random stores and erases of aligned ranges. */
class PfnLookupTest {

    private static PfnLookup create(final String kind, final Machine machine) {
        if (kind.equals("radix")) {
            return new RadixLookup(machine, PlainAccess.INSTANCE, new MemdescHeap(machine, PlainAccess.INSTANCE,
                    Region.LOOKUP, 4L << 20, new int[] {RadixLookup.LEAF_BYTES}));
        }
        return new BTreeLookup(PlainAccess.INSTANCE, new MemdescHeap(machine, PlainAccess.INSTANCE,
                Region.LOOKUP, 16L << 20, new int[] {BTreeLookup.NODE_BYTES}));
    }

    @ParameterizedTest
    @ValueSource(strings = {"radix", "btree"})
    void matchesModel(final String kind) {
        try (Machine machine = Machine.create(32L << 20)) {
            final int pages = (int) machine.pages();
            final PfnLookup lookup = create(kind, machine);
            final long[] model = new long[pages];
            final List<long[]> ranges = new ArrayList<>();
            final SplittableRandom rnd = new SplittableRandom(7);
            long nextValue = 16;
            for (int op = 0; op < 30_000; op++) {
                if (ranges.isEmpty() || rnd.nextInt(100) < 60) {
                    final int order = rnd.nextInt(100) < 90 ? rnd.nextInt(4) : rnd.nextInt(11);
                    final long pfn = (rnd.nextLong(pages) >>> order) << order;
                    boolean empty = true;
                    for (long p = pfn; p < pfn + (1L << order) && empty; p++) {
                        empty = model[(int) p] == 0;
                    }
                    if (!empty) {
                        continue;
                    }
                    final long value = nextValue;
                    nextValue += 16;
                    lookup.store(pfn, order, value);
                    for (long p = pfn; p < pfn + (1L << order); p++) {
                        model[(int) p] = value;
                    }
                    ranges.add(new long[] {pfn, order});
                } else {
                    final long[] r = ranges.remove(rnd.nextInt(ranges.size()));
                    lookup.erase(r[0], (int) r[1]);
                    for (long p = r[0]; p < r[0] + (1L << r[1]); p++) {
                        model[(int) p] = 0;
                    }
                }
                if (op % 3000 == 0) {
                    for (int p = 0; p < pages; p++) {
                        assertEquals(model[p], lookup.load(p), "pfn " + p + " after op " + op);
                    }
                }
            }
            for (final long[] r : ranges) {
                lookup.erase(r[0], (int) r[1]);
            }
            for (int p = 0; p < pages; p += 7) {
                assertEquals(0, lookup.load(p));
            }
            if (kind.equals("radix")) {
                assertEquals((pages >> 9) * 8L, lookup.bytes(), "every leaf freed once empty");
            } else {
                assertEquals(BTreeLookup.NODE_BYTES, lookup.bytes(), "only the empty root remains");
            }
        }
    }
}
