package dev.memu.explain;

import dev.memu.access.Access;
import dev.memu.access.FieldLabeler;
import dev.memu.alloc.AllocatorOptions;
import dev.memu.alloc.Allocators;
import dev.memu.alloc.PageAllocator;
import dev.memu.alloc.VerifyReport;
import dev.memu.alloc.potad.PotadCore;
import dev.memu.layout.Layout;
import dev.memu.layout.Layouts;
import dev.memu.layout.Memmap;
import dev.memu.machine.Machine;
import dev.memu.memdesc.Allocatee;
import dev.memu.memdesc.MemdescType;
import dev.memu.util.Sizes;
import dev.memu.workload.Op;
import dev.memu.workload.Workload;
import dev.memu.workload.WorkloadSpec;
import dev.memu.workload.Workloads;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One machine, layout and allocator over a given access layer, brought to an {@link ExplainState}
 * and then made to run the explained operation once between {@code beginOp} and {@code endOp}.
 * Built the way the driver builds a pass with one thread ({@code Layout.bind}, {@code
 * Allocators.create} with one vcpu, stream 0 of the churn workload for the spec's seed), and
 * deterministic: the same spec over {@link dev.memu.access.CountingAccess} and over {@link
 * dev.memu.access.ExplainingAccess} runs the same operation on the same state.
 */
final class Scenario implements AutoCloseable {

    /** Owner of every block allocated here: an anonymous folio with no descriptor, as the churn workload's. */
    static final long ALLOCATEE = Allocatee.of(MemdescType.ANON_FOLIO, 0);
    private static final int VCPU = 0;
    /**
     * The verifier walks every pfn after the explained op; above this many pages (4 GiB of 4 KiB
     * pages) that walk would take longer than everything else, and it is skipped.
     */
    static final long VERIFY_MAX_PAGES = 1L << 20;

    private final ExplainSpec spec;
    private final Access access;
    private final Machine machine;
    private final Memmap memmap;
    private final PageAllocator allocator;
    /** Live blocks this scenario allocated: pfn to order, oldest first. */
    private final Map<Long, Integer> live = new LinkedHashMap<>();
    private long fillPages;
    private long target = PageAllocator.NO_PAGE;

    /** What the explained operation did. */
    record Outcome(long pfn, Map<String, Object> notes) {
    }

    Scenario(final ExplainSpec spec, final Access access) {
        this.spec = spec;
        this.access = access;
        final Layout layout;
        try {
            layout = Layouts.byName(spec.layout());
        } catch (final IllegalArgumentException e) {
            throw new ExplainConfigException(ExplainConfigException.Input.LAYOUT, "'" + spec.layout()
                    + "': unknown layout (known: " + Layouts.names() + ")");
        }
        try {
            Allocators.check(spec.allocator());
        } catch (final IllegalArgumentException e) {
            throw new ExplainConfigException(ExplainConfigException.Input.ALLOCATOR, "'" + spec.allocator()
                    + "': unknown allocator (known: " + String.join(", ", Allocators.names()) + ")");
        }
        try {
            this.machine = Machine.create(spec.ramBytes(), ExplainSpec.PAGE_SHIFT);
        } catch (final IllegalArgumentException e) {
            throw new ExplainConfigException(ExplainConfigException.Input.MEMORY, e.getMessage());
        } catch (final OutOfMemoryError e) {
            throw new ExplainConfigException(ExplainConfigException.Input.MEMORY, "the host cannot map "
                    + Sizes.format(spec.ramBytes()) + " of emulated RAM: " + e.getMessage());
        }
        try {
            this.memmap = layout.bind(machine, access);
            this.allocator = Allocators.create(spec.allocator(), memmap, AllocatorOptions.defaults());
            if (spec.order() > allocator.maxOrder()) {
                throw new ExplainConfigException(ExplainConfigException.Input.ORDER, "'" + spec.order()
                        + "': above the max order " + allocator.maxOrder() + " of allocator " + allocator.name()
                        + " on " + layout.name() + " with " + machine.pages() + " pages");
            }
            spec.state().check(allocator, spec.op(), spec.order());
        } catch (final ExplainConfigException e) {
            machine.close();
            throw e;
        } catch (final IllegalArgumentException e) {
            machine.close();
            throw new ExplainConfigException(ExplainConfigException.Input.ALLOCATOR, "'" + spec.allocator() + "' on "
                    + layout.name() + ": " + e.getMessage());
        } catch (final RuntimeException | Error e) {
            machine.close();
            throw e;
        }
    }

    PageAllocator allocator() {
        return allocator;
    }

    long pages() {
        return machine.pages();
    }

    long fillPages() {
        return fillPages;
    }

    /**
     * Who names the fields: the memmap (with the structures its layout keeps: records, lookups),
     * the allocator, and for a PCP its backend. No memdesc heap exists here: the allocatees have
     * no descriptor, as the churn workload's.
     */
    List<FieldLabeler> labelers() {
        final List<FieldLabeler> out = new ArrayList<>();
        out.add(memmap);
        if (allocator instanceof FieldLabeler l) {
            out.add(l);
        }
        PcpView.of(allocator).flatMap(PcpView::backendLabeler).ifPresent(out::add);
        return out;
    }

    // ---- preparing the state (nothing here is inside an operation) ----

    /** The PCP view; {@link ExplainState#check} made sure there is one. */
    private PcpView pcpView() {
        return PcpView.of(allocator).orElseThrow();
    }

    void prepare() {
        steady();
        switch (spec.state()) {
            case STEADY -> { }
            case PCP_HIT -> pcpHit(pcpView());
            case PCP_MISS -> pcpView().drainAll(VCPU);
            case BULK_FREE -> bulkFree(pcpView());
            case SPLIT -> emptyListOfOrder();
            case MERGE -> {
                emptyListOfOrder();
                target = allocTracked(spec.order());      // split: its buddy goes on the free list
                if (target == PageAllocator.NO_PAGE
                        || memmap.freeOrder(target ^ (1L << spec.order())) != spec.order()) {
                    throw new IllegalStateException("merge: could not leave a block with a free buddy");
                }
            }
            case DRY_REGION -> target = blockInADryRegion(ExplainState.potadCore(allocator));
            default -> throw new IllegalStateException("unhandled state " + spec.state());
        }
        if (spec.op() == ExplainOp.FREE && target == PageAllocator.NO_PAGE) {
            target = newestLive(spec.order());
            if (target == PageAllocator.NO_PAGE) {
                target = allocTracked(spec.order());
            }
            if (target == PageAllocator.NO_PAGE) {
                throw new ExplainConfigException(ExplainConfigException.Input.ORDER, "'" + spec.order()
                        + "': no block of this order can be allocated to be freed on this machine");
            }
        }
    }

    /** Stream 0 of the churn workload for the spec's seed: its fill and warm-up, then stop before measuring. */
    private void steady() {
        final WorkloadSpec churn = WorkloadSpec.defaults(Workloads.CHURN).withOps(1, spec.warmupOps());
        final Workload w = Workloads.create(churn, machine.pages(), machine.pageShift(), 0, 1, spec.seed());
        fillPages = churn.fillPages(machine.pages(), machine.pageShift());
        final Op op = new Op();
        while (w.next(op) && !op.measured) {
            if (op.kind == Op.ALLOC) {
                final long pfn = allocator.alloc(op.order, op.allocatee, VCPU);
                if (pfn != PageAllocator.NO_PAGE) {
                    live.put(pfn, op.order);
                }
                w.allocated(pfn);
            } else {
                allocator.free(op.pfn, op.order, VCPU);
                live.remove(op.pfn);
            }
        }
    }

    /**
     * Allocates order-0 pages until the vcpu's reservation moves on from a region its allocations
     * drained, which the search for the next one then finds without tokens and marks; returns the
     * last page allocated there.
     */
    private long blockInADryRegion(final PotadCore core) {
        long last = PageAllocator.NO_PAGE;
        final int tries = 16 * PotadCore.REGION_FRAMES;                    // 16 regions' worth
        for (int i = 0; i < tries; i++) {
            final long pfn = allocTracked(0);
            if (pfn == PageAllocator.NO_PAGE) {
                break;
            }
            if (last != PageAllocator.NO_PAGE && pfn >>> PotadCore.REGION_ORDER != last >>> PotadCore.REGION_ORDER
                    && core.summaryMarks(last >>> PotadCore.REGION_ORDER)) {
                return last;
            }
            last = pfn;
        }
        throw new ExplainConfigException(ExplainConfigException.Input.STATE, "'dry-region': no region ran dry in "
                + tries + " order-0 allocations on this machine");
    }

    private long allocTracked(final int order) {
        final long pfn = allocator.alloc(order, ALLOCATEE, VCPU);
        if (pfn != PageAllocator.NO_PAGE) {
            live.put(pfn, order);
        }
        return pfn;
    }

    private void freeTracked(final long pfn) {
        allocator.free(pfn, live.remove(pfn), VCPU);
    }

    private long newestLive(final int order) {
        long found = PageAllocator.NO_PAGE;
        for (final Map.Entry<Long, Integer> e : live.entrySet()) {
            if (e.getValue() == order) {
                found = e.getKey();
            }
        }
        return found;
    }

    /**
     * Leaves a block on the vcpu's list of the order: an alloc and a free of one usually do; when
     * the free goes straight back to the backend (count reaching high, as a THP block on a small
     * machine does), drain the lists and allocate once: the refill takes {@code nr_pcp_alloc}
     * blocks (2 or more when batch > 1) and leaves the rest on the list.
     */
    private void pcpHit(final PcpView pcp) {
        if (pcp.blocks(VCPU, spec.order()) == 0) {
            final long pfn = allocTracked(spec.order());   // an empty list refills
            if (pfn != PageAllocator.NO_PAGE) {
                freeTracked(pfn);
            }
        }
        if (pcp.blocks(VCPU, spec.order()) == 0) {
            pcp.drainAll(VCPU);
            allocTracked(spec.order());
        }
        if (pcp.blocks(VCPU, spec.order()) == 0) {
            throw new ExplainConfigException(ExplainConfigException.Input.STATE, "'pcp-hit': the order-" + spec.order()
                    + " list cannot keep a block on this machine (high " + pcp.high() + " pages, batch "
                    + pcp.batch() + ")");
        }
    }

    /** Holds enough blocks, then frees them until one more free makes pcp->count reach high. */
    private void bulkFree(final PcpView pcp) {
        final int pagesPerBlock = 1 << spec.order();
        final List<Long> held = new ArrayList<>();
        final long want = pcp.high() / pagesPerBlock + 2;
        for (long i = 0; i < want; i++) {
            final long pfn = allocTracked(spec.order());
            if (pfn == PageAllocator.NO_PAGE) {
                break;
            }
            held.add(pfn);
        }
        while (held.size() > 1 && pcp.count(VCPU) + pagesPerBlock < pcp.high()) {
            freeTracked(held.removeFirst());
        }
        if (held.isEmpty() || pcp.count(VCPU) + pagesPerBlock < pcp.high()) {
            throw new ExplainConfigException(ExplainConfigException.Input.STATE, "'bulk-free': pcp->count cannot reach high "
                    + pcp.high() + " with order-" + spec.order() + " blocks on this machine");
        }
        target = held.getLast();
    }

    /** Takes every free block of the order, so that the next alloc of it must split a larger one. */
    private void emptyListOfOrder() {
        final int order = spec.order();
        while (allocator.freeBlocksByOrder()[order] > 0) {
            if (allocTracked(order) == PageAllocator.NO_PAGE) {
                break;
            }
        }
        final long[] free = allocator.freeBlocksByOrder();
        long larger = 0;
        for (int o = order + 1; o < free.length; o++) {
            larger += free[o];
        }
        if (free[order] > 0 || larger == 0) {
            throw new ExplainConfigException(ExplainConfigException.Input.STATE, "'" + spec.state().key()
                    + "': no free block above order " + order + " is left to split on this machine");
        }
    }

    // ---- the explained operation ----

    Outcome run() {
        final Map<String, Object> notes = new LinkedHashMap<>();
        final PcpView pcp = PcpView.of(allocator).orElse(null);
        final long[] freeBefore = allocator.freeBlocksByOrder();
        final int countBefore = pcp == null ? 0 : pcp.count(VCPU);
        final long backendFreeBefore = pcp == null ? 0 : pcp.backendFreePages();
        final long pfn;
        access.beginOp();
        try {
            if (spec.op() == ExplainOp.ALLOC) {
                pfn = allocator.alloc(spec.order(), ALLOCATEE, VCPU);
            } else {
                pfn = target;
                allocator.free(target, spec.order(), VCPU);
            }
        } finally {
            access.endOp();
        }
        if (spec.op() == ExplainOp.ALLOC && pfn != PageAllocator.NO_PAGE) {
            live.put(pfn, spec.order());
        } else if (spec.op() == ExplainOp.FREE) {
            live.remove(pfn);
        }
        notes.put("freeBlocksByOrderBefore", list(freeBefore));
        notes.put("freeBlocksByOrderAfter", list(allocator.freeBlocksByOrder()));
        if (pcp != null && pcp.hasList(spec.order())) {
            final Map<String, Object> p = new LinkedHashMap<>();
            p.put("countBefore", countBefore);
            p.put("countAfter", pcp.count(VCPU));
            p.put("high", pcp.high());
            p.put("batch", pcp.batch());
            // rmqueue_bulk takes pages from the backend; free_pcppages_bulk gives them back.
            final long backendFreeAfter = pcp.backendFreePages();
            p.put("refilled", spec.op() == ExplainOp.ALLOC && backendFreeAfter < backendFreeBefore);
            p.put("bulkFreed", spec.op() == ExplainOp.FREE && backendFreeAfter > backendFreeBefore);
            notes.put("pcp", p);
        }
        final VerifyReport report = machine.pages() <= VERIFY_MAX_PAGES ? allocator.verify() : null;
        if (report != null && !report.ok()) {
            throw new IllegalStateException(allocator.name() + " is inconsistent after the explained "
                    + spec.op().key() + ": " + report);
        }
        return new Outcome(pfn, notes);
    }

    private static List<Object> list(final long[] values) {
        return new ArrayList<>(Arrays.stream(values).boxed().toList());
    }

    @Override
    public void close() {
        machine.close();
    }
}
