package dev.memu.failure;

import dev.memu.access.CountingAccess;
import dev.memu.access.PlainAccess;
import dev.memu.alloc.AllocatorOptions;
import dev.memu.alloc.BadFreeException;
import dev.memu.alloc.BuddyAllocator;
import dev.memu.alloc.PageAllocator;
import dev.memu.layout.Layout;
import dev.memu.layout.Layouts;
import dev.memu.layout.Memmap;
import dev.memu.machine.Machine;
import dev.memu.memdesc.Allocatee;
import dev.memu.memdesc.MemdescHeap;
import dev.memu.memdesc.MemdescHeader;
import dev.memu.memdesc.MemdescType;
import dev.memu.memdesc.Memdescs;
import dev.memu.migrate.PageContents;
import dev.memu.workload.kernelmix.KernelObjects;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

class MemoryFailureTest {

    static Stream<Layout> layouts() {
        return Layouts.all().stream();
    }

    /** One machine, a poison-aware buddy over the layout, and one allocation of every type. */
    private static final class World implements AutoCloseable {
        final Machine machine = Machine.create(16L << 20);
        final Memmap memmap;
        final PoisonAwareAllocator allocator;
        final Memdescs descs;
        final KernelObjects objects;
        final MemoryFailure failure;
        final Map<String, Long> owners = new LinkedHashMap<>();

        World(final Layout layout, final dev.memu.access.Access access) {
            memmap = layout.bind(machine, access);
            allocator = new PoisonAwareAllocator(new BuddyAllocator(memmap, AllocatorOptions.defaults()));
            descs = new Memdescs(MemdescHeap.forDescriptors(machine, PlainAccess.INSTANCE));
            objects = new KernelObjects(allocator, descs, true);
            failure = new MemoryFailure(allocator, descs, BackingStore.PATTERN);
            // Some order-0 noise first, so allocations do not all start at pfn 0.
            for (int i = 0; i < 37; i++) {
                objects.pageTable(1, 0);
            }
            owners.put("file-clean", objects.fileFolio(2, 100, false, 0));
            owners.put("file-dirty", objects.fileFolio(3, 200, true, 0));
            owners.put("anon", objects.anonFolio(4, 0));
            owners.put("anon-thp", objects.anonFolio(9, 0));
            owners.put("slab", objects.slab(1, 192, 0));
            owners.put("pagetable", objects.pageTable(1, 0));
            owners.put("netpool", objects.netpool(1, 0));
            owners.put("zonedevice", objects.zoneDevice(2, 0));
            owners.put("vmalloc", objects.vmalloc(8, 0));
            for (final Map.Entry<String, Long> e : owners.entrySet()) {
                assertNotEquals(0L, e.getValue(), e.getKey() + " could not be allocated");
            }
        }

        /** Head, tail and middle pfns of an allocation (vmalloc: first, last and a middle page). */
        long[] probes(final long a) {
            if (Allocatee.type(a) == MemdescType.VMALLOC) {
                final int n = descs.nrPages(a);
                return new long[] {descs.page(a, 0), descs.page(a, n / 2), descs.page(a, n - 1)};
            }
            final long head = descs.pfn(a);
            final long pages = 1L << descs.order(a);
            return new long[] {head, head + pages / 2, head + pages - 1};
        }

        long someFreePfn() {
            for (long p = machine.pages() - 1; p >= 0; p--) {
                if (memmap.allocatee(p) == Allocatee.NONE) {
                    return p;
                }
            }
            throw new AssertionError("no free page");
        }

        @Override
        public void close() {
            machine.close();
        }
    }

