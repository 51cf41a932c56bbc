package dev.memu.explain;

import dev.memu.access.AccessHelper;
import dev.memu.access.ExplainingAccess;
import dev.memu.access.ExplainingAccess.Line;
import dev.memu.access.Region;
import dev.memu.alloc.Allocators;
import dev.memu.alloc.BuddyAllocator;
import dev.memu.alloc.PageAllocator;
import dev.memu.alloc.linux.LinuxConfig;
import dev.memu.alloc.linux.PcpStruct;
import dev.memu.alloc.linux.StructFields;
import dev.memu.alloc.linux.VmEventStruct;
import dev.memu.alloc.linux.ZoneStruct;
import dev.memu.alloc.linux.ZonestatStruct;
import dev.memu.alloc.pcp.LinuxPcpAllocator;
import dev.memu.layout.Layout;
import dev.memu.layout.Layouts;
import dev.memu.machine.Machine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.foreign.MemorySegment;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
                Arguments.of("linux64", "buddy+pcp", ExplainOp.ALLOC, 0, ExplainState.PCP_HIT),
                Arguments.of("linux64", "buddy+pcp", ExplainOp.ALLOC, 0, ExplainState.PCP_MISS),
                Arguments.of("memdesc16", "buddy+pcp", ExplainOp.ALLOC, 1, ExplainState.PCP_MISS),
                Arguments.of("linux64", "buddy+pcp", ExplainOp.FREE, 0, ExplainState.BULK_FREE),
                Arguments.of("memdesc16", "buddy+pcp", ExplainOp.FREE, 0, ExplainState.BULK_FREE),
                Arguments.of("memdesc8", "buddy+apcp", ExplainOp.ALLOC, 0, ExplainState.PCP_HIT),
                Arguments.of("linux64", "potad+pcp", ExplainOp.ALLOC, 1, ExplainState.PCP_MISS),
                Arguments.of("memdesc16", "buddy+apcp", ExplainOp.FREE, 0, ExplainState.BULK_FREE),
                Arguments.of("linux64", "buddy", ExplainOp.ALLOC, 2, ExplainState.SPLIT),
                Arguments.of("memdesc8", "buddy", ExplainOp.FREE, 0, ExplainState.MERGE),
                Arguments.of("memdesc8", "potad", ExplainOp.FREE, 0, ExplainState.DRY_REGION),
                Arguments.of("linux64", "potad-nodesc", ExplainOp.FREE, 0, ExplainState.DRY_REGION));
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

    /** memu's array PCP: a hit is the vcpu's first line and the page's memmap entry, nothing of the buddy. */
    @Test
    void arrayPcpHitPopsWithoutRefillAndPcpMissRefills() {
        final Explanation hit = Explainer.explain(spec("memdesc8", "buddy+apcp", ExplainOp.ALLOC, 0, ExplainState.PCP_HIT));
        assertEquals(false, pcp(hit).get("refilled"));
        assertEquals(2, hit.distinctLines(), hit.lines().toString());
        assertTrue(hit.lines().get(0).fields().contains("pcp[vcpu 0].count"), hit.lines().get(0).fields().toString());

        final Explanation miss = Explainer.explain(spec("memdesc8", "buddy+apcp", ExplainOp.ALLOC, 0, ExplainState.PCP_MISS));
        assertEquals(true, pcp(miss).get("refilled"));
        assertEquals(0, pcp(miss).get("countBefore"));
        assertTrue(anyWhere(miss, "BuddyAllocator.rmqueueSmallest"), "a refill takes blocks from the buddy");
        assertTrue(miss.distinctLines() > hit.distinctLines());
    }

    private static boolean anyWhere(final Explanation e, final String function) {
        return e.lines().stream().anyMatch(l -> l.where().contains(function));
    }

    /** The line holding {@code field}, failing with every line when there is none. */
    private static Line lineWith(final Explanation e, final String field) {
        return e.lines().stream().filter(l -> l.fields().contains(field)).findFirst()
                .orElseThrow(() -> new AssertionError("no line holds " + field + ": " + e.lines()));
    }

    /** {@code prefix.field} for the fields of {@code struct} that overlap {@code bytes} bytes at {@code offset}. */
    private static List<String> label(final StructFields struct, final String prefix, final long offset, final long bytes) {
        final List<String> out = new ArrayList<>();
        struct.label(prefix, offset, bytes, out);
        assertFalse(out.isEmpty(), prefix + "+" + offset + " has no field");
        return out;
    }

    /** The linux64 memmap field that holds the entry's list link ({@code lru}, a union with {@code pcp_list}). */
    private static String linux64Field(final String startsWith) {
        return Layouts.byName("linux64").fields().stream().map(f -> f.name()).filter(n -> n.startsWith(startsWith))
                .findFirst().orElseThrow();
    }

    /**
     * The acceptance case: the Linux PCP's order-0 hit on linux64 reads the zone's watermark
     * inputs ({@code zone_watermark_fast}), takes {@code pcp->lock}, reads and writes {@code count}
     * and the MOVABLE order-0 list head, unlinks the page's {@code pcp_list} (the {@code lru} union
     * member in linux64) and its neighbour's back link ({@code list_del}), and counts PGALLOC and the
     * NUMA events: each line with the field names the labelers give those offsets, and nothing of
     * the buddy's free lists or lock.
     */
    @Test
    void linuxPcpHitOnLinux64ListsWatermarkStatsPcpAndPcpListLines() {
        final Explanation e = Explainer.explain(spec("linux64", "buddy+pcp", ExplainOp.ALLOC, 0, ExplainState.PCP_HIT));
        assertEquals(false, pcp(e).get("refilled"));
        assertEquals((Integer) pcp(e).get("countBefore") - 1, pcp(e).get("countAfter"));
        assertEquals(0, e.unlabeledLines(), e.lines().toString());

        final String watermark = label(ZoneStruct.FIELDS, "zone", ZoneStruct.WATERMARK + 8L * ZoneStruct.WMARK_HIGH, 8).getFirst();
        assertTrue(lineWith(e, watermark).fields().containsAll(label(ZoneStruct.FIELDS, "zone", ZoneStruct.WATERMARK_BOOST, 8)));
        lineWith(e, label(ZoneStruct.FIELDS, "zone", ZoneStruct.lowmemReserve(LinuxConfig.ZONE_MOVABLE), 8).getFirst());
        final Line vmStat = lineWith(e, label(ZoneStruct.FIELDS, "zone", ZoneStruct.vmStat(ZoneStruct.NR_FREE_PAGES), 8).getFirst());
        assertTrue(vmStat.where().contains("BuddyAllocator.zonePageState"), vmStat.where().toString());
        lineWith(e, label(ZoneStruct.FIELDS, "zone", ZoneStruct.PER_CPU_PAGESET, 8).getFirst());

        final int pindex = PcpStruct.orderToPindex(LinuxConfig.MIGRATE_MOVABLE, 0);
        final Line pcpLine = lineWith(e, label(PcpStruct.FIELDS, "pcp", PcpStruct.LOCK, 4).getFirst());
        assertTrue(pcpLine.fields().containsAll(List.of(label(PcpStruct.FIELDS, "pcp", PcpStruct.COUNT, 4).getFirst(),
                label(PcpStruct.FIELDS, "pcp", PcpStruct.listNext(pindex), 8).getFirst())), pcpLine.fields().toString());
        assertTrue(pcpLine.accesses().contains("CAS (volatile)"), "pcp_spin_trylock: " + pcpLine.accesses());
        assertTrue(pcpLine.where().containsAll(List.of("LinuxPcpAllocator.pcpSpinTrylock",
                "LinuxPcpAllocator.rmqueuePcplistLocked")), pcpLine.where().toString());

        final String link = linux64Field("lru.next");
        final Line page = lineWith(e, "memmap[pfn " + hex(e.pfn()) + "]." + link);
        assertTrue(page.where().contains("LinuxPcpAllocator.listDel"), page.where().toString());
        assertTrue(e.lines().stream().anyMatch(l -> l != page && l.where().contains("LinuxPcpAllocator.listDel")
                && l.fields().stream().anyMatch(f -> f.startsWith("memmap[pfn ") && f.endsWith("]." + linux64Field("lru.prev")))),
                "list_del writes the next entry's prev: " + e.lines());

        lineWith(e, label(VmEventStruct.FIELDS, "vm_event_states[cpu0]", VmEventStruct.event(VmEventStruct.PGALLOC_NORMAL), 8).getFirst());
        lineWith(e, label(ZonestatStruct.FIELDS, "per_cpu_zonestats[cpu0]", ZonestatStruct.numaEvent(ZonestatStruct.NUMA_HIT), 8).getFirst());

        final String lock = label(ZoneStruct.FIELDS, "zone", ZoneStruct.LOCK, 8).getFirst();
        assertFalse(e.lines().stream().anyMatch(l -> l.fields().contains(lock)
                || l.fields().stream().anyMatch(f -> f.startsWith("zone.free_area"))), "a hit takes nothing from the buddy");
    }

    @Test
    void linuxPcpMissRefillsUnderTheZoneLock() {
        // 64 MiB: batch 3 (8 MiB has batch 1, where a refill takes the one block it hands out).
        final Explanation e = Explainer.explain(ExplainSpec.of(64L << 20, "linux64", "buddy+pcp", ExplainOp.ALLOC, 0,
                ExplainState.PCP_MISS).withWarmupOps(WARMUP));
        assertEquals(true, pcp(e).get("refilled"));
        assertEquals(0, pcp(e).get("countBefore"));
        final int batch = (Integer) pcp(e).get("batch");
        assertTrue(batch > 1, "batch " + batch);
        // nr_pcp_alloc at order 0 with count 0 and alloc_factor 0: batch blocks, one handed out.
        assertEquals(batch - 1, pcp(e).get("countAfter"), "rmqueue_bulk leaves the rest of the batch on the list");
        lineWith(e, label(ZoneStruct.FIELDS, "zone", ZoneStruct.LOCK, 8).getFirst());
        assertTrue(anyWhere(e, "BuddyAllocator.rmqueueSmallest"), "a refill takes blocks from the buddy");
        assertTrue(anyWhere(e, "LinuxPcpAllocator.listAddTail"), "rmqueue_bulk adds each block at the list's tail");
        final String nrFree = label(ZoneStruct.FIELDS, "zone", ZoneStruct.nrFree(0), 8).getFirst();
        assertTrue(lineWith(e, nrFree).where().contains("BuddyAllocator.delFromFreeList"));
    }

    @Test
    void linuxPcpBulkFreeReturnsPagesToTheBuddy() {
        final Explanation e = Explainer.explain(spec("linux64", "buddy+pcp", ExplainOp.FREE, 0, ExplainState.BULK_FREE));
        assertEquals(true, pcp(e).get("bulkFreed"));
        assertTrue((Integer) pcp(e).get("countAfter") < (Integer) pcp(e).get("countBefore"));
        assertTrue(anyWhere(e, "LinuxPcpAllocator.freePcppagesBulk"), "free_pcppages_bulk takes the coldest entries");
        assertTrue(anyWhere(e, "BuddyAllocator.freeOnePageLocked"), "each goes to __free_one_page");
        assertTrue(anyWhere(e, "BuddyAllocator.getPfnblockMigratetype"));
    }

    @Test
    void bulkFreeReturnsABatchToTheBackend() {
        final Explanation e = Explainer.explain(spec("memdesc8", "potad+pcp", ExplainOp.FREE, 0, ExplainState.BULK_FREE));
        assertEquals(true, pcp(e).get("bulkFreed"));
        assertTrue(anyWhere(e, "PotadCore.free"), "the bulk free hands blocks to POTAD");
    }

    /** Every {@code Class.method} marked {@link AccessHelper} in the Linux baseline's classes. */
    private static Set<String> markedHelpers() {
        final Set<String> out = new HashSet<>();
        for (final Class<?> c : List.of(BuddyAllocator.class, LinuxPcpAllocator.class)) {
            for (final Method m : c.getDeclaredMethods()) {
                if (m.isAnnotationPresent(AccessHelper.class)) {
                    out.add(c.getSimpleName() + "." + m.getName());
                }
            }
        }
        return out;
    }

    static Stream<Arguments> linuxBaselineOps() {
        final List<Arguments> out = new ArrayList<>();
        for (final String layout : List.of("linux64", "memdesc8")) {
            for (final String allocator : List.of("buddy", "buddy+pcp")) {
                for (final ExplainOp op : ExplainOp.values()) {
                    out.add(Arguments.of(layout, allocator, op, ExplainState.STEADY));
                }
            }
            out.add(Arguments.of(layout, "buddy+pcp", ExplainOp.ALLOC, ExplainState.PCP_HIT));
            out.add(Arguments.of(layout, "buddy+pcp", ExplainOp.ALLOC, ExplainState.PCP_MISS));
            out.add(Arguments.of(layout, "buddy+pcp", ExplainOp.FREE, ExplainState.BULK_FREE));
            out.add(Arguments.of(layout, "buddy", ExplainOp.ALLOC, ExplainState.SPLIT));
            out.add(Arguments.of(layout, "buddy", ExplainOp.FREE, ExplainState.MERGE));
        }
        return out.stream();
    }

    /**
     * The Linux baseline names every line it touches (zone, per-CPU counters, mem_section, pcp,
     * memmap), and "where" is the function modelling a Linux one, never a field getter or setter.
     */
    @ParameterizedTest(name = "{0} {1} {2} {3}")
    @MethodSource("linuxBaselineOps")
    void linuxBaselineOrderZeroLinesAreAllLabelledAndNamedByTheirLinuxFunction(final String layout, final String allocator,
                                                                               final ExplainOp op, final ExplainState state) {
        final Explanation e = Explainer.explain(spec(layout, allocator, op, 0, state));
        assertEquals(0, e.unlabeledLines(), e.lines().toString());
        final Set<String> helpers = markedHelpers();
        assertFalse(helpers.isEmpty());
        for (final Line line : e.lines()) {
            for (final String where : line.where()) {
                assertFalse(helpers.contains(where), where + " is an accessor, not the function that touched " + line);
            }
        }
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

    /**
     * A free into a region whose entry ran dry: the memmap entry, the bitfield word and the entry
     * as always, plus the summary word, read and cleared (PotadCore.returnTokens, PotadSummary:
     * R1 and R2). In the steady state the same free touches three lines only.
     */
    @Test
    void aFreeIntoADryRegionClearsItsSummaryMark() {
        final Explanation e = Explainer.explain(spec("memdesc8", "potad", ExplainOp.FREE, 0, ExplainState.DRY_REGION));
        assertEquals(4, e.distinctLines(), e.lines().toString());
        final long region = e.pfn() >>> 9;
        final String word = "potad.summary[regions " + hex(region & -64L) + ".." + hex((region & -64L) + 63) + "]";
        final Line summary = e.lines().stream().filter(l -> l.fields().contains(word)).findFirst().orElseThrow(
                () -> new AssertionError("no line of " + word + ": " + e.lines()));
        assertEquals(Region.ALLOCATOR, summary.region());
        assertTrue(summary.where().contains("PotadSummary.raised"), summary.where().toString());
        assertTrue(summary.accesses().stream().anyMatch(a -> a.startsWith("RMW")), summary.accesses().toString());

        final Explanation steady = Explainer.explain(spec("memdesc8", "potad", ExplainOp.FREE, 0, ExplainState.STEADY));
        assertEquals(3, steady.distinctLines(), steady.lines().toString());
    }

    @Test
    void mergeReadsTheBuddyAndTakesItOffItsList() {
        final Explanation e = Explainer.explain(spec("linux64", "buddy", ExplainOp.FREE, 0, ExplainState.MERGE));
        final String buddy = hex(e.pfn() ^ 1);
        assertTrue(e.lines().stream().anyMatch(l -> l.fields().contains("memmap[pfn " + buddy + "].page_type|_mapcount")
                && l.where().contains("BuddyAllocator.freeOnePageLocked")), e.lines().toString());
        assertEquals(free(e, "freeBlocksByOrderBefore").get(0) - 1, free(e, "freeBlocksByOrderAfter").get(0));
    }

    /**
     * A line no labeler knows is still listed, with no fields and its function, and counted: two
     * segments, a labeler that knows only one of them.
     */
    @Test
    void unlabeledLinesAreListedAndCounted() {
        try (Machine machine = Machine.create(1 << 20)) {
            final MemorySegment known = machine.allocate(Region.ALLOCATOR, 4096);
            final MemorySegment unknown = machine.allocate(Region.ALLOCATOR, 4096);
            final ExplainingAccess access = new ExplainingAccess();
            access.setLabelers(List.of((segment, offset, bytes, out) -> {
                if (segment.address() == known.address()) {
                    out.add("known.word");
                }
            }));
            access.beginOp();
            access.getLong(Region.ALLOCATOR, known, 0);
            access.setLong(Region.ALLOCATOR, unknown, 64, 1);
            access.getLong(Region.ALLOCATOR, unknown, 128);
            access.endOp();
            final Explanation e = new Explanation(spec("linux64", "buddy", ExplainOp.ALLOC, 0, ExplainState.STEADY),
                    machine.pages(), 0, 0, PageAllocator.NO_PAGE, access.lastOpLines(), Map.of());
            assertEquals(3, e.distinctLines());
            assertEquals(2, e.unlabeledLines());
            assertEquals(List.of("known.word"), e.lines().get(0).fields());
            for (final Line line : e.lines().subList(1, 3)) {
                assertTrue(line.fields().isEmpty(), line.toString());
                assertEquals(List.of("ExplainerTest.unlabeledLinesAreListedAndCounted"), line.where());
            }
        }
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
                () -> Explainer.explain(spec("memdesc8", "buddy", ExplainOp.FREE, 0, ExplainState.DRY_REGION))).input());
        assertEquals(ExplainConfigException.Input.STATE, assertThrows(ExplainConfigException.class,
                () -> Explainer.explain(spec("memdesc8", "potad", ExplainOp.FREE, 2, ExplainState.DRY_REGION))).input());
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
