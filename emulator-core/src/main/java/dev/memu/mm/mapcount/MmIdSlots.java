package dev.memu.mm.mapcount;

/**
 * The large mapcount with its two tracked mm slots and the "maybe mapped shared" bit, as Linux
 * 6.15 keeps them under CONFIG_MM_ID (include/linux/rmap.h: folio_add_return_large_mapcount,
 * folio_sub_return_large_mapcount; include/linux/mm_types.h: {@code _mm_id_mapcount[2]},
 * {@code _mm_id[2]} / {@code _mm_ids}; patch "mm/rmap: basic MM owner tracking for large folios
 * (!hugetlb)", Hildenbrand, v3 2025-03-03), optionally with the {@code _total_mapped_pages}
 * counter of the April 2026 RFC ("mm/rmap: support arbitrary folio mappings", patch 13/13).
 *
 * <pre>
 * _mm_ids (64-bit):  bits 0..30  mm_id[0]   bit 31  FOLIO_MM_IDS_LOCK_BITNUM (bit spinlock)
 *                    bits 32..62 mm_id[1]   bit 63  FOLIO_MM_IDS_SHARED_BITNUM ("maybe mapped shared")
 * _mm_id_mapcount[i]: mappings by the mm in slot i, - 1 (-1: slot free, mm id 0 = MM_ID_DUMMY)
 * </pre>
 *
 * Costs as in Linux: the bit spinlock is one atomic (bit_spin_lock = test_and_set_bit loop), the
 * counters are then read and written plainly under it (atomic_read + atomic_set), and the unlock
 * is a plain release store (__bit_spin_unlock): one atomic per batched rmap call.
 */
final class MmIdSlots {

    static final int MM_ID_BITS = 31;
    static final int MM_ID_MASK = (1 << MM_ID_BITS) - 1;
    static final int MM_ID_DUMMY = 0;
    static final int MM_ID_MIN = MM_ID_DUMMY + 1;
    static final int MM_ID_MAX = MM_ID_MASK;
    static final long LOCK_BIT = 1L << MM_ID_BITS;
    static final long SHARED_BIT = 1L << (2 * MM_ID_BITS + 1);

    private final FolioFields f;
    private final long largeMapcount;
    private final long mmIdMapcount;   // [0] at +0, [1] at +4
    private final long mmIds;
    private final long totalMappedPages; // -1: not kept

    MmIdSlots(final FolioFields f, final long largeMapcount, final long mmIdMapcount, final long mmIds,
              final long totalMappedPages) {
        this.f = f;
        this.largeMapcount = largeMapcount;
        this.mmIdMapcount = mmIdMapcount;
        this.mmIds = mmIds;
        this.totalMappedPages = totalMappedPages;
    }

    static int mmId(final long ids, final int idx) {
        return (int) (ids >>> (32 * idx)) & MM_ID_MASK;
    }

    private static long withMmId(final long ids, final int idx, final int id) {
        final int shift = 32 * idx;
        return (ids & ~((long) MM_ID_MASK << shift)) | ((long) id << shift);
    }

    /** prep_compound_head: large mapcount -1, both slots free, not shared, nothing mapped. */
    void init(final long folio) {
        f.setInt(folio, largeMapcount, -1);
        f.setInt(folio, mmIdMapcount, -1);
        f.setInt(folio, mmIdMapcount + 4, -1);
        f.setLong(folio, mmIds, 0);
        if (totalMappedPages >= 0) {
            f.setLong(folio, totalMappedPages, 0);
        }
    }

    /**
     * Folio creation for a scheme built on these slots: an order-0 folio keeps only its mapcount
     * (in the scheme's {@code _large_mapcount} slot, standing in for folio->_mapcount); a large
     * folio gets {@link #init}.
     */
    void created(final long folio, final int order) {
        if (order == 0) {
            f.setInt(folio, largeMapcount, -1);
        } else {
            init(folio);
        }
    }

    /** The free check matching {@link #created}: true when nothing says mapped. */
    boolean unmapped(final long folio, final int order) {
        return order == 0 ? f.getInt(folio, largeMapcount) == -1 : unmapped(folio);
    }

    /**
     * {@code nr} PTE mappings added by {@code mmId}: an order-0 folio counts its one mapping
     * without the slot lock (atomic_inc of folio->_mapcount); a large folio takes
     * folio_add_return_large_mapcount with {@code nr_mappings = nr_pages = nr}.
     */
    void addPtes(final long folio, final int order, final int nr, final int mmId) {
        if (order == 0) {
            f.getAndAddInt(folio, largeMapcount, 1);
            return;
        }
        EventChecks.mm(mmId);
        addReturn(folio, nr, nr, mmId);
    }

    /** The reverse of {@link #addPtes}: folio_sub_return_large_mapcount for a large folio. */
    void removePtes(final long folio, final int order, final int nr, final int mmId) {
        if (order == 0) {
            f.getAndAddInt(folio, largeMapcount, -1);
            return;
        }
        EventChecks.mm(mmId);
        subReturn(folio, nr, nr, mmId);
    }

