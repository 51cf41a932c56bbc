package dev.memu.alloc.potad;

import dev.memu.alloc.AllocatorConformanceSuite;
import dev.memu.alloc.AllocatorOptions;

/**
 * POTAD against the shared conformance suite: orders up to all of memory, free state in its
 * bitfields, three vcpus (the random sequences spread their operations over all of them, so
 * region reservations of idle vcpus hold tokens all the time) and exact NO_PAGE: an allocation
 * fails only when no aligned free block of its order exists, reservations or not.
 */
class PotadConformanceTest extends AllocatorConformanceSuite {

    @Override
    protected Spec spec() {
        return Spec.of(PotadAllocator::new)
                .options(AllocatorOptions.defaults().withVcpus(3))
                .maxOrderUnbounded()
                .freeStateOutsideMemmap();
    }
}
