package dev.memu.cli;

import dev.memu.failure.FailurePlan;
import dev.memu.workload.Workloads;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code memu run}'s stop-the-world experiments: memory failures injected between ops, and a
 * compaction round at the end. Both need real descriptors and a single vcpu.
 */
final class InjectOptions {

    /** Compaction keeps a flag per page on the Java heap: more pages than this is refused. */
    static final long MAX_COMPACT_PAGES = 1L << 24;

    @Option(names = "--fail-rate", paramLabel = "R",
            description = {"kernel-mix, 1 thread, not with --from-host: inject R memory failures per million measured ops, "
                    + "0 < R <= 1000000 (e.g. 100: "
                    + "one every 10000 ops), each at a uniformly random pfn, spread evenly over the measured ops. "
                    + "Each goes through memory_failure: owner found from the pfn through the layout, then "
                    + "by type: free page taken off, clean file folio dropped and re-read, dirty file or anon "
                    + "folio migrated (checksummed), slab/page table/netpool/vmalloc lost; the pfn is never "
                    + "handed out again. Reported: recovered, lost, by action and type, lookup ns (timed pass) "
                    + "and cachelines (counting pass). Failure handling is stop-the-world, so it runs only with "
                    + "--threads 1; throughput includes it, latencies do not, except that the free of a block holding "
                    + "a poisoned page includes taking that page off the allocator."})
    String failRate;

    @Option(names = "--fail-pfns", paramLabel = "PFN,...",
            description = "kernel-mix, 1 thread: fail these pfns (decimal or 0x hex), spread evenly over the "
                    + "measured ops; instead of --fail-rate.")
    String failPfns;

    @Option(names = "--compact",
            description = {"fragment or kernel-mix, 1 thread: when the workload is done, try "
                    + "free/2 MiB order-9 allocations (given back), run one compaction pass (movable folios "
                    + "moved out of pageblocks with no unmovable memory), try again; reports order-9 free "
                    + "blocks and probe successes before/after. With fragment, every block is then a real "
                    + "anon folio descriptor (so it can move). At most 64G of --mem."})
    boolean compact;

    /** The failure plan, or null; usage errors name the option. */
    FailurePlan plan(final String workload, final int threads, final long pages, final long seed) {
        return plan(workload, threads, pages, seed, false);
    }

    /**
     * The failure plan, or null; usage errors name the option. Memory failure needs every page's
     * owner to be a descriptor it can look up, which a host snapshot's held pages are not: they
     * are refused with {@code fromHost}.
     */
    FailurePlan plan(final String workload, final int threads, final long pages, final long seed,
                     final boolean fromHost) {
        if (failRate == null && failPfns == null) {
            return null;
        }
        final String option = failRate != null ? "--fail-rate" : "--fail-pfns";
        final String text = failRate != null ? failRate : failPfns;
        if (failRate != null && failPfns != null) {
            throw new UsageException("--fail-rate and --fail-pfns: give one, not both");
        }
        if (fromHost) {
            throw new UsageException(option + " '" + text + "': does not combine with --from-host (the pages the "
                    + "host held have no descriptor memory failure could find an owner in)");
        }
        if (!Workloads.KERNEL_MIX.equals(workload)) {
            throw new UsageException(option + " '" + text + "': needs --workload kernel-mix (its allocations have "
                    + "real descriptors that memory failure can find and move), not " + workload);
        }
        if (threads != 1) {
            throw new UsageException(option + " '" + text + "': needs --threads 1 (memory failure is "
                    + "stop-the-world), not " + threads);
        }
        if (failRate != null) {
            final double r;
            try {
                r = Double.parseDouble(failRate.trim());
            } catch (final NumberFormatException e) {
                throw new UsageException("--fail-rate '" + failRate + "': not a number (failures per million "
                        + "measured ops, e.g. 100)");
            }
            if (!(r > 0) || Double.isInfinite(r) || r > 1e6) {
                throw new UsageException("--fail-rate '" + failRate + "': must be greater than 0 and at most "
                        + "1000000 (failures per million measured ops)");
            }
            return FailurePlan.rate(r, seed);
        }
        final List<Long> list = new ArrayList<>();
        for (final String item : Inputs.list("--fail-pfns", failPfns)) {
            final long pfn;
            try {
                pfn = Long.decode(item);
            } catch (final NumberFormatException e) {
                throw new UsageException("--fail-pfns '" + failPfns + "': '" + item + "' is not a pfn");
            }
            if (pfn < 0 || pfn >= pages) {
                throw new UsageException("--fail-pfns '" + failPfns + "': pfn " + item + " is outside the "
                        + pages + " pages of --mem");
            }
            list.add(pfn);
        }
        return FailurePlan.pfns(list.stream().mapToLong(Long::longValue).toArray());
    }

    /** Whether to compact; usage errors name the option. */
    boolean compact(final String workload, final int threads, final long pages) {
        if (!compact) {
            return false;
        }
        if (!Workloads.FRAGMENT.equals(workload) && !Workloads.KERNEL_MIX.equals(workload)) {
            throw new UsageException("--compact: needs --workload fragment or kernel-mix (movable allocations "
                    + "with descriptors), not " + workload);
        }
        if (threads != 1) {
            throw new UsageException("--compact: needs --threads 1 (compaction is stop-the-world), not " + threads);
        }
        if (pages > MAX_COMPACT_PAGES) {
            throw new UsageException("--compact: at most " + MAX_COMPACT_PAGES + " pages (64G of --mem), got "
                    + pages);
        }
        return true;
    }
}
