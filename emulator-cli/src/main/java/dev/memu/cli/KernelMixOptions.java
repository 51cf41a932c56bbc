package dev.memu.cli;

import dev.memu.workload.Workloads;
import dev.memu.workload.kernelmix.KernelMixConfig;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** {@code --mix}: the kernel-mix shares, for {@code run} and {@code compare}. */
final class KernelMixOptions {

    /** The default shares as {@code --mix} spells them. */
    static final String DEFAULT_SHARES = shares(KernelMixConfig.defaults());

    @Option(names = "--mix", paramLabel = "KIND=W,...",
            description = {"kernel-mix only: relative weights of allocation events by kind, each kind once; kinds not named keep their "
                    + "default (default: " + "file=40,anon=30,slab=12,pagetable=8,netpool=5,vmalloc=5,zonedevice=0).",
                    "Each event is a real typed descriptor in the memdesc heap plus its pages: file folios of "
                            + "order 0:60,2:20,4:15,9:5 (30%% dirty), anon folios 0:70,4:20,9:10, slabs 0:50,1:20,"
                            + "2:10,3:20 cut into 64..2048 B objects, page tables (order 0), netpool bursts of 32 "
                            + "order-0 pages, vmalloc areas of 1..64 order-0 pages, zone-device pages."})
    String mix;

    /** The mix config, or a usage error naming {@code --mix}; null unless the workload is kernel-mix. */
    KernelMixConfig config(final String workload) {
        if (!Workloads.KERNEL_MIX.equals(workload)) {
            if (mix != null) {
                throw new UsageException("--mix '" + mix + "': applies to --workload kernel-mix only");
            }
            return null;
        }
        if (mix == null) {
            return KernelMixConfig.defaults();
        }
        try {
            if (mix.isBlank()) {
                throw new IllegalArgumentException("empty");
            }
            final java.util.Set<String> kinds = new java.util.HashSet<>();
            for (final String item : mix.split(",")) {
                final String kind = item.split("=", 2)[0].trim().toLowerCase(Locale.ROOT);
                if (!kind.isEmpty() && !kinds.add(kind)) {
                    throw new IllegalArgumentException("kind " + kind + " given twice");
                }
            }
            return KernelMixConfig.defaults().withShares(mix);
        } catch (final IllegalArgumentException e) {
            throw new UsageException("--mix '" + mix + "': " + Memu.oneLine(e.getMessage())
                    + " (use e.g. file=40,anon=30,slab=12)");
        }
    }

    /** Arguments that give a child {@code memu run} the same mix. */
    List<String> childArgs() {
        return mix == null ? List.of() : List.of("--mix", mix);
    }

    /** {@code file=40,anon=30,...}: every kind, in order. */
    static String shares(final KernelMixConfig config) {
        return dev.memu.run.DescriptorRun.shares(config);
    }
}
