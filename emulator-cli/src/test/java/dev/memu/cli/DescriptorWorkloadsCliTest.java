package dev.memu.cli;

import dev.memu.layout.Layout;
import dev.memu.layout.Layouts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** kernel-mix, --mix, --fail-rate/--fail-pfns and --compact through the memu command line, in-process. */
class DescriptorWorkloadsCliTest {

    private static double num(final Object tree, final String path) {
        return Json.number(tree, path);
    }

    @Test
    void kernelMixRunsOnEveryLayoutWithMemdescBytesAndTheSplit() {
        final Cli cli = Cli.run(Cli.small("compare", "--no-fork", "--workload", "kernel-mix", "--allocators", "buddy",
                "--format", "json"));
        assertEquals(0, cli.exit(), cli.err());
        final Object root = Json.parse(cli.out());
        assertEquals(KernelMixOptions.DEFAULT_SHARES, Json.at(root, "config.mix"));
        final List<?> results = (List<?>) Json.at(root, "results");
        assertEquals(Layouts.all().size(), results.size());
        for (int i = 0; i < results.size(); i++) {
            final Object r = results.get(i);
            final Layout layout = Layouts.all().get(i);
            assertEquals(layout.name(), Json.at(r, "layout"));
            assertEquals(Boolean.TRUE, Json.at(r, "verify.ok"), layout.name());
            assertTrue(num(r, "bytesPerPage.byRegion.memdesc") > 0, layout.name() + ": descriptors in the memdesc heap");
            final double split = num(r, "bytesPerPage.byRegion.memmap") + num(r, "bytesPerPage.byRegion.memdesc")
                    + num(r, "bytesPerPage.byRegion.allocator") + num(r, "bytesPerPage.byRegion.lookup");
            assertEquals(num(r, "bytesPerPage.total"), split, 1e-9, "the split adds up to the total");
            if (layout.name().startsWith("peralloc16")) {
                assertEquals(0.0, num(r, "bytesPerPage.byRegion.memmap"), layout.name());
                assertTrue(num(r, "bytesPerPage.byRegion.lookup") > 0, layout.name());
            } else {
                assertEquals(layout.bytesPerPage(), num(r, "bytesPerPage.byRegion.memmap"), 1e-9, layout.name());
            }
            assertTrue(num(r, "kernelMix.allocationsByType.slab") > 0 && num(r, "kernelMix.allocationsByType.vmalloc") > 0);
            assertTrue(num(r, "ops") >= 4000, "at least the asked ops (an event in flight is finished)");
        }
    }

    @Test
    void kernelMixTextTableShowsTheBytesPerPageSplit() {
        final Cli cli = Cli.run(Cli.small("run", "--workload", "kernel-mix", "--layout", "peralloc16-btree"));
        assertEquals(0, cli.exit(), cli.err());
        final String header = cli.out().lines().filter(l -> l.startsWith("layout")).findFirst().orElseThrow();
        for (final String column : List.of("B/page", "memmap", "memdesc", "alloc", "lookup")) {
            assertTrue(header.contains(column), header);
        }
        assertTrue(cli.out().contains("kernel-mix allocations: file "), cli.out());
        assertTrue(cli.out().contains("verify: ok"), cli.out());
    }

    @Test
    void mixSharesReachTheWorkloadAndAForkedChild() {
        final Cli cli = Cli.run(Cli.small("compare", "--workload", "kernel-mix", "--layouts", "memdesc16",
                "--mix", "file=0,anon=1,slab=0,pagetable=0,netpool=0,vmalloc=0", "--format", "json"));
        assertEquals(0, cli.exit(), cli.err());
        final Object r = ((List<?>) Json.at(Json.parse(cli.out()), "results")).getFirst();
        final Map<?, ?> byType = (Map<?, ?>) Json.at(r, "kernelMix.allocationsByType");
        assertEquals(List.of("anon"), List.copyOf(byType.keySet()), "only anon folios: " + byType);
    }

    @Test
    void failRateReportsEveryInjectedFailureAsRecoveredOrLost() {
        // 5000 per million over 4000 measured ops: 20 failures
        final Cli cli = Cli.run(Cli.small("run", "--workload", "kernel-mix", "--fail-rate", "5000", "--format", "json"));
        assertEquals(0, cli.exit(), cli.err());
        final Object r = ((List<?>) Json.at(Json.parse(cli.out()), "results")).getFirst();
        assertEquals(20L, Json.at(r, "failures.injected"));
        assertEquals(20.0, num(r, "failures.recovered") + num(r, "failures.lost"));
        double byAction = 0;
        for (final Object n : ((Map<?, ?>) Json.at(r, "failures.byAction")).values()) {
            byAction += ((Number) n).doubleValue();
        }
        assertEquals(20.0, byAction);
        double byType = 0;
        for (final Object n : ((Map<?, ?>) Json.at(r, "failures.byType")).values()) {
            byType += ((Number) n).doubleValue();
        }
        assertEquals(20.0, byType);
        assertEquals(0L, Json.at(r, "failures.poisonedHandedOut"));
        assertEquals(0L, Json.at(r, "failures.checksumFailures"));
        assertEquals(Boolean.TRUE, Json.at(r, "failures.countingPassAgrees"));
        assertTrue(num(r, "failures.lookup.linesMean") >= 1, "lookup lines counted in the counting pass");
        assertTrue(num(r, "failures.lookup.nsMean") > 0 && num(r, "failures.lookup.nsMedian") > 0);
        assertEquals(Boolean.TRUE, Json.at(r, "verify.ok"));
    }

