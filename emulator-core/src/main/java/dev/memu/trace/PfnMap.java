package dev.memu.trace;

import java.util.Arrays;

/**
 * An open-addressing map from a pfn (>= 0) to a long, without boxing: the allocator placement's
 * "trace pfn -> emulated pfn" table. Linear probing, deletion by backward shift, load <= 1/2.
 */
final class PfnMap {

    static final long MISSING = Long.MIN_VALUE;
    private static final long EMPTY = -1L;

    private long[] keys;
    private long[] values;
    private int size;

    PfnMap() {
        keys = new long[1 << 12];
        values = new long[1 << 12];
        Arrays.fill(keys, EMPTY);
    }

    int size() {
        return size;
    }

    long get(final long key) {
        final int mask = keys.length - 1;
        for (int i = slot(key, mask); ; i = (i + 1) & mask) {
            final long k = keys[i];
            if (k == key) {
                return values[i];
            }
            if (k == EMPTY) {
                return MISSING;
            }
        }
    }

    void put(final long key, final long value) {
        if (key < 0) {
            throw new IllegalArgumentException("pfn must be >= 0, got " + key);
        }
        if ((size + 1) * 2 > keys.length) {
            grow();
        }
        final int mask = keys.length - 1;
        for (int i = slot(key, mask); ; i = (i + 1) & mask) {
            if (keys[i] == key) {
                values[i] = value;
                return;
            }
            if (keys[i] == EMPTY) {
                keys[i] = key;
                values[i] = value;
                size++;
                return;
            }
        }
    }

    /** Removes {@code key}; returns its value or {@link #MISSING}. */
    long remove(final long key) {
        final int mask = keys.length - 1;
        int i = slot(key, mask);
        while (keys[i] != key) {
            if (keys[i] == EMPTY) {
                return MISSING;
            }
            i = (i + 1) & mask;
        }
        final long old = values[i];
        // backward-shift deletion: pull later entries of the probe run into the hole
        int hole = i;
        int j = (i + 1) & mask;
        while (keys[j] != EMPTY) {
            final int home = slot(keys[j], mask);
            final boolean movable = hole <= j ? (home <= hole || home > j) : (home <= hole && home > j);
            if (movable) {
                keys[hole] = keys[j];
                values[hole] = values[j];
                hole = j;
            }
            j = (j + 1) & mask;
        }
        keys[hole] = EMPTY;
        size--;
        return old;
    }

    private void grow() {
        final long[] oldKeys = keys;
        final long[] oldValues = values;
        keys = new long[oldKeys.length * 2];
        values = new long[oldKeys.length * 2];
        Arrays.fill(keys, EMPTY);
        size = 0;
        for (int i = 0; i < oldKeys.length; i++) {
            if (oldKeys[i] != EMPTY) {
                put(oldKeys[i], oldValues[i]);
            }
        }
    }

    private static int slot(final long key, final int mask) {
        final long h = key * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 29)) & mask;
    }
}
