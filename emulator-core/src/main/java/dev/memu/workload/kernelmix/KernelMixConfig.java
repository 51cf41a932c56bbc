package dev.memu.workload.kernelmix;

import java.util.Arrays;

/**
 * Shape of the kernel-like mix. Shares are relative weights of allocation events by kind; order
 * weights are indexed by order.
 *
 * <pre>
 * default            value                                          why
 * occupancy          0.75 of managed pages in use                   a busy machine with headroom
 * shares             file 40, anon 30, slab 12, pagetable 8,        page cache and anon dominate a
 *                    netpool 5, vmalloc 5, zonedevice 0             server's memory; slab ~10 %
 * file orders        0: 60, 2: 20, 4: 15, 9: 5                      large folios in the page cache
 * anon orders        0: 70, 4: 20, 9: 10                            mTHP 64 KiB and THP 2 MiB
 * slab orders        0: 50, 1: 20, 2: 10, 3: 20                     SLUB's orders for kmalloc caches
 * slab object sizes  64, 128, 192, 256, 512, 1024, 2048 bytes       kmalloc classes
 * netpool burst      32 order-0 pages per event                     an RX ring refill
 * vmalloc            1..64 order-0 pages per area                   module text, bpf, buffers
 * dirty fraction     0.3 of file folios                             written, not yet written back
 * </pre>
 *
 * @param seed           random seed: the same seed gives the same op sequence
 * @param occupancy      target fraction of managed pages in use (0..1)
 * @param shares         weights by {@link Kind} ordinal
 * @param fileOrders     weights by order for file folios
 * @param anonOrders     weights by order for anon folios
 * @param slabOrders     weights by order for slabs
 * @param slabObjectSizes object sizes slabs are cut into
 * @param netpoolBurst   pages per netpool event
 * @param vmallocMaxPages largest vmalloc area in pages (areas are uniform in 1..max)
 * @param dirtyFraction  fraction of file folios marked dirty
 * @param fillContents   write real bytes into file and anon folios (needed for checksummed moves)
 */
public record KernelMixConfig(long seed, double occupancy, int[] shares, int[] fileOrders, int[] anonOrders,
                              int[] slabOrders, int[] slabObjectSizes, int netpoolBurst, int vmallocMaxPages,
                              double dirtyFraction, boolean fillContents) {

    /** Kinds of allocation the mix makes. */
    public enum Kind { FILE, ANON, SLAB, PAGETABLE, NETPOOL, VMALLOC, ZONEDEVICE }

    public KernelMixConfig {
        if (occupancy <= 0 || occupancy >= 1) {
            throw new IllegalArgumentException("occupancy must be in (0, 1), got " + occupancy);
        }
        if (shares.length != Kind.values().length || Arrays.stream(shares).anyMatch(s -> s < 0)
                || Arrays.stream(shares).sum() == 0) {
            throw new IllegalArgumentException("shares need " + Kind.values().length
                    + " non-negative weights, not all zero: " + Arrays.toString(shares));
        }
        if (netpoolBurst < 1 || vmallocMaxPages < 1 || vmallocMaxPages > 512) {
            throw new IllegalArgumentException("netpool burst must be >= 1 and vmalloc pages 1..512");
        }
        if (dirtyFraction < 0 || dirtyFraction > 1) {
            throw new IllegalArgumentException("dirty fraction must be in [0, 1], got " + dirtyFraction);
        }
    }

    public static KernelMixConfig defaults() {
        return new KernelMixConfig(42, 0.75,
                new int[] {40, 30, 12, 8, 5, 5, 0},
                weights(0, 60, 2, 20, 4, 15, 9, 5),
                weights(0, 70, 4, 20, 9, 10),
                weights(0, 50, 1, 20, 2, 10, 3, 20),
                new int[] {64, 128, 192, 256, 512, 1024, 2048},
                32, 64, 0.3, true);
    }

    public KernelMixConfig withSeed(final long s) {
        return new KernelMixConfig(s, occupancy, shares, fileOrders, anonOrders, slabOrders, slabObjectSizes,
                netpoolBurst, vmallocMaxPages, dirtyFraction, fillContents);
    }

    public KernelMixConfig withFillContents(final boolean fill) {
        return new KernelMixConfig(seed, occupancy, shares, fileOrders, anonOrders, slabOrders, slabObjectSizes,
                netpoolBurst, vmallocMaxPages, dirtyFraction, fill);
    }

    /**
     * Replaces shares from a spec like {@code file=40,anon=30,slab=12,pagetable=8,netpool=5,vmalloc=5};
     * kinds not named keep their weight.
     *
     * @throws IllegalArgumentException naming the bad part of the spec
     */
    public KernelMixConfig withShares(final String spec) {
        final int[] s = shares.clone();
        for (final String part : spec.split(",")) {
            final String[] kv = part.trim().split("=");
            if (kv.length != 2) {
                throw new IllegalArgumentException("mix share '" + part + "' is not kind=weight");
            }
            final Kind kind;
            try {
                kind = Kind.valueOf(kv[0].trim().toUpperCase());
            } catch (final IllegalArgumentException e) {
                throw new IllegalArgumentException("unknown mix kind '" + kv[0] + "' (known: "
                        + Arrays.toString(Kind.values()).toLowerCase() + ")");
            }
            try {
                s[kind.ordinal()] = Integer.parseInt(kv[1].trim());
            } catch (final NumberFormatException e) {
                throw new IllegalArgumentException("mix weight '" + kv[1] + "' for " + kv[0] + " is not an integer");
            }
        }
        return new KernelMixConfig(seed, occupancy, s, fileOrders, anonOrders, slabOrders, slabObjectSizes,
                netpoolBurst, vmallocMaxPages, dirtyFraction, fillContents);
    }

    /** Weights array from (order, weight) pairs. */
    static int[] weights(final int... pairs) {
        int max = 0;
        for (int i = 0; i < pairs.length; i += 2) {
            max = Math.max(max, pairs[i]);
        }
        final int[] w = new int[max + 1];
        for (int i = 0; i < pairs.length; i += 2) {
            w[pairs[i]] = pairs[i + 1];
        }
        return w;
    }
}
