package dev.memu.alloc.pcp;

/**
 * Per-CPU page lists in front of a backend allocator, as both {@link LinuxPcpAllocator}
 * ({@code struct per_cpu_pages} in front of the buddy) and {@link PcpAllocator} (memu's array or
 * linked lists in front of any backend) keep them: what tools outside the timed path (the
 * explainer) read and do. Reads happen outside any operation; none of these is a hot path.
 */
public interface PcpFront {

    /** Orders served from the lists ({@code pcp_allowed_order} for the Linux PCP). */
    boolean hasList(int order);

    /** Blocks of {@code order} on {@code vcpu}'s list (0 for orders without one). */
    int blocks(int vcpu, int order);

    /** {@code pcp->count} of {@code vcpu}: pages on all its lists. */
    int count(int vcpu);

    /** {@code pcp->high}: the same for every vcpu. */
    int high();

    /** {@code pcp->batch}: the same for every vcpu. */
    int batch();

    /** {@code drain_all_pages}: every vcpu's lists back to the backend, the frees counted as {@code callerVcpu}'s. */
    void drainAllPages(int callerVcpu);
}
