package dev.memu.swap;

import dev.memu.access.CountingAccess;
import dev.memu.access.PlainAccess;
import dev.memu.alloc.VerifyReport;
import dev.memu.alloc.potad.SwapSlots;
import dev.memu.util.SplitMix64;
import org.HdrHistogram.Histogram;

/**
 * Churn on the slots of an emulated swap device: the same lock-free POTAD core that manages RAM,
 * managing a resource with no backing memory ({@link SwapSlots}).
 *
 * <p>Shape, like swap-out under steady pressure: fill the device to half with order-0 slots and a
 * few order-9 clusters (a THP swapped out whole takes one 512-slot cluster, as Linux's
 * {@code swap_cluster_info} does), then random alloc/free with the same mix, each op timed; then
 * the same op sequence again on a fresh device through the counting access layer for cachelines.
 * The device's metadata lives in its own footprint: it is reported per slot, never mixed into the
 * machine's bytes per RAM page.
 */
public final class SwapChurn {

    /** One in this many ops works on an order-9 cluster; the rest on single slots. */
    private static final int CLUSTER_ONE_IN = 64;
    private static final int CLUSTER_ORDER = 9;

    private SwapChurn() {
    }

    /**
     * What one swap churn measured.
     *
     * @param slots           slots on the device
     * @param metadataBytes   off-heap bytes of the device's allocator state
     * @param ops             measured ops (alloc + free)
     * @param opsPerSec       measured ops per second (timed pass)
     * @param alloc           alloc latency, ns
     * @param free            free latency, ns
     * @param linesPerAlloc   mean distinct cachelines per alloc (counting pass)
     * @param linesPerFree    mean distinct cachelines per free (counting pass)
     * @param failedAllocs    allocs that found no free block of their order
     * @param verify          the device's verifier after the timed pass
     */
    public record Result(long slots, long metadataBytes, long ops, double opsPerSec, Histogram alloc, Histogram free,
                         double linesPerAlloc, double linesPerFree, long failedAllocs, VerifyReport verify) {

        public double bytesPerSlot() {
            return (double) metadataBytes / slots;
        }
    }

    /** Runs {@code ops} measured ops on a device of {@code deviceBytes} in 4 KiB slots. */
    public static Result run(final long deviceBytes, final long ops, final long seed) {
        if (ops < 1) {
            throw new IllegalArgumentException("swap ops must be at least 1, got " + ops);
        }
        final Histogram alloc = new Histogram(3);
        final Histogram free = new Histogram(3);
        final VerifyReport verify;
        final long metadata;
        final long slots;
        final long failed;
        final long elapsed;
        try (SwapSlots device = SwapSlots.ofDevice(deviceBytes, 12, 1, PlainAccess.INSTANCE)) {
            slots = device.slots();
            final Pass pass = new Pass(device, seed, alloc, free, null);
            pass.fill();
            final long start = System.nanoTime();
            pass.churn(ops);
            elapsed = System.nanoTime() - start;
            failed = pass.failedAllocs;
            metadata = device.metadataBytes();
            verify = device.verify();
        }
        final CountingAccess counting = new CountingAccess();
        final Pass counted;
        try (SwapSlots device = SwapSlots.ofDevice(deviceBytes, 12, 1, counting)) {
            counted = new Pass(device, seed, null, null, counting);
            counted.fill();
            counted.churn(ops);
        }
        return new Result(slots, metadata, ops, ops * 1e9 / Math.max(1, elapsed), alloc, free,
                (double) counted.allocLines / Math.max(1, counted.countedAllocs),
                (double) counted.freeLines / Math.max(1, counted.countedFrees), failed, verify);
    }

    /**
     * One deterministic op sequence over one device; live blocks in primitive arrays. Times each
     * measured op into the histograms when given, counts its lines when given a counting layer.
     */
    private static final class Pass {
        private final SwapSlots device;
        private final SplitMix64 random;
        private final Histogram allocs;
        private final Histogram frees;
        private final CountingAccess counting;
        private final long[] liveSlot;
        private final byte[] liveOrder;
        private final long target;
        private boolean measuring;
        private int live;
        private long liveSlots;
        long failedAllocs;
        long allocLines;
        long countedAllocs;
        long freeLines;
        long countedFrees;

        Pass(final SwapSlots device, final long seed, final Histogram allocs, final Histogram frees,
             final CountingAccess counting) {
            this.device = device;
            this.random = new SplitMix64(seed);
            this.allocs = allocs;
            this.frees = frees;
            this.counting = counting;
            this.target = device.slots() / 2;
            final int capacity = (int) Math.min(Integer.MAX_VALUE - 8, target + 1);
            this.liveSlot = new long[capacity];
            this.liveOrder = new byte[capacity];
        }

        private int nextOrder() {
            final int order = random.nextInt(CLUSTER_ONE_IN) == 0 ? CLUSTER_ORDER : 0;
            return Math.min(order, device.maxOrder());
        }

        void fill() {
            while (liveSlots < target && live < liveSlot.length && allocOne(nextOrder())) {
                // untimed: the device starts half full, as the churn then keeps it
            }
        }

        /** Random alloc/free with equal odds, steered back toward half full. */
        void churn(final long ops) {
            measuring = true;
            for (long i = 0; i < ops; i++) {
                final boolean roomLeft = live < liveSlot.length;
                final boolean doAlloc = live == 0
                        || roomLeft && (liveSlots < target - target / 8 || liveSlots < target && random.nextBoolean());
                if (doAlloc) {
                    if (!allocOne(nextOrder())) {
                        failedAllocs++;
                    }
                } else {
                    freeOne(random.nextInt(live));
                }
            }
            measuring = false;
        }

        private boolean allocOne(final int order) {
            if (measuring && counting != null) {
                counting.beginOp();
            }
            final long t0 = System.nanoTime();
            final long slot = device.alloc(order, 0);
            final long t1 = System.nanoTime();
            if (measuring) {
                if (allocs != null) {
                    allocs.recordValue(t1 - t0);
                }
                if (counting != null) {
                    counting.endOp();
                    allocLines += counting.lastOpLinesTotal();
                    countedAllocs++;
                }
            }
            if (slot == SwapSlots.NO_SLOT) {
                return false;
            }
            liveSlot[live] = slot;
            liveOrder[live] = (byte) order;
            live++;
            liveSlots += 1L << order;
            return true;
        }

        private void freeOne(final int index) {
            final long slot = liveSlot[index];
            final int order = liveOrder[index];
            if (measuring && counting != null) {
                counting.beginOp();
            }
            final long t0 = System.nanoTime();
            device.free(slot, order, 0);
            final long t1 = System.nanoTime();
            if (measuring) {
                if (frees != null) {
                    frees.recordValue(t1 - t0);
                }
                if (counting != null) {
                    counting.endOp();
                    freeLines += counting.lastOpLinesTotal();
                    countedFrees++;
                }
            }
            live--;
            liveSlot[index] = liveSlot[live];
            liveOrder[index] = liveOrder[live];
            liveSlots -= 1L << order;
        }
    }
}
