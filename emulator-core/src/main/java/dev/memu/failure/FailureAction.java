package dev.memu.failure;

/** What memory failure did about one bad pfn. */
public enum FailureAction {
    /** The page was free: taken off the allocator. Recovered, nothing lost. */
    TAKEN_OFF_FREE(true),
    /** Clean file folio: dropped and re-read from its backing store into a new block. */
    DROPPED_REREAD(true),
    /** Dirty file or anon folio: contents migrated to a new block and checksummed. */
    MIGRATED(true),
    /** Slab, page table, netpool, zone-device or vmalloc page: the owner cannot give it up. */
    UNRECOVERABLE(false),
    /** Recoverable type, but no free block for the new copy: the data is lost with the page. */
    NO_MEMORY(false),
    /**
     * The owner has no descriptor memu can read (a made-up allocatee): type known from the tag
     * only, nothing can be moved. Poisoned; the page leaves when the owner frees it.
     */
    NO_DESCRIPTOR(false),
    /** The pfn was already poisoned. */
    ALREADY_POISONED(true),
    /** Not in use by anyone (offline/reserved): marked, nothing to recover. */
    NOT_IN_USE(true);

    private final boolean recovered;

    FailureAction(final boolean recovered) {
        this.recovered = recovered;
    }

    public boolean recovered() {
        return recovered;
    }
}
