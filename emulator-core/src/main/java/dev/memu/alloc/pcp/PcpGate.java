package dev.memu.alloc.pcp;

import dev.memu.access.Access;
import dev.memu.access.Region;

import java.lang.foreign.MemorySegment;

/**
 * The drain protocol of the per-vcpu page lists on its own: who may touch a vcpu's lists when.
 * The owner never locks and never does an atomic read-modify-write; a drainer (another vcpu, or
 * a thread handling memory pressure or a vcpu going offline) claims the lists with a CAS and waits
 * until the owner is outside an operation. The ordering argument is in {@link PcpAllocator}.
 *
 * <pre>
 * words at {@code base} in the area (the vcpu's first line)
 * offset  size  field
 *   0        8  active   owner: 1 while inside an operation, else 0
 *   8        8  claim    drainers: 0, or the drainer's id (non-zero) while it holds the lists
 * </pre>
 *
 * Kept apart from {@link PerCpuPages} so that the smallest races (owner against drainer) can be
 * tested on a bare segment, without a machine (the jcstress module does).
 */
public final class PcpGate {

    static final long ACTIVE = 0;
    static final long CLAIM = 8;
    /** Bytes the protocol words take at {@code base}. */
    public static final long BYTES = 16;

    private final Access access;
    private final MemorySegment area;

    public PcpGate(final Access access, final MemorySegment area) {
        this.access = access;
        this.area = area;
    }

    /** Owner, before touching its lists: O1 active = 1 (volatile), O2 read claim; yield to a drainer. */
    public void enter(final long base) {
        for (;;) {
            setActive(base);
            if (claim(base) == 0) {
                return;
            }
            clearActive(base);                             // a drainer holds the lists: yield
            while (claim(base) != 0) {
                Thread.onSpinWait();
            }
        }
    }

    /** Owner, after its operation: a release store, so the drainer sees everything it did. */
    public void exit(final long base) {
        clearActive(base);
    }

    /** Drainer, before touching another vcpu's lists: D1 CAS claim 0 -> who, D2 wait for active == 0. */
    public void lockRemote(final long base, final long who) {
        while (!tryClaim(base, who)) {
            while (claim(base) != 0) {
                Thread.onSpinWait();
            }
        }
        while (active(base) != 0) {
            Thread.onSpinWait();
        }
    }

    /** Drainer, done: a release store of claim = 0. */
    public void unlockRemote(final long base) {
        access.setLongRelease(Region.ALLOCATOR, area, base + CLAIM, 0);
    }

    void setActive(final long base) {
        access.setLongVolatile(Region.ALLOCATOR, area, base + ACTIVE, 1);
    }

    void clearActive(final long base) {
        access.setLongRelease(Region.ALLOCATOR, area, base + ACTIVE, 0);
    }

    long active(final long base) {
        return access.getLongVolatile(Region.ALLOCATOR, area, base + ACTIVE);
    }

    long claim(final long base) {
        return access.getLongVolatile(Region.ALLOCATOR, area, base + CLAIM);
    }

    boolean tryClaim(final long base, final long who) {
        return access.compareAndSetLong(Region.ALLOCATOR, area, base + CLAIM, 0, who);
    }
}
