package dev.memu.bench;

import dev.memu.access.Access;
import dev.memu.access.CountingAccess;
import dev.memu.access.PlainAccess;
import dev.memu.access.Region;
import dev.memu.alloc.AllocatorOptions;
import dev.memu.alloc.BuddyAllocator;
import dev.memu.failure.OwnerLookup;
import dev.memu.failure.PageOwner;
import dev.memu.layout.Layout;
import dev.memu.layout.Layouts;
import dev.memu.layout.Memmap;
import dev.memu.machine.Footprint;
import dev.memu.machine.Machine;
import dev.memu.memdesc.MemdescHeap;
import dev.memu.memdesc.Memdescs;
import dev.memu.util.Sizes;
import dev.memu.workload.kernelmix.KernelMix;
import dev.memu.workload.kernelmix.KernelMixConfig;
import dev.memu.workload.kernelmix.KernelObjects;

import java.util.SplittableRandom;

/**
 * pfn-to-owner lookup cost and bytes per page, per layout, on a kernel-mix state: the numbers that
 * set peralloc16's lookups next to the direct-indexed memmaps.
 *
 * <p>For each layout the same seeded mix is built twice, once over {@link PlainAccess} (timed:
 * mean ns of {@code memmap.allocatee(pfn)} over random pfns) and once over {@link CountingAccess}
 * (distinct cachelines of {@code allocatee(pfn)} alone and of the whole owner lookup, which also
 * reads the descriptor header). Timings from this main are indicative (no JMH fork control); the
 * cacheline counts are exact.
 *
 * <p>Usage: {@code LookupCost [ram=256M] [steps=200000] [lookups=2000000] [layouts=all]}
 */
public final class LookupCost {

    /** One layout's row. */
    public record Row(String layout, double nsPerLookup, double linesAllocatee, double linesOwner,
                      double memmapBytesPerPage, double lookupBytesPerPage, double memdescBytesPerPage,
                      double memdescLiveBytesPerPage, double allocatorBytesPerPage) {

        public double metadataBytesPerPage() {
            return memmapBytesPerPage + lookupBytesPerPage + memdescBytesPerPage + allocatorBytesPerPage;
        }
    }

    private LookupCost() {
    }

    /** A built kernel-mix state. */
    private record State(Memmap memmap, Memdescs descs) {
    }

    public static Row measure(final Layout layout, final long ramBytes, final long steps, final int lookups,
                              final long seed) {
        final double ns;
        final Footprint fp;
        final long pages;
        final double memdescLive;
        try (Machine machine = Machine.create(ramBytes)) {
            final State state = build(layout, machine, PlainAccess.INSTANCE, steps, seed);
            pages = machine.pages();
            final long[] pfns = randomPfns(pages, lookups, seed);
            long sink = 0;
            for (int warm = 0; warm < 3; warm++) {
                sink += timeLookups(state.memmap(), pfns)[1];
            }
            final long[] r = timeLookups(state.memmap(), pfns);
            ns = (double) r[0] / pfns.length;
            sink += r[1];
            if (sink == 42) {
                System.out.print("");                     // keeps the lookups alive
            }
            fp = machine.footprint();
            memdescLive = (double) state.descs().heap().liveBytes() / pages;
            final double[] lines = countLines(layout, ramBytes, steps, Math.min(lookups, 200_000), seed);
            return new Row(layout.name(), ns, lines[0], lines[1],
                    (double) fp.bytes(Region.MEMMAP) / pages, (double) fp.bytes(Region.LOOKUP) / pages,
                    (double) fp.bytes(Region.MEMDESC) / pages, memdescLive,
                    (double) fp.bytes(Region.ALLOCATOR) / pages);
        }
    }