    @ParameterizedTest
    @MethodSource("layouts")
    void anyPageOfAnyAllocationFindsItsOwner(final Layout layout) {
        final CountingAccess counting = new CountingAccess();
        try (World w = new World(layout, counting)) {
            final OwnerLookup lookup = w.failure.lookup();
            for (final Map.Entry<String, Long> e : w.owners.entrySet()) {
                final long a = e.getValue();
                for (final long pfn : w.probes(a)) {
                    final PageOwner owner = lookup.find(pfn);
                    assertEquals(a, owner.allocatee(), e.getKey() + " pfn " + pfn);
                    assertEquals(Allocatee.type(a), owner.type());
                    if (owner.type() == MemdescType.VMALLOC) {
                        assertEquals(pfn, w.descs.page(a, owner.vmallocIndex()));
                    } else {
                        assertEquals(w.descs.pfn(a), owner.headPfn(), e.getKey());
                        assertEquals(w.descs.order(a), owner.order(), e.getKey());
                    }
                    assertTrue(owner.lines() >= 1, "the lookup touched at least the entry's line");
                }
            }
            final long freePfn = w.someFreePfn();
            assertTrue(lookup.find(freePfn).isFree());
            assertTrue(lookup.find(freePfn).lines() >= 1);
        }
    }

    @ParameterizedTest
    @MethodSource("layouts")
    void failureReactsByTypeAndPoisonedPagesLeave(final Layout layout) {
        try (World w = new World(layout, PlainAccess.INSTANCE)) {
            final List<Long> bad = new ArrayList<>();
            for (final Map.Entry<String, Long> e : w.owners.entrySet()) {
                final long a = e.getValue();
                final long[] probes = w.probes(a);
                final long pfn = probes[1];
                final long oldHead = Allocatee.type(a) == MemdescType.VMALLOC ? pfn : w.descs.pfn(a);
                final long pages = Allocatee.type(a) == MemdescType.VMALLOC ? 1 : 1L << w.descs.order(a);
                final long before = PageContents.checksum(w.machine.ram(), w.machine.pageShift(), oldHead, pages);
                final FailureOutcome out = w.failure.fail(pfn, 0);
                bad.add(pfn);
                assertEquals(a, out.owner().allocatee(), e.getKey());
                final FailureAction expected = switch (e.getKey()) {
                    case "file-clean" -> FailureAction.DROPPED_REREAD;
                    case "file-dirty", "anon", "anon-thp" -> FailureAction.MIGRATED;
                    default -> FailureAction.UNRECOVERABLE;
                };
                assertEquals(expected, out.action(), e.getKey());
                assertTrue(out.checksumOk(), e.getKey());
                if (expected.recovered()) {
                    assertNotEquals(oldHead, out.newPfn());
                    assertEquals(out.newPfn(), w.descs.pfn(a), "descriptor repointed");
                    assertEquals(before, PageContents.checksum(w.machine.ram(), w.machine.pageShift(),
                            out.newPfn(), pages), e.getKey() + ": moved bytes are identical");
                    assertEquals(MemdescType.HWPOISON, Allocatee.type(w.memmap.allocatee(pfn)), "bad page taken off");
                    assertEquals(a, w.memmap.allocatee(out.newPfn() + pages - 1), "new block names the owner");
                } else {
                    assertTrue(w.descs.testFlags(a, MemdescHeader.PG_HWPOISON));
                    assertEquals(a, w.memmap.allocatee(pfn), "kernel memory stays with its owner");
                }
            }
            // Owners of unrecoverable pages free them: the bad pages must not go back.
            for (final String k : List.of("slab", "pagetable", "netpool", "zonedevice", "vmalloc")) {
                w.objects.free(w.owners.get(k), 0);
            }
            for (final long pfn : bad) {
                assertTrue(w.allocator.isTakenOff(pfn), "pfn " + pfn);
                assertEquals(MemdescType.HWPOISON, Allocatee.type(w.memmap.allocatee(pfn)));
            }
            // A free page fails too.
            final long freePfn = w.someFreePfn();
            assertEquals(FailureAction.TAKEN_OFF_FREE, w.failure.fail(freePfn, 0).action());
            assertEquals(FailureAction.ALREADY_POISONED, w.failure.fail(freePfn, 0).action());
            assertThrows(BadFreeException.class, () -> w.allocator.free(freePfn, 0, 0), "hwpoison is not freeable");
            final FailureStats stats = w.failure.stats();
            assertEquals(5, stats.lost());
            assertEquals(6, stats.recovered());
            assertEquals(0, stats.checksumFailures());
            assertTrue(w.allocator.verify().ok(), () -> w.allocator.verify().toString());
            assertEquals(0, w.allocator.quarantinedPages());
        }
    }

