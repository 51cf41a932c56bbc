package dev.memu.alloc.potad;

import dev.memu.access.Access;
import dev.memu.access.Region;

import java.lang.foreign.MemorySegment;
import java.util.List;

import dev.memu.alloc.VerifyReport;

/**
 * POTAD's two levels above the region entries: which regions have <em>no tokens</em> left in their
 * entry, so that every search (reservation, last-resort small-order scan, huge search) skips them
 * by words instead of reading one entry line per 8 regions. On a 16 TiB RAM (2^23 regions, 64 MiB
 * of entries) a search over a full RAM reads the 256 lines of the top level instead of the 1 Mi
 * entry lines.
 *
 * <h2>Off-heap layout (one segment)</h2>
 * <pre>
 * summary: one 64-bit word per 64 regions, word w at w * 8 (512 regions per line).
 *   bit r % 64 = 1  MARKED: region r's entry had no tokens (TAKEN = 512: allocated, HUGE, or
 *                   every token in a reserving vcpu's slot) when it was marked, and nobody has
 *                   given it a token since
 * top: from byte topBase (the first line after the summary), one 64-bit word per 64 summary
 *      words, word t at topBase + t * 8 (4096 regions, 8 GiB of RAM per word; 4 TiB per line).
 *   bit w % 64 = 1  summary word w was all ones when it was marked, and no bit of it has been
 *                   cleared since
 * </pre>
 * Zeroed memory means "nothing marked". Bits for regions beyond the last are never set, so a
 * partial last summary word is never all ones and never marked in the top level.
 *
 * <h2>Exact at quiescence: a mark is never stale</h2>
 * Invariant: when no operation is in flight, a marked region has no tokens in its entry, and a
 * marked summary word is all ones. (The converse need not hold: a region without tokens may be
 * unmarked until a search passes it.) So a search that skips marked regions misses nothing that
 * a search of every entry would find, and NO_FRAME stays exact. Two parties keep it, in the
 * pattern of Dekker's mutual exclusion (every access below is a volatile read or a
 * read-modify-write, so all of them fall in one total order):
 * <pre>
 * marker (a search saw the entry without tokens)    raiser (gave tokens to an entry that had none)
 *   M1  OR the region's bit into its summary word      R1  the RMW on the entry (its old value
 *   M2  read the entry again: tokens? clear the bit         said TAKEN = 512)
 *                                                      R2  read the summary word: bit set? clear it
 * </pre>
 * If M2 comes before R1 in that order, M1 came before R2 and the raiser sees the bit; otherwise
 * the marker sees the raise. Either way the last of them to act leaves no mark on a region with
 * tokens. The top level is kept the same way one level up: whoever's OR makes a summary word all
 * ones marks the top bit, then reads the summary word again; whoever clears a bit of a word that
 * was all ones (the old value of its AND) then reads the top word and clears the top bit.
 * Raisers are rare by construction: an entry reaches TAKEN = 512 only when its region is full or
 * a reservation collected its tokens, and only the first free after that reads the summary line
 * (in bulk and repeat churn, where a region's entry runs dry once per 512 of its frees, 1 free in
 * 512; more often only when a region is reserved with few tokens, on a nearly full RAM).
 * Between M1 and M2 a region with tokens can look marked, so an allocation racing with that
 * window can miss it; the contract of {@link PotadCore#alloc} is stated for quiescence, where
 * this window is closed.
 */
final class PotadSummary {

    /** Regions per summary word (one bit each). */
    static final int WORD_SHIFT = 6;
    static final long WORD_REGIONS = 1L << WORD_SHIFT;
    /** Summary words per top word (one bit each): 4096 regions. */
    static final int TOP_SHIFT = 6;
    static final long TOP_WORDS = 1L << TOP_SHIFT;

    private static final long LINE = 64;
    private static final Region R = Region.ALLOCATOR;

    private final Access access;
    private final MemorySegment words;
    private final MemorySegment entries;
    private final long regions;
    private final long summaryWords;
    private final long topBase;

    /** Bytes to map for {@code regions}: the summary, rounded up to a line, then the top level. */
    static long bytes(final long regions) {
        final long summaryWords = summaryWords(regions);
        return topBase(summaryWords) + ((summaryWords + TOP_WORDS - 1) >>> TOP_SHIFT) * 8;
    }

    private static long summaryWords(final long regions) {
        return (regions + WORD_REGIONS - 1) >>> WORD_SHIFT;
    }

