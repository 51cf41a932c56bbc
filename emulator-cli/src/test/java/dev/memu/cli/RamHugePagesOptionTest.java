package dev.memu.cli;

import dev.memu.machine.HugePagePolicy;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class RamHugePagesOptionTest {

    private static final long RAM = 64L << 20;    // Cli.SMALL's --mem

    private static Object onlyResult(final Cli cli) {
        assertEquals(0, cli.exit(), cli.err());
        final List<?> results = (List<?>) Json.at(Json.parse(cli.out()), "results");
        assertEquals(1, results.size());
        return results.getFirst();
    }

    private static long pageData(final Object result, final String key) {
        return ((Number) Json.at(result, "hugePages.byRegion.pageData." + key)).longValue();
    }

    @Test
    void runAdvisesRamOnlyWhenAskedAndSaysSo() {
        assumeTrue(HugePagePolicy.defaults().maxMapping() >= RAM,
                "the host has too little available memory for the policy to advise 64 MiB");
        final Object asked = onlyResult(Cli.run(Cli.small("run", "--ram-hugepages", "--format", "json")));
        assertEquals(Boolean.TRUE, Json.at(asked, "hugePages.ramRequested"));
        assertEquals(RAM, pageData(asked, "mappedBytes"));
        assertEquals(RAM, pageData(asked, "advisedBytes"), "the whole RAM mapping was advised");
        assertTrue(pageData(asked, "hugeBytes") <= pageData(asked, "residentBytes"));

        final Object plain = onlyResult(Cli.run(Cli.small("run", "--format", "json")));
        assertEquals(Boolean.FALSE, Json.at(plain, "hugePages.ramRequested"));
        assertEquals(RAM, pageData(plain, "mappedBytes"));
        assertEquals(0L, pageData(plain, "advisedBytes"), "RAM stays on base pages by default");
        assertTrue(((Number) Json.at(plain, "hugePages.byRegion.memmap.advisedBytes")).longValue() >= 0);
    }

    @Test
    void compareHandsTheOptionToEachChildJvm() {
        assumeTrue(HugePagePolicy.defaults().maxMapping() >= RAM,
                "the host has too little available memory for the policy to advise 64 MiB");
        for (final String fork : new String[] {"--fork", "--no-fork"}) {
            final Object r = onlyResult(Cli.run(Cli.small("compare", fork, "--layouts", "memdesc8",
                    "--allocators", "potad", "--ram-hugepages", "--format", "json")));
            assertEquals(Boolean.TRUE, Json.at(r, "hugePages.ramRequested"), fork);
            assertEquals(RAM, pageData(r, "advisedBytes"), fork);
        }
    }
}
