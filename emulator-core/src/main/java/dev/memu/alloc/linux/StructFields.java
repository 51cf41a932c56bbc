package dev.memu.alloc.linux;

import java.util.ArrayList;
import java.util.List;

/**
 * The named fields of one C struct as memu lays it out off-heap: offset, size and name, for
 * {@link dev.memu.access.FieldLabeler}s. Built once per struct; labelling walks the table (only the
 * explaining access layer calls it, never a timed path).
 */
public final class StructFields {

    private record Field(long offset, long bytes, String name) {
    }

    private final long size;
    private final List<Field> fields = new ArrayList<>();

    /** A struct of {@code size} bytes with no fields yet. */
    public StructFields(final long size) {
        this.size = size;
    }

    /** Adds a field of {@code bytes} bytes at {@code offset}. */
    public StructFields field(final long offset, final long bytes, final String name) {
        if (offset < 0 || bytes <= 0 || offset + bytes > size) {
            throw new IllegalArgumentException(name + " at " + offset + " (" + bytes + " bytes) is outside the "
                    + size + "-byte struct");
        }
        fields.add(new Field(offset, bytes, name));
        return this;
    }

    /** Adds {@code names.length} array elements of {@code bytes} bytes each from {@code offset}, named {@code name[names[i]]}. */
    public StructFields array(final long offset, final long bytes, final String name, final String... names) {
        for (int i = 0; i < names.length; i++) {
            field(offset + i * bytes, bytes, name + "[" + names[i] + "]");
        }
        return this;
    }

    /** Adds {@code n} array elements of {@code bytes} bytes each from {@code offset}, named {@code name[i]}. */
    public StructFields array(final long offset, final long bytes, final String name, final int n) {
        for (int i = 0; i < n; i++) {
            field(offset + i * bytes, bytes, name + "[" + i + "]");
        }
        return this;
    }

    public long size() {
        return size;
    }

    /**
     * Adds {@code prefix + "." + name} for every field overlapping {@code [offset, offset + bytes)},
     * offsets relative to the struct's start.
     */
    public void label(final String prefix, final long offset, final long bytes, final List<String> out) {
        final long end = offset + Math.max(bytes, 1);
        for (final Field f : fields) {
            if (f.offset < end && offset < f.offset + f.bytes) {
                out.add(prefix + "." + f.name);
            }
        }
    }
}
