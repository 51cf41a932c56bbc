package dev.memu.migrate;

/** Told when an allocation moved, for owners that remember pfns outside the descriptor. */
@FunctionalInterface
public interface MigrationListener {

    MigrationListener NONE = (allocatee, oldPfn, newPfn, order) -> { };

    void migrated(long allocatee, long oldPfn, long newPfn, int order);
}
