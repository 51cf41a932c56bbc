package dev.memu.trace;

import dev.memu.fuzz.Mutator;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Fuzzing the trace parser and the replay behind it (issue 10): mutated traces, plain and gzip,
 * are always a parse result (lenient) or one {@link TraceFormatException} (strict), and a lenient
 * replay of whatever was parsed never throws. {@code -Dmemu.fuzz.tries=N} for more tries.
 */
class TraceFuzzTest {

    private static final ReplayOptions QUICK = new ReplayOptions("memdesc8", "buddy", Placement.TRACE, 0, 0, false, 2,
            false);

    private static byte[] sample() throws IOException {
        final byte[] small = Files.readAllBytes(Path.of(TraceResources.path("real-6.18-small.trace")));
        final byte[] odd = Files.readAllBytes(Path.of(TraceResources.path("malformed.trace")));
        final byte[] head = Arrays.copyOf(small, Math.min(small.length, 8 << 10));
        final byte[] both = Arrays.copyOf(head, head.length + odd.length);
        System.arraycopy(odd, 0, both, head.length, odd.length);
        return both;
    }

    private static byte[] gzip(final byte[] b) throws IOException {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream z = new GZIPOutputStream(out)) {
            z.write(b);
        }
        return out.toByteArray();
    }

    private static void survives(final byte[] bytes, final String where) {
        try {
            final TraceLog log = FtraceParser.read("fuzzed", new ByteArrayInputStream(bytes), false);
            assertEquals(log.stats().replayEvents(), log.size(), where);
            // the trace placement sizes its RAM from the (fuzzed) pfns; the allocator placement gets
            // 64 MiB, so that a pfn fuzzed up to 1 TiB does not make every try boot a 1 TiB buddy
            final ReplayReport r = ReplayEngine.replay(log, log.size() % 2 == 0 ? QUICK
                    : QUICK.withPlacement(Placement.ALLOCATOR).withRamBytes(64L << 20));
            assertTrue(r.livePagesAtEnd() >= 0 && r.livePagesAtEnd() <= r.peakLivePages(), where);
        } catch (final IOException | RuntimeException | Error e) {
            fail(where + " (lenient): " + e, e);
        }
        try {
            FtraceParser.read("fuzzed", new ByteArrayInputStream(bytes), true);
        } catch (final TraceFormatException e) {
            assertTrue(e.getMessage().startsWith("fuzzed:"), where + ": " + e.getMessage());
            assertTrue(e.getMessage().lines().count() == 1, where + ": " + e.getMessage());
        } catch (final IOException | RuntimeException | Error e) {
            fail(where + " (strict): " + e, e);
        }
    }

    @Test
    void mutatedPlainTracesParseAndReplay() throws IOException {
        final byte[] valid = sample();
        final Mutator m = new Mutator(11);
        for (int t = 0; t < Mutator.tries(); t++) {
            survives(m.mutate(valid), m.where(t));
        }
    }

    @Test
    void mutatedGzipTracesParseAndReplay() throws IOException {
        final byte[] valid = sample();
        final byte[] gz = gzip(valid);
        final Mutator m = new Mutator(12);
        for (int t = 0; t < Mutator.tries(); t++) {
            // damage the compressed bytes, or compress damaged text
            survives(t % 2 == 0 ? m.mutate(gz) : gzip(m.mutate(valid)), m.where(t));
        }
    }

    @Test
    void linesWithRandomFieldValuesParseAndReplay() {
        final String[] values = {"0", "-1", "99", "0x", "0x7fffffffffffffff", "0xffffffffffffffff", "18446744073709551616",
            "2147483648", "-2147483649", "0x1000", "4096", "", "(null)", "0xfffffffffffff", "abc", "1e9"};
        final Mutator m = new Mutator(13);
        for (int t = 0; t < Mutator.tries(); t++) {
            final StringBuilder sb = new StringBuilder();
            for (int l = 0; l < 20; l++) {
                final String v1 = values[m.nextInt(values.length)];
                final String v2 = values[m.nextInt(values.length)];
                final String v3 = values[m.nextInt(values.length)];
                switch (m.nextInt(4)) {
                    case 0 -> sb.append("  bash-1  [").append(m.nextInt(2000)).append("] ..... 1.").append(l)
                            .append(": mm_page_alloc: page=").append(v1).append(" pfn=").append(v2).append(" order=")
                            .append(v3).append(" migratetype=").append(v1).append(" gfp_flags=GFP_KERNEL\n");
                    case 1 -> sb.append("  bash-1  [001] ..... 2.").append(l).append(": mm_page_free: page=1 pfn=")
                            .append(v2).append(" order=").append(v3).append('\n');
                    case 2 -> sb.append("CPU:").append(v1).append(" [LOST ").append(v2).append(" EVENTS]\n");
                    default -> sb.append("# entries-in-buffer/entries-written: ").append(v1).append('/').append(v2)
                            .append('\n');
                }
            }
            survives(sb.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8), m.where(t));
        }
    }
}
