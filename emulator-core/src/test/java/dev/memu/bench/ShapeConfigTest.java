package dev.memu.bench;

import dev.memu.access.Region;
import dev.memu.driver.JitReport;
import dev.memu.machine.HugePageReport;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Share sizes and rounds as LLFree computes them, option parsing, and the report formats. */
class ShapeConfigTest {

    private static final long GIB = 1L << 30;

    @Test
    void shareIsFramesOverTwiceTmaxOverBlockSize() {
        // LLFree on 8 GiB with T_max = 2: 2^21 frames / 4 = 524288 order-0 blocks, 1024 of order 9.
        assertEquals(524_288, ShapeConfig.of(LlfreeShape.BULK, "buddy", "memdesc8", 8 * GIB, 0, 1, 2).allocsPerThread());
        assertEquals(1024, ShapeConfig.of(LlfreeShape.BULK, "buddy", "memdesc8", 8 * GIB, 9, 2, 2).allocsPerThread());
        // The share depends on T_max, not T: one thread alone still takes a quarter of memory.
        assertEquals(ShapeConfig.of(LlfreeShape.RAND, "buddy", "linux64", GIB, 0, 1, 2).allocsPerThread(),
                ShapeConfig.of(LlfreeShape.RAND, "buddy", "linux64", GIB, 0, 2, 2).allocsPerThread());
    }

    @Test
    void autoRoundsRepeatSmallSharesUntilEnoughOperations() {
        final ShapeConfig order0 = ShapeConfig.of(LlfreeShape.BULK, "buddy", "memdesc8", 8 * GIB, 0, 2, 2);
        assertEquals(ShapeConfig.AUTO_MIN_ROUNDS, order0.resolvedRounds(), "one round holds 2^19 ops, but the JIT wants more");
        assertEquals(ShapeConfig.AUTO_MIN_ROUNDS, order0.resolvedWarmupRounds());
        final ShapeConfig order9 = ShapeConfig.of(LlfreeShape.BULK, "buddy", "memdesc8", 8 * GIB, 9, 2, 2);
        assertEquals(256, order9.resolvedRounds(), "1024 blocks a round, 2^18 operations");
        assertEquals(256, order9.resolvedWarmupRounds());
        assertEquals(3, order9.withRounds(3, 0).resolvedRounds());
        assertEquals(0, order9.withRounds(3, 0).resolvedWarmupRounds());
    }

    @Test
    void badConfigsAreRejectedNamingTheInput() {
        final IllegalArgumentException tooSmall = assertThrows(IllegalArgumentException.class,
                () -> ShapeConfig.of(LlfreeShape.BULK, "buddy", "memdesc8", 1L << 20, 9, 1, 2));
        assertTrue(tooSmall.getMessage().contains("no order-9 block"), tooSmall.getMessage());
        final IllegalArgumentException allocator = assertThrows(IllegalArgumentException.class,
                () -> ShapeConfig.of(LlfreeShape.BULK, "slub", "memdesc8", GIB, 0, 1, 1));
        assertTrue(allocator.getMessage().contains("'slub'"), allocator.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> ShapeConfig.of(LlfreeShape.BULK, "buddy", "memdesc8", GIB, 0, 3, 2));
        final IllegalArgumentException shape = assertThrows(IllegalArgumentException.class,
                () -> LlfreeShape.ofKey("churn"));
        assertTrue(shape.getMessage().contains("'churn'"));
    }

    @Test
    void optionsExpandToEveryCombinationWithTmaxTheLargestThreadCount() {
        final Map<String, String> options = LlfreeBench.parse(new String[] {
                "--shape", "bulk,rand", "--order=0,9", "--threads", "1,2", "--mem", "64M", "--layout", "linux64"});
        final List<ShapeConfig> configs = LlfreeBench.configs(options);
        assertEquals(2 * 2 * 2, configs.size());
        assertTrue(configs.stream().allMatch(c -> c.maxThreads() == 2 && c.ramBytes() == 64L << 20));
        assertEquals(LlfreeShape.BULK, configs.get(0).shape());
        assertEquals(1, configs.get(0).threads());
        assertEquals(2, configs.get(1).threads());
        assertEquals(4, LlfreeBench.configs(LlfreeBench.parse(new String[] {"--shape", "all", "--threads", "1",
                "--max-threads", "4", "--mem", "64M"})).get(0).maxThreads());
    }

