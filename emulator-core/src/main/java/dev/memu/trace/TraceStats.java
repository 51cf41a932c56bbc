package dev.memu.trace;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * What reading a trace found, line by line: events by kind and every oddity of the text itself.
 * Oddities of the event sequence (unmatched or duplicate frees, pfns beyond RAM) are counted by
 * the replay, in {@link ReplayReport}.
 */
public final class TraceStats {

    /** How many example lines each oddity keeps (the first ones seen). */
    public static final int MAX_EXAMPLES = 5;

    long lines;
    long headerLines;
    long blankLines;
    long allocs;
    long frees;
    long freesBatched;
    /** mm_page_alloc events that report pfn 0 / a NULL page: the kernel's own allocation failed. */
    long kernelAllocFailures;
    /** Other tracepoints interleaved in the text (mm_page_alloc_zone_locked, ...): skipped, not odd. */
    long otherEvents;
    /** Lines with the event prefix whose fields stop short or do not parse. */
    long truncated;
    /** Lines with no event structure at all. */
    long garbage;
    /** Events whose pfn is negative, overflows a long or lies above {@link FtraceParser#MAX_PFN}. */
    long pfnOutOfRange;
    /** Events whose order is below 0 or above {@link FtraceParser#MAX_ORDER_ACCEPTED}. */
    long badOrder;
    /** Lines longer than {@link BoundedLineReader#MAX_CHARS}: skipped unread. */
    long tooLong;
    /** {@code CPU:N [LOST M EVENTS]} markers (trace_pipe, or trace after an overrun) and the M they add up to. */
    long lostMarkers;
    long lostEvents;
    /** From the {@code trace} header: entries-written minus entries-in-buffer (overwritten by a full ring). */
    long overwrittenEvents;
    int maxCpu = -1;
    long maxPfn = -1;
    /** Highest block end (pfn + 2^order) at or below {@link ReplayEngine#AUTO_MAX_PAGES}: what an auto-sized RAM spans. */
    long spanPages;
    final List<String> examples = new ArrayList<>();

    void example(final String kind, final long lineNumber, final String line) {
        if (examples.size() < MAX_EXAMPLES * 2) {
            examples.add(kind + " at line " + lineNumber + ": " + shown(line));
        }
    }

    /**
     * A line as reports and errors quote it: at most 160 characters, stripped, control characters
     * (a stray carriage return, escape sequences) shown as '?', so it stays one printable line.
     */
    static String shown(final String line) {
        final String cut = line.length() > 160 ? line.substring(0, 160) + "..." : line;
        final StringBuilder sb = new StringBuilder(cut.length());
        for (int i = 0; i < cut.length(); i++) {
            final char c = cut.charAt(i);
            sb.append(c < 0x20 && c != '\t' || c == 0x7f || c == '\u2028' || c == '\u2029' || c == '\u0085' ? '?' : c);
        }
        return sb.toString().strip();
    }

    public long lines() { return lines; }
    public long headerLines() { return headerLines; }
    public long blankLines() { return blankLines; }
    public long allocs() { return allocs; }
    public long frees() { return frees; }
    public long freesBatched() { return freesBatched; }
    public long events() { return allocs + frees + freesBatched; }
    /** What a replay steps through: events and LOST markers. */
    public long replayEvents() { return events() + lostMarkers; }
    public long kernelAllocFailures() { return kernelAllocFailures; }
    public long otherEvents() { return otherEvents; }
    public long truncated() { return truncated; }
    public long garbage() { return garbage; }
    public long pfnOutOfRange() { return pfnOutOfRange; }
    public long badOrder() { return badOrder; }
    public long tooLong() { return tooLong; }
    /** Every line the parse could not use: truncated, garbage, pfn out of range, bad order, too long. */
    public long unparsable() { return truncated + garbage + pfnOutOfRange + badOrder + tooLong; }
    public long lostMarkers() { return lostMarkers; }
    public long lostEvents() { return lostEvents; }
    public long overwrittenEvents() { return overwrittenEvents; }
    /** Highest {@code [CPU#]} seen, -1 when none. */
    public int maxCpu() { return maxCpu; }
    /** Highest pfn any alloc or free names (the whole block's last page), -1 when none. */
    public long maxPfn() { return maxPfn; }
    /** Highest block end at or below {@link ReplayEngine#AUTO_MAX_PAGES}, 0 when none. */
    public long spanPages() { return spanPages; }
    /** The first few odd lines, each with its kind and line number. */
    public List<String> examples() { return Collections.unmodifiableList(examples); }

    /** Adds another input's counts to this one (several files replayed as one sequence). */
    void add(final TraceStats o) {
        lines += o.lines;
        headerLines += o.headerLines;
        blankLines += o.blankLines;
        allocs += o.allocs;
        frees += o.frees;
        freesBatched += o.freesBatched;
        kernelAllocFailures += o.kernelAllocFailures;
        otherEvents += o.otherEvents;
        truncated += o.truncated;
        garbage += o.garbage;
        pfnOutOfRange += o.pfnOutOfRange;
        badOrder += o.badOrder;
        tooLong += o.tooLong;
        spanPages = Math.max(spanPages, o.spanPages);
        lostMarkers += o.lostMarkers;
        lostEvents += o.lostEvents;
        overwrittenEvents += o.overwrittenEvents;
        maxCpu = Math.max(maxCpu, o.maxCpu);
        maxPfn = Math.max(maxPfn, o.maxPfn);
        for (final String e : o.examples) {
            if (examples.size() < MAX_EXAMPLES * 2) {
                examples.add(e);
            }
        }
    }
}
