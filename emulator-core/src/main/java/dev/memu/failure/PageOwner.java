package dev.memu.failure;

import dev.memu.memdesc.MemdescType;

/**
 * Who owns a pfn, as found from the pfn alone.
 *
 * @param pfn           the pfn asked about
 * @param type          the allocatee's type; {@link MemdescType#FREE} when no allocation holds the pfn
 * @param allocatee     the tagged allocatee pointer (0 when free)
 * @param headPfn       first pfn of the allocation (vmalloc: the pfn itself; -1 when free)
 * @param order         order of the allocation (vmalloc pages: 0; -1 when free)
 * @param vmallocIndex  index of the pfn in its vmalloc area, else -1
 * @param hasDescriptor the allocatee points to a descriptor in the memdesc heap
 * @param lines         distinct cachelines the lookup touched (0 unless the access layer counts)
 * @param nanos         wall time of the lookup
 */
public record PageOwner(long pfn, MemdescType type, long allocatee, long headPfn, int order, int vmallocIndex,
                        boolean hasDescriptor, int lines, long nanos) {

    public boolean isFree() {
        return type == MemdescType.FREE;
    }
}
