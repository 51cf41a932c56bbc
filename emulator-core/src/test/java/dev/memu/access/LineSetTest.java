package dev.memu.access;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LineSetTest {

    @Test
    void countsEachLineOnceAcrossGrowthAndForgetsOnClear() {
        final LineSet set = new LineSet();
        for (long line = 0; line < 5000; line++) {           // well past the initial 1024 slots
            assertTrue(set.add(line * 977), "new line " + line);
        }
        for (long line = 0; line < 5000; line++) {
            assertFalse(set.add(line * 977), "line " + line + " again");
        }
        assertEquals(5000, set.size());
        set.clear();
        assertEquals(0, set.size());
        assertTrue(set.add(0), "a cleared set has forgotten every line");
        assertTrue(set.add(977));
        assertFalse(set.add(0));
    }
}
