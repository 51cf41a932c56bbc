package dev.memu.driver;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

/** {@link JitReport}'s JSON, written by compare and bench alike, and read back from a child's row. */
class JitReportTest {

    @Test
    void aReportComesBackFromItsJson() {
        final JitReport r = new JitReport(700_000_000L, 25_000_000L, true, 1_500_000L, 60_000_000L);
        final Map<String, Object> json = r.asJson();
        assertEquals(Map.of("warmUpWaitedMs", 700.0, "waitedMs", 25.0, "quiet", true,
                "compilerMsWhileTimed", 1.5, "compilerShareWhileTimed", 0.025), json);
        assertEquals(r, JitReport.fromJson(json), "the window back from the share");
    }

    @Test
    void anUnknownReportStaysUnknown() {
        assertEquals(Double.NaN, (double) JitReport.UNKNOWN.asJson().get("compilerMsWhileTimed"));
        assertSame(JitReport.UNKNOWN, JitReport.fromJson(JitReport.UNKNOWN.asJson()));
        assertSame(JitReport.UNKNOWN, JitReport.fromJson(null), "a row whose jit is null: not watched");
    }
}
