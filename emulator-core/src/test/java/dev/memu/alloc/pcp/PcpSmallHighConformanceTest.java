package dev.memu.alloc.pcp;

import dev.memu.alloc.AllocatorConformanceSuite;
import dev.memu.alloc.AllocatorOptions;
import dev.memu.alloc.BuddyAllocator;

/** buddy+apcp under the conformance suite with multi-block refills and frequent bulk frees: batch 7, high 40. */
class PcpSmallHighConformanceTest extends AllocatorConformanceSuite {

    @Override
    protected Spec spec() {
        return Spec.of(PcpAllocator.over(BuddyAllocator::new))
                .options(new AllocatorOptions(AllocatorOptions.DEFAULT, 3, 40, 7))
                .maxOrderFixed(BuddyAllocator.DEFAULT_MAX_ORDER)
                .freeBlocksApproximate();
    }
}
