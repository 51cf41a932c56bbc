package dev.memu.explain;

import dev.memu.access.ExplainingAccess.Line;
import dev.memu.access.Region;
import dev.memu.alloc.Allocators;
import dev.memu.layout.Layout;
import dev.memu.layout.Layouts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ExplainerTest {

    /** Small and quick: 2048 pages, a short warm-up; the states' logic does not depend on size. */
    private static final long RAM = 8L << 20;
    private static final long WARMUP = 256;

    private static ExplainSpec spec(final String layout, final String allocator, final ExplainOp op, final int order,
                                    final ExplainState state) {
        return ExplainSpec.of(RAM, layout, allocator, op, order, state).withWarmupOps(WARMUP);
    }

    private static String hex(final long v) {
        return "0x" + Long.toHexString(v);
    }

    /**
     * PotadCore.allocSmall on a reservation with tokens reads and writes the vcpu slot (region,
     * local), claimPass CASes one word of the region's bitfield line, and PotadAllocator.alloc
     * writes the page's memdesc8 word: three lines, as the PotadAllocator javadoc promises.
     */
    @Test
    void potadMemdesc8OrderZeroAllocIsSlotBitfieldAndMemmapEntry() {
        final Explanation e = Explainer.explain(spec("memdesc8", "potad", ExplainOp.ALLOC, 0, ExplainState.STEADY));
        final long pfn = e.pfn();
        assertTrue(pfn >= 0, "alloc failed");
        assertEquals(3, e.distinctLines(), e.lines().toString());
        assertEquals(0, e.unlabeledLines());

        final Line slot = e.lines().get(0);
        assertEquals(Region.ALLOCATOR, slot.region());
        assertEquals(0, slot.offset());
        assertTrue(slot.fields().containsAll(List.of("potad.slot[vcpu 0].reservation")),
                slot.fields().toString());
        assertEquals(List.of("PotadCore.takeReserved"), slot.where());

        final Line bits = e.lines().get(1);
        assertEquals(Region.ALLOCATOR, bits.region());
        assertEquals((pfn >>> 9) * 64, bits.offset());
        assertEquals(List.of("potad.bits[region " + hex(pfn >>> 9) + "].word[" + ((pfn & 511) >>> 6) + "]"), bits.fields());
        assertTrue(bits.accesses().contains("CAS (volatile)"), bits.accesses().toString());
        assertEquals(List.of("PotadCore.claimPass"), bits.where());

        final Line entry = e.lines().get(2);
        assertEquals(Region.MEMMAP, entry.region());
        assertEquals((pfn * 8) & -64L, entry.offset());
        assertTrue(entry.fields().contains("memmap[pfn " + hex(pfn) + "].memdesc"), entry.fields().toString());
        assertEquals(List.of("write"), entry.accesses());
        assertEquals(List.of("PotadAllocator.alloc"), entry.where());
    }

    static Stream<Arguments> everyLayoutAndAllocator() {
        final List<Arguments> out = new ArrayList<>();
        for (final Layout layout : Layouts.all()) {
            for (final String allocator : Allocators.names()) {
                for (final ExplainOp op : ExplainOp.values()) {
                    out.add(Arguments.of(layout.name(), allocator, op));
                }
            }
        }
        return out.stream();
    }

    /** The lines explain lists per region are the lines the counting pass counts for the same op. */
    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("everyLayoutAndAllocator")
    void explainAgreesWithCountingAccess(final String layout, final String allocator, final ExplainOp op) {
        final ExplainSpec spec = spec(layout, allocator, op, 0, ExplainState.STEADY);
        final Map<Region, Integer> counted = Explainer.countLines(spec);
        final Explanation e = Explainer.explain(spec);
        assertEquals(counted, e.linesByRegion());
        assertTrue(e.distinctLines() > 0);
    }

    static Stream<Arguments> specialStates() {
        return Stream.of(
                Arguments.of("memdesc8", "buddy+pcp", ExplainOp.ALLOC, 0, ExplainState.PCP_HIT),
                Arguments.of("linux64", "potad+pcp", ExplainOp.ALLOC, 1, ExplainState.PCP_MISS),
                Arguments.of("memdesc16", "buddy+pcp", ExplainOp.FREE, 0, ExplainState.BULK_FREE),
                Arguments.of("linux64", "buddy", ExplainOp.ALLOC, 2, ExplainState.SPLIT),
                Arguments.of("memdesc8", "buddy", ExplainOp.FREE, 0, ExplainState.MERGE));
    }

    @ParameterizedTest(name = "{4} {0} {1} {2} order {3}")
    @MethodSource("specialStates")
    void specialStatesAgreeWithCountingAccessToo(final String layout, final String allocator, final ExplainOp op,
                                                  final int order, final ExplainState state) {
        final ExplainSpec spec = spec(layout, allocator, op, order, state);
        assertEquals(Explainer.countLines(spec), Explainer.explain(spec).linesByRegion());
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> pcp(final Explanation e) {
        return (Map<String, Object>) e.notes().get("pcp");
    }

    @Test
    void pcpHitPopsWithoutRefillAndPcpMissRefills() {
        final Explanation hit = Explainer.explain(spec("memdesc8", "buddy+pcp", ExplainOp.ALLOC, 0, ExplainState.PCP_HIT));
        assertEquals(false, pcp(hit).get("refilled"));
        // A hit touches the vcpu's first line and the page's memmap entry, nothing of the buddy.
        assertEquals(2, hit.distinctLines(), hit.lines().toString());
        assertTrue(hit.lines().get(0).fields().contains("pcp[vcpu 0].count"), hit.lines().get(0).fields().toString());

        final Explanation miss = Explainer.explain(spec("memdesc8", "buddy+pcp", ExplainOp.ALLOC, 0, ExplainState.PCP_MISS));
        assertEquals(true, pcp(miss).get("refilled"));
        assertEquals(0, pcp(miss).get("countBefore"));
        assertTrue(miss.lines().stream().anyMatch(l -> l.where().contains("BuddyAllocator.rmqueueSmallest")),
                "a refill takes blocks from the buddy");
        assertTrue(miss.distinctLines() > hit.distinctLines());
    }

    @Test
    void bulkFreeReturnsABatchToTheBackend() {
        final Explanation e = Explainer.explain(spec("memdesc8", "potad+pcp", ExplainOp.FREE, 0, ExplainState.BULK_FREE));
        assertEquals(true, pcp(e).get("bulkFreed"));
        assertTrue(e.lines().stream().anyMatch(l -> l.where().contains("PotadCore.free")),
                "the bulk free hands blocks to POTAD");
    }

    @SuppressWarnings("unchecked")
    private static List<Long> free(final Explanation e, final String key) {
        return (List<Long>) (List<?>) e.notes().get(key);
    }

    @Test
    void splitTakesALargerBlockAndPutsTheUpperHalfOnTheFreeList() {
        final Explanation e = Explainer.explain(spec("memdesc8", "buddy", ExplainOp.ALLOC, 1, ExplainState.SPLIT));
        assertEquals(0L, free(e, "freeBlocksByOrderBefore").get(1));
        assertEquals(1L, free(e, "freeBlocksByOrderAfter").get(1));
        // expand(): the upper half at pfn + 2 becomes a free block: its memmap word and its links.
        final String upper = hex(e.pfn() + 2);
        assertTrue(e.lines().stream().anyMatch(l -> l.fields().contains("memmap[pfn " + upper + "].free.order")));
        assertTrue(e.lines().stream().anyMatch(l -> l.fields().contains("page[pfn " + upper + "].data.next")));
    }

    @Test
    void mergeReadsTheBuddyAndTakesItOffItsList() {
        final Explanation e = Explainer.explain(spec("linux64", "buddy", ExplainOp.FREE, 0, ExplainState.MERGE));
        final String buddy = hex(e.pfn() ^ 1);
        assertTrue(e.lines().stream().anyMatch(l -> l.fields().contains("memmap[pfn " + buddy + "].page_type|_mapcount")
                && l.where().contains("BuddyAllocator.freeOnePage")), e.lines().toString());
        assertEquals(free(e, "freeBlocksByOrderBefore").get(0) - 1, free(e, "freeBlocksByOrderAfter").get(0));
    }

    @Test
    void unlabeledLinesAreListedAndCounted() {
        // The buddy's zone has no labeler here: its lines are listed with no fields, and counted.
        final Explanation e = Explainer.explain(spec("memdesc8", "buddy", ExplainOp.ALLOC, 0, ExplainState.STEADY));
        final long empty = e.lines().stream().filter(l -> l.fields().isEmpty()).count();
        assertTrue(empty > 0);
        assertEquals(empty, e.unlabeledLines());
        assertFalse(e.lines().stream().anyMatch(l -> l.where().isEmpty()));
    }

    @Test
    void badRequestsNameTheirInput() {
        assertEquals(ExplainConfigException.Input.ORDER, assertThrows(ExplainConfigException.class,
                () -> Explainer.explain(spec("memdesc8", "buddy", ExplainOp.ALLOC, 11, ExplainState.STEADY))).input());
        assertEquals(ExplainConfigException.Input.STATE, assertThrows(ExplainConfigException.class,
                () -> Explainer.explain(spec("memdesc8", "potad", ExplainOp.ALLOC, 0, ExplainState.PCP_HIT))).input());
        assertEquals(ExplainConfigException.Input.STATE, assertThrows(ExplainConfigException.class,
                () -> Explainer.explain(spec("memdesc8", "buddy", ExplainOp.ALLOC, 0, ExplainState.MERGE))).input());
        assertEquals(ExplainConfigException.Input.STATE, assertThrows(ExplainConfigException.class,
                () -> Explainer.explain(spec("memdesc8", "buddy+pcp", ExplainOp.ALLOC, 5, ExplainState.PCP_MISS))).input());
        assertEquals(ExplainConfigException.Input.LAYOUT, assertThrows(ExplainConfigException.class,
                () -> Explainer.explain(spec("memdesc4", "buddy", ExplainOp.ALLOC, 0, ExplainState.STEADY))).input());
        assertEquals(ExplainConfigException.Input.ALLOCATOR, assertThrows(ExplainConfigException.class,
                () -> Explainer.explain(spec("memdesc8", "slab", ExplainOp.ALLOC, 0, ExplainState.STEADY))).input());
        assertEquals(ExplainConfigException.Input.STATE, assertThrows(ExplainConfigException.class,
                () -> ExplainState.of("hot")).input());
    }
}