    /** {mean lines of allocatee(pfn), mean lines of the owner lookup} on a counting copy of the state. */
    private static double[] countLines(final Layout layout, final long ramBytes, final long steps, final int lookups,
                                       final long seed) {
        try (Machine machine = Machine.create(ramBytes)) {
            final CountingAccess counting = new CountingAccess();
            final State state = build(layout, machine, counting, steps, seed);
            final long[] pfns = randomPfns(machine.pages(), lookups, seed);
            long lines = 0;
            for (final long pfn : pfns) {
                counting.beginOp();
                state.memmap().allocatee(pfn);
                counting.endOp();
                lines += counting.lastOpLinesTotal();
            }
            final double allocatee = (double) lines / pfns.length;
            final OwnerLookup owners = new OwnerLookup(state.memmap(), state.descs(), BuddyAllocator.DEFAULT_MAX_ORDER);
            lines = 0;
            for (final long pfn : pfns) {
                final PageOwner o = owners.find(pfn);
                lines += o.lines();
            }
            return new double[] {allocatee, (double) lines / pfns.length};
        }
    }

    private static State build(final Layout layout, final Machine machine, final Access access, final long steps,
                               final long seed) {
        final Memmap memmap = layout.bind(machine, access);
        final BuddyAllocator buddy = new BuddyAllocator(memmap, AllocatorOptions.defaults());
        // The owner lookup reads descriptors through the memmap's access, so counting sees them:
        final Memdescs descs = new Memdescs(MemdescHeap.forDescriptors(machine, access));
        final KernelMix mix = new KernelMix(new KernelObjects(buddy, descs, false),
                KernelMixConfig.defaults().withSeed(seed).withFillContents(false));
        mix.run(steps, 0);
        return new State(memmap, descs);
    }

    private static long[] randomPfns(final long pages, final int n, final long seed) {
        final SplittableRandom rnd = new SplittableRandom(seed ^ 0x5eed);
        final long[] pfns = new long[n];
        for (int i = 0; i < n; i++) {
            pfns[i] = rnd.nextLong(pages);
        }
        return pfns;
    }

    /** {total ns, sink}. */
    private static long[] timeLookups(final Memmap memmap, final long[] pfns) {
        long sink = 0;
        final long start = System.nanoTime();
        for (final long pfn : pfns) {
            sink += memmap.allocatee(pfn);
        }
        return new long[] {System.nanoTime() - start, sink};
    }

    public static void main(final String[] args) {
        long ram = 256L << 20;
        long steps = 200_000;
        int lookups = 2_000_000;
        String layouts = "all";
        for (final String arg : args) {
            final String[] kv = arg.split("=", 2);
            if (kv.length != 2) {
                throw new IllegalArgumentException("argument '" + arg + "' is not key=value");
            }
            switch (kv[0]) {
                case "ram" -> ram = Sizes.parse(kv[1]);
                case "steps" -> steps = Long.parseLong(kv[1]);
                case "lookups" -> lookups = Integer.parseInt(kv[1]);
                case "layouts" -> layouts = kv[1];
                default -> throw new IllegalArgumentException("unknown argument '" + kv[0]
                        + "' (known: ram, steps, lookups, layouts)");
            }
        }
        System.out.printf("kernel-mix state: ram %s, %d steps, seed 42; %d random-pfn lookups%n",
                Sizes.format(ram), steps, lookups);
        System.out.printf("%-18s %9s %11s %11s %8s %8s %8s %8s %8s %8s%n", "layout", "ns/lookup", "lines(pfn)",
                "lines(own)", "memmap", "lookup", "memdesc", "md.live", "alloc", "B/page");
        for (final Layout layout : Layouts.all()) {
            if (!layouts.equals("all") && !java.util.Arrays.asList(layouts.split(",")).contains(layout.name())) {
                continue;
            }
            final Row r = measure(layout, ram, steps, lookups, 42);
            System.out.printf("%-18s %9.1f %11.2f %11.2f %8.2f %8.2f %8.2f %8.2f %8.3f %8.2f%n", r.layout(),
                    r.nsPerLookup(), r.linesAllocatee(), r.linesOwner(), r.memmapBytesPerPage(),
                    r.lookupBytesPerPage(), r.memdescBytesPerPage(), r.memdescLiveBytesPerPage(),
                    r.allocatorBytesPerPage(), r.metadataBytesPerPage());
        }
    }
}
