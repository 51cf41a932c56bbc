package dev.memu.alloc.pcp;

import dev.memu.alloc.AllocatorConformanceSuite;
import dev.memu.alloc.AllocatorOptions;
import dev.memu.alloc.potad.PotadAllocator;

/**
 * potad+pcp under the shared conformance suite, three vcpus. NO_PAGE is exact: a failing
 * allocation drains every vcpu's lists and retries, and POTAD takes every vcpu's region
 * reservation back before it fails. PCP-held blocks are not coalesced, so free blocks per order
 * are not the buddy decomposition (they still add up to the free pages exactly).
 */
class PotadPcpConformanceTest extends AllocatorConformanceSuite {

    @Override
    protected Spec spec() {
        return Spec.of(PcpAllocator.over(PotadAllocator::new))
                .options(AllocatorOptions.defaults().withVcpus(3))
                .maxOrderUnbounded()
                .freeStateOutsideMemmap()
                .freeBlocksApproximate();
    }
}