    /** free_tail_page_prepare's checks: true when nothing says mapped. */
    boolean unmapped(final long folio) {
        return f.getInt(folio, largeMapcount) == -1
                && f.getInt(folio, mmIdMapcount) == -1 && f.getInt(folio, mmIdMapcount + 4) == -1
                && (totalMappedPages < 0 || f.getLong(folio, totalMappedPages) == 0);
    }

    private long lock(final long folio) {
        while (true) {
            final long old = f.getAndBitwiseOrLong(folio, mmIds, LOCK_BIT);
            if ((old & LOCK_BIT) == 0) {
                return old;
            }
            Thread.onSpinWait();
        }
    }

    private void unlock(final long folio, final long ids) {
        f.setLongRelease(folio, mmIds, ids & ~LOCK_BIT);
    }

    /** folio_add_return_large_mapcount: returns the new mapcount (mappings). */
    int addReturn(final long folio, final int nrMappings, final int nrPages, final int mmId) {
        long ids = lock(folio);
        final int newVal = f.getInt(folio, largeMapcount) + nrMappings;
        f.setInt(folio, largeMapcount, newVal);
        if (totalMappedPages >= 0) {
            f.setLong(folio, totalMappedPages, f.getLong(folio, totalMappedPages) + nrPages);
        }
        if (mmId(ids, 0) == mmId) {
            f.setInt(folio, mmIdMapcount, f.getInt(folio, mmIdMapcount) + nrMappings);
        } else if (mmId(ids, 1) == mmId) {
            f.setInt(folio, mmIdMapcount + 4, f.getInt(folio, mmIdMapcount + 4) + nrMappings);
        } else if (mmId(ids, 0) == MM_ID_DUMMY) {
            ids = withMmId(ids, 0, mmId);
            f.setInt(folio, mmIdMapcount, nrMappings - 1);
            // We might have other mappings already.
            if (newVal != nrMappings - 1) {
                ids |= SHARED_BIT;
            }
        } else if (mmId(ids, 1) == MM_ID_DUMMY) {
            ids = withMmId(ids, 1, mmId);
            f.setInt(folio, mmIdMapcount + 4, nrMappings - 1);
            // Slot 0 certainly has mappings as well.
            ids |= SHARED_BIT;
        }
        unlock(folio, ids);
        return newVal + 1;
    }

    /** folio_sub_return_large_mapcount: returns the new mapcount (mappings). */
    int subReturn(final long folio, final int nrMappings, final int nrPages, final int mmId) {
        long ids = lock(folio);
        final int newVal = f.getInt(folio, largeMapcount) - nrMappings;
        f.setInt(folio, largeMapcount, newVal);
        if (totalMappedPages >= 0) {
            f.setLong(folio, totalMappedPages, f.getLong(folio, totalMappedPages) - nrPages);
        }
        boolean recheck = true;
        for (int idx = 0; idx < 2; idx++) {
            if (mmId(ids, idx) != mmId) {
                continue;
            }
            final long at = mmIdMapcount + 4L * idx;
            final int mc = f.getInt(folio, at) - nrMappings;
            if (mc >= 0) {
                f.setInt(folio, at, mc);
                recheck = false;
            } else {
                // Valid corner case: mappings added while no slot was free. Free the slot.
                f.setInt(folio, at, -1);
                ids = withMmId(ids, idx, MM_ID_DUMMY);
            }
            break;
        }
        // If one slot owns all mappings (or nothing is mapped), the folio is mapped exclusively.
        if (recheck && (f.getInt(folio, mmIdMapcount) == newVal || f.getInt(folio, mmIdMapcount + 4) == newVal)) {
            ids &= ~SHARED_BIT;
        }
        unlock(folio, ids);
        return newVal + 1;
    }

    /** folio_large_mapcount. */
    int mapcount(final long folio) {
        return f.getInt(folio, largeMapcount) + 1;
    }

    /** test_bit(FOLIO_MM_IDS_SHARED_BITNUM, &folio->_mm_ids): read without the lock, as Linux does. */
    boolean sharedBit(final long folio) {
        return (f.getLong(folio, mmIds) & SHARED_BIT) != 0;
    }

    /** folio_maybe_mapped_shared for a large folio (6.15): one mapping is exclusive whatever the bit says. */
    boolean maybeMappedShared(final long folio) {
        return mapcount(folio) > 1 && sharedBit(folio);
    }

    long totalMappedPages(final long folio) {
        return f.getLong(folio, totalMappedPages);
    }

    int slotMmId(final long folio, final int idx) {
        return mmId(f.getLong(folio, mmIds), idx);
    }

    int slotMapcount(final long folio, final int idx) {
        return f.getInt(folio, mmIdMapcount + 4L * idx) + 1;
    }
}
