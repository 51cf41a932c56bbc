package dev.memu.cli;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SwapOptionTest {

    @Test
    void runReportsTheSwapDeviceApartFromRam() {
        final Cli cli = Cli.run(Cli.small("run", "--swap", "256M", "--swap-ops", "20k", "--format", "json"));
        assertEquals(0, cli.exit(), cli.err());
        final Object root = Json.parse(cli.out());
        final Map<?, ?> result = (Map<?, ?>) ((List<?>) Json.at(root, "results")).get(0);
        final Map<?, ?> swap = (Map<?, ?>) result.get("swap");
        assertEquals(65_536L, ((Number) swap.get("slots")).longValue());
        assertEquals("ok", swap.get("verify"));
        assertTrue(((Number) swap.get("metadataBytes")).longValue() > 0);
        // RAM's bytes per page do not include the device's metadata.
        final Map<?, ?> bytes = (Map<?, ?>) result.get("bytesPerPage");
        assertTrue(((Number) bytes.get("total")).doubleValue() < 9, bytes.toString());
    }

    @Test
    void textShowsTheDeviceAndBadSizesAreOneLine() {
        final Cli text = Cli.run(Cli.small("run", "--swap", "64M", "--swap-ops", "5k"));
        assertEquals(0, text.exit(), text.err());
        assertTrue(text.out().contains("swap device 64M: 16384 slots"), text.out());
        for (final String bad : new String[] {"banana", "0", "1000"}) {
            final Cli cli = Cli.run(Cli.small("run", "--swap", bad));
            assertEquals(2, cli.exit(), bad);
            assertTrue(cli.err().startsWith("memu: --swap '" + bad + "'"), cli.err());
            assertEquals(1, cli.err().strip().lines().count(), cli.err());
        }
    }
}
