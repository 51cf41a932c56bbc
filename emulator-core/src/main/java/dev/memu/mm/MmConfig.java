package dev.memu.mm;

import java.util.Arrays;

/**
 * How the mm layer behaves.
 *
 * @param folioOrders the anon folio orders faults may allocate (the mTHP sizes enabled in
 *                    /sys/kernel/mm/transparent_hugepage/hugepages-*kB/enabled); order 0 is
 *                    always allowed, order 9 (HPAGE_PMD_ORDER) is mapped by a PMD, the others by
 *                    PTEs. Tried from the largest down, as alloc_anon_folio does.
 * @param batchedRmap true: fork and zap report rmap changes once per run of PTEs mapping one folio
 *                    (folio_try_dup_anon_rmap_ptes / folio_remove_rmap_ptes over nr, Linux 6.9+);
 *                    false: once per page, the way Linux did before
 * @param vcpu        the emulated CPU the layer's allocations run on
 */
public record MmConfig(int[] folioOrders, boolean batchedRmap, int vcpu) {

    public MmConfig {
        folioOrders = folioOrders.clone();
        for (final int o : folioOrders) {
            if (o < 0 || o > Pte.PMD_ORDER) {
                throw new IllegalArgumentException("folio order " + o + " is outside 0.." + Pte.PMD_ORDER);
            }
        }
        folioOrders = Arrays.stream(folioOrders).distinct().sorted().toArray();
    }

    /** Orders 0, 4 and 9, batched rmap, vcpu 0. */
    public static MmConfig defaults() {
        return new MmConfig(new int[] {0, 4, 9}, true, 0);
    }

    public MmConfig withOrders(final int... orders) {
        return new MmConfig(orders, batchedRmap, vcpu);
    }

    public MmConfig withBatchedRmap(final boolean batched) {
        return new MmConfig(folioOrders, batched, vcpu);
    }

    public boolean pmdThp() {
        return Arrays.binarySearch(folioOrders, Pte.PMD_ORDER) >= 0;
    }

    /** PTE-mapped orders above 0, largest first. */
    int[] pteOrdersDescending() {
        return Arrays.stream(folioOrders).filter(o -> o > 0 && o < Pte.PMD_ORDER)
                .boxed().sorted((a, b) -> b - a).mapToInt(Integer::intValue).toArray();
    }

    @Override
    public boolean equals(final Object o) {
        return o instanceof MmConfig c && Arrays.equals(folioOrders, c.folioOrders)
                && batchedRmap == c.batchedRmap && vcpu == c.vcpu;
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(folioOrders) * 31 + (batchedRmap ? 1 : 0) + 7 * vcpu;
    }

    @Override
    public String toString() {
        return "MmConfig[folioOrders=" + Arrays.toString(folioOrders) + ", batchedRmap=" + batchedRmap
                + ", vcpu=" + vcpu + "]";
    }
}
