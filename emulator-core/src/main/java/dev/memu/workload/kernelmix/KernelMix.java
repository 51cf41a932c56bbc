package dev.memu.workload.kernelmix;

import dev.memu.alloc.PageAllocator;
import dev.memu.memdesc.Allocatee;
import dev.memu.memdesc.MemdescType;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * A kernel-like allocation mix over one allocator: page-cache folios of mixed orders, anon folios
 * from 4 KiB to 2 MiB, slabs, page tables, netpool bursts and vmalloc areas, each a real typed
 * descriptor in the memdesc heap (see {@link KernelMixConfig} for the defaults and why).
 *
 * <p>Each {@link #step} either allocates one event of a kind drawn by share, or frees a random
 * live allocation (descriptor included), steering towards the configured occupancy. The same seed
 * gives the same sequence of decisions; with the same allocator and layout, the same pfns.
 * One instance is driven by one thread (one vcpu).
 */
public final class KernelMix {

    private final KernelObjects objects;
    private final KernelMixConfig config;
    private final PageAllocator allocator;
    private final SplittableRandom rnd;
    private final int totalShare;
    private final long targetPages;
    private long[] live = new long[1024];
    private int liveCount;
    private long livePages;
    private long ops;
    private long allocs;
    private long frees;
    private long allocFailures;
    private long nextIndex;
    private final long[] allocsByType = new long[MemdescType.values().length];

    public KernelMix(final KernelObjects objects, final KernelMixConfig config) {
        this.objects = objects;
        this.config = config;
        this.allocator = objects.allocator();
        this.rnd = new SplittableRandom(config.seed());
        this.totalShare = Arrays.stream(config.shares()).sum();
        this.targetPages = (long) (allocator.managedPages() * config.occupancy());
    }

    /** Runs {@code n} steps. */
    public void run(final long n, final int vcpu) {
        for (long i = 0; i < n; i++) {
            step(vcpu);
        }
    }

    /** One allocation event or one free. */
    public void step(final int vcpu) {
        ops++;
        final int allocPercent = livePages < targetPages ? 70 : 30;
        if (liveCount == 0 || rnd.nextInt(100) < allocPercent) {
            if (!allocateEvent(vcpu) && liveCount > 0) {
                allocFailures++;
                freeRandom(vcpu);
            }
        } else {
            freeRandom(vcpu);
        }
    }

    private boolean allocateEvent(final int vcpu) {
        final KernelMixConfig.Kind kind = KernelMixConfig.Kind.values()[pick(config.shares(), totalShare)];
        switch (kind) {
            case FILE -> {
                final int order = pick(config.fileOrders());
                return add(objects.fileFolio(order, (nextIndex += 1L << order),
                        rnd.nextDouble() < config.dirtyFraction(), vcpu));
            }
            case ANON -> {
                return add(objects.anonFolio(pick(config.anonOrders()), vcpu));
            }
            case SLAB -> {
                final int[] sizes = config.slabObjectSizes();
                return add(objects.slab(pick(config.slabOrders()), sizes[rnd.nextInt(sizes.length)], vcpu));
            }
            case PAGETABLE -> {
                return add(objects.pageTable(1 + rnd.nextInt(4), vcpu));
            }
            case NETPOOL -> {
                boolean any = false;
                for (int i = 0; i < config.netpoolBurst(); i++) {
                    if (!add(objects.netpool(0, vcpu))) {
                        break;
                    }
                    any = true;
                }
                return any;
            }
            case VMALLOC -> {
                return add(objects.vmalloc(1 + rnd.nextInt(config.vmallocMaxPages()), vcpu));
            }
            case ZONEDEVICE -> {
                return add(objects.zoneDevice(0, vcpu));
            }
            default -> throw new IllegalStateException(kind.toString());
        }
    }

    private boolean add(final long allocatee) {
        if (allocatee == 0) {
            return false;
        }
        if (liveCount == live.length) {
            live = Arrays.copyOf(live, liveCount * 2);
        }
        live[liveCount++] = allocatee;
        livePages += objects.pages(allocatee);
        allocs++;
        allocsByType[Allocatee.type(allocatee).ordinal()]++;
        return true;
    }

    private void freeRandom(final int vcpu) {
        final int i = rnd.nextInt(liveCount);
        final long a = live[i];
        live[i] = live[--liveCount];
        livePages -= objects.pages(a);
        objects.free(a, vcpu);
        frees++;
    }

    private int pick(final int[] weights) {
        return pick(weights, Arrays.stream(weights).sum());
    }

    private int pick(final int[] weights, final int total) {
        int r = rnd.nextInt(total);
        for (int i = 0; i < weights.length; i++) {
            r -= weights[i];
            if (r < 0) {
                return i;
            }
        }
        return weights.length - 1;
    }

    /** Frees every live allocation. */
    public void drain(final int vcpu) {
        while (liveCount > 0) {
            final long a = live[--liveCount];
            livePages -= objects.pages(a);
            objects.free(a, vcpu);
            frees++;
        }
    }

    public int liveCount() {
        return liveCount;
    }

    /** The i-th live allocation's allocatee (0 &lt;= i &lt; liveCount), e.g. to pick a pfn to fail. */
    public long live(final int i) {
        return live[i];
    }

    public long livePages() {
        return livePages;
    }

    public long ops() {
        return ops;
    }

    public long allocs() {
        return allocs;
    }

    public long frees() {
        return frees;
    }

    /** Allocation events that found no memory (a free was done instead). */
    public long allocFailures() {
        return allocFailures;
    }

    public long allocs(final MemdescType type) {
        return allocsByType[type.ordinal()];
    }
}
