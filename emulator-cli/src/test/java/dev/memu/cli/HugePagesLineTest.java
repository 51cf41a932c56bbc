package dev.memu.cli;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The line under compare's and bench llfree's tables on what the host backed with huge pages
 * ({@link TextReport#hugePages}), from the rows' {@code hugePages} objects.
 */
class HugePagesLineTest {

    /** A row whose memmap mapping is {@code mapped} bytes, {@code advised} of them, {@code resident} resident, {@code huge} on huge pages. */
    private static Map<?, ?> row(final String name, final long mapped, final long advised, final long resident,
                                 final long huge) {
        return (Map<?, ?>) Json.parse("{\"name\":\"" + name + "\",\"hugePages\":{\"thpMode\":\"madvise\",\"byRegion\":{"
                + "\"memmap\":{\"mappedBytes\":" + mapped + ",\"advisedBytes\":" + advised + ",\"residentBytes\":"
                + resident + ",\"hugeBytes\":" + huge + "},"
                + "\"allocator\":{\"mappedBytes\":4096,\"advisedBytes\":0,\"residentBytes\":4096,\"hugeBytes\":0},"
                + "\"pageData\":{\"mappedBytes\":1073741824,\"advisedBytes\":0,\"residentBytes\":1048576,\"hugeBytes\":0}}}}");
    }

    private static String line(final List<Map<?, ?>> rows) {
        final StringBuilder sb = new StringBuilder();
        TextReport.hugePages(sb, rows, r -> String.valueOf(r.get("name")));
        return sb.toString();
    }

    @Test
    void rowsOnHugePagesGiveOneLineWithTheirRange() {
        assertEquals("  metadata on huge pages: 99.9-100.0% of what was resident, per row (host THP mode madvise;"
                        + " hugePages in JSON)\n",
                line(List.of(row("a", 16 << 20, 16 << 20, 8 << 20, 8 << 20), row("b", 16 << 20, 16 << 20, 4 << 20, 4 << 20))),
                "RAM (pageData) is not metadata; the allocator's 4 KiB page is");
    }

    @Test
    void rowsWithTheSameShareSaySoOnce() {
        assertEquals("  metadata on huge pages: 50.0% of what was resident in every row (host THP mode madvise;"
                        + " hugePages in JSON); under 90 %:\n"
                        + "    a: 4 MiB of 8 MiB resident on huge pages (16 MiB of 16.0 MiB mapped advised MADV_HUGEPAGE)\n"
                        + "    b: 4 MiB of 8 MiB resident on huge pages (16 MiB of 16.0 MiB mapped advised MADV_HUGEPAGE)\n",
                line(List.of(row("a", 16 << 20, 16 << 20, (8 << 20) - 4096, 4 << 20),
                        row("b", 16 << 20, 16 << 20, (8 << 20) - 4096, 4 << 20))));
    }

    @Test
    void aRowMostlyOnSmallPagesIsNamedWithWhatWasAdvised() {
        assertEquals("  metadata on huge pages: 0.8-100.0% of what was resident, per row (host THP mode madvise;"
                        + " hugePages in JSON); under 90 %:\n"
                        + "    big: 4 MiB of 512 MiB resident on huge pages (0 B of 32.0 GiB mapped advised MADV_HUGEPAGE)\n",
                line(List.of(row("small", 16 << 20, 16 << 20, 8 << 20, 8 << 20),
                        row("big", 32L << 30, 0, (512L << 20) - 4096, 4L << 20))));
    }

    @Test
    void rowsWithLessThanAHugePageResidentAreLeftOut() {
        assertEquals("  metadata on huge pages: 100.0% of what was resident (1 row(s) with less than 2 MiB of it resident"
                        + " left out; host THP mode madvise; hugePages in JSON)\n",
                line(List.of(row("a", 16 << 20, 16 << 20, 8 << 20, 8 << 20), row("nodesc", 2 << 20, 2 << 20, 40 << 10, 0))));
        assertEquals("  metadata on huge pages: no row had 2 MiB of metadata resident (host THP mode madvise;"
                + " hugePages in JSON)\n", line(List.of(row("nodesc", 2 << 20, 2 << 20, 40 << 10, 0))));
    }

    @Test
    void rowsWithoutTheObjectSayNotMeasured() {
        assertEquals("  metadata on huge pages: not measured\n", line(List.of((Map<?, ?>) Json.parse("{\"name\":\"x\"}"))));
    }
}
