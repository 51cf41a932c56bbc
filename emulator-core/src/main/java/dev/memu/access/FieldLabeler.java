package dev.memu.access;

import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * Names the struct fields that live at an address, for {@code memu explain}. Called only by the
 * explaining access layer, never on a timed path.
 */
public interface FieldLabeler {

    /**
     * Adds to {@code out} the name of every field of this labeler's structures that overlaps
     * {@code [offset, offset + bytes)} of {@code segment}, e.g. {@code "zone._watermark[WMARK_LOW]"}
     * or {@code "pcp.count"}; adds nothing when the segment is not one of its own.
     */
    void labelFields(MemorySegment segment, long offset, long bytes, List<String> out);
}
