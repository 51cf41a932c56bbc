package dev.memu.trace;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Hostile trace text (issue 10): out-of-range values classified, huge lines bounded, junk is no events. */
class TraceInputTest {

    private static final String ALLOC = "  bash-1  [000] ..... 1.000001: mm_page_alloc: page=0000000011 pfn=%s order=%s "
            + "migratetype=1 gfp_flags=GFP_KERNEL";

    @TempDir
    Path tmp;

    private static TraceLog text(final String... lines) throws IOException {
        final String s = String.join("\n", lines) + "\n";
        return FtraceParser.read("text", new ByteArrayInputStream(s.getBytes(StandardCharsets.UTF_8)), false);
    }

    private static String alloc(final String pfn, final String order) {
        return String.format(ALLOC, pfn, order);
    }

    @Test
    void outOfRangePfnsAndBadOrdersAreClassifiedNotTruncated() throws IOException {
        final TraceLog log = text(
                alloc("0x7fffffffffffffff", "0"),        // above 2^52 - 1
                alloc("0xffffffffffffffff", "0"),        // negative as a long
                alloc("0x1ffffffffffffffff", "0"),       // more than 64 bits
                alloc("-5", "0"),
                alloc("99999999999999999999", "0"),      // decimal overflow
                alloc("0x1000", "-1"),
                alloc("0x1000", "99"),
                alloc("0x1000", "2147483648"),
                alloc("0xzz", "0"),                      // not a number: truncated
                alloc("0x1000", "x"),
                alloc("0xfffffffffffff", "0"));          // 2^52 - 1: the highest pfn accepted
        final TraceStats s = log.stats();
        assertEquals(5, s.pfnOutOfRange());
        assertEquals(3, s.badOrder());
        assertEquals(2, s.truncated());
        assertEquals(10, s.unparsable());
        assertEquals(1, log.size());
        assertEquals((1L << 52) - 1, log.pfn(0));
        assertTrue(s.examples().stream().anyMatch(e -> e.startsWith("pfn out of range at line 1")), s.examples().toString());
        assertTrue(s.examples().stream().anyMatch(e -> e.startsWith("bad order at line 6")), s.examples().toString());
        final TraceFormatException strict = assertThrows(TraceFormatException.class, () -> FtraceParser.read("t",
                new ByteArrayInputStream(alloc("0x1000", "99").getBytes(StandardCharsets.UTF_8)), true));
        assertTrue(strict.getMessage().contains("bad order 99"), strict.getMessage());
    }

    /** {@code size} bytes of 'x' with no newline, then one good line; made on the fly, never held. */
    private static InputStream hugeLine(final long size) {
        final byte[] tail = ("\n" + alloc("0x2000", "0") + "\n").getBytes(StandardCharsets.UTF_8);
        return new InputStream() {
            private long left = size;
            private int t;

            @Override
            public int read() {
                if (left > 0) {
                    left--;
                    return 'x';
                }
                return t < tail.length ? tail[t++] : -1;
            }

            @Override
            public int read(final byte[] b, final int off, final int len) {
                if (left > 0) {
                    final int n = (int) Math.min(len, left);
                    java.util.Arrays.fill(b, off, off + n, (byte) 'x');
                    left -= n;
                    return n;
                }
                if (t == tail.length) {
                    return -1;
                }
                final int n = Math.min(len, tail.length - t);
                System.arraycopy(tail, t, b, off, n);
                t += n;
                return n;
            }
        };
    }

    @Test
    void aLineLongerThanTheBoundIsCountedAndSkippedUnheld() throws IOException {
        // 256 MiB in one line: a reader that held it would need 512 MiB of chars (the test JVM's
        // heap is smaller than 8 such lines); this one keeps 4096 characters of it
        final TraceLog log = FtraceParser.read("big", hugeLine(256L << 20), false);
        assertEquals(1, log.stats().tooLong());
        assertEquals(1, log.size(), "the line after it is read");
        assertEquals(0x2000, log.pfn(0));
        assertEquals(2, log.stats().lines());
    }

