package dev.memu.alloc;

/**
 * Knobs shared by all allocators; each reads the ones it has.
 *
 * @param maxOrder  largest order handed out; -1 means the allocator's own default
 *                  (buddy: 10, Linux's MAX_PAGE_ORDER; POTAD: all of memory)
 * @param vcpus     number of emulated CPUs that may call in
 * @param pcpHigh   PCP high watermark in pages per vcpu list; 0 means as Linux computes it
 * @param pcpBatch  PCP refill/drain batch in pages; 0 means as Linux computes it
 */
public record AllocatorOptions(int maxOrder, int vcpus, int pcpHigh, int pcpBatch) {

    public static final int DEFAULT = -1;

    public AllocatorOptions {
        if (vcpus < 1) {
            throw new IllegalArgumentException("vcpus must be at least 1, got " + vcpus);
        }
        if (maxOrder < DEFAULT) {
            throw new IllegalArgumentException("max order must be >= 0, got " + maxOrder);
        }
        if (pcpHigh < 0 || pcpBatch < 0) {
            throw new IllegalArgumentException("PCP high and batch must be >= 0");
        }
    }

    public static AllocatorOptions defaults() {
        return new AllocatorOptions(DEFAULT, 1, 0, 0);
    }

    public AllocatorOptions withVcpus(final int n) {
        return new AllocatorOptions(maxOrder, n, pcpHigh, pcpBatch);
    }

    public AllocatorOptions withMaxOrder(final int order) {
        return new AllocatorOptions(order, vcpus, pcpHigh, pcpBatch);
    }
}
