package dev.memu.failure;

import java.lang.foreign.MemorySegment;

/** Where a clean file folio's bytes can be read again from (the file on disk). */
@FunctionalInterface
public interface BackingStore {

    /** Reads the file pages {@code index .. index + pages - 1} of {@code mapping} into RAM at {@code pfn}. */
    void read(MemorySegment ram, int pageShift, long pfn, long pages, long mapping, long index);

    /** The pattern store memu's workloads fill file folios from ({@link dev.memu.migrate.PageContents}). */
    BackingStore PATTERN = (ram, pageShift, pfn, pages, mapping, index) ->
            dev.memu.migrate.PageContents.fill(ram, pageShift, pfn, pages, mapping, index);
}
