package dev.memu.mm.run;

import dev.memu.alloc.AllocatorOptions;
import dev.memu.alloc.Allocators;
import dev.memu.alloc.PageAllocator;
import dev.memu.alloc.VerifyReport;
import dev.memu.layout.Layout;
import dev.memu.layout.Layouts;
import dev.memu.machine.Machine;
import dev.memu.memdesc.MemdescHeap;
import dev.memu.memdesc.Memdescs;
import dev.memu.mm.Fault;
import dev.memu.mm.MappedFile;
import dev.memu.mm.Mm;
import dev.memu.mm.MmConfig;
import dev.memu.mm.MmCounters;
import dev.memu.mm.MmLayer;
import dev.memu.mm.PageTableProbe;
import dev.memu.mm.Pte;
import dev.memu.mm.Vma;
import dev.memu.mm.consumer.ConsumerScore;
import dev.memu.mm.consumer.DecisionTally;
import dev.memu.mm.consumer.ProcStats;
import dev.memu.mm.mapcount.ExactMapcount;
import dev.memu.mm.mapcount.MapcountScheme;
import dev.memu.mm.mapcount.MapcountSchemes;
import dev.memu.mm.mapcount.SchemeContext;
import dev.memu.util.SplitMix64;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Assembles and runs {@code memu rmap}: one machine, allocator and mm layer; every requested
 * scheme (and {@code exact}) attached to the same rmap events, each charged its own lines and
 * atomics ({@link ScopedCountingAccess}); after each operation {@link RmapSpec#samples()} live
 * folios are asked every query by every scheme, and the answers are scored against exact's.
 *
 * <p>Single-threaded (vcpu 0), deterministic for a seed. Lines per op of a scheme are the lines
 * its own code touched (its folio/page fields, and the page-table probes and rmap walks it asked
 * for); the mm layer's own lines are reported apart.
 */
public final class RmapRun {

    private static final long PAGE = 4096;
    private static final long ANON_BASE = 1L << 30;
    private static final long FILE_BASE = 1L << 34;

    private final RmapSpec spec;
    private final RmapWorkload workload;
    private final SplitMix64 rnd;
    private ScopedCountingAccess acc;
    private MmLayer layer;
    private final List<Mm> procs = new ArrayList<>();
    private MappedFile file;
    private long region;
    private MeteredScheme[] metered;
    private int exactIndex;
    private FolioRegistry registry;
    private Accuracy.Tally[][] tallies;          // [scheme][query]
    private ConsumerScore[] consumers;           // [scheme]
    private final List<long[]> metFolios = new ArrayList<>();   // {folio, head, order, whole} met by a range op

    private static final String[] QUERIES = {"mapcount", "pageMapcount", "exclusive", "partiallyMapped", "mapped"};

    private RmapRun(final RmapSpec spec) {
        this.spec = spec;
        this.workload = RmapWorkload.of(spec.workload());
        this.rnd = new SplitMix64(spec.seed());
    }

    /** Runs {@code spec} and returns what it measured. */
    public static RmapResult run(final RmapSpec spec) {
        return new RmapRun(spec).run();
    }

    private RmapResult run() {
        final List<String> names = new ArrayList<>(spec.schemes());
        if (!names.contains(ExactMapcount.NAME)) {
            names.add(ExactMapcount.NAME);
        }
        final Layout layout = Layouts.byName(spec.layout());
        acc = new ScopedCountingAccess(names.size() + 1);
        try (Machine machine = Machine.create(spec.mem())) {
            final PageAllocator allocator = Allocators.create(spec.allocator(), layout.bind(machine, acc),
                    AllocatorOptions.defaults());
            final MemdescHeap heap = MemdescHeap.forDescriptors(machine, acc);
            layer = new MmLayer(allocator, Memdescs.withMapcountSlots(heap),
                    MmConfig.defaults().withOrders(spec.folioOrders()).withBatchedRmap(spec.batchedRmap()));
            registry = new FolioRegistry();
            layer.attach(registry);
            final PageTableProbe probe = new PageTableProbe(layer);
            final SchemeContext ctx = new SchemeContext(allocator.memmap(), heap, probe, probe);
            metered = new MeteredScheme[names.size()];
            final boolean[] supported = new boolean[names.size()];
            for (int i = 0; i < names.size(); i++) {
                final String name = names.get(i);
                supported[i] = MapcountSchemes.supports(name, layout);
                if (!supported[i]) {
                    continue;
                }
                final MapcountScheme s = name.equals(ExactMapcount.NAME)
                        ? new ExactMapcount(layer.rmap(), allocator.maxOrder())
                        : MapcountSchemes.create(name, ctx);
                metered[i] = new MeteredScheme(s, acc, i + 1);
                layer.attach(metered[i]);
                if (name.equals(ExactMapcount.NAME)) {
                    exactIndex = i;
                }
            }
            consumers = new ConsumerScore[names.size()];
            for (int i = 0; i < names.size(); i++) {
                if (metered[i] != null) {
                    consumers[i] = new ConsumerScore(metered[i].inner(), metered[exactIndex].inner());
                }
            }
            tallies = new Accuracy.Tally[names.size()][QUERIES.length];
            for (final Accuracy.Tally[] t : tallies) {
                for (int q = 0; q < t.length; q++) {
                    t[q] = new Accuracy.Tally();
                }
            }
            region = spec.regionBytes();
            setUp();
            for (long op = 0; op < spec.ops(); op++) {
                step();
                sample();
            }
            for (final Mm m : List.copyOf(procs)) {
                acc.beginOp();
                layer.exit(m);
                acc.endOp(OpKind.EXIT, -1);
            }
            procs.clear();
            final double meanPages = registry.created == 0 ? 0 : (double) registry.createdPages / registry.created;
            final MmCounters c = layer.counters();
            layer.shutdown();
            final VerifyReport v = allocator.verify();
            final boolean leakFree = layer.liveFolios() == 0 && layer.pageTables().live() == 0
                    && allocator.freePages() == allocator.managedPages() && v.ok();
            final List<SchemeResult> results = new ArrayList<>();
            for (int i = 0; i < names.size(); i++) {
                if (!spec.schemes().contains(names.get(i))) {
                    continue;
                }
                results.add(result(names.get(i), i, supported[i], meanPages));
            }
            return new RmapResult(spec, results, perOp(0, false), opCounts(), events(c), meanPages, leakFree,
                    v.toString());
        }
    }

    // ---- set-up and operations ----

    private void setUp() {
        final Mm first = measured(OpKind.OTHER, () -> layer.newMm());
        procs.add(first);
        layer.mmapAnon(first, ANON_BASE, region, Vma.VM_READ | Vma.VM_WRITE);
        if (workload.fileWrite > 0) {
            int order = 0;
            for (final int o : spec.folioOrders()) {
                order = Math.max(order, o);
            }
            file = layer.newFile(region / PAGE, order);
            layer.mmapFile(first, FILE_BASE, region, Vma.VM_READ | Vma.VM_WRITE, file, 0);
        }
        for (long va = ANON_BASE; va < ANON_BASE + region; va += PAGE) {
            write(first, va);
        }
        while (procs.size() < spec.procs()) {
            fork();
        }
    }

    private void step() {
        final int dice = rnd.nextInt(100);
        final Mm m = procs.get(rnd.nextInt(procs.size()));
        final long va = ANON_BASE + rnd.nextLong(region / PAGE) * PAGE;
        int w = workload.write;
        if (dice < w) {
            write(m, va);
            return;
        }
        if (dice < (w += workload.read)) {
            read(m, va);
            return;
        }
        if (dice < (w += workload.unmap)) {
            final long len = Math.min(1 + rnd.nextLong(32), (ANON_BASE + region - va) / PAGE) * PAGE;
            foliosIn(m, va, len);
            acc.beginOp();
            layer.munmap(m, va, len);
            acc.endOp(OpKind.UNMAP, -1);
            afterZap();
            layer.mmapAnon(m, va, len, Vma.VM_READ | Vma.VM_WRITE);
            return;
        }
        if (dice < (w += workload.dontneed)) {
            final long len = Math.min(1 + rnd.nextLong(64), (ANON_BASE + region - va) / PAGE) * PAGE;
            foliosIn(m, va, len);
            for (final long[] f : metFolios) {                        // the range as MADV_COLD/PAGEOUT would meet it
                for (final ConsumerScore c : consumers) {
                    if (c != null) {
                        c.madvise(f[0], f[1], (int) f[2], f[3] != 0);
                    }
                }
            }
            acc.beginOp();
            layer.madviseDontneed(m, va, len);
            acc.endOp(OpKind.ZAP, -1);
            afterZap();
            return;
        }
        if (dice < (w += workload.exitFork)) {
            if (procs.size() == 1) {
                final Mm child = fork();
                exit(child);
            } else {
                exit(procs.get(1 + rnd.nextInt(procs.size() - 1)));
                fork();
            }
            return;
        }
        write(m, FILE_BASE + rnd.nextLong(region / PAGE) * PAGE);
    }

    /** The folios mapped in [va, va + len) of {@code m}, each once, and whether the range covers all its pages. */
    private void foliosIn(final Mm m, final long va, final long len) {
        metFolios.clear();
        long lastFolio = 0;
        for (long a = va; a < va + len; a += PAGE) {
            final long pfn = layer.translate(m, a);
            if (pfn < 0) {
                continue;
            }
            final long folio = layer.memmap().allocatee(pfn);
            if (folio == lastFolio) {
                continue;
            }
            lastFolio = folio;
            final long head = layer.descs().pfn(folio);
            final int order = layer.descs().order(folio);
            final long start = a - (pfn - head) * PAGE;
            final boolean whole = start >= va && start + (PAGE << order) <= va + len;
            metFolios.add(new long[] {folio, head, order, whole ? 1 : 0});
        }
    }

    /** deferred_split_folio's question for each large anon folio a zap met that is still alive (partly unmapped?). */
    private void afterZap() {
        for (final long[] f : metFolios) {
            if (f[2] > 0 && f[3] == 0 && registry.contains(f[0])) {
                for (final ConsumerScore c : consumers) {
                    if (c != null) {
                        c.deferredSplit(f[0], f[1], (int) f[2], true, false);
                    }
                }
            }
        }
    }

    private void write(final Mm m, final long va) {
        final long e = layer.entry(m, va);
        if (Pte.present(e) && (e & Pte.RW) != 0) {
            return;                                                   // no fault: not an operation
        }
        final OpKind kind = Pte.present(e) ? OpKind.COW : OpKind.MAP;
        acc.beginOp();
        final Fault f = layer.fault(m, va, true);
        acc.endOp(kind, -1);
        if (f != Fault.OK) {
            throw new IllegalStateException("write fault at 0x" + Long.toHexString(va) + " in " + m + ": " + f
                    + " (--mem too small for this workload?)");
        }
    }

    private void read(final Mm m, final long va) {
        if (Pte.present(layer.entry(m, va))) {
            return;
        }
        acc.beginOp();
        final Fault f = layer.fault(m, va, false);
        acc.endOp(OpKind.MAP, -1);
        if (f != Fault.OK) {
            throw new IllegalStateException("read fault at 0x" + Long.toHexString(va) + " in " + m + ": " + f
                    + " (--mem too small for this workload?)");
        }
    }

    private Mm fork() {
        final Mm child = measured(OpKind.FORK, () -> layer.fork(procs.get(0)));
        if (child == null) {
            throw new IllegalStateException("fork ran out of memory (--mem too small for this workload?)");
        }
        procs.add(child);
        return child;
    }

    private void exit(final Mm m) {
        acc.beginOp();
        layer.exit(m);
        acc.endOp(OpKind.EXIT, -1);
        procs.remove(m);
    }

    private <T> T measured(final OpKind kind, final java.util.function.Supplier<T> op) {
        acc.beginOp();
        final T t = op.get();
        acc.endOp(kind, -1);
        return t;
    }

    // ---- queries and scoring ----

    private void sample() {
        for (int k = 0; k < spec.samples() && registry.size() > 0; k++) {
            final int i = rnd.nextInt(registry.size());
            final long folio = registry.folio(i);
            final long head = registry.head(i);
            final int order = registry.order(i);
            final int page = rnd.nextInt(1 << order);
            final ExactMapcount exact = (ExactMapcount) metered[exactIndex].inner();
            exact.measure(folio, order);
            final long total = exact.totalMapcount();
            final long pageCount = exact.pageMapcount(page);
            final boolean mapped = total > 0;
            final boolean shared = exact.mmCount() > 1;
            final boolean partial = exact.partiallyMapped();
            for (int s = 0; s < metered.length; s++) {
                final MeteredScheme m = metered[s];
                if (m == null) {
                    continue;
                }
                final int scope = s + 1;
                acc.beginOp();
                final long mc = m.mapcount(folio, head, order);
                acc.endOp(OpKind.Q_MAPCOUNT, scope);
                acc.beginOp();
                final long pmc = m.pageMapcount(folio, head, order, page);
                acc.endOp(OpKind.Q_PAGE_MAPCOUNT, scope);
                acc.beginOp();
                final boolean sh = m.mappedShared(folio, head, order);
                acc.endOp(OpKind.Q_MAPPED_SHARED, scope);
                acc.beginOp();
                final boolean pm = m.partiallyMapped(folio, head, order);
                acc.endOp(OpKind.Q_PARTIALLY_MAPPED, scope);
                acc.beginOp();
                final boolean mp = m.mapped(folio, head, order);
                acc.endOp(OpKind.Q_MAPPED, scope);
                tallies[s][0].count(mc, total);
                tallies[s][1].count(pmc, pageCount);
                if (mapped) {
                    tallies[s][2].bool(!sh, !shared);
                }
                tallies[s][3].bool(pm, partial);
                tallies[s][4].bool(mp, mapped);
            }
            consumersOn(folio, head, order);
        }
    }

    /**
     * The consumers that meet arbitrary folios, asked about a sampled one: mlock of a range
     * covering it, compaction (folio_ref_count against the mapcount), the AnonPages census, and
     * smaps of a random process over the pages it maps of the folio (Pss, Uss).
     */
    private void consumersOn(final long folio, final long head, final int order) {
        final boolean anon = (layer.descs().getLong(folio, dev.memu.memdesc.FolioDesc.MAPPING)
                & dev.memu.memdesc.FolioDesc.PAGE_MAPPING_ANON) != 0;
        final int refs = layer.refcount(folio) - (anon ? 0 : 1);          // the page cache's reference aside
        final Mm m = procs.get(rnd.nextInt(procs.size()));
        final long index = layer.descs().getLong(folio, dev.memu.memdesc.FolioDesc.INDEX);
        for (final ConsumerScore c : consumers) {
            if (c == null) {
                continue;
            }
            c.mlock(folio, head, order, true);
            c.compaction(folio, head, order, anon, refs);
            if (anon) {
                c.anonPages(folio, head, order);
            }
        }
        final Vma vma = anon ? m.find(ANON_BASE) : m.find(FILE_BASE);
        if (vma == null) {
            return;
        }
        int run = -1;
        for (int p = 0; p <= (1 << order); p++) {
            final long a = vma.address(index + p);
            final boolean here = p < (1 << order) && vma.contains(a) && layer.translate(m, a) == head + p;
            if (here && run < 0) {
                run = p;
            } else if (!here && run >= 0) {
                for (final ConsumerScore c : consumers) {
                    if (c != null) {
                        c.smaps(folio, head, order, run, p - run);
                    }
                }
                run = -1;
            }
        }
    }

    private SchemeResult result(final String name, final int i, final boolean supported, final double meanPages) {
        if (!supported) {
            return new SchemeResult(name, false, 0, 0, 0, Map.of(), Map.of(), Map.of(), List.of(), List.of(), 0, null);
        }
        final MeteredScheme m = metered[i];
        final Map<String, Accuracy> accuracy = new LinkedHashMap<>();
        for (int q = 0; q < QUERIES.length; q++) {
            accuracy.put(QUERIES[q], tallies[i][q].freeze());
        }
        return new SchemeResult(name, true, m.folioBytes(), m.pageBytes(),
                m.folioBytes() + m.pageBytes() * meanPages, perOp(i + 1, false), perOp(i + 1, true), accuracy,
                consumerResults(consumers[i]), statResults(consumers[i]), m.errors(), m.firstError());
    }

    private static List<ConsumerResult> consumerResults(final ConsumerScore c) {
        final List<ConsumerResult> out = new ArrayList<>();
        for (final DecisionTally<?> t : c.decisions()) {
            if (t.decisions() > 0) {
                out.add(new ConsumerResult(t.consumer(), t.decisions(), t.wrong()));
            }
        }
        return out;
    }

    private static List<StatResult> statResults(final ConsumerScore c) {
        final List<StatResult> out = new ArrayList<>();
        for (final ProcStats.Tally t : c.stats()) {
            out.add(new StatResult(t.stat(), t.scheme(), t.exact(), t.absoluteError(), t.relativeError()));
        }
        return out;
    }

    private Map<String, Double> perOp(final int scope, final boolean atomics) {
        final Map<String, Double> out = new LinkedHashMap<>();
        for (final OpKind k : OpKind.values()) {
            final long n = acc.ops(scope, k);
            if (n == 0 || (scope == 0 && k.query())) {
                continue;
            }
            out.put(k.key(), (double) (atomics ? acc.atomics(scope, k) : acc.lines(scope, k)) / n);
        }
        return out;
    }

    private Map<String, Long> opCounts() {
        final Map<String, Long> out = new LinkedHashMap<>();
        for (final OpKind k : OpKind.values()) {
            if (!k.query() && acc.ops(0, k) > 0) {
                out.put(k.key(), acc.ops(0, k));
            }
        }
        return out;
    }

    private static Map<String, Long> events(final MmCounters c) {
        final Map<String, Long> out = new LinkedHashMap<>();
        out.put("faults", c.faults);
        out.put("forks", c.forks);
        out.put("exits", c.exits);
        out.put("munmaps", c.munmaps);
        out.put("dontneeds", c.dontneeds);
        out.put("cowCopies", c.cowCopies);
        out.put("cowReuses", c.cowReuses);
        out.put("pmdSplits", c.pmdSplits);
        out.put("thpFallbacks", c.thpFallbacks);
        out.put("mthpFallbacks", c.mthpFallbacks);
        out.put("zapBatches", c.zapBatches);
        for (int o = 0; o < c.anonFolios.length; o++) {
            if (c.anonFolios[o] > 0) {
                out.put("anonFoliosOrder" + o, c.anonFolios[o]);
            }
        }
        for (int o = 0; o < c.fileFolios.length; o++) {
            if (c.fileFolios[o] > 0) {
                out.put("fileFoliosOrder" + o, c.fileFolios[o]);
            }
        }
        return out;
    }
}
