package dev.memu.explain;

import dev.memu.access.FieldLabeler;
import dev.memu.alloc.PageAllocator;
import dev.memu.alloc.pcp.LinuxPcpAllocator;
import dev.memu.alloc.pcp.PcpAllocator;
import dev.memu.alloc.pcp.PcpFront;

import java.util.Optional;

/**
 * What the PCP states ({@link ExplainState#PCP_HIT}, {@link ExplainState#PCP_MISS}, {@link
 * ExplainState#BULK_FREE}) need of an allocator with per-CPU page lists: the Linux PCP ({@code
 * buddy+pcp}, {@link LinuxPcpAllocator}) or memu's array PCP ({@code buddy+apcp}, {@code
 * potad+pcp}, {@link PcpAllocator}). Everything but {@link #drainAll} only reads, outside the
 * explained operation.
 */
sealed interface PcpView {

    /** The view of {@code allocator}, or empty when it keeps no per-CPU lists. */
    static Optional<PcpView> of(final PageAllocator allocator) {
        if (allocator instanceof LinuxPcpAllocator linux) {
            return Optional.of(new Linux(linux));
        }
        if (allocator instanceof PcpAllocator pcp) {
            return Optional.of(new Array(pcp));
        }
        return Optional.empty();
    }

    /** The allocator's per-CPU lists. */
    PcpFront lists();

    /** Orders that have a list. */
    default boolean hasList(final int order) {
        return lists().hasList(order);
    }

    /** Blocks on {@code vcpu}'s list of {@code order}. */
    default int blocks(final int vcpu, final int order) {
        return lists().blocks(vcpu, order);
    }

    /** {@code pcp->count} of {@code vcpu}: pages on all its lists. */
    default int count(final int vcpu) {
        return lists().count(vcpu);
    }

    default int high() {
        return lists().high();
    }

    default int batch() {
        return lists().batch();
    }

    /** {@code drain_all_pages}: every vcpu's lists back to the backend, the frees counted as {@code callerVcpu}'s. */
    default void drainAll(final int callerVcpu) {
        lists().drainAllPages(callerVcpu);
    }

    /**
     * Free pages of the allocator behind the lists (held blocks not included): it falls when a
     * refill ({@code rmqueue_bulk}) takes blocks and rises when {@code free_pcppages_bulk} returns
     * them.
     */
    long backendFreePages();

    /** A labeler for the backend's structures, when the allocator's own labels leave them out. */
    Optional<FieldLabeler> backendLabeler();

    /** {@code buddy+pcp}: Linux's {@code struct per_cpu_pages} in front of the buddy. */
    record Linux(LinuxPcpAllocator pcp) implements PcpView {
        @Override
        public PcpFront lists() {
            return pcp;
        }

        @Override
        public long backendFreePages() {
            return pcp.zone().freePages();
        }

        @Override
        public Optional<FieldLabeler> backendLabeler() {
            return Optional.empty();                       // its labels include the zone's
        }
    }

    /** memu's array (or linked) PCP in front of any backend. */
    record Array(PcpAllocator pcp) implements PcpView {
        @Override
        public PcpFront lists() {
            return pcp;
        }

        @Override
        public long backendFreePages() {
            return pcp.backend().freePages();
        }

        @Override
        public Optional<FieldLabeler> backendLabeler() {
            return pcp.backend() instanceof FieldLabeler l ? Optional.of(l) : Optional.empty();
        }
    }
}
