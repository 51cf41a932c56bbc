package dev.memu.run;

import dev.memu.driver.AllocatorBoot;
import dev.memu.driver.Driver;
import dev.memu.driver.ProgressListener;
import dev.memu.driver.RunSpec;
import dev.memu.failure.FailurePlan;
import dev.memu.machine.Machine;
import dev.memu.workload.WorkloadSpec;
import dev.memu.workload.Workloads;
import dev.memu.workload.kernelmix.KernelMixConfig;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The run assembly without the CLI: a kernel mix with injected failures, driven as JMH drives it. */
class DescriptorRunTest {

    private static RunSpec spec(final String allocator) {
        return new RunSpec(64L << 20, Machine.DEFAULT_PAGE_SHIFT, "memdesc8", allocator, 1,
                WorkloadSpec.defaults(Workloads.KERNEL_MIX).withOps(20_000, 4_000), RunSpec.DEFAULT_SEED, null);
    }

    @Test
    void kernelMixWithFailuresFillsTheResultTreeWithoutTheCli() {
        for (final String allocator : new String[] {"buddy", "potad"}) {
            final DescriptorRun run = new DescriptorRun(null, FailurePlan.rate(500, 7), false);
            Driver.run(spec(allocator), run, AllocatorBoot.NONE, ProgressListener.NONE);
            final Map<String, Object> tree = new LinkedHashMap<>();
            run.addResults(tree);
            final Map<?, ?> mix = assertInstanceOf(Map.class, tree.get("kernelMix"), allocator);
            assertFalse(((Map<?, ?>) mix.get("allocationsByType")).isEmpty(), allocator);
            final Map<?, ?> f = assertInstanceOf(Map.class, tree.get("failures"), allocator);
            assertTrue(((Number) f.get("injected")).longValue() > 0, allocator + ": " + f);
            assertEquals(f.get("injected"), f.get("planned"), allocator);
            assertEquals(true, f.get("countingPassAgrees"), allocator);
            assertFalse(tree.containsKey("compaction"), allocator);
        }
    }

    @Test
    void configNamesTheMixThePlanAndCompaction() {
        final Map<String, Object> config = new LinkedHashMap<>();
        new DescriptorRun(KernelMixConfig.defaults(), FailurePlan.pfns(3, 5), true).addConfig(config);
        assertEquals(DescriptorRun.shares(KernelMixConfig.defaults()), config.get("mix"));
        assertTrue(((String) config.get("mix")).startsWith("file=40,anon=30,"));
        assertEquals(Map.of("pfns", java.util.List.of(3L, 5L)), config.get("failurePlan"));
        assertEquals(true, config.get("compact"));
    }

    @Test
    void withoutAPlanTheAllocatorIsNotWrapped() {
        final DescriptorRun run = new DescriptorRun(null, null, false);
        final Map<String, Object> config = new LinkedHashMap<>();
        run.addConfig(config);
        assertTrue(config.isEmpty());
        assertTrue(run.allocator(null) == null);
    }
}
