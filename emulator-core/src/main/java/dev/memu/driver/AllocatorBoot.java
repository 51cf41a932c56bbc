package dev.memu.driver;

import dev.memu.alloc.PageAllocator;

/**
 * Brings the fresh allocator of each pass to the run's starting state before any workload stream
 * is built, for example into a host's real fragmentation ({@code HostSnapshot#bootAllocator}).
 * The driver calls it once per pass, on the calling thread, with the pass's access layer bound:
 * its operations are never timed nor counted. It must leave both passes in the same state.
 * The pages it leaves allocated belong to nobody: the workload allocates and frees only its own.
 */
@FunctionalInterface
public interface AllocatorBoot {

    /** Leaves the allocator as built: all of RAM free. */
    AllocatorBoot NONE = allocator -> { };

    void boot(PageAllocator allocator);
}
