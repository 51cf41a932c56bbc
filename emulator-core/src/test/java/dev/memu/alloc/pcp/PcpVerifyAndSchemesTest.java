package dev.memu.alloc.pcp;

import dev.memu.alloc.PageAllocator;
import dev.memu.alloc.VerifyReport;
import dev.memu.memdesc.Allocatee;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;
import java.util.stream.Stream;

import static dev.memu.alloc.pcp.PcpFixture.options;
import static dev.memu.alloc.pcp.PcpFixture.owner;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Both list schemes against a model, and the verifier against corrupted PCP state. */
class PcpVerifyAndSchemesTest {

    static Stream<Arguments> schemesAndLayouts() {
        return Stream.of(
                Arguments.of(PcpAllocator.Lists.ARRAY, "linux64"), Arguments.of(PcpAllocator.Lists.ARRAY, "memdesc16"),
                Arguments.of(PcpAllocator.Lists.ARRAY, "memdesc8"), Arguments.of(PcpAllocator.Lists.LINKED, "linux64"),
                Arguments.of(PcpAllocator.Lists.LINKED, "memdesc8"));
    }

    @Test
    void linkedListsRefuseALayoutWhoseLinksOverlapTheAllocatee() {
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new PcpFixture("memdesc16", 1 << 20, options(1, 0, 0), PcpAllocator.Lists.LINKED).close());
        assertTrue(e.getMessage().contains("memdesc16"), e.getMessage());
    }

    /** Random orders over three vcpus (one thread), every block checked against a bit set. */
    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("schemesAndLayouts")
    void randomOpsOverThreeVcpusAgreeWithAModel(final PcpAllocator.Lists scheme, final String layout) {
        try (PcpFixture f = new PcpFixture(layout, 4 << 20, options(3, 40, 7), scheme)) {
            final PcpAllocator a = f.pcp;
            assertEquals(scheme, a.scheme());
            final long managed = f.machine.pages();
            final BitSet used = new BitSet();
            final List<long[]> live = new ArrayList<>();
            final Random random = new Random(17);
            long livePages = 0;
            for (int op = 0; op < 6000; op++) {
                final int vcpu = random.nextInt(3);
                if (live.isEmpty() || random.nextInt(100) < 55) {
                    final int r = random.nextInt(100);
                    final int order = r < 60 ? 0 : r < 90 ? 1 + random.nextInt(3) : r < 97 ? 4 + random.nextInt(4) : 9;
                    final long pfn = a.alloc(order, owner(op), vcpu);
                    if (pfn == PageAllocator.NO_PAGE) {
                        continue;
                    }
                    final int from = (int) pfn;
                    final int next = used.nextSetBit(from);
                    assertFalse(next != -1 && next < from + (1 << order), "block 0x" + Long.toHexString(pfn) + " handed out twice");
                    used.set(from, from + (1 << order));
                    assertEquals(owner(op), f.memmap.allocatee(pfn + (1L << order) - 1));
                    live.add(new long[] {pfn, order});
                    livePages += 1L << order;
                } else {
                    final long[] block = live.remove(random.nextInt(live.size()));
                    a.free(block[0], (int) block[1], vcpu);
                    used.clear((int) block[0], (int) (block[0] + (1L << block[1])));
                    livePages -= 1L << block[1];
                    assertEquals(Allocatee.NONE, f.memmap.allocatee(block[0]));
                }
                assertEquals(managed - livePages, a.freePages());
                if (op % 1000 == 999) {
                    final VerifyReport report = a.verify();
                    assertTrue(report.ok(), report::toString);
                    assertEquals(livePages, report.allocatedPages());
                }
            }
            for (final long[] block : live) {
                a.free(block[0], (int) block[1], 0);
            }
            final VerifyReport report = a.verify();
            assertTrue(report.ok(), report::toString);
            assertEquals(managed, report.freePages());
            assertTrue(a.refills(0) + a.refills(1) + a.refills(2) > 0);
            assertTrue(a.bulkFrees(0) + a.bulkFrees(1) + a.bulkFrees(2) > 0);
        }
    }

    /** A fresh buddy+pcp whose vcpu 0 holds blocks of orders 0 and 2, corrupted by {@code how}. */
    private static void expectReport(final PcpAllocator.Lists scheme, final String what, final Consumer<Held> how) {
        try (PcpFixture f = new PcpFixture("linux64", 4 << 20, options(2, 200, 7), scheme)) {
            final PcpAllocator a = f.pcp;
            final long p0 = a.alloc(0, owner(1), 0);
            final long p2 = a.alloc(2, owner(2), 0);
            a.free(p0, 0, 0);
            a.free(p2, 2, 0);
            assertTrue(a.verify().ok());
            how.accept(new Held(f, p0, p2));
            final VerifyReport report = a.verify();
            assertFalse(report.ok(), "verify() did not notice: " + what + " (" + report + ")");
        }
    }

    private record Held(PcpFixture f, long order0, long order2) {
    }

    @ParameterizedTest
    @org.junit.jupiter.params.provider.EnumSource(PcpAllocator.Lists.class)
    void verifierCatchesCorruptPcpState(final PcpAllocator.Lists scheme) {
        expectReport(scheme, "a held block allocated behind the PCP's back",
                h -> h.f().memmap.setAllocated(h.order0(), 0, owner(9)));
        expectReport(scheme, "a held block marked as a free buddy block",
                h -> h.f().memmap.setFree(h.order2(), 2));
        expectReport(scheme, "a tail page of a held block given an owner",
                h -> h.f().memmap.setAllocated(h.order2() + 2, 1, owner(9)));
        expectReport(scheme, "pcp->count out of step with the lists",
                h -> h.f().pcp.lists().setCount(h.f().pcp.lists().base(0), h.f().pcp.count(0) + 1));
        expectReport(scheme, "a held block lost from its list",
                h -> {
                    final PerCpuPages lists = h.f().pcp.lists();
                    lists.pop(lists.base(0), 0);
                    lists.setCount(lists.base(0), lists.count(lists.base(0)) - 1);
                });
        expectReport(scheme, "a block on two vcpus' lists",
                h -> {
                    final PerCpuPages lists = h.f().pcp.lists();
                    lists.push(lists.base(1), 0, h.order2());
                    lists.setCount(lists.base(1), lists.count(lists.base(1)) + 1);
                });
        expectReport(scheme, "a drain left half done (claim held)",
                h -> h.f().pcp.lists().tryClaim(h.f().pcp.lists().base(1), 1));
    }
}
