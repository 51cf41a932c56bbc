package dev.memu.trace;

import dev.memu.memdesc.MemdescType;

import java.io.BufferedInputStream;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPInputStream;

/**
 * Streams the text ftrace prints for {@code kmem:mm_page_alloc}, {@code kmem:mm_page_free} and
 * {@code kmem:mm_page_free_batched} (from {@code trace} or {@code trace_pipe}) into a
 * {@link TraceLog}, one line at a time, plain or gzip (told apart by the magic bytes 1f 8b).
 *
 * <p>The line format, as Linux 6.18 prints it with the default trace options:
 * <pre>
 *   TASK-PID  [CPU#] FLAGS TIMESTAMP: EVENT: page=%p pfn=0x%lx order=%d migratetype=%d gfp_flags=%s
 *   TASK-PID  [CPU#] FLAGS TIMESTAMP: mm_page_free: page=%p pfn=0x%lx order=%d
 *   TASK-PID  [CPU#] FLAGS TIMESTAMP: mm_page_free_batched: page=%p pfn=0x%lx order=0
 *   CPU:N [LOST M EVENTS]                       (ring buffer overrun, reported by the reader)
 *   # entries-in-buffer/entries-written: A/B    (header of trace; B - A events were overwritten)
 * </pre>
 * Task names may contain spaces ("C2 CompilerThre-123"), so the line is anchored on the
 * {@code [CPU#]} column and read rightwards; the irq-flags column is optional (option irq-info),
 * a tgid column {@code (  123)} may precede the CPU column (option record-tgid), timestamps may be
 * seconds.micros or a raw counter, and pfn is hex with 0x (kernels since 5.x) or decimal (older).
 *
 * <p>Every oddity is counted in {@link TraceStats}; none stops the parse unless strict, where
 * the first one throws {@link TraceFormatException} naming the input and line.
 */
public final class FtraceParser {

    private static final String EV_ALLOC = "mm_page_alloc";
    private static final String EV_FREE = "mm_page_free";
    private static final String EV_FREE_BATCHED = "mm_page_free_batched";
    private static final int MAX_ORDER_ACCEPTED = 40;

    private final TraceLog log;
    private final boolean strict;
    private long globalLine;

    private FtraceParser(final TraceLog log, final boolean strict) {
        this.log = log;
        this.strict = strict;
    }

    /**
     * Reads every input in order into one log ({@code "-"} is standard input).
     *
     * @throws NoSuchFileException naming an input that does not exist
     * @throws TraceFormatException in strict mode, at the first odd line
     */
    public static TraceLog read(final List<String> inputs, final boolean strict, final InputStream stdin)
            throws IOException {
        final TraceLog log = new TraceLog();
        final FtraceParser parser = new FtraceParser(log, strict);
        for (final String input : inputs) {
            if ("-".equals(input)) {
                parser.parse("<stdin>", stdin);
            } else {
                final Path path = Path.of(input);
                if (!Files.isRegularFile(path)) {
                    throw new NoSuchFileException(input, null, "no such trace file");
                }
                try (InputStream in = Files.newInputStream(path)) {
                    parser.parse(input, in);
                }
            }
        }
        return log;
    }

    /** Reads one stream (plain or gzip) into a fresh log. */
    public static TraceLog read(final String name, final InputStream in, final boolean strict) throws IOException {
        final TraceLog log = new TraceLog();
        new FtraceParser(log, strict).parse(name, in);
        return log;
    }

    private void parse(final String name, final InputStream raw) throws IOException {
        final BufferedInputStream in = new BufferedInputStream(raw, 1 << 16);
        in.mark(2);
        final int b0 = in.read();
        final int b1 = in.read();
        in.reset();
        final InputStream text = b0 == 0x1f && b1 == 0x8b ? new GZIPInputStream(in, 1 << 16) : in;
        final TraceStats stats = new TraceStats();
        log.beginInput(name, globalLine + 1);
        final BufferedReader reader = new BufferedReader(new InputStreamReader(text, StandardCharsets.UTF_8), 1 << 16);
        long lineNumber = 0;
        try {
            String line;
            while ((line = reader.readLine()) != null) {
                lineNumber++;
                globalLine++;
                stats.lines++;
                parseLine(name, lineNumber, line, stats);
            }
        } catch (final java.io.EOFException | java.util.zip.ZipException e) {
            // A gzip stream cut short: what was read so far counts, the cut is one truncated line.
            stats.truncated++;
            stats.example("truncated gzip stream", lineNumber + 1, String.valueOf(e.getMessage()));
            if (strict) {
                throw new TraceFormatException(name, lineNumber + 1, "compressed stream is truncated: " + e.getMessage());
            }
        }
        log.stats().add(stats);
    }

