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
 * the first one throws {@link TraceFormatException} naming the input and line. Out-of-range
 * values are told apart from cut lines: a pfn that is negative, overflows or lies above
 * {@link #MAX_PFN} is "pfn out of range", an order below 0 or above {@link #MAX_ORDER_ACCEPTED}
 * "bad order". A line longer than {@link BoundedLineReader#MAX_CHARS} is counted as too long and
 * skipped without being held in memory. Any bytes decode (UTF-8, malformed input replaced), so
 * random bytes or UTF-16 text are unparsable lines and no events, never an exception.
 */
public final class FtraceParser {

    private static final String EV_ALLOC = "mm_page_alloc";
    private static final String EV_FREE = "mm_page_free";
    private static final String EV_FREE_BATCHED = "mm_page_free_batched";
    /** Orders above this are not a page allocation at all ("bad order"); the replay bounds them further. */
    static final int MAX_ORDER_ACCEPTED = 40;
    /**
     * The highest pfn a 64-bit physical address space has with 4 KiB pages (2^52 - 1): anything
     * above, or negative, or more hex digits than a long holds, is "pfn out of range".
     */
    static final long MAX_PFN = (1L << 52) - 1;
    private static final long BAD_NUMBER = Long.MIN_VALUE;
    private static final long OUT_OF_RANGE = Long.MIN_VALUE + 1;

    /** How an odd line is counted in {@link TraceStats}. */
    private enum Odd { TRUNCATED, GARBAGE, PFN_RANGE, BAD_ORDER, TOO_LONG }

    private final TraceSink sink;
    private final boolean strict;
    private final TraceStats total = new TraceStats();
    private long globalLine;

    private FtraceParser(final TraceSink sink, final boolean strict) {
        this.sink = sink;
        this.strict = strict;
    }

    /**
     * Reads every input in order into one log ({@code "-"} is standard input). Holds 24 bytes per
     * event: for tests and small traces; a replay streams with {@link #scan}.
     *
     * @throws NoSuchFileException naming an input that does not exist
     * @throws java.nio.file.FileSystemException naming one that is a directory or unreadable
     * @throws TraceFormatException in strict mode, at the first odd line
     */
    public static TraceLog read(final List<String> inputs, final boolean strict, final InputStream stdin)
            throws IOException {
        try (TraceInputs in = TraceInputs.open(inputs, stdin)) {
            final TraceLog log = new TraceLog();
            log.stats().add(scan(in, strict, log.sink()));
            return log;
        }
    }

    /** Reads one stream (plain or gzip) into a fresh log. */
    public static TraceLog read(final String name, final InputStream in, final boolean strict) throws IOException {
        final TraceLog log = new TraceLog();
        final FtraceParser parser = new FtraceParser(log.sink(), strict);
        parser.parse(name, in);
        log.stats().add(parser.total);
        return log;
    }

    /**
     * Parses every input in order, handing each event to {@code sink} as it is read (nothing is
     * kept per event), and returns what the text held.
     *
     * @throws TraceFormatException in strict mode, at the first odd line
     */
    static TraceStats scan(final TraceInputs inputs, final boolean strict, final TraceSink sink) throws IOException {
        final FtraceParser parser = new FtraceParser(sink, strict);
        for (int i = 0; i < inputs.size(); i++) {
            try (InputStream in = inputs.open(i)) {
                parser.parse(inputs.name(i), in);
            }
        }
        return parser.total;
    }

    /** The counting pass of a replay: what the inputs hold, nothing kept per event. */
    public static TraceStats count(final TraceInputs inputs, final boolean strict) throws IOException {
        return scan(inputs, strict, TraceSink.NONE);
    }

    private void parse(final String name, final InputStream raw) throws IOException {
        final BufferedInputStream in = new BufferedInputStream(raw, 1 << 16);
        in.mark(2);
        final int b0 = in.read();
        final int b1 = in.read();
        in.reset();
        final TraceStats stats = new TraceStats();
        sink.beginInput(name, globalLine + 1);
        long lineNumber = 0;
        try {
            final InputStream text = b0 == 0x1f && b1 == 0x8b ? new GZIPInputStream(in, 1 << 16) : in;
            final BoundedLineReader reader = new BoundedLineReader(new InputStreamReader(text, StandardCharsets.UTF_8));
            String line;
            while ((line = reader.next()) != null) {
                lineNumber++;
                globalLine++;
                stats.lines++;
                if (reader.lastWasCut()) {
                    odd(name, lineNumber, line, stats, Odd.TOO_LONG,
                            "line longer than " + BoundedLineReader.MAX_CHARS + " characters");
                } else {
                    parseLine(name, lineNumber, line, stats);
                }
            }
        } catch (final java.io.EOFException | java.util.zip.ZipException e) {
            // A gzip stream cut short: what was read so far counts, the cut is one truncated line.
            final String why = e.getMessage() == null ? "unexpected end of the compressed data" : e.getMessage();
            stats.truncated++;
            stats.example("truncated gzip stream", lineNumber + 1, why);
            if (strict) {
                throw new TraceFormatException(name, lineNumber + 1, "compressed stream is truncated or damaged: " + why);
            }
        }
        total.add(stats);
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
            odd(name, lineNumber, line, stats, Odd.GARBAGE, "no [CPU#] column");
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
            odd(name, lineNumber, line, stats, Odd.TRUNCATED, "no 'TIMESTAMP: EVENT:' after the CPU column");
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
                odd(name, lineNumber, line, stats, Odd.TRUNCATED, "unexpected event name '" + event + "'");
                return;
            }
        }
        final long pfn = hexOrDecimal(arg(line, argsAt, "pfn="));
        final String orderText = arg(line, argsAt, "order=");
        // older kernels printed no order for free_batched: order 0
        final long orderValue = orderText == null && kind == TraceLog.FREE_BATCHED ? 0 : integer(orderText);
        if (pfn == BAD_NUMBER) {
            odd(name, lineNumber, line, stats, Odd.TRUNCATED, "missing or bad pfn");
            return;
        }
        if (pfn == OUT_OF_RANGE || pfn < 0 || pfn > MAX_PFN) {
            odd(name, lineNumber, line, stats, Odd.PFN_RANGE, "pfn out of range 0..0x" + Long.toHexString(MAX_PFN));
            return;
        }
        if (orderValue == BAD_NUMBER) {
            odd(name, lineNumber, line, stats, Odd.TRUNCATED, "missing or bad order");
            return;
        }
        if (orderValue < 0 || orderValue > MAX_ORDER_ACCEPTED) {
            odd(name, lineNumber, line, stats, Odd.BAD_ORDER, "bad order " + orderText + " (0.." + MAX_ORDER_ACCEPTED + ")");
            return;
        }
        final int order = (int) orderValue;
        int migratetype = -1;
        MemdescType type = null;
        if (kind == TraceLog.ALLOC) {
            final String mt = arg(line, argsAt, "migratetype=");
            final String gfp = arg(line, argsAt, "gfp_flags=");
            if (mt == null || gfp == null) {
                odd(name, lineNumber, line, stats, Odd.TRUNCATED, "mm_page_alloc without migratetype or gfp_flags");
                return;
            }
            final long mtValue = integer(mt);
            migratetype = (int) mtValue;
            if (mtValue == BAD_NUMBER || mtValue == OUT_OF_RANGE || mtValue < 0) {
                odd(name, lineNumber, line, stats, Odd.TRUNCATED, "bad migratetype");
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
        final long end = pfn + (1L << order);
        stats.maxPfn = Math.max(stats.maxPfn, end - 1);
        if (end <= ReplayEngine.AUTO_MAX_PAGES && order <= PfnStates.MAX_ORDER) {
            stats.spanPages = Math.max(stats.spanPages, end);
        }
        sink.add(kind, pfn, order, migratetype, type, cpu, tsNanos, globalLine);
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
            odd(name, lineNumber, line, stats, Odd.GARBAGE, "CPU: line that is not a LOST marker");
            return;
        }
        try {
            final int cpu = Integer.parseInt(line, colon + 1, space, 10);
            final long count = Long.parseLong(line, lostAt + 6, eventsAt, 10);
            if (count < 0) {
                throw new NumberFormatException("negative");
            }
            stats.lostMarkers++;
            stats.lostEvents += count;
            stats.example("lost", lineNumber, line);
            if (strict) {
                throw new TraceFormatException(name, lineNumber, "ring buffer overrun: " + TraceStats.shown(line));
            }
            sink.add(TraceLog.LOST, count, 0, -1, null, cpu, -1, globalLine);
        } catch (final NumberFormatException | IndexOutOfBoundsException e) {
            odd(name, lineNumber, line, stats, Odd.GARBAGE, "bad LOST marker");
        }
    }

    private void odd(final String name, final long lineNumber, final String line, final TraceStats stats,
                     final Odd kind, final String why) {
        switch (kind) {
            case TRUNCATED -> stats.truncated++;
            case GARBAGE -> stats.garbage++;
            case PFN_RANGE -> stats.pfnOutOfRange++;
            case BAD_ORDER -> stats.badOrder++;
            case TOO_LONG -> stats.tooLong++;
        }
        stats.example(switch (kind) {
            case TRUNCATED -> "truncated";
            case GARBAGE -> "unparsable";
            case PFN_RANGE -> "pfn out of range";
            case BAD_ORDER -> "bad order";
            case TOO_LONG -> "line too long";
        }, lineNumber, line);
        if (strict) {
            throw new TraceFormatException(name, lineNumber, why + ": '" + TraceStats.shown(line) + "'");
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

    /**
     * A pfn as printed: hex with 0x, or decimal. {@link #BAD_NUMBER} when it is not a number,
     * {@link #OUT_OF_RANGE} when it is one that no long holds (or a negative hex value).
     */
    private static long hexOrDecimal(final String v) {
        if (v == null) {
            return BAD_NUMBER;
        }
        if (v.startsWith("0x") || v.startsWith("0X")) {
            if (v.length() == 2 || !isHex(v, 2)) {
                return BAD_NUMBER;
            }
            try {
                final long x = Long.parseUnsignedLong(v, 2, v.length(), 16);
                return x < 0 ? OUT_OF_RANGE : x;
            } catch (final NumberFormatException e) {
                return OUT_OF_RANGE;             // hex digits, but more than 64 bits of them
            }
        }
        return integer(v);
    }

    /** A decimal integer; {@link #BAD_NUMBER} when not one, {@link #OUT_OF_RANGE} when it overflows a long. */
    private static long integer(final String v) {
        if (v == null || v.isEmpty()) {
            return BAD_NUMBER;
        }
        final int from = v.charAt(0) == '-' || v.charAt(0) == '+' ? 1 : 0;
        if (from == v.length()) {
            return BAD_NUMBER;
        }
        for (int i = from; i < v.length(); i++) {
            if (v.charAt(i) < '0' || v.charAt(i) > '9') {
                return BAD_NUMBER;
            }
        }
        try {
            return Long.parseLong(v);
        } catch (final NumberFormatException e) {
            return OUT_OF_RANGE;
        }
    }

    private static boolean isHex(final String v, final int from) {
        for (int i = from; i < v.length(); i++) {
            if (Character.digit(v.charAt(i), 16) < 0) {
                return false;
            }
        }
        return true;
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
