package dev.memu.cli;

import dev.memu.alloc.PageAllocator;
import dev.memu.driver.AllocatorBoot;
import dev.memu.driver.RunConfigException;
import dev.memu.host.HostSnapshot;
import dev.memu.host.PageClass;
import dev.memu.host.SnapshotFormatException;
import dev.memu.util.Sizes;
import dev.memu.workload.WorkloadSpec;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code memu run --from-host FILE}: a host snapshot ({@code memu host --save FILE}) as the run's
 * starting state. The RAM is the snapshot's pfn span; each pass's allocator is booted with
 * {@link HostSnapshot#bootAllocator}, so the pages the host held stay allocated (nobody's: the
 * workload frees only its own blocks) and the workload allocates from the host's free blocks.
 *
 * <p>Occupancy counts the host's pages: the workload's fill tops the host's occupancy up to
 * {@code --occupancy} (still capped by {@code --max-fill}); on a host already fuller than that,
 * the fill is one block and the churn runs at the host's own occupancy.
 */
final class FromHost {

    private final String file;
    private final HostSnapshot snapshot;
    private final boolean blankIsFree;
    /** The allocator's free blocks per order right after the first boot (the timed pass's). */
    private long[] bootFreeBlocks;

    private FromHost(final String file, final HostSnapshot snapshot, final boolean blankIsFree) {
        this.file = file;
        this.snapshot = snapshot;
        this.blankIsFree = blankIsFree;
    }

    /**
     * @throws UsageException naming the file when it is missing, not a file, or not a whole, valid
     *                        snapshot (exit 2)
     * @throws UncheckedIOException when reading it fails (exit 1)
     */
    static FromHost load(final String file, final boolean blankIsFree) {
        try {
            final Path path = Path.of(file);
            if (Files.isDirectory(path)) {
                throw new UsageException("--from-host '" + file + "': is a directory, not a snapshot file");
            }
            return new FromHost(file, HostSnapshot.load(path), blankIsFree);
        } catch (final java.nio.file.NoSuchFileException e) {
            throw new UsageException("--from-host '" + file + "': no such file (write one with 'memu host --save FILE')");
        } catch (final java.nio.file.InvalidPathException e) {
            throw new UsageException("--from-host '" + file + "': not a valid path");
        } catch (final SnapshotFormatException e) {
            throw new UsageException("--from-host '" + file + "': " + e.detail());
        } catch (final java.nio.file.AccessDeniedException e) {
            throw new UsageException("--from-host '" + file + "': permission denied");
        } catch (final IOException e) {
            throw new UncheckedIOException("--from-host '" + file + "': " + e.getMessage(), e);
        }
    }

    int pageShift() {
        return snapshot.pageShift();
    }

    long pages() {
        return snapshot.pfns();
    }

    long ramBytes() {
        return snapshot.pfns() << snapshot.pageShift();
    }

    /** Pages the boot leaves free: the host's free pages, and its blank ones with --blank-free. */
    long freePages() {
        return snapshot.pages(PageClass.FREE) + (blankIsFree ? snapshot.pages(PageClass.BLANK) : 0);
    }

    /** Pages the boot leaves allocated to the host. */
    long heldPages() {
        return pages() - freePages();
    }

    /** {@code w} with the occupancy that makes its fill top the host's pages up to {@code w}'s occupancy. */
    WorkloadSpec workload(final WorkloadSpec w) {
        final double topUp = (w.occupancy() * pages() - heldPages()) / pages();
        // at or above the target already: a fill of one block (fillPages is at least 1)
        return w.withOccupancy(topUp > 0 ? topUp : 0.5 / pages());
    }

    AllocatorBoot boot() {
        return allocator -> {
            try {
                snapshot.bootAllocator(allocator, blankIsFree);
            } catch (final IllegalStateException e) {
                throw new RunConfigException(RunConfigException.Input.OTHER, "--from-host: " + e.getMessage());
            }
            if (bootFreeBlocks == null) {
                bootFreeBlocks = allocator.freeBlocksByOrder();
            }
        };
    }

    /** The {@code fromHost} config entry: where the run started from. */
    Map<String, Object> config(final long fillPages) {
        final Map<String, Object> c = new LinkedHashMap<>();
        c.put("file", Path.of(file).toAbsolutePath().normalize().toString());
        c.put("pfns", pages());
        c.put("hostHeldPages", heldPages());
        c.put("hostFreePages", freePages());
        c.put("blankIsFree", blankIsFree);
        c.put("blankPages", snapshot.pages(PageClass.BLANK));
        c.put("hostFreeBlocksByOrder", list(snapshot.freeBlocksByOrder()));
        c.put("bootFreeBlocksByOrder", bootFreeBlocks == null ? List.of() : list(bootFreeBlocks));
        c.put("workloadFillPages", fillPages);
        return c;
    }

    /** Text header lines for a config with a {@code fromHost} entry; nothing otherwise. */
    @SuppressWarnings("unchecked")
    static void header(final StringBuilder sb, final Map<String, Object> config) {
        if (!(config.get("fromHost") instanceof Map<?, ?> m)) {
            return;
        }
        final Map<String, Object> h = (Map<String, Object>) m;
        final long pfns = num(h, "pfns");
        final long held = num(h, "hostHeldPages");
        sb.append("  started from host snapshot ").append(h.get("file")).append('\n');
        sb.append(String.format(Locale.ROOT, "    host held %d of %d pages (%.1f%%), %d free; %d blank pages counted %s%n",
                held, pfns, 100.0 * held / pfns, num(h, "hostFreePages"), num(h, "blankPages"),
                Boolean.TRUE.equals(h.get("blankIsFree")) ? "free (--blank-free)"
                        : "allocated (--blank-free counts them free)"));
        sb.append("    host free blocks by order (rebuilt):      ").append(orders((List<Object>) h.get("hostFreeBlocksByOrder")))
                .append('\n');
        sb.append("    free blocks by order before the workload: ").append(orders((List<Object>) h.get("bootFreeBlocksByOrder")))
                .append('\n');
    }

    /** The fill line of a from-host run: the fill tops the host's occupancy up. */
    static String fillLine(final Map<String, Object> config, final String occupancy) {
        final Map<?, ?> h = (Map<?, ?>) config.get("fromHost");
        return "  fill (untimed): the host's pages plus the workload's " + TextReport.pages(num(h, "workloadFillPages"))
                + " (topping up to " + occupancy + " of RAM, at most --max-fill "
                + Sizes.format(((Number) config.get("maxFillBytes")).longValue()) + "; one block when the host is "
                + "fuller already); orders " + config.get("orders") + "\n";
    }

    private static long num(final Map<?, ?> m, final String key) {
        return ((Number) m.get(key)).longValue();
    }

    private static String orders(final List<Object> blocks) {
        final StringBuilder s = new StringBuilder();
        for (int o = 0; o < blocks.size(); o++) {
            s.append(o == 0 ? "" : " ").append(o).append(':').append(blocks.get(o));
        }
        return s.toString();
    }

    private static List<Object> list(final long[] values) {
        final List<Object> l = new ArrayList<>(values.length);
        for (final long v : values) {
            l.add(v);
        }
        return l;
    }
}