    private void parseLine(final String name, final long lineNumber, final String line, final TraceStats stats) {
        int start = 0;
        final int n = line.length();
        while (start < n && line.charAt(start) == ' ') {
            start++;
        }
        if (start == n) {
            stats.blankLines++;
            return;
        }
        if (line.charAt(start) == '#') {
            stats.headerLines++;
            header(line, stats);
            return;
        }
        if (line.startsWith("CPU:", start)) {
            lost(name, lineNumber, line, start, stats);
            return;
        }
        final int open = cpuColumn(line);
        if (open < 0) {
            odd(name, lineNumber, line, stats, false, "no [CPU#] column");
            return;
        }
        final int close = line.indexOf(']', open);
        final int cpu = Integer.parseInt(line, open + 1, close, 10);
        // after ']': [flags] timestamp: event: args
        int p = close + 1;
        long tsNanos = -1;
        String event = null;
        int argsAt = -1;
        while (p < n) {
            while (p < n && line.charAt(p) == ' ') {
                p++;
            }
            int e = line.indexOf(' ', p);
            if (e < 0) {
                e = n;
            }
            if (e > p && line.charAt(e - 1) == ':') {
                if (tsNanos < 0) {
                    tsNanos = timestamp(line, p, e - 1);
                    if (tsNanos < 0) {
                        p = e;       // a flags column ending in ':'? keep looking
                        continue;
                    }
                } else {
                    event = line.substring(p, e - 1);
                    argsAt = e;
                    break;
                }
            }
            p = e;
        }
        if (event == null) {
            odd(name, lineNumber, line, stats, true, "no 'TIMESTAMP: EVENT:' after the CPU column");
            return;
        }
        final int kind;
        switch (event) {
            case EV_ALLOC -> kind = TraceLog.ALLOC;
            case EV_FREE -> kind = TraceLog.FREE;
            case EV_FREE_BATCHED -> kind = TraceLog.FREE_BATCHED;
            default -> {
                if (event.startsWith("mm_page_") || event.indexOf(' ') < 0) {
                    stats.otherEvents++;
                    return;
                }
                odd(name, lineNumber, line, stats, true, "unexpected event name '" + event + "'");
                return;
            }
        }
        final long pfn = hexOrDecimal(arg(line, argsAt, "pfn="));
        int order = (int) decimal(arg(line, argsAt, "order="));
        if (kind == TraceLog.FREE_BATCHED && order == Integer.MIN_VALUE) {
            order = 0;                      // older kernels printed no order for free_batched
        }
        if (pfn < 0 || order < 0 || order > MAX_ORDER_ACCEPTED) {
            odd(name, lineNumber, line, stats, true, pfn < 0 ? "missing or bad pfn" : "missing or bad order");
            return;
        }
        int migratetype = -1;
        MemdescType type = null;
        if (kind == TraceLog.ALLOC) {
            final String mt = arg(line, argsAt, "migratetype=");
            final String gfp = arg(line, argsAt, "gfp_flags=");
            if (mt == null || gfp == null) {
                odd(name, lineNumber, line, stats, true, "mm_page_alloc without migratetype or gfp_flags");
                return;
            }
            migratetype = (int) decimal(mt);
            if (migratetype == Integer.MIN_VALUE) {
                odd(name, lineNumber, line, stats, true, "bad migratetype");
                return;
            }
            final String page = arg(line, argsAt, "page=");
            if (pfn == 0 && (page == null || page.equals("(null)") || isAllZeros(page))) {
                stats.kernelAllocFailures++;  // trace_mm_page_alloc fires with a NULL page on failure
                return;
            }
            type = GfpClass.typeOf(gfp);
            stats.allocs++;
        } else if (kind == TraceLog.FREE) {
            stats.frees++;
        } else {
            stats.freesBatched++;
        }
        stats.maxCpu = Math.max(stats.maxCpu, cpu);
        stats.maxPfn = Math.max(stats.maxPfn, pfn + (1L << order) - 1);
        log.add(kind, pfn, order, migratetype, type, cpu, tsNanos, globalLine);
    }

    private void header(final String line, final TraceStats stats) {
        final int at = line.indexOf("entries-in-buffer/entries-written:");
        if (at < 0) {
            return;
        }
        int p = at + "entries-in-buffer/entries-written:".length();
        while (p < line.length() && line.charAt(p) == ' ') {
            p++;
        }
        final int slash = line.indexOf('/', p);
        int e = slash + 1;
        while (e < line.length() && Character.isDigit(line.charAt(e))) {
            e++;
        }
        if (slash < 0 || e == slash + 1) {
            return;
        }
        try {
            final long inBuffer = Long.parseLong(line, p, slash, 10);
            final long written = Long.parseLong(line, slash + 1, e, 10);
            stats.overwrittenEvents += Math.max(0, written - inBuffer);
        } catch (final NumberFormatException ignored) {
            // a header we do not know: not an event, nothing to count
        }
    }

