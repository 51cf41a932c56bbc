package dev.memu.alloc.pcp;

import dev.memu.alloc.AllocatorConformanceSuite;
import dev.memu.alloc.AllocatorOptions;
import dev.memu.alloc.BuddyAllocator;

/**
 * buddy+pcp (Linux's PCP over the buddy) under the shared conformance suite, three vcpus,
 * Linux's default batch and high. Held blocks are free but not coalesced, so free blocks per
 * order are approximate; NO_PAGE stays exact because a failing allocation drains every list and
 * retries.
 */
class LinuxPcpConformanceTest extends AllocatorConformanceSuite {

    @Override
    protected Spec spec() {
        return Spec.of(LinuxPcpAllocator::new)
                .options(AllocatorOptions.defaults().withVcpus(3))
                .maxOrderFixed(BuddyAllocator.DEFAULT_MAX_ORDER)
                .freeBlocksApproximate();
    }
}
