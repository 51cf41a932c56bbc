package dev.memu.mm.mapcount;

import dev.memu.access.Access;
import dev.memu.access.Region;
import dev.memu.memdesc.Allocatee;
import dev.memu.memdesc.MemdescHeap;

import java.lang.foreign.MemorySegment;

/**
 * Word access to the mapcount fields of a folio memdesc (offsets in {@link dev.memu.memdesc.FolioDesc}),
 * through the heap's {@link Access} and region, so that the counting access layer sees each line.
 * The folio is named by its tagged allocatee, as in {@link MapcountScheme}.
 */
final class FolioFields {

    private final Access access;
    private final Region region;
    private final MemorySegment seg;
    private final MemdescHeap heap;

    FolioFields(final MemdescHeap heap) {
        this.heap = heap;
        this.access = heap.access();
        this.region = heap.region();
        this.seg = heap.segment();
    }

    private long at(final long folio, final long field) {
        return heap.offset(Allocatee.descriptor(folio)) + field;
    }

    int getInt(final long folio, final long field) {
        return access.getInt(region, seg, at(folio, field));
    }

    void setInt(final long folio, final long field, final int value) {
        access.setInt(region, seg, at(folio, field), value);
    }

    /** atomic_add / atomic_inc_and_test / atomic_add_negative: returns the value before the add. */
    int getAndAddInt(final long folio, final long field, final int delta) {
        return access.getAndAddInt(region, seg, at(folio, field), delta);
    }

    long getLong(final long folio, final long field) {
        return access.getLong(region, seg, at(folio, field));
    }

    void setLong(final long folio, final long field, final long value) {
        access.setLong(region, seg, at(folio, field), value);
    }

    void setLongRelease(final long folio, final long field, final long value) {
        access.setLongRelease(region, seg, at(folio, field), value);
    }

    long getAndBitwiseOrLong(final long folio, final long field, final long bits) {
        return access.getAndBitwiseOrLong(region, seg, at(folio, field), bits);
    }

    boolean compareAndSetLong(final long folio, final long field, final long expected, final long value) {
        return access.compareAndSetLong(region, seg, at(folio, field), expected, value);
    }
}