    private void lost(final String name, final long lineNumber, final String line, final int start,
                      final TraceStats stats) {
        // CPU:%d [LOST %lu EVENTS]
        final int colon = start + 3;
        final int space = line.indexOf(' ', colon);
        final int lostAt = line.indexOf("[LOST ", colon);
        final int eventsAt = line.indexOf(" EVENTS]", colon);
        if (space < 0 || lostAt < 0 || eventsAt < 0) {
            odd(name, lineNumber, line, stats, false, "CPU: line that is not a LOST marker");
            return;
        }
        try {
            final int cpu = Integer.parseInt(line, colon + 1, space, 10);
            final long count = Long.parseLong(line, lostAt + 6, eventsAt, 10);
            stats.lostMarkers++;
            stats.lostEvents += count;
            stats.example("lost", lineNumber, line);
            if (strict) {
                throw new TraceFormatException(name, lineNumber, "ring buffer overrun: " + line.strip());
            }
            log.add(TraceLog.LOST, count, 0, -1, null, cpu, -1, globalLine);
        } catch (final NumberFormatException e) {
            odd(name, lineNumber, line, stats, false, "bad LOST marker");
        }
    }

    private void odd(final String name, final long lineNumber, final String line, final TraceStats stats,
                     final boolean truncated, final String why) {
        if (truncated) {
            stats.truncated++;
            stats.example("truncated", lineNumber, line);
        } else {
            stats.garbage++;
            stats.example("unparsable", lineNumber, line);
        }
        if (strict) {
            throw new TraceFormatException(name, lineNumber, why + ": '" + line.strip() + "'");
        }
    }

    /** Index of the '[' of the first " [digits]" in the line, or -1. */
    private static int cpuColumn(final String line) {
        int from = 0;
        while (true) {
            final int open = line.indexOf('[', from);
            if (open < 0) {
                return -1;
            }
            int p = open + 1;
            while (p < line.length() && Character.isDigit(line.charAt(p))) {
                p++;
            }
            if (p > open + 1 && p < line.length() && line.charAt(p) == ']' && p - open <= 6
                    && open > 0 && line.charAt(open - 1) == ' ') {
                return open;
            }
            from = open + 1;
        }
    }

    /** seconds.fraction (any number of fraction digits) or a bare counter, in ns; -1 if not a number. */
    private static long timestamp(final String s, final int from, final int to) {
        if (from >= to) {
            return -1;
        }
        long secs = 0;
        long frac = 0;
        int fracDigits = 0;
        boolean dot = false;
        for (int i = from; i < to; i++) {
            final char c = s.charAt(i);
            if (c == '.' && !dot) {
                dot = true;
            } else if (c >= '0' && c <= '9') {
                if (dot) {
                    if (fracDigits < 9) {
                        frac = frac * 10 + (c - '0');
                        fracDigits++;
                    }
                } else {
                    secs = secs * 10 + (c - '0');
                }
            } else {
                return -1;
            }
        }
        if (!dot) {
            return secs;                     // raw counter clock: keep as is
        }
        for (int k = fracDigits; k < 9; k++) {
            frac *= 10;
        }
        return secs * 1_000_000_000L + frac;
    }

    /** The value after {@code key} up to the next space, or null. */
    private static String arg(final String line, final int from, final String key) {
        int at = line.indexOf(key, from);
        while (at > 0 && line.charAt(at - 1) != ' ') {
            at = line.indexOf(key, at + 1);
        }
        if (at < 0) {
            return null;
        }
        final int v = at + key.length();
        int e = line.indexOf(' ', v);
        if (e < 0) {
            e = line.length();
        }
        return e > v ? line.substring(v, e) : null;
    }

    private static long hexOrDecimal(final String v) {
        if (v == null) {
            return -1;
        }
        try {
            if (v.startsWith("0x") || v.startsWith("0X")) {
                return v.length() > 2 ? Long.parseUnsignedLong(v, 2, v.length(), 16) : -1;
            }
            return Long.parseLong(v);
        } catch (final NumberFormatException e) {
            return -1;
        }
    }

    private static long decimal(final String v) {
        if (v == null) {
            return Integer.MIN_VALUE;
        }
        try {
            return Integer.parseInt(v);
        } catch (final NumberFormatException e) {
            return Integer.MIN_VALUE;
        }
    }

    private static boolean isAllZeros(final String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) != '0') {
                return false;
            }
        }
        return !s.isEmpty();
    }
}