    private static long topBase(final long summaryWords) {
        return (summaryWords * 8 + LINE - 1) & -LINE;
    }

    /**
     * @param words   {@link #bytes}{@code (regions)} of zeroed memory
     * @param entries the core's region entries, read again by a marker (M2)
     */
    PotadSummary(final Access access, final MemorySegment words, final MemorySegment entries, final long regions) {
        this.access = access;
        this.words = words;
        this.entries = entries;
        this.regions = regions;
        this.summaryWords = summaryWords(regions);
        this.topBase = topBase(summaryWords);
    }

    MemorySegment segment() {
        return words;
    }

    private static long wordOff(final long region) {
        return (region >>> WORD_SHIFT) * 8;
    }

    private static long bit(final long region) {
        return 1L << (region & (WORD_REGIONS - 1));
    }

    private long topOff(final long word) {
        return topBase + (word >>> TOP_SHIFT) * 8;
    }

    private static long topBit(final long word) {
        return 1L << (word & (TOP_WORDS - 1));
    }

    /**
     * How many regions from {@code region} on are marked, at most to the end of RAM (0: this one
     * is not). Reads the region's summary word; when its marks run to the end of that word, the
     * top level says how many whole words after it are marked, one top word per 4096 regions.
     */
    long markedRun(final long region) {
        final long word = access.getLong(R, words, wordOff(region));
        final int pos = (int) (region & (WORD_REGIONS - 1));
        final long run = Long.numberOfTrailingZeros(~(word >>> pos));
        if (run == 0) {
            return 0;
        }
        long skip = run;
        if (pos + run == WORD_REGIONS) {
            skip += markedWordsFrom((region >>> WORD_SHIFT) + 1) << WORD_SHIFT;
        }
        return Math.min(skip, regions - region);
    }

    /** Summary words from {@code word} on that the top level marks (all ones), read by top words. */
    long markedWordsFrom(final long word) {
        long w = word;
        while (w < summaryWords) {
            final int pos = (int) (w & (TOP_WORDS - 1));
            final long run = Long.numberOfTrailingZeros(~(access.getLong(R, words, topOff(w)) >>> pos));
            w += run;
            if (pos + run < TOP_WORDS) {
                break;
            }
        }
        return w - word;
    }

    /** Whether any of regions first..first+span-1 is marked (one read per summary word). */
    boolean anyMarked(final long first, final long span) {
        final long end = first + span;
        long r = first;
        while (r < end) {
            final long mask = mask(r, end);
            if ((access.getLong(R, words, wordOff(r)) & mask) != 0) {
                return true;
            }
            r += Long.bitCount(mask);
        }
        return false;
    }

    /** The bits of regions r..end-1 that lie in region r's summary word. */
    private static long mask(final long r, final long end) {
        final long inWord = r & (WORD_REGIONS - 1);
        final long n = Math.min(WORD_REGIONS - inWord, end - r);
        return (n == WORD_REGIONS ? -1L : (1L << n) - 1) << inWord;
    }

    /** M1, M2: a search read {@code region}'s entry without tokens; marks it unless a raise came in between. */
    void markEmpty(final long region) {
        final long bit = bit(region);
        final long old = access.getAndBitwiseOrLong(R, words, wordOff(region), bit);
        if ((old & bit) != 0) {
            return;                     // marked already, by a marker that checks for itself
        }
        if (!PotadCore.dry(access.getLongVolatile(R, entries, PotadCore.entry(region)))) {
            clear(region, bit);
            return;
        }
        if ((old | bit) == -1L) {
            markTop(region >>> WORD_SHIFT);
        }
    }

    /**
     * Regions first..first+span-1 are now HUGE (their entries CASed by the caller): marks them.
     * No re-read is needed: a HUGE entry gets tokens only from its huge free, which unmarks after.
     */
    void markHuge(final long first, final long span) {
        final long end = first + span;
        long r = first;
        while (r < end) {
            final long mask = mask(r, end);
            final long old = access.getAndBitwiseOrLong(R, words, wordOff(r), mask);
            if ((old | mask) == -1L && old != -1L) {
                markTop(r >>> WORD_SHIFT);
            }
            r += Long.bitCount(mask);
        }
    }

