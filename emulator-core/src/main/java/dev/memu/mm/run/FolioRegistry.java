package dev.memu.mm.run;

import dev.memu.mm.mapcount.StatelessScheme;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * The live folios of a run, for sampling queries: attached like a scheme, it only listens to
 * folioCreated / folioFreed (swap-remove array plus an index, O(1) both ways). Java-side, not
 * counted, not a scheme under test.
 */
final class FolioRegistry extends StatelessScheme {

    private long[] folios = new long[1024];
    private long[] heads = new long[1024];
    private int[] orders = new int[1024];
    private final Map<Long, Integer> index = new HashMap<>();
    private int n;
    long created;
    long createdPages;

    boolean contains(final long folio) {
        return index.containsKey(folio);
    }

    int size() {
        return n;
    }

    long folio(final int i) {
        return folios[i];
    }

    long head(final int i) {
        return heads[i];
    }

    int order(final int i) {
        return orders[i];
    }

    @Override
    public String name() {
        return "registry";
    }

    @Override
    public void folioCreated(final long folio, final long headPfn, final int order) {
        if (n == folios.length) {
            folios = Arrays.copyOf(folios, n * 2);
            heads = Arrays.copyOf(heads, n * 2);
            orders = Arrays.copyOf(orders, n * 2);
        }
        folios[n] = folio;
        heads[n] = headPfn;
        orders[n] = order;
        index.put(folio, n++);
        created++;
        createdPages += 1L << order;
    }

    @Override
    public void folioFreed(final long folio, final long headPfn, final int order) {
        final int i = index.remove(folio);
        n--;
        if (i != n) {
            folios[i] = folios[n];
            heads[i] = heads[n];
            orders[i] = orders[n];
            index.put(folios[i], i);
        }
    }

    @Override
    public long mapcount(final long folio, final long headPfn, final int order) {
        return -1;
    }

    @Override
    public long pageMapcount(final long folio, final long headPfn, final int order, final int page) {
        return -1;
    }

    @Override
    public boolean mappedShared(final long folio, final long headPfn, final int order) {
        return false;
    }

    @Override
    public boolean partiallyMapped(final long folio, final long headPfn, final int order) {
        return false;
    }

    @Override
    public boolean mapped(final long folio, final long headPfn, final int order) {
        return false;
    }
}
