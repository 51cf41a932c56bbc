package dev.memu.alloc.potad;

import dev.memu.access.PlainAccess;
import dev.memu.alloc.AllocatorOptions;
import dev.memu.alloc.PageAllocator;
import dev.memu.alloc.VerifyReport;
import dev.memu.layout.Layouts;
import dev.memu.machine.Machine;
import dev.memu.memdesc.Allocatee;
import dev.memu.memdesc.MemdescType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * POTAD's verifier is only worth running after every test if it notices when POTAD's own state
 * (not the memmap: the conformance suite corrupts that) is wrong. Each case builds the same small
 * state, corrupts one thing in the bitfield, a region entry or a vcpu's reservation slot, and
 * expects {@link PotadCore#verify} itself to report it, and {@link PotadAllocator#verify()} too.
 *
 * <p>The state: 4096 pages (8 regions), 2 vcpus; vcpu 0 holds an order-0 page and an order-3
 * block in its reserved region, vcpu 1 one order-0 page in its own, and an order-10 block
 * (two whole regions, HUGE) is live.
 */
class PotadVerifierTest {

    private static final long PAGES = 4096;

    /** What a case may corrupt, found on the fresh state. */
    record State(PotadAllocator potad, PotadCore core, long page, long block, long huge, long region0,
                 long region1, long freeRegion) {
    }

    private Machine machine;

    @AfterEach
    void close() {
        if (machine != null) {
            machine.close();
        }
    }

    private State build(final long pages) {
        machine = Machine.create(pages << 12);
        final PotadAllocator potad = new PotadAllocator(Layouts.byName("memdesc8").bind(machine, PlainAccess.INSTANCE),
                AllocatorOptions.defaults().withVcpus(2));
        final PotadCore core = potad.core();
        final long page = alloc(potad, 0, 0);
        final long block = alloc(potad, 3, 0);
        alloc(potad, 0, 1);
        final long huge = pages >= 2048 ? alloc(potad, 10, 0) : PageAllocator.NO_PAGE;
        final long region0 = core.reservedRegionOf(0);
        final long region1 = core.reservedRegionOf(1);
        assertTrue(region0 >= 0 && region1 >= 0 && region0 != region1, "both vcpus reserve a region");
        long freeRegion = -1;
        for (long r = 0; r < core.regions(); r++) {
            if (r != region0 && r != region1 && core.rawEntry(r) == 0) {
                freeRegion = r;
                break;
            }
        }
        final State s = new State(potad, core, page, block, huge, region0, region1, freeRegion);
        final VerifyReport fresh = potad.verify();
        assertTrue(fresh.ok(), "before corruption: " + fresh);
        assertTrue(coreProblems(core).isEmpty());
        return s;
    }

    private static long alloc(final PotadAllocator potad, final int order, final int vcpu) {
        final long pfn = potad.alloc(order, Allocatee.of(MemdescType.ANON_FOLIO, 0x100L << order), vcpu);
        assertNotEquals(PageAllocator.NO_PAGE, pfn, "set-up alloc of order " + order);
        return pfn;
    }

    private static List<String> coreProblems(final PotadCore core) {
        final List<String> problems = new ArrayList<>();
        core.verify(problems);
        return problems;
    }

    private static long region(final long pfn) {
        return pfn >>> PotadCore.REGION_ORDER;
    }

    /** The bit word holding {@code pfn} and the bit in it. */
    private static int word(final long pfn) {
        return (int) ((pfn & (PotadCore.REGION_FRAMES - 1)) >>> 6);
    }

    private static void flipBit(final PotadCore core, final long pfn) {
        final long r = region(pfn);
        final int w = word(pfn);
        core.setRawBitWord(r, w, core.rawBitWord(r, w) ^ (1L << pfn));
    }

    private static long slot(final State s, final int vcpu) {
        return s.core().rawSlot(vcpu, PotadCore.SLOT_RESERVATION);
    }

    private static long reservationWord(final long region, final long local) {
        return ((region + 1) << PotadCore.LOCAL_BITS) | local;
    }

    static Stream<Arguments> corruptions() {
        final List<Arguments> cases = new ArrayList<>();
        add(cases, "bitfield: a free frame's bit set", s -> flipBit(s.core(), s.freeRegion() << PotadCore.REGION_ORDER));
        add(cases, "bitfield: an allocated order-0 page's bit cleared", s -> flipBit(s.core(), s.page()));
        add(cases, "bitfield: one frame of a live order-3 block cleared", s -> flipBit(s.core(), s.block() + 5));
        add(cases, "bitfield: a frame set inside a huge region", s -> flipBit(s.core(), s.huge() + 700));
        add(cases, "entry: free count one too low (TAKEN + 1) in a free region",
                s -> s.core().setRawEntry(s.freeRegion(), s.core().rawEntry(s.freeRegion()) + 1));
        add(cases, "entry: free count one too high (TAKEN - 1) in a reserved region",
                s -> s.core().setRawEntry(s.region0(), s.core().rawEntry(s.region0()) - 1));
        add(cases, "entry: RESERVED set on a region no vcpu reserves",
                s -> s.core().setRawEntry(s.freeRegion(), s.core().rawEntry(s.freeRegion()) | PotadCore.RESERVED));
        add(cases, "entry: RESERVED cleared on a reserved region",
                s -> s.core().setRawEntry(s.region1(), s.core().rawEntry(s.region1()) & ~PotadCore.RESERVED));
        add(cases, "entry: HUGE set on a region with free frames",
                s -> s.core().setRawEntry(s.freeRegion(), s.core().rawEntry(s.freeRegion()) | PotadCore.HUGE));
        add(cases, "entry: a huge block's order changed in its first region",
                s -> s.core().setRawEntry(region(s.huge()), s.core().rawEntry(region(s.huge()))
                        + (1L << PotadCore.HUGE_ORDER_SHIFT)));
        add(cases, "entry: the second region of a huge block cleared",
                s -> s.core().setRawEntry(region(s.huge()) + 1, 0));
        add(cases, "entry: huge order below a region",
                s -> s.core().setRawEntry(region(s.huge()), PotadCore.HUGE | 512 | (3L << PotadCore.HUGE_ORDER_SHIFT)));
        add(cases, "slot: one local token too many",
                s -> s.core().setRawSlot(0, PotadCore.SLOT_RESERVATION, slot(s, 0) + 1));
        add(cases, "slot: one local token too few",
                s -> s.core().setRawSlot(1, PotadCore.SLOT_RESERVATION, slot(s, 1) - 1));
        add(cases, "slot: more local tokens than a region has frames",
                s -> s.core().setRawSlot(0, PotadCore.SLOT_RESERVATION, reservationWord(s.region0(), 600)));
        add(cases, "slot: the reservation names another region",
                s -> s.core().setRawSlot(0, PotadCore.SLOT_RESERVATION,
                        reservationWord(s.freeRegion(), slot(s, 0) & PotadCore.LOCAL_MASK)));
        add(cases, "slot: the reservation names a region beyond RAM",
                s -> s.core().setRawSlot(1, PotadCore.SLOT_RESERVATION, reservationWord(100, 3)));
        add(cases, "slot: the reservation word lost (region still RESERVED, tokens gone)",
                s -> s.core().setRawSlot(0, PotadCore.SLOT_RESERVATION, 0));
        add(cases, "slot: two vcpus name the same region",
                s -> s.core().setRawSlot(1, PotadCore.SLOT_RESERVATION, slot(s, 0)));
        add(cases, "slot: a cursor beyond the last region",
                s -> s.core().setRawSlot(1, PotadCore.SLOT_CURSOR, s.core().regions() + 3));
        add(cases, "slot: a huge cursor below zero",
                s -> s.core().setRawSlot(0, PotadCore.SLOT_HUGE_CURSOR, -1));
        return cases.stream();
    }

    private static void add(final List<Arguments> cases, final String what, final Consumer<State> corruption) {
        cases.add(Arguments.of(what, corruption));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("corruptions")
    void verifyReportsCorruptedPotadState(final String what, final Consumer<State> corruption) {
        final State s = build(PAGES);
        corruption.accept(s);
        final List<String> problems = coreProblems(s.core());
        assertFalse(problems.isEmpty(), "PotadCore.verify did not notice: " + what);
        final VerifyReport report = s.potad().verify();
        assertFalse(report.ok(), "PotadAllocator.verify did not notice: " + what + " (" + report + ")");
    }

    /** A region marked HUGE of order 9 with every bit clear is consistent for the core; only the memmap tells. */
    @Test
    void aWholeFreeRegionMarkedHugeIsCaughtByTheMemmapWalk() {
        final State s = build(PAGES);
        s.core().setRawEntry(s.freeRegion(), PotadCore.HUGE | 512 | (9L << PotadCore.HUGE_ORDER_SHIFT));
        assertTrue(coreProblems(s.core()).isEmpty(), "bits and entries agree with each other");
        final VerifyReport report = s.potad().verify();
        assertFalse(report.ok(), "an order-9 block nobody allocated: " + report);
    }

    /** 1000 pages: the last region has 488 frames, and the bits beyond them must read as allocated. */
    @Test
    void aFrameBeyondTheEndOfRamReadingFreeIsReported() {
        final State s = build(1000);
        final long last = s.core().regions() - 1;
        assertEquals(1, last);
        flipBit(s.core(), 1012);                    // frame 500 of the last region's 488
        assertTrue(s.core().isAllocated(1011) && !s.core().isAllocated(1012), "frame 1012 now reads free");
        final List<String> problems = coreProblems(s.core());
        assertTrue(problems.stream().anyMatch(p -> p.contains("beyond the end")), problems::toString);
        assertFalse(s.potad().verify().ok());
    }
}
