package dev.memu.alloc.pcp;

import dev.memu.alloc.AllocatorConformanceSuite;
import dev.memu.alloc.AllocatorOptions;
import dev.memu.alloc.BuddyAllocator;

/** buddy+pcp with multi-block refills and frequent bulk frees: batch 4, high 12, two vcpus. */
class LinuxPcpSmallHighConformanceTest extends AllocatorConformanceSuite {

    @Override
    protected Spec spec() {
        return Spec.of(LinuxPcpAllocator::new)
                .options(new AllocatorOptions(AllocatorOptions.DEFAULT, 2, 12, 4))
                .maxOrderFixed(BuddyAllocator.DEFAULT_MAX_ORDER)
                .freeBlocksApproximate();
    }
}
