package dev.memu.layout;

import dev.memu.access.ExplainingAccess;
import dev.memu.access.Region;
import dev.memu.machine.Machine;
import dev.memu.memdesc.Allocatee;
import dev.memu.memdesc.MemdescType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.foreign.ValueLayout;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One source of truth per layout: the field table ({@link Layout#fields()}, {@link
 * Layout#pageDataFields()}) that {@code memu layouts} prints and {@code memu explain} labels with
 * is also what the code touches. Every operation a layout has is run through the explaining
 * access layer on a small machine: every memmap access must land on bytes the memmap's own
 * labeler names a field for, and every bit an operation changes in an entry (or in a free page's
 * link area) must lie inside a declared field. Bit fields count by bits: a field of bits 4..63
 * does not cover bits 0..3 of its word, and unused bits of a flags word must stay untouched. A
 * table that left a field out, or code that strays past the table, fails here.
 */
class LayoutFieldCoverageTest {

    private static final long RAM = 1L << 22; // 1024 pages: room for an order-9 block

    static Stream<Layout> perPageLayouts() {
        return Layouts.all().stream().filter(l -> l.bytesPerPage() > 0);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("perPageLayouts")
    void everyMemmapAccessFallsOnADeclaredField(final Layout layout) {
        final Set<String> strays = new LinkedHashSet<>();
        final Map<String, Integer> checked = new LinkedHashMap<>();
        runEveryOperation(layout, layout.fields(), layout.pageDataFields(), strays, checked);
        assertEquals(Set.of(), strays, layout.name() + ": accesses on bits no field declares");
        // not vacuous: every operation that marks or forgets a block went through the memmap
        for (final Map.Entry<String, Integer> e : checked.entrySet()) {
            if (e.getKey().matches("(set|clear)(Free|Allocated)\\(.*")) {
                assertTrue(e.getValue() > 0, layout.name() + " " + e.getKey() + ": no memmap access seen");
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("perPageLayouts")
    void theTableIsInOffsetOrderInsideTheEntry(final Layout layout) {
        // Fields may overlap where the table gives the alternatives of a union (memdesc8's
        // free.order inside memdesc); they may not go backwards, leave their word or the entry.
        final BitSet seen = new BitSet();
        int start = 0;
        for (final LayoutField f : layout.fields()) {
            final int first = f.byteOffset() * 8 + f.bitOffset();
            assertTrue(first >= start, layout.name() + ": " + f.name() + " precedes the field before it");
            assertTrue(f.bitOffset() + f.bitWidth() <= 64, layout.name() + ": " + f.name() + " spills out of its word");
            seen.set(first, first + f.bitWidth());
            start = first;
        }
        assertTrue(seen.length() <= layout.bytesPerPage() * 8, layout.name() + ": a field beyond the entry");
    }

    /** The check is not vacuous: drop a field from the table and the accesses to it are reported. */
    @Test
    void aFieldMissingFromTheTableIsCaught() {
        final Layout layout = new Memdesc16Layout();
        final List<LayoutField> withoutOrder = layout.fields().stream()
                .filter(f -> !f.name().endsWith(".order")).toList();
        final Set<String> strays = new LinkedHashSet<>();
        runEveryOperation(layout, withoutOrder, layout.pageDataFields(), strays, new LinkedHashMap<>());
        assertFalse(strays.isEmpty());
        assertTrue(strays.stream().anyMatch(s -> s.contains("setFree(0, 9): entry bit 64 changed")), strays.toString()); // word 1, bits 0..3
    }

    /** One memmap operation, named for the report. */
    private record Op(String name, Runnable body) {
    }

    /**
     * Runs each memmap operation as one explained operation and adds to {@code strays}: every
     * MEMMAP access whose bytes the memmap's own labeler names no field for, and every bit an
     * operation changed in an entry (or in a free page's link area) that none of {@code fields}
     * (or {@code pageDataFields}) declares. Reads are checked by bytes (a read takes the whole
     * word; which bits the code then uses is not visible), writes by the bits they changed.
     */
    private static void runEveryOperation(final Layout layout, final List<LayoutField> fields,
                                          final List<LayoutField> pageDataFields, final Set<String> strays,
                                          final Map<String, Integer> checked) {
        final BitSet entryBits = bits(fields);
        final BitSet pageBits = bits(pageDataFields);
        try (Machine machine = Machine.create(RAM)) {
            final ExplainingAccess access = new ExplainingAccess();
            final PerPageMemmap memmap = (PerPageMemmap) layout.bind(machine, access);
            access.setLabelers(List.of(memmap));
            final long anon = Allocatee.of(MemdescType.ANON_FOLIO, 0x1230);
            final long slab = Allocatee.of(MemdescType.SLAB, Allocatee.POINTER_MASK);
            final int top = Math.min(9, layout.maxFreeOrder());
            final long a = 1L << top;
            final long b = a + 1;
            final List<Op> ops = List.of(
                    // free blocks: marks, orders, links (a top-order block at 0, two order-0 blocks linked)
                    new Op("setFree(0, " + top + ")", () -> memmap.setFree(0, top)),
                    new Op("setFree(a, 0)", () -> memmap.setFree(a, 0)),
                    new Op("setFree(b, 0)", () -> memmap.setFree(b, 0)),
                    new Op("setNextFree(a, b)", () -> memmap.setNextFree(a, b)),
                    new Op("setPrevFree(b, a)", () -> memmap.setPrevFree(b, a)),
                    new Op("nextFree(a)", () -> memmap.nextFree(a)),
                    new Op("prevFree(b)", () -> memmap.prevFree(b)),
                    new Op("setNextFree(b, NIL)", () -> memmap.setNextFree(b, Memmap.NIL)),
                    new Op("freeOrder(head)", () -> memmap.freeOrder(0)),
                    new Op("freeOrder(inside a free block)", () -> memmap.freeOrder(3)),
                    new Op("clearFree(0)", () -> memmap.clearFree(0)),
                    new Op("clearFree(a)", () -> memmap.clearFree(a)),
                    new Op("clearFree(b)", () -> memmap.clearFree(b)),
                    // allocations: head and tails, then forgotten
                    new Op("setAllocated(0, " + top + ")", () -> memmap.setAllocated(0, top, anon)),
                    new Op("setAllocated(a, 0)", () -> memmap.setAllocated(a, 0, slab)),
                    new Op("allocatedOrder(head)", () -> memmap.allocatedOrder(0)),
                    new Op("allocatedOrder(tail)", () -> memmap.allocatedOrder(5)),
                    new Op("allocatee(head)", () -> memmap.allocatee(0)),
                    new Op("allocatee(last tail)", () -> memmap.allocatee(a - 1)),
                    new Op("allocatee(a)", () -> memmap.allocatee(a)),
                    new Op("clearAllocated(0, " + top + ")", () -> memmap.clearAllocated(0, top)),
                    new Op("clearAllocated(a, 0)", () -> memmap.clearAllocated(a, 0)),
                    // a freed allocation becomes a free block again
                    new Op("setFree(0, " + top + ") again", () -> memmap.setFree(0, top)),
                    new Op("freeOrder(head) again", () -> memmap.freeOrder(0)));
            for (final Op op : ops) {
                final byte[] entriesBefore = memmap.memmap.toArray(ValueLayout.JAVA_BYTE);
                final byte[] ramBefore = machine.ram().toArray(ValueLayout.JAVA_BYTE);
                access.beginOp();
                op.body().run();
                access.endOp();
                final String where = layout.name() + " " + op.name() + ": ";
                checked.put(op.name(), 0);
                for (final ExplainingAccess.Line line : access.lastOpLines()) {
                    if (line.region() != Region.MEMMAP) {
                        continue;
                    }
                    for (final ExplainingAccess.Touch t : line.touches()) {
                        checked.merge(op.name(), 1, Integer::sum);
                        if (t.fields().isEmpty()) {
                            strays.add(where + t.access() + " of " + t.bytes() + " B at entry offset "
                                    + t.offset() % layout.bytesPerPage() + " names no field");
                        }
                    }
                }
                changedBits(where + "entry", entriesBefore, memmap.memmap.toArray(ValueLayout.JAVA_BYTE),
                        layout.bytesPerPage(), entryBits, strays);
                if (!pageDataFields.isEmpty()) {
                    changedBits(where + "page data", ramBefore, machine.ram().toArray(ValueLayout.JAVA_BYTE),
                            machine.pageSize(), pageBits, strays);
                }
            }
        }
    }

    /** Adds a stray for each changed bit outside {@code declared} (bit i of an entry: bit i % 8 of byte i / 8). */
    private static void changedBits(final String where, final byte[] before, final byte[] after, final long entryBytes,
                                    final BitSet declared, final Set<String> strays) {
        for (int i = 0; i < before.length; i++) {
            final int diff = (before[i] ^ after[i]) & 0xff;
            for (int bit = 0; bit < 8 && diff != 0; bit++) {
                final int at = (int) ((i % entryBytes) * 8 + bit);
                if ((diff & (1 << bit)) != 0 && !declared.get(at)) {
                    strays.add(where + " bit " + at + " changed but is in no field");
                }
            }
        }
    }

    /** The bits of an entry (little-endian words: bit i of the word at byte offset o is entry bit 8o + i). */
    private static BitSet bits(final List<LayoutField> fields) {
        final BitSet bits = new BitSet();
        for (final LayoutField f : fields) {
            final int first = f.byteOffset() * 8 + f.bitOffset();
            bits.set(first, first + f.bitWidth());
        }
        return bits;
    }
}
