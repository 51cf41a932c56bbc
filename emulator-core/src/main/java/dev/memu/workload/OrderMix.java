package dev.memu.workload;

import dev.memu.util.SplitMix64;
import java.util.Arrays;

/**
 * Which orders a workload allocates, and how often: integer weights per order, parsed from a
 * spec such as {@code 0:90,1:4,2:3,3:2,9:1} (the default: mostly single pages, some small
 * compound pages, a few 2 MiB THP-sized blocks) or {@code 0:1} (order 0 only).
 *
 * <p>Sampling is a scan of a cumulative-weight table of at most 64 entries: no allocation, no
 * division. Immutable; share it between threads.
 */
public final class OrderMix {

    /** The default mix. */
    public static final String DEFAULT_SPEC = "0:90,1:4,2:3,3:2,9:1";
    /** Orders above this cannot be named (a 64-bit pfn space has 64 orders). */
    public static final int MAX_SPEC_ORDER = 63;

    private final String spec;
    private final int[] orders;
    private final long[] cumulative;
    private final long total;

    private OrderMix(final String spec, final int[] orders, final long[] weights) {
        this.spec = spec;
        this.orders = orders;
        this.cumulative = new long[weights.length];
        long sum = 0;
        for (int i = 0; i < weights.length; i++) {
            sum += weights[i];
            cumulative[i] = sum;
        }
        this.total = sum;
    }

    public static OrderMix defaults() {
        return parse(DEFAULT_SPEC);
    }

    /**
     * Parses {@code ORDER:WEIGHT[,ORDER:WEIGHT...]}; orders 0..63, each at most once; weights
     * positive integers.
     *
     * @throws IllegalArgumentException starting with the quoted spec and naming the bad entry
     */
    public static OrderMix parse(final String spec) {
        if (spec == null || spec.isBlank()) {
            throw new IllegalArgumentException("'" + spec + "': empty order mix (use e.g. " + DEFAULT_SPEC + ")");
        }
        final String[] entries = spec.split(",", -1);
        final int[] orders = new int[entries.length];
        final long[] weights = new long[entries.length];
        final boolean[] seen = new boolean[MAX_SPEC_ORDER + 1];
        for (int i = 0; i < entries.length; i++) {
            final String entry = entries[i].trim();
            final int colon = entry.indexOf(':');
            if (colon < 0 || colon != entry.lastIndexOf(':')) {
                throw bad(spec, "entry '" + entry + "' is not ORDER:WEIGHT");
            }
            final int order;
            final long weight;
            try {
                order = Integer.parseInt(entry.substring(0, colon).trim());
                weight = Long.parseLong(entry.substring(colon + 1).trim());
            } catch (final NumberFormatException e) {
                throw bad(spec, "entry '" + entry + "' is not ORDER:WEIGHT with integers");
            }
            if (order < 0 || order > MAX_SPEC_ORDER) {
                throw bad(spec, "order " + order + " is outside 0.." + MAX_SPEC_ORDER);
            }
            if (weight <= 0) {
                throw bad(spec, "weight of order " + order + " must be positive, got " + weight);
            }
            if (weight > Integer.MAX_VALUE) {
                throw bad(spec, "weight of order " + order + " is too large");
            }
            if (seen[order]) {
                throw bad(spec, "order " + order + " appears twice");
            }
            seen[order] = true;
            orders[i] = order;
            weights[i] = weight;
        }
        return new OrderMix(spec, orders, weights);
    }

    private static IllegalArgumentException bad(final String spec, final String what) {
        return new IllegalArgumentException("'" + spec + "': " + what + " (use e.g. " + DEFAULT_SPEC + " or 0:1)");
    }

    /**
     * Rejects a mix naming an order above what the allocator hands out.
     *
     * @throws IllegalArgumentException starting with the quoted spec, naming order and limit
     */
    public void checkMaxOrder(final int maxOrder, final String allocatorName) {
        final int highest = maxOrder();
        if (highest > maxOrder) {
            throw new IllegalArgumentException("'" + spec + "': order " + highest + " is above the max order "
                    + maxOrder + " of allocator " + allocatorName + " on this machine");
        }
    }

    /** One order drawn with the mix's weights. */
    public int sample(final SplitMix64 random) {
        final long r = random.nextLong(total);
        int i = 0;
        while (cumulative[i] <= r) {
            i++;
        }
        return orders[i];
    }

    /** The highest order the mix names. */
    public int maxOrder() {
        return Arrays.stream(orders).max().orElseThrow();
    }

    /** Expected pages per allocation: sum of weight * 2^order over total weight. */
    public double meanPages() {
        double sum = 0;
        long previous = 0;
        for (int i = 0; i < orders.length; i++) {
            sum += (double) (cumulative[i] - previous) * (1L << orders[i]);
            previous = cumulative[i];
        }
        return sum / total;
    }

    /** The weight of {@code order} (0 when the mix does not name it). */
    public long weight(final int order) {
        long previous = 0;
        for (int i = 0; i < orders.length; i++) {
            if (orders[i] == order) {
                return cumulative[i] - previous;
            }
            previous = cumulative[i];
        }
        return 0;
    }

    /** The spec as given. */
    public String spec() {
        return spec;
    }

    /** Canonical form: entries sorted by order, e.g. {@code 0:90,1:4,9:1}. */
    public String canonical() {
        final StringBuilder sb = new StringBuilder();
        for (int order = 0; order <= MAX_SPEC_ORDER; order++) {
            final long w = weight(order);
            if (w > 0) {
                sb.append(sb.isEmpty() ? "" : ",").append(order).append(':').append(w);
            }
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return canonical();
    }
}
