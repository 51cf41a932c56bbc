package dev.memu.access;

import dev.memu.machine.Machine;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Measuring must not change what is measured: the counting layer returns exactly what the plain
 * layer returns and leaves memory exactly as the plain layer does, for every kind of access.
 */
class AccessEquivalenceTest {

    private static final int BYTES = 8192;

    /** Runs a seeded script of every access kind and returns every value read plus the final bytes. */
    private static List<Long> run(final Access access, final MemorySegment segment, final long seed) {
        final Random random = new Random(seed);
        final List<Long> seen = new ArrayList<>();
        final Region r = Region.MEMMAP;
        for (int step = 0; step < 4000; step++) {
            final long lo = random.nextInt(BYTES / 8 - 64) * 8L;   // an aligned long offset, room for copy/fill
            final long value = random.nextLong();
            final int kind = random.nextInt(21);
            access.beginOp();
            switch (kind) {
                case 0 -> seen.add(access.getLong(r, segment, lo));
                case 1 -> access.setLong(r, segment, lo, value);
                case 2 -> seen.add(access.getLongAcquire(r, segment, lo));
                case 3 -> access.setLongRelease(r, segment, lo, value);
                case 4 -> seen.add(access.getLongVolatile(r, segment, lo));
                case 5 -> access.setLongVolatile(r, segment, lo, value);
                case 6 -> {
                    // Half the CASes expect the current value (succeed), half a wrong one (fail).
                    final long expected = random.nextBoolean() ? access.getLong(r, segment, lo) : value ^ 1;
                    seen.add(access.compareAndSetLong(r, segment, lo, expected, value) ? 1L : 0L);
                }
                case 7 -> {
                    final long expected = random.nextBoolean() ? access.getLong(r, segment, lo) : value ^ 1;
                    seen.add(access.compareAndExchangeLong(r, segment, lo, expected, value));
                }
                case 8 -> seen.add(access.getAndAddLong(r, segment, lo, value));
                case 9 -> seen.add(access.getAndBitwiseOrLong(r, segment, lo, value));
                case 10 -> seen.add(access.getAndBitwiseAndLong(r, segment, lo, value));
                case 11 -> seen.add((long) access.getInt(r, segment, lo + 4));
                case 12 -> access.setInt(r, segment, lo + 4, (int) value);
                case 13 -> {
                    final int expected = random.nextBoolean() ? access.getInt(r, segment, lo) : (int) value ^ 1;
                    seen.add(access.compareAndSetInt(r, segment, lo, expected, (int) value) ? 1L : 0L);
                }
                case 14 -> seen.add((long) access.getAndAddInt(r, segment, lo, (int) value));
                case 15 -> seen.add((long) access.getShort(r, segment, lo + 6));
                case 16 -> access.setShort(r, segment, lo + 2, (short) value);
                case 17 -> access.copy(r, segment, lo, r, segment, random.nextInt(BYTES - 512), random.nextInt(256));
                case 18 -> access.fill(r, segment, lo + 3, random.nextInt(300), (byte) value);
                case 19 -> seen.add(access.getLong(r, segment, lo) + access.getInt(r, segment, lo));
                default -> seen.add((long) access.getShort(r, segment, lo));
            }
            access.endOp();
        }
        for (long off = 0; off < BYTES; off += 8) {
            seen.add(PlainAccess.INSTANCE.getLong(r, segment, off));
        }
        return seen;
    }

    @Test
    void plainAndCountingGiveTheSameValuesForEveryOpKind() {
        try (Machine machine = Machine.create(1 << 20)) {
            final MemorySegment a = machine.allocate(Region.MEMMAP, BYTES);
            final MemorySegment b = machine.allocate(Region.MEMMAP, BYTES);
            for (final long seed : new long[] {1, 2, 3}) {
                a.fill((byte) 0);
                b.fill((byte) 0);
                final CountingAccess counting = new CountingAccess();
                final List<Long> plain = run(PlainAccess.INSTANCE, a, seed);
                final List<Long> counted = run(counting, b, seed);
                assertEquals(plain, counted, "seed " + seed);
                assertArrayEquals(a.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE),
                        b.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE), "final memory, seed " + seed);
                assertTrue(counting.totalLines(Region.MEMMAP) >= 4000, "every op touched at least one line");
            }
        }
    }

    @Test
    void plainAndExplainingGiveTheSameValuesForEveryOpKind() {
        try (Machine machine = Machine.create(1 << 20)) {
            final MemorySegment a = machine.allocate(Region.MEMMAP, BYTES);
            final MemorySegment b = machine.allocate(Region.MEMMAP, BYTES);
            final ExplainingAccess explaining = new ExplainingAccess();
            assertEquals(run(PlainAccess.INSTANCE, a, 4), run(explaining, b, 4));
            assertArrayEquals(a.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE),
                    b.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE), "final memory");
            assertTrue(explaining.lastOpLines().size() >= 1, "the last op touched at least one line");
        }
    }
}
