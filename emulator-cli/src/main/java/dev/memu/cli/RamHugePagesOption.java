package dev.memu.cli;

import dev.memu.driver.RunSpec;
import picocli.CommandLine.Option;

import java.util.List;

/**
 * {@code --ram-hugepages}: also advise the emulated RAM {@code MADV_HUGEPAGE}
 * ({@link dev.memu.machine.HugePagePolicy#withRam}), for {@code run} and {@code compare}. Off by
 * default because a sparse workload on a large emulated RAM would commit 2 MiB of host memory for
 * every page it touches. What the kernel really did is in the JSON {@code hugePages} field
 * ({@code ramRequested}, and {@code byRegion.pageData.advisedBytes / hugeBytes}).
 */
final class RamHugePagesOption {

    @Option(names = "--ram-hugepages",
            description = {"Also ask the host for transparent huge pages under the emulated RAM (madvise "
                    + "MADV_HUGEPAGE; metadata is advised by default). Not applied to a RAM larger than an "
                    + "eighth of the host's available memory; the JSON hugePages field reports what was "
                    + "requested, advised and backed."})
    boolean ramHugePages;

    RunSpec apply(final RunSpec spec) {
        return spec.withRamHugePages(ramHugePages);
    }

    /** The option as a child {@code memu run} or {@code compare --child} gets it. */
    List<String> childArgs() {
        return ramHugePages ? List.of("--ram-hugepages") : List.of();
    }
}
