package dev.memu.mm;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * A file as the mm layer sees it (struct address_space): its size in pages, the order its page
 * cache folios are allocated at (falling back to smaller orders, as page_cache_ra_order does),
 * the page cache (index of a folio's first page -> the folio's allocatee), and i_mmap, the VMAs
 * that map it.
 *
 * <p>The descriptor is a real object in the memdesc heap, so a file folio's mapping word holds a
 * real address. The page cache is a Java sorted map standing in for the XArray: its lookup cost
 * is not counted.
 */
public final class MappedFile {

    public static final int DESC_BYTES = 32;

    private final long id;
    private final long address;
    private final long pages;
    private final int folioOrder;
    final TreeMap<Long, Long> pageCache = new TreeMap<>();
    final List<Vma> mappings = new ArrayList<>();

    MappedFile(final long id, final long address, final long pages, final int folioOrder) {
        this.id = id;
        this.address = address;
        this.pages = pages;
        this.folioOrder = folioOrder;
    }

    public long id() {
        return id;
    }

    public long address() {
        return address;
    }

    public long pages() {
        return pages;
    }

    public int folioOrder() {
        return folioOrder;
    }

    /** i_mmap: the VMAs mapping this file. */
    public List<Vma> mappings() {
        return mappings;
    }

    /** Folios in the page cache. */
    public int cachedFolios() {
        return pageCache.size();
    }
}
