package dev.memu.migrate;

import dev.memu.access.PlainAccess;
import dev.memu.alloc.AllocatorOptions;
import dev.memu.alloc.BuddyAllocator;
import dev.memu.alloc.PageAllocator;
import dev.memu.layout.Layouts;
import dev.memu.machine.Machine;
import dev.memu.memdesc.MemdescHeap;
import dev.memu.memdesc.Memdescs;
import dev.memu.util.Sizes;
import dev.memu.workload.kernelmix.FragmentingFill;
import dev.memu.workload.kernelmix.KernelObjects;

/**
 * Order-9 capacity before and after one compaction pass on a fragmented buddy, for the README
 * until {@code memu run --workload fragment --compact} reports it.
 *
 * <p>Usage: {@code CompactionDemo [ram=256M] [layout=memdesc8] [free=0.6] [slabs=64]}
 */
public final class CompactionDemo {

    private CompactionDemo() {
    }

    public static void main(final String[] args) {
        long ram = 256L << 20;
        String layout = "memdesc8";
        double free = 0.6;
        int slabs = 64;
        for (final String arg : args) {
            final String[] kv = arg.split("=", 2);
            switch (kv[0]) {
                case "ram" -> ram = Sizes.parse(kv[1]);
                case "layout" -> layout = kv[1];
                case "free" -> free = Double.parseDouble(kv[1]);
                case "slabs" -> slabs = Integer.parseInt(kv[1]);
                default -> throw new IllegalArgumentException("unknown argument '" + arg
                        + "' (known: ram, layout, free, slabs)");
            }
        }
        try (Machine machine = Machine.create(ram)) {
            final PageAllocator buddy = new BuddyAllocator(Layouts.byName(layout).bind(machine, PlainAccess.INSTANCE),
                    AllocatorOptions.defaults());
            final Memdescs descs = new Memdescs(MemdescHeap.forDescriptors(machine, PlainAccess.INSTANCE));
            final KernelObjects objects = new KernelObjects(buddy, descs, true);
            new FragmentingFill(objects).fill(slabs, free, 42, 0);
            final CompactionResult r = new Compactor(buddy, descs, new Migrator(buddy, descs)).compact(0);
            System.out.printf("ram %s, layout %s, buddy, %d slabs, %.0f%% of folios freed%n",
                    Sizes.format(ram), layout, slabs, free * 100);
            System.out.println(r);
            System.out.println("verify: " + buddy.verify());
        }
    }
}