    @Test
    void badOptionsNameTheInput() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> LlfreeBench.parse(new String[] {"--ordre", "1"}))
                .getMessage().contains("--ordre"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> LlfreeBench.configs(LlfreeBench.parse(new String[] {"--mem", "banana"})))
                .getMessage().contains("banana"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> LlfreeBench.configs(LlfreeBench.parse(new String[] {"--order", "x"})))
                .getMessage().contains("--order"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> LlfreeBench.configs(LlfreeBench.parse(new String[] {"--rounds", "-1"})))
                .getMessage().contains("--rounds"));
        assertThrows(IllegalArgumentException.class, () -> LlfreeBench.parse(new String[] {"--threads"}));
        assertThrows(IllegalArgumentException.class, () -> LlfreeBench.parse(new String[] {"--format", "xml"}));
    }

    @Test
    void reportsCarryPerThreadFiguresAndNullForUnmeasuredPhases() {
        final ShapeConfig bulk = ShapeConfig.of(LlfreeShape.BULK, "buddy", "memdesc8", 64L << 20, 0, 2, 2);
        final ShapeConfig repeat = ShapeConfig.of(LlfreeShape.REPEAT, "buddy", "memdesc8", 64L << 20, 0, 1, 2);
        final ShapeResult b = ShapeResult.of(bulk, 100, 2, 2, new long[] {4000, 6000}, new long[] {2000, 2000},
                new long[] {0, 0}, new JitReport(700_000_000L, 25_000_000L, true, 1_500_000L, 60_000_000L),
                new HugePageReport("madvise", List.of(new HugePageReport.RegionBacking(Region.MEMMAP, 4L << 20,
                        4L << 20, 2L << 20, 2L << 20))));
        final ShapeResult r = ShapeResult.of(repeat, 100, 1, 1, new long[] {0}, new long[] {0}, new long[] {5800},
                JitReport.UNKNOWN, null);
        assertEquals(20.0, b.getNs(0), 1e-9, "4000 ns over 2 rounds of 100");
        assertEquals(25.0, b.meanGetNs(), 1e-9);
        assertEquals(58.0, r.meanPairNs(), 1e-9);
        final String json = ShapeReport.json(List.of(b, r));
        assertTrue(json.contains("\"shape\":\"bulk\"") && json.contains("\"getNs\":25.00")
                && json.contains("\"pairNs\":null"), json);
        assertTrue(json.contains("{\"thread\":1,\"vcpu\":1,\"getNs\":30.00,\"putNs\":10.00,\"pairNs\":null}"), json);
        assertTrue(json.contains("\"shape\":\"repeat\"") && json.contains("\"pairNs\":58.00"), json);
        assertTrue(json.contains("\"jit\":{\"warmUpWaitedMs\":700.0000,\"waitedMs\":25.0000,\"quiet\":true,"
                + "\"compilerMsWhileTimed\":1.5000,\"compilerShareWhileTimed\":0.0250}"), json);
        assertTrue(json.contains("\"jit\":null"), "a run whose JIT was not watched says so: " + json);
        assertTrue(json.contains("\"hugePages\":{\"thpMode\":\"madvise\",\"byRegion\":{\"memmap\":{\"mappedBytes\":4194304,"
                + "\"advisedBytes\":4194304,\"residentBytes\":2097152,\"hugeBytes\":2097152},"), json);
        assertTrue(json.contains("\"allocator\":{\"mappedBytes\":0,\"advisedBytes\":0,\"residentBytes\":0,\"hugeBytes\":0}"),
                "every region, mapped or not, so that rows line up: " + json);
        assertTrue(json.contains("\"hugePages\":null"), "a run that did not own its machine says so: " + json);
        final String table = ShapeReport.table(List.of(b, r));
        assertTrue(table.contains("0: 20.0/10.0  1: 30.0/10.0"), table);
        assertTrue(table.lines().anyMatch(l -> l.startsWith("repeat") && l.contains("58.0")), table);
    }
}