    @Test
    void aHugeLineOnStandardInputIsSpooledCompressedAndCountedOnce() throws IOException {
        try (TraceInputs in = TraceInputs.open(List.of("-"), hugeLine(64L << 20))) {
            assertTrue(Files.size(in.spool()) < (1 << 20), "64 MiB of one character spool to " + Files.size(in.spool()));
            final TraceStats s = FtraceParser.count(in, false);
            assertEquals(1, s.tooLong());
            assertEquals(1, s.events());
        }
    }

    @Test
    void aFiveByteGzipStubIsATruncatedStreamNotANullMessage() throws IOException {
        final byte[] stub = {0x1f, (byte) 0x8b, 8, 0, 0};
        final TraceLog log = FtraceParser.read("stub.gz", new ByteArrayInputStream(stub), false);
        assertEquals(1, log.stats().truncated());
        assertEquals(0, log.size());
        final TraceFormatException e = assertThrows(TraceFormatException.class,
                () -> FtraceParser.read("stub.gz", new ByteArrayInputStream(stub), true));
        assertFalse(e.getMessage().contains("null"), e.getMessage());
        assertTrue(e.getMessage().startsWith("stub.gz:1: compressed stream is truncated"), e.getMessage());
    }

    @Test
    void emptyRandomOrUtf16InputHasNoEventsAndNoError() throws IOException {
        final byte[] random = new byte[64 << 10];
        new Random(7).nextBytes(random);
        final byte[] utf16 = (alloc("0x1000", "0") + "\n").getBytes(StandardCharsets.UTF_16);
        for (final byte[] bytes : List.of(new byte[0], random, utf16)) {
            final TraceStats s = FtraceParser.read("junk", new ByteArrayInputStream(bytes), false).stats();
            assertEquals(0, s.events());
        }
    }

    @Test
    void strictRefusesATraceWithNoEvents() throws IOException {
        final Path empty = Files.createFile(tmp.resolve("empty.trace"));
        final TraceLog log = FtraceParser.read(List.of(empty.toString()), true, InputStream.nullInputStream());
        final TraceFormatException e = assertThrows(TraceFormatException.class,
                () -> ReplayEngine.replay(log, ReplayOptions.defaults().withStrict(true)));
        assertTrue(e.getMessage().contains("no kmem:mm_page_alloc"), e.getMessage());
        final ReplayReport lenient = ReplayEngine.replay(log, ReplayOptions.defaults());
        assertEquals(0, lenient.allocOps());
        assertEquals(-1, lenient.allocLinesPercentile(99), "no op: the CLI prints '-', never -1 or NaN");
    }

    @Test
    void aDirectoryIsSaidToBeOne() throws IOException {
        final FileSystemException e = assertThrows(FileSystemException.class,
                () -> TraceInputs.open(List.of(tmp.toString()), InputStream.nullInputStream()));
        assertEquals(tmp.toString(), e.getFile());
        assertTrue(e.getReason().contains("is a directory"), e.getReason());
        assertThrows(java.nio.file.NoSuchFileException.class,
                () -> TraceInputs.open(List.of(tmp.resolve("nope").toString()), InputStream.nullInputStream()));
        assertThrows(IllegalArgumentException.class,
                () -> TraceInputs.open(List.of("-", "-"), InputStream.nullInputStream()));
    }

    @Test
    void standardInputIsSpooledAndTheSpoolRemoved() throws IOException {
        final byte[] text = (alloc("0x1000", "0") + "\n").getBytes(StandardCharsets.UTF_8);
        final TraceInputs in = TraceInputs.open(List.of("-"), new ByteArrayInputStream(text));
        final TraceStats first = FtraceParser.count(in, false);
        final TraceStats second = FtraceParser.count(in, false);
        assertEquals(1, first.events());
        assertEquals(1, second.events(), "read twice: once to count, once per layout");
        final Path spool = in.spool();
        assertTrue(Files.exists(spool));
        in.close();
        assertFalse(Files.exists(spool), "the copy of standard input is deleted on close");
    }
}
