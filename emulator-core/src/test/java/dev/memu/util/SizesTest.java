package dev.memu.util;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SizesTest {

    @Test
    void parsesWhatPeopleType() {
        assertEquals(4096, Sizes.parse("4096"));
        assertEquals(4096, Sizes.parse("4K"));
        assertEquals(4096, Sizes.parse("4k"));
        assertEquals(4096, Sizes.parse("4KiB"));
        assertEquals(4096, Sizes.parse("4kB"));
        assertEquals(8L << 30, Sizes.parse("8GB"));
        assertEquals(4096, Sizes.parse("4096B"));
        assertEquals(512L << 20, Sizes.parse("512M"));
        assertEquals(8L << 30, Sizes.parse("8G"));
        assertEquals(8L << 30, Sizes.parse(" 8g "));
        assertEquals(1L << 40, Sizes.parse("1T"));
        assertEquals(1L << 40, Sizes.parse("1TiB"));
        assertEquals(2L << 50, Sizes.parse("2P"));
        assertEquals(8388607L << 40, Sizes.parse("8388607T"), "largest T that fits a long");
    }

    @ParameterizedTest
    @ValueSource(strings = {"banana", "0", "-1", "-5G", "8X", "1.5G", "G", "B", "0x10", "8 G", "8388608T", "99999999999999999999", "1E",
            "1Gb", "4096b", "4kb", "1iB", "5i"})
    void badSizesAreRejectedNamingTheInput(final String input) {
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Sizes.parse(input));
        assertTrue(e.getMessage().contains("'" + input + "'"), "message '" + e.getMessage() + "' must name " + input);
    }

    @Test
    void aLowercaseBIsBitsAndRefusedSayingSo() {
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Sizes.parse("1Gb"));
        assertTrue(e.getMessage().contains("bits"), e.getMessage());
    }

    @Test
    void emptySizesAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> Sizes.parse(""));
        assertThrows(IllegalArgumentException.class, () -> Sizes.parse("   "));
        assertThrows(IllegalArgumentException.class, () -> Sizes.parse(null));
    }

    @Test
    void formatsInTheLargestExactUnit() {
        assertEquals("0 B", Sizes.format(0));
        assertEquals("1000 B", Sizes.format(1000));
        assertEquals("4 KiB", Sizes.format(4096));
        assertEquals("1.5 KiB", Sizes.format(1536));
        assertEquals("512 MiB", Sizes.format(512L << 20));
        assertEquals("1 TiB", Sizes.format(1L << 40));
        assertEquals("2 PiB", Sizes.format(2L << 50));
    }

    @Test
    void formatThenParseRoundTrips() {
        for (final long size : new long[] {1, 4096, 3L << 20, 8L << 30, 1L << 40, 7L << 50}) {
            final String text = Sizes.format(size).replace(" ", "");
            assertEquals(size, Sizes.parse(text), text);
        }
    }
}