    @Test
    void failPfnsFailsExactlyThosePfnsAndPrintsTheSummary() {
        final Cli cli = Cli.run(Cli.small("run", "--workload", "kernel-mix", "--fail-pfns", "0,100,0x200"));
        assertEquals(0, cli.exit(), cli.err());
        assertTrue(cli.out().contains("memory failures: 3 injected: recovered "), cli.out());
        assertTrue(cli.out().contains("poisoned pages 3,"), cli.out());
        assertTrue(cli.out().contains("pfn -> owner lookup: "), cli.out());
    }

    @Test
    void compactionRaisesOrder9SuccessOnTheFragmentWorkload() {
        final Cli cli = Cli.run(Cli.small("run", "--workload", "fragment", "--orders", "0:1", "--compact",
                "--format", "json"));
        assertEquals(0, cli.exit(), cli.err());
        final Object r = ((List<?>) Json.at(Json.parse(cli.out()), "results")).getFirst();
        assertEquals(9L, Json.at(r, "compaction.order"));
        assertTrue(num(r, "compaction.probeSuccessesAfter") > num(r, "compaction.probeSuccessesBefore"),
                String.valueOf(Json.at(r, "compaction")));
        assertTrue(num(r, "compaction.capacityAfter") > num(r, "compaction.capacityBefore"), "order-9 blocks, larger ones split");
        assertTrue(num(r, "compaction.migratedAllocations") > 0 && num(r, "compaction.migratedPages") > 0);
        assertEquals(Boolean.TRUE, Json.at(r, "verify.ok"));
    }

    @Test
    void compactionTextShowsBeforeAndAfter() {
        final Cli cli = Cli.run(Cli.small("run", "--workload", "kernel-mix", "--compact"));
        assertEquals(0, cli.exit(), cli.err());
        assertTrue(cli.out().contains("compaction (order 9):"), cli.out());
        assertTrue(cli.out().lines().anyMatch(l -> l.trim().startsWith("before ")), cli.out());
        assertTrue(cli.out().lines().anyMatch(l -> l.trim().startsWith("after ")), cli.out());
    }

    static Stream<Arguments> badInputs() {
        return Stream.of(
                Arguments.of(List.of("run", "--workload", "kernel-mix", "--mix", "bogus=3"), "--mix 'bogus=3': unknown mix kind"),
                Arguments.of(List.of("run", "--workload", "kernel-mix", "--mix", "file=x"), "--mix 'file=x'"),
                Arguments.of(List.of("run", "--workload", "kernel-mix", "--mix", "file=0,anon=0,slab=0,pagetable=0,"
                        + "netpool=0,vmalloc=0"), "--mix"),
                Arguments.of(List.of("run", "--mix", "file=1"), "--mix 'file=1': applies to --workload kernel-mix only"),
                Arguments.of(List.of("compare", "--workload", "kernel-mix", "--mix", "=3"), "--mix '=3'"),
                Arguments.of(List.of("run", "--workload", "kernel-mix", "--fail-rate", "-1"), "--fail-rate '-1': must be greater than 0"),
                Arguments.of(List.of("run", "--workload", "kernel-mix", "--fail-rate", "lots"), "--fail-rate 'lots': not a number"),
                Arguments.of(List.of("run", "--fail-rate", "10"), "--fail-rate '10': needs --workload kernel-mix"),
                Arguments.of(List.of("run", "--workload", "kernel-mix", "--threads", "2", "--fail-rate", "10"),
                        "--fail-rate '10': needs --threads 1"),
                Arguments.of(List.of("run", "--workload", "kernel-mix", "--fail-pfns", "1,99999999"),
                        "--fail-pfns '1,99999999': pfn 99999999 is outside"),
                Arguments.of(List.of("run", "--workload", "kernel-mix", "--fail-pfns", "1,x"), "--fail-pfns '1,x'"),
                Arguments.of(List.of("run", "--workload", "kernel-mix", "--fail-pfns", "1", "--fail-rate", "3"),
                        "--fail-rate and --fail-pfns"),
                Arguments.of(List.of("run", "--compact"), "--compact: needs --workload fragment or kernel-mix"),
                Arguments.of(List.of("run", "--workload", "fragment", "--compact", "--threads", "2"),
                        "--compact: needs --threads 1"));
    }

    @ParameterizedTest
    @MethodSource("badInputs")
    void badInputIsOneLineNamingItAndExitCode2(final List<String> args, final String fragment) {
        final List<String> all = new ArrayList<>(args);
        all.addAll(List.of("--mem", "64M", "--ops", "1k", "--progress", "off"));
        if (args.getFirst().equals("compare")) {
            all.add("--no-fork");
        }
        final Cli cli = Cli.run(all.toArray(String[]::new));
        assertEquals(2, cli.exit(), cli.err());
        assertEquals("", cli.out());
        final List<String> lines = cli.err().lines().toList();
        assertEquals(1, lines.size(), cli.err());
        assertTrue(lines.getFirst().startsWith("memu: ") && lines.getFirst().contains(fragment),
                "'" + lines.getFirst() + "' should contain '" + fragment + "'");
        assertFalse(cli.err().contains("\tat "));
    }
}
