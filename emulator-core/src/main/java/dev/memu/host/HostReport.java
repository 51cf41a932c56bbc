package dev.memu.host;

import dev.memu.access.PlainAccess;
import dev.memu.access.Region;
import dev.memu.alloc.AllocatorOptions;
import dev.memu.alloc.Allocators;
import dev.memu.layout.Layout;
import dev.memu.layout.Layouts;
import dev.memu.machine.Machine;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What each layout would cost on the host a {@link HostSnapshot} describes, and how the rebuilt
 * state compares with what the kernel itself reports in /proc/buddyinfo and /proc/meminfo.
 *
 * <h2>Cost of a layout</h2>
 * <pre>
 * memmap      = bytes per page x pfns the kernel keeps a memmap for (the kpageflags span)
 * descriptors = sum over allocations of the class's descriptor size (PageClass table), for every
 *               layout below 64 bytes per page; 0 for a 64-byte struct page, which holds them
 * allocator   = what memu's buddy allocator (the Linux baseline) maps for its own metadata
 *               ({@code Region.ALLOCATOR}, whatever the allocator keeps there today) over
 *               one zone of each host zone's spanned pages (one zone of all pfns when zoneinfo
 *               was not read), measured by building it over a lazily committed emulated machine
 *               of that size; its free lists live in the memmap or the free pages themselves
 * </pre>
 * Memmap and descriptors are computed from the host's counts; the allocator's bytes are asked of
 * the allocator itself (whatever its layout of the day), never copied from its constants. A host
 * snapshot is booted into an emulated machine with {@link HostSnapshot#applyTo} when measured
 * costs of everything are wanted. Building each zone's allocator commits about one host page
 * per 2^MAX_PAGE_ORDER pages (its boot frees one block there), for a moment.
 */
public final class HostReport {

    /** One layout's cost on this host. */
    public record LayoutCost(String layout, int bytesPerPage, long memmapBytes, long descriptorBytes,
                             long allocatorBytes, long totalBytes, double bytesPerPageTotal, double percentOfRam,
                             long savedVsStructPage) {
    }

    /** One line of the cross-check against /proc: the kernel's figure, the rebuilt one, in kB. */
    public record Check(String what, String procSource, long procKb, long rebuiltKb, String note) {
        public long differenceKb() {
            return rebuiltKb - procKb;
        }
    }

    /** Free blocks per order summed over all zones of /proc/buddyinfo, next to the rebuilt ones. */
    public record BuddyCheck(long[] proc, long[] rebuilt) {
    }

    public static final int STRUCT_PAGE_BYTES = 64;
    /** The allocator whose metadata the allocator column costs: the Linux baseline. */
    public static final String BASELINE_ALLOCATOR = "buddy";

    /** Bytes per allocation of a per-allocation layout (peralloc16: pointer + pfn/order). */
    public static final int PER_ALLOCATION_RECORD_BYTES = 16;

    private HostReport() {
    }

    /** Allocations of every class that has an owner, plus free blocks: what a per-allocation layout records. */
    static long records(final HostSnapshot s) {
        long n = 0;
        for (final PageClass c : PageClass.values()) {
            if (c != PageClass.HOLE && c != PageClass.FREE) {
                n += s.allocations(c);
            }
        }
        for (final long blocks : s.freeBlocksByOrder()) {
            n += blocks;
        }
        return n;
    }

    public static List<LayoutCost> costs(final HostSnapshot s, final List<Layout> layouts) {
        final List<LayoutCost> out = new ArrayList<>();
        final long ramBytes = s.pfns() << s.pageShift();
        final long structPageAlloc = allocatorBytes(s, Layouts.byName("linux64"));
        final long structPageTotal = STRUCT_PAGE_BYTES * s.pfns() + structPageAlloc;
        for (final Layout l : layouts) {
            // A per-allocation layout (no per-page entry) keeps one 16-byte record per allocation and
            // per free block instead of a memmap; its lookup structure is measured by `memu compare`.
            final long memmap = l.bytesPerPage() == 0 ? PER_ALLOCATION_RECORD_BYTES * records(s)
                    : (long) l.bytesPerPage() * s.pfns();
            final long desc = l.bytesPerPage() >= STRUCT_PAGE_BYTES ? 0 : s.descriptorBytes();
            final long alloc = l.name().equals("linux64") ? structPageAlloc : allocatorBytes(s, l);
            final long total = memmap + desc + alloc;
            out.add(new LayoutCost(l.name(), l.bytesPerPage(), memmap, desc, alloc, total,
                    (double) total / s.pfns(), 100.0 * total / ramBytes, structPageTotal - total));
        }
        return out;
    }

    /**
     * Allocator metadata of the baseline allocator on this host with {@code layout}: one
     * allocator per host zone (of the zone's spanned pages), or one over all pfns without zones.
     */
    static long allocatorBytes(final HostSnapshot s, final Layout layout) {
        if (s.zones().isEmpty()) {
            return allocatorBytes(BASELINE_ALLOCATOR, layout, s.pfns(), s.pageShift());
        }
        long bytes = 0;
        for (final ProcFiles.Zone z : s.zones()) {
            bytes += allocatorBytes(BASELINE_ALLOCATOR, layout, z.spanned(), s.pageShift());
        }
        return bytes;
    }

    /**
     * The bytes {@code allocator} maps in {@link Region#ALLOCATOR} when built over {@code pages}
     * pages of {@code layout}: asked of the allocator by building it over a lazily committed
     * machine of that size, and read from the machine's footprint.
     */
    public static long allocatorBytes(final String allocator, final Layout layout, final long pages,
                                      final int pageShift) {
        try (Machine m = Machine.create(pages << pageShift, pageShift)) {
            Allocators.create(allocator, layout.bind(m, PlainAccess.INSTANCE), AllocatorOptions.defaults());
            return m.footprint().bytes(Region.ALLOCATOR);
        }
    }

    public static BuddyCheck buddyCheck(final HostSnapshot s, final List<ProcFiles.BuddyRow> rows) {
        final long[] rebuilt = s.freeBlocksByOrder();
        final long[] proc = new long[rebuilt.length];
        for (final ProcFiles.BuddyRow r : rows) {
            for (int o = 0; o < Math.min(proc.length, r.freeBlocks().length); o++) {
                proc[o] += r.freeBlocks()[o];
            }
        }
        return new BuddyCheck(proc, rebuilt);
    }

    public static List<Check> meminfoChecks(final HostSnapshot s, final Map<String, Long> m) {
        final List<Check> checks = new ArrayList<>();
        final long pageKb = (1L << s.pageShift()) / 1024;
        if (m.isEmpty()) {
            return checks;
        }
        final long reserved = s.pages(PageClass.RESERVED) + s.pages(PageClass.HOLE) + s.pages(PageClass.OFFLINE)
                + s.pages(PageClass.HWPOISON);
        add(checks, m, "total", "MemTotal", (s.pfns() - reserved) * pageKb,
                "pfns - reserved/hole/offline; MemTotal also leaves out memblock allocations (e.g. the memmap itself)");
        add(checks, m, "free", "MemFree", s.freePages() * pageKb,
                "BUDDY pages; MemFree also counts per-CPU lists and memory not yet handed to the buddy (among the blank pages)");
        add(checks, m, "free+blank", "MemFree", (s.freePages() + s.pages(PageClass.BLANK)) * pageKb,
                "upper bound: as if every blank page were free (per-CPU lists, deferred struct-page init)");
        add(checks, m, "anon", "AnonPages", (s.pages(PageClass.ANON) + s.pages(PageClass.KSM)) * pageKb,
                "ANON pages; AnonPages counts mapped anon only");
        add(checks, m, "file", "Cached+Buffers+SwapCached", s.pages(PageClass.FILE) * pageKb,
                "page cache incl. shmem");
        add(checks, m, "slab", "Slab", s.pages(PageClass.SLAB) * pageKb, "");
        add(checks, m, "pagetables", "PageTables", s.pages(PageClass.PAGE_TABLE) * pageKb, "");
        add(checks, m, "thp", "AnonHugePages+ShmemHugePages+FileHugePages", s.thpPages() * pageKb,
                "KPF_THP marks every large rmappable folio, not only PMD-sized ones");
        if (m.containsKey("HugePages_Total") && m.containsKey("Hugepagesize")) {
            checks.add(new Check("hugetlb", "HugePages_Total*Hugepagesize",
                    m.get("HugePages_Total") * m.get("Hugepagesize"), s.pages(PageClass.HUGETLB) * pageKb, ""));
        }
        return checks;
    }

    private static void add(final List<Check> checks, final Map<String, Long> m, final String what,
                            final String keys, final long rebuiltKb, final String note) {
        long sum = 0;
        for (final String k : keys.split("\\+")) {
            final Long v = m.get(k);
            if (v == null) {
                return;                 // this kernel does not print it
            }
            sum += v;
        }
        checks.add(new Check(what, keys, sum, rebuiltKb, note));
    }
}
