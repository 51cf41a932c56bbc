package dev.memu.mm.consumer;

/**
 * Whether compaction isolates a folio for migration, as mm/compaction.c
 * {@code isolate_migratepages_block} (Linux 6.12) decides for a folio without a mapping (anon):
 * "Migration will fail if an anonymous page is pinned in memory", tested as
 * {@code folio_ref_count(folio) - 1 > folio_mapcount(folio)}. Each mapping holds one folio
 * reference, so a scheme whose mapcount counts fewer mappings than there are (tuples, VMAs) makes
 * a mapped folio look pinned and compaction skip it. memu migrates large folios as well as small
 * ones (the compaction of large folios), so the order does not enter the decision.
 */
public final class Compaction {

    public enum Decision {
        MIGRATE,
        SKIP_PINNED
    }

    private Compaction() {
    }

    /**
     * @param anon     the folio has no address_space (folio_mapping() == NULL)
     * @param refcount folio_ref_count: one per mapping, plus pins and other holders
     * @param mapcount the scheme's folio_mapcount
     */
    public static Decision decide(final boolean anon, final long refcount, final long mapcount) {
        return anon && refcount - 1 > mapcount ? Decision.SKIP_PINNED : Decision.MIGRATE;
    }
}
