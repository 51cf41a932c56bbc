package dev.memu.alloc.potad;

import dev.memu.access.PlainAccess;
import dev.memu.access.Region;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link PotadSummary} on its own, over 2 * 4096 + 100 regions (130 summary words, 3 top words):
 * where its words sit, what a marker keeps and takes back, how far a run of marks is skipped
 * through the top level, and what a clear undoes above it.
 */
class PotadSummaryTest {

    private static final long REGIONS = 2 * 4096 + 100;

    private MemorySegment entries;
    private PotadSummary summary;

    @BeforeEach
    void build() {
        entries = MemorySegment.ofArray(new long[(int) REGIONS]);
        summary = new PotadSummary(PlainAccess.INSTANCE, MemorySegment.ofArray(new long[(int) (PotadSummary.bytes(REGIONS) / 8)]),
                entries, REGIONS);
    }

    private void setTaken(final long region, final long taken) {
        entries.setAtIndex(ValueLayout.JAVA_LONG, region, taken);
    }

    @Test
    void theTopLevelStartsOnTheLineAfterTheSummary() {
        // 130 summary words = 1040 bytes, rounded up to 1088 (17 lines); then 3 top words.
        assertEquals(1088 + 3 * 8, PotadSummary.bytes(REGIONS));
        assertEquals(64 + 8, PotadSummary.bytes(512), "8 summary words fill one line, then one top word");
    }

    @Test
    void aMarkerKeepsItsMarkOnlyWhenTheEntryStillHasNoTokens() {
        setTaken(3, PotadCore.REGION_FRAMES);
        summary.markEmpty(3);
        assertTrue(summary.isMarked(3));
        setTaken(4, PotadCore.REGION_FRAMES - 1);          // a free came in between: one token
        summary.markEmpty(4);
        assertTrue(!summary.isMarked(4), "the re-read saw the token and took the mark back");
        setTaken(3, PotadCore.REGION_FRAMES - 1);
        summary.raised(3);
        assertEquals(0, summary.rawWord(0));
    }

    @Test
    void aRunOfMarkedWordsIsSkippedThroughTheTopLevel() {
        summary.markHuge(0, 64 * 64 + 64);                // words 0..64 all ones
        assertEquals(-1L, summary.rawTop(0), "top word 0: words 0..63");
        assertEquals(1L, summary.rawTop(64 * 64), "top word 1: word 64");
        assertEquals(64 * 64 + 64, summary.markedRun(0));
        assertEquals(64 * 64 + 64 - 70, summary.markedRun(70), "from inside a word");
        assertEquals(0, summary.markedRun(64 * 64 + 64), "region 4160 is not marked");

        summary.unmark(10 * 64 + 5, 1);                   // a huge free somewhere in word 10
        assertEquals(-1L & ~(1L << 10), summary.rawTop(0), "word 10 no longer all ones");
        assertEquals(10 * 64, summary.markedRun(0), "words 0..9, as the top level says");
        assertEquals(5, summary.markedRun(10 * 64), "then word 10 up to the cleared region");
        assertEquals(0, summary.markedRun(10 * 64 + 5));
        assertEquals(64 * 64 + 64 - (10 * 64 + 6), summary.markedRun(10 * 64 + 6));
    }

    @Test
    void aRaiseUndoesTheTopBitOfTheWordItBreaks() {
        for (long r = 64; r < 128; r++) {
            setTaken(r, PotadCore.REGION_FRAMES);
            summary.markEmpty(r);
        }
        assertEquals(2L, summary.rawTop(64), "the marker that completed word 1 marked it in the top level");
        setTaken(100, 0);
        summary.raised(100);
        assertEquals(0, summary.rawTop(64));
        assertEquals(~(1L << 36), summary.rawWord(100));
    }

    @Test
    void aRunStopsAtTheEndOfRam() {
        final long lastWord = REGIONS & -64L;             // regions 8256..8291: a partial word
        summary.markHuge(lastWord, REGIONS - lastWord);
        assertEquals(0, summary.rawTop(lastWord), "a partial word is never all ones");
        assertEquals(REGIONS - lastWord, summary.markedRun(lastWord));
        assertEquals(1, summary.markedRun(REGIONS - 1));
        final List<String> problems = new ArrayList<>();
        for (long r = lastWord; r < REGIONS; r++) {
            setTaken(r, PotadCore.HUGE | PotadCore.REGION_FRAMES);
        }
        summary.verify(problems);
        assertEquals(List.of(), problems);
    }

    @Test
    void verifyNamesAStaleMarkAndAStaleTopBit() {
        summary.setRawWord(5, 1L << 5);                    // region 5 marked, its entry has 512 tokens
        final List<String> problems = new ArrayList<>();
        summary.verify(problems);
        assertEquals(1, problems.size(), problems.toString());
        assertTrue(problems.get(0).startsWith("region 5 is marked in the summary but its entry has 512 tokens"), problems.get(0));

        build();
        for (long r = 0; r < 64; r++) {
            setTaken(r, PotadCore.REGION_FRAMES);
        }
        summary.markHuge(0, 64);
        PlainAccess.INSTANCE.setLong(Region.ALLOCATOR, summary.segment(), 0, -2L);   // word 0 loses region 0, top bit stays
        problems.clear();
        summary.verify(problems);
        assertTrue(problems.contains("summary word 0 is marked in the top level but not all ones"), problems.toString());
    }

    @Test
    void labelsNameTheRegionsAWordCovers() {
        final List<String> out = new ArrayList<>();
        summary.label(8, 8, out);
        summary.label(1088 + 8, 8, out);
        assertEquals(List.of("potad.summary[regions 0x40..0x7f]", "potad.summaryTop[regions 0x1000..0x1fff]"), out);
    }
}
