package dev.memu.host;

import dev.memu.access.PlainAccess;
import dev.memu.alloc.AllocatorOptions;
import dev.memu.alloc.BuddyAllocator;
import dev.memu.fuzz.Mutator;
import dev.memu.layout.Layouts;
import dev.memu.machine.Machine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Fuzzing the snapshot reader (issue 10): a damaged file is either refused with one
 * {@link SnapshotFormatException} line or read as a snapshot that keeps every rule and boots an
 * allocator; nothing else ever comes out (no runtime exception, no OutOfMemoryError).
 * {@code -Dmemu.fuzz.tries=N} for more tries.
 */
class SnapshotFuzzTest {

    private static final Path NAME = Path.of("fuzzed.snap");

    @TempDir
    Path tmp;

    /** Reads {@code bytes}; fails the test on anything but a valid snapshot or the one-line refusal. */
    private static boolean survives(final byte[] bytes, final String where) {
        try {
            final HostSnapshot s = SnapshotFile.read(() -> new ByteArrayInputStream(bytes), NAME);
            assertNull(SnapshotFile.problem(s), where);
            try (Machine m = Machine.create(s.pfns() << 12)) {
                final BuddyAllocator buddy = new BuddyAllocator(Layouts.byName("memdesc8").bind(m, PlainAccess.INSTANCE),
                        AllocatorOptions.defaults());
                s.bootAllocator(buddy, false);
                assertTrue(buddy.verify().ok(), where + ": " + buddy.verify());
            }
            return true;
        } catch (final SnapshotFormatException e) {
            assertTrue(e.getMessage().startsWith(NAME + ": "), where + ": " + e.getMessage());
            assertFalse(e.getMessage().contains("\n"), where + ": " + e.getMessage());
            return false;
        } catch (final IOException | RuntimeException | Error e) {
            fail(where + ": " + e, e);
            return false;
        }
    }

    @Test
    void damagedFilesAreRefusedOrValid() throws IOException {
        final byte[] file = SnapshotBytes.file(tmp);
        final Mutator m = new Mutator(1);
        int refused = 0;
        for (int t = 0; t < Mutator.tries(); t++) {
            if (!survives(m.mutate(file), m.where(t))) {
                refused++;
            }
        }
        assertTrue(refused > Mutator.tries() / 2, refused + " refused: the mutations do damage");
    }

    @Test
    void damagedPayloadsBehindAValidGzipAreRefusedOrValid() throws IOException {
        final byte[] payload = SnapshotBytes.gunzip(SnapshotBytes.file(tmp));
        final Mutator m = new Mutator(2);
        for (int t = 0; t < Mutator.tries(); t++) {
            final byte[] damaged = m.mutate(payload);
            // half the time with the CRC32C made right again, so that the field rules are what is tried
            if (m.nextInt(2) == 0 && damaged.length >= 4) {
                SnapshotBytes.withChecksum(damaged);
            }
            survives(SnapshotBytes.gzip(damaged), m.where(t));
        }
    }

    @Test
    void fieldsSetToExtremeValuesBehindAValidChecksumAreRefusedOrValid() throws IOException {
        final byte[] payload = SnapshotBytes.gunzip(SnapshotBytes.file(tmp));
        final long[] extremes = {0, 1, -1, Long.MIN_VALUE, Long.MAX_VALUE, Integer.MAX_VALUE, Integer.MIN_VALUE,
            1L << 31, 1L << 40};
        final Mutator m = new Mutator(3);
        for (int t = 0; t < Mutator.tries(); t++) {
            final byte[] b = payload.clone();
            final int at = m.nextInt(b.length - 8 - 4);
            final long v = extremes[m.nextInt(extremes.length)];
            final java.nio.ByteBuffer buf = java.nio.ByteBuffer.wrap(b);
            if (m.nextInt(2) == 0) {
                buf.putLong(at, v);
            } else {
                buf.putInt(at, (int) v);
            }
            survives(SnapshotBytes.gzip(SnapshotBytes.withChecksum(b)), m.where(t) + " at " + at + " = " + v);
        }
    }
}
