package dev.memu.workload;

import dev.memu.util.SplitMix64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OrderMixTest {

    @Test
    void parsesTheDefaultMix() {
        final OrderMix mix = OrderMix.parse("0:90,1:4,2:3,3:2,9:1");
        assertEquals(90, mix.weight(0));
        assertEquals(4, mix.weight(1));
        assertEquals(1, mix.weight(9));
        assertEquals(0, mix.weight(4));
        assertEquals(9, mix.maxOrder());
        assertEquals((90 + 4 * 2 + 3 * 4 + 2 * 8 + 512) / 100.0, mix.meanPages(), 1e-9);
    }

    @Test
    void canonicalFormSortsByOrderAndTrimsSpaces() {
        assertEquals("0:3,2:1,9:5", OrderMix.parse(" 9:5, 0:3 ,2:1").canonical());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "0", "0:", ":1", "a:1", "0:b", "0:0", "0:-1", "-1:1", "64:1", "0:1,0:2",
            "0:1,", "0:1:2", "0:99999999999"})
    void rejectsMalformedSpecsNamingThem(final String spec) {
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> OrderMix.parse(spec));
        assertTrue(e.getMessage().startsWith("'" + spec + "'"), e.getMessage());
    }

    @Test
    void rejectsAnOrderAboveTheAllocatorsMaxNamingSpecOrderAndLimit() {
        final OrderMix mix = OrderMix.parse("0:1,11:1");
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> mix.checkMaxOrder(10, "buddy"));
        assertTrue(e.getMessage().contains("'0:1,11:1'"), e.getMessage());
        assertTrue(e.getMessage().contains("order 11"), e.getMessage());
        assertTrue(e.getMessage().contains("10"), e.getMessage());
        mix.checkMaxOrder(11, "buddy");
    }

    @Test
    void samplesInProportionToTheWeights() {
        final OrderMix mix = OrderMix.parse("0:90,1:4,2:3,3:2,9:1");
        final SplitMix64 random = new SplitMix64(7);
        final int[] counts = new int[10];
        final int n = 200_000;
        for (int i = 0; i < n; i++) {
            counts[mix.sample(random)]++;
        }
        assertEquals(0.90, counts[0] / (double) n, 0.005);
        assertEquals(0.04, counts[1] / (double) n, 0.003);
        assertEquals(0.01, counts[9] / (double) n, 0.002);
        assertEquals(0, counts[4] + counts[5] + counts[6] + counts[7] + counts[8]);
    }

    @Test
    void singleOrderMixOnlyYieldsThatOrder() {
        final OrderMix mix = OrderMix.parse("3:1");
        final SplitMix64 random = new SplitMix64(1);
        for (int i = 0; i < 1000; i++) {
            assertEquals(3, mix.sample(random));
        }
    }
}