    @Test
    void poisonedPagesAreNeverAllocatedAgainInAMillionOps() {
        try (Machine machine = Machine.create(4L << 20)) {            // 1024 pages
            final Memmap memmap = Layouts.byName("memdesc8").bind(machine, PlainAccess.INSTANCE);
            final PoisonAwareAllocator allocator = new PoisonAwareAllocator(
                    new BuddyAllocator(memmap, AllocatorOptions.defaults()));
            final SplittableRandom rnd = new SplittableRandom(3);
            final long owner = Allocatee.of(MemdescType.ANON_FOLIO, 0x1000);
            final List<long[]> live = new ArrayList<>();
            // Poison some pfns while free, some while allocated (freed later).
            for (int i = 0; i < 40; i++) {
                final long pfn = allocator.alloc(rnd.nextInt(3), owner, 0);
                live.add(new long[] {pfn, memmap.allocatedOrder(pfn)});
            }
            final long[] poisoned = {5, 77, 512, 1023, live.get(3)[0], live.get(10)[0] + (1L << live.get(10)[1]) - 1};
            for (final long p : poisoned) {
                allocator.poison(p, 0);
            }
            final int[] bitmap = new int[(int) machine.pages()];
            for (final long p : poisoned) {
                bitmap[(int) p] = 1;
            }
            long handedOut = 0;
            for (int op = 0; op < 1_000_000; op++) {
                if (live.isEmpty() || rnd.nextInt(100) < 52) {
                    final int order = rnd.nextInt(100) < 85 ? 0 : rnd.nextInt(5);
                    final long pfn = allocator.alloc(order, owner, 0);
                    if (pfn != PageAllocator.NO_PAGE) {
                        for (long p = pfn; p < pfn + (1L << order); p++) {
                            if (bitmap[(int) p] != 0) {
                                fail("poisoned pfn " + p + " handed out at op " + op);
                            }
                        }
                        live.add(new long[] {pfn, order});
                        handedOut++;
                    }
                } else {
                    final long[] a = live.remove(rnd.nextInt(live.size()));
                    allocator.free(a[0], (int) a[1], 0);
                }
            }
            for (final long[] a : live) {
                allocator.free(a[0], (int) a[1], 0);
            }
            assertTrue(handedOut > 400_000);
            assertEquals(0, allocator.leakedCaught(), "the allocator itself never offered a poisoned page");
            for (final long p : poisoned) {
                assertTrue(allocator.isTakenOff(p));
            }
            assertEquals(machine.pages() - poisoned.length, allocator.freePages());
            assertTrue(allocator.verify().ok(), () -> allocator.verify().toString());
            assertFalse(allocator.verify().problems().size() > 0);
        }
    }

    @ParameterizedTest
    @MethodSource("layouts")
    void madeUpAllocateesAreFoundByTagAndPoisonedUntilFreed(final Layout layout) {
        try (Machine machine = Machine.create(8L << 20)) {
            final Memmap memmap = layout.bind(machine, PlainAccess.INSTANCE);
            final PoisonAwareAllocator allocator = new PoisonAwareAllocator(
                    new BuddyAllocator(memmap, AllocatorOptions.defaults()));
            final Memdescs descs = new Memdescs(MemdescHeap.forDescriptors(machine, PlainAccess.INSTANCE));
            final MemoryFailure failure = new MemoryFailure(allocator, descs, BackingStore.PATTERN);
            final long fake = Allocatee.of(MemdescType.ANON_FOLIO, 0x7770);    // a workload without descriptors
            allocator.alloc(0, fake, 0);
            final long pfn = allocator.alloc(3, fake, 0);
            final FailureOutcome out = failure.fail(pfn + 5, 0);
            assertEquals(FailureAction.NO_DESCRIPTOR, out.action());
            assertEquals(pfn, out.owner().headPfn(), "head found by probing the memmap");
            assertEquals(3, out.owner().order());
            assertFalse(allocator.isTakenOff(pfn + 5));
            allocator.free(pfn, 3, 0);
            assertTrue(allocator.isTakenOff(pfn + 5));
            assertEquals(1, failure.stats().lost());
            assertTrue(allocator.verify().ok(), () -> allocator.verify().toString());
        }
    }
}
