package dev.memu.alloc.pcp;

import dev.memu.alloc.AllocatorConformanceSuite;
import dev.memu.alloc.AllocatorOptions;
import dev.memu.alloc.potad.PotadAllocator;

/**
 * potad+pcp under the shared conformance suite, three vcpus. Pages sitting in another vcpu's
 * POTAD reservation are invisible to an allocation (as in LLFree), so an allocation may fail
 * before the model says memory is exhausted; PCP-held blocks are not coalesced.
 */
class PotadPcpConformanceTest extends AllocatorConformanceSuite {

    @Override
    protected Spec spec() {
        return Spec.of(PcpAllocator.over(PotadAllocator::new))
                .options(AllocatorOptions.defaults().withVcpus(3))
                .maxOrderUnbounded()
                .freeStateOutsideMemmap()
                .freeBlocksApproximate()
                .mayFailEarly();
    }
}
