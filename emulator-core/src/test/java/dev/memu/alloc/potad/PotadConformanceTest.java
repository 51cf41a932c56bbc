package dev.memu.alloc.potad;

import dev.memu.alloc.AllocatorConformanceSuite;

/** POTAD against the shared conformance suite: orders up to all of memory, free state in its bitfields. */
class PotadConformanceTest extends AllocatorConformanceSuite {

    @Override
    protected Spec spec() {
        return Spec.of(PotadAllocator::new).maxOrderUnbounded().freeStateOutsideMemmap();
    }
}
