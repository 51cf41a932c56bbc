package dev.memu.alloc.pcp;

import dev.memu.alloc.PageAllocator;
import dev.memu.alloc.VerifyReport;
import dev.memu.alloc.potad.PotadAllocator;
import dev.memu.alloc.potad.PotadCore;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static dev.memu.alloc.pcp.PcpFixture.options;
import static dev.memu.alloc.pcp.PcpFixture.owner;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 9's strands through potad+pcp, with the inside of both layers in view: 4 MiB (1024 pages,
 * two POTAD regions), two vcpus, batch 7 and high 32 so that vcpu 1's lists and its POTAD
 * reservation both hold pages when vcpu 0 runs out.
 */
class PotadPcpStrandTest {

    private static final long RAM = 4L << 20;

    private static PotadCore core(final PcpAllocator a) {
        return ((PotadAllocator) a.backend()).core();
    }

    /** vcpu 1 allocates a few pages and frees them: they sit on its lists, its region stays reserved. */
    private static void vcpu1TouchesMemory(final PcpAllocator a) {
        final long[] pfns = new long[5];
        for (int i = 0; i < pfns.length; i++) {
            pfns[i] = a.alloc(0, owner(i), 1);
            assertNotEquals(PageAllocator.NO_PAGE, pfns[i]);
        }
        for (final long pfn : pfns) {
            a.free(pfn, 0, 1);
        }
        assertTrue(a.count(1) > 0, "vcpu 1's lists hold pages");
        assertTrue(core(a).reservedRegionOf(1) >= 0, "vcpu 1 reserves a POTAD region");
    }

    private static List<Long> allocAll(final PcpAllocator a, final int vcpu) {
        final List<Long> got = new ArrayList<>();
        while (true) {
            final long pfn = a.alloc(0, owner(got.size() + 100), vcpu);
            if (pfn == PageAllocator.NO_PAGE) {
                return got;
            }
            got.add(pfn);
        }
    }

    private static void freeAll(final PcpAllocator a, final List<Long> pfns, final int vcpu) {
        for (final long pfn : pfns) {
            a.free(pfn, 0, vcpu);
        }
        final VerifyReport report = a.verify();
        assertTrue(report.ok(), report::toString);
        assertEquals(a.managedPages(), report.freePages());
    }

    /**
     * The failing allocation on vcpu 0 drains vcpu 1's lists (drain_all_pages) and POTAD takes
     * vcpu 1's reservation back before it reports NO_PAGE: vcpu 0 gets every page.
     */
    @Test
    void aFailingAllocationDrainsRemoteListsAndTakesRemoteReservationsBack() {
        try (PcpFixture f = PcpFixture.over("potad", "memdesc8", RAM, options(2, 32, 7), PcpAllocator.Lists.ARRAY)) {
            final PcpAllocator a = f.pcp;
            vcpu1TouchesMemory(a);
            final long drainsBefore = a.drains(1);
            final List<Long> got = allocAll(a, 0);
            assertEquals(f.machine.pages(), got.size(), "order-0 pages vcpu 0 gets");
            assertTrue(a.drains(1) > drainsBefore, "vcpu 1's lists were drained");
            assertTrue(core(a).steals(0) > 0, "vcpu 0 took vcpu 1's reservation back");
            assertEquals(-1, core(a).reservedRegionOf(1));
            freeAll(a, got, 0);
        }
    }

    /**
     * vcpuOffline(1) drains vcpu 1's lists and ends its POTAD reservation (before the fix it drained
     * the lists only, and vcpu 0 then got 513 of these 1024 pages): vcpu 0 then gets every page
     * without taking anything back from anybody.
     */
    @Test
    void vcpuOfflineReleasesTheBackendsReservationToo() {
        try (PcpFixture f = PcpFixture.over("potad", "memdesc8", RAM, options(2, 32, 7), PcpAllocator.Lists.ARRAY)) {
            final PcpAllocator a = f.pcp;
            vcpu1TouchesMemory(a);
            a.vcpuOffline(1);
            assertEquals(0, a.count(1), "vcpu 1's lists are empty");
            assertEquals(-1, core(a).reservedRegionOf(1), "vcpu 1 reserves nothing");
            assertEquals(f.machine.pages(), a.backend().freePages(), "everything is back in POTAD");
            final List<Long> got = allocAll(a, 0);
            assertEquals(f.machine.pages(), got.size(), "order-0 pages vcpu 0 gets");
            assertEquals(0, core(a).steals(0), "nothing had to be taken back: offline released it all");
            freeAll(a, got, 0);
        }
    }
}