    /** Regions first..first+span-1 got their tokens back all at once (a huge free): unmarks them. */
    void unmark(final long first, final long span) {
        final long end = first + span;
        long r = first;
        while (r < end) {
            final long mask = mask(r, end);
            final long old = access.getAndBitwiseAndLong(R, words, wordOff(r), ~mask);
            if (old == -1L) {
                unmarkTop(r >>> WORD_SHIFT);
            }
            r += Long.bitCount(mask);
        }
    }

    /** R2: the caller's RMW gave tokens to {@code region}'s entry, which had none; unmarks it if marked. */
    void raised(final long region) {
        final long bit = bit(region);
        if ((access.getLongVolatile(R, words, wordOff(region)) & bit) != 0) {
            clear(region, bit);
        }
    }

    private void clear(final long region, final long bit) {
        if (access.getAndBitwiseAndLong(R, words, wordOff(region), ~bit) == -1L) {
            unmarkTop(region >>> WORD_SHIFT);
        }
    }

    /** Summary word {@code word} was seen all ones by an OR: marks it in the top level, then checks again. */
    private void markTop(final long word) {
        final long off = topOff(word);
        final long bit = topBit(word);
        access.getAndBitwiseOrLong(R, words, off, bit);
        if (access.getLongVolatile(R, words, word * 8) != -1L) {
            access.getAndBitwiseAndLong(R, words, off, ~bit);
        }
    }

    /** A bit of summary word {@code word} was cleared while it was all ones: the top bit goes. */
    private void unmarkTop(final long word) {
        final long off = topOff(word);
        final long bit = topBit(word);
        if ((access.getLongVolatile(R, words, off) & bit) != 0) {
            access.getAndBitwiseAndLong(R, words, off, ~bit);
        }
    }

    /** The summary word covering {@code region} (tests). */
    long rawWord(final long region) {
        return access.getLong(R, words, wordOff(region));
    }

    /** The top word covering {@code region}'s summary word (tests). */
    long rawTop(final long region) {
        return access.getLong(R, words, topOff(region >>> WORD_SHIFT));
    }

    /** Test hook: marks a region as a marker would, without its re-read (to prove {@link #verify}). */
    void setRawWord(final long region, final long value) {
        access.setLong(R, words, wordOff(region), value);
    }

    /** Whether {@code region} is marked (quiescent). */
    boolean isMarked(final long region) {
        return (rawWord(region) & bit(region)) != 0;
    }

    /**
     * The invariant at quiescence: a marked region has no tokens in its entry, a marked summary
     * word is all ones, and nothing beyond the last region is marked.
     */
    void verify(final List<String> problems) {
        for (long r = 0; r < regions; r++) {
            if (!isMarked(r)) {
                continue;
            }
            final long e = access.getLong(R, entries, PotadCore.entry(r));
            if (!PotadCore.dry(e)) {
                VerifyReport.addProblem(problems, "region " + r + " is marked in the summary but its entry has "
                        + (PotadCore.REGION_FRAMES - (e & PotadCore.TAKEN_MASK)) + " tokens");
            }
        }
        final long tail = regions & (WORD_REGIONS - 1);
        if (tail != 0 && (rawWord(regions - 1) & (-1L << tail)) != 0) {
            VerifyReport.addProblem(problems, "the summary marks regions beyond the last");
        }
        for (long w = 0; w < summaryWords; w++) {
            final boolean top = (access.getLong(R, words, topOff(w)) & topBit(w)) != 0;
            if (top && access.getLong(R, words, w * 8) != -1L) {
                VerifyReport.addProblem(problems, "summary word " + w + " is marked in the top level but not all ones");
            }
        }
    }

    /** Names a word of this segment for {@code memu explain}. */
    void label(final long offset, final long bytes, final List<String> out) {
        final long end = offset + Math.max(bytes, 1);
        for (long w = offset & -8L; w < end; w += 8) {
            if (w < topBase) {
                final long firstRegion = (w / 8) << WORD_SHIFT;
                out.add("potad.summary[regions 0x" + Long.toHexString(firstRegion) + "..0x"
                        + Long.toHexString(firstRegion + WORD_REGIONS - 1) + "]");
            } else {
                final long firstRegion = ((w - topBase) / 8) << (WORD_SHIFT + TOP_SHIFT);
                out.add("potad.summaryTop[regions 0x" + Long.toHexString(firstRegion) + "..0x"
                        + Long.toHexString(firstRegion + (WORD_REGIONS << TOP_SHIFT) - 1) + "]");
            }
        }
    }
}
