package dev.memu.access;

import java.util.Arrays;

/**
 * The distinct 64-byte lines one operation touched: an open-addressing set of line numbers,
 * stamped with an operation number so that {@link #clear()} costs nothing per op (an old stamp
 * simply reads as empty; the stamps are wiped once when the counter wraps). Grows by doubling and
 * stays at most half full. One thread; not thread-safe.
 */
public final class LineSet {

    private static final int INITIAL_CAPACITY = 1 << 10;

    private long[] keys = new long[INITIAL_CAPACITY];
    private int[] stamps = new int[INITIAL_CAPACITY];
    private int stamp = 1;
    private int size;

    /** Forgets every line (start of an operation). */
    public void clear() {
        if (++stamp == 0) {                 // stamp wrapped: forget every old stamp once
            Arrays.fill(stamps, 0);
            stamp = 1;
        }
        size = 0;
    }

    /** Adds {@code line}; true if it was not in the set yet. */
    public boolean add(final long line) {
        if ((size + 1) * 2 > keys.length) {
            grow();
        }
        final int mask = keys.length - 1;
        int i = mix(line) & mask;
        while (stamps[i] == stamp) {
            if (keys[i] == line) {
                return false;
            }
            i = (i + 1) & mask;
        }
        stamps[i] = stamp;
        keys[i] = line;
        size++;
        return true;
    }

    /** Number of distinct lines since the last {@link #clear()}. */
    public int size() {
        return size;
    }

    private void grow() {
        final long[] oldKeys = keys;
        final int[] oldStamps = stamps;
        keys = new long[oldKeys.length * 2];
        stamps = new int[oldKeys.length * 2];
        final int mask = keys.length - 1;
        for (int j = 0; j < oldKeys.length; j++) {
            if (oldStamps[j] == stamp) {
                int i = mix(oldKeys[j]) & mask;
                while (stamps[i] == stamp) {
                    i = (i + 1) & mask;
                }
                stamps[i] = stamp;
                keys[i] = oldKeys[j];
            }
        }
    }

    private static int mix(final long line) {
        final long h = line * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 32));
    }
}
