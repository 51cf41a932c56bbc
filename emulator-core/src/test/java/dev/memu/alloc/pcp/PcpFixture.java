package dev.memu.alloc.pcp;

import dev.memu.access.Access;
import dev.memu.access.PlainAccess;
import dev.memu.alloc.AllocatorFactory;
import dev.memu.alloc.AllocatorOptions;
import dev.memu.alloc.BuddyAllocator;
import dev.memu.alloc.potad.PotadAllocator;
import dev.memu.layout.Layouts;
import dev.memu.layout.Memmap;
import dev.memu.machine.Machine;
import dev.memu.memdesc.Allocatee;
import dev.memu.memdesc.MemdescType;

/** A machine, a memmap of one layout and buddy+apcp (memu's array PCP; or another backend + pcp) over it; closes the machine. */
final class PcpFixture implements AutoCloseable {

    final Machine machine;
    final Memmap memmap;
    final PcpAllocator pcp;

    PcpFixture(final String layout, final long ramBytes, final AllocatorOptions options, final Access access,
               final PcpAllocator.Lists scheme) {
        this(layout, ramBytes, options, access, BuddyAllocator::new, scheme);
    }

    PcpFixture(final String layout, final long ramBytes, final AllocatorOptions options, final Access access,
               final AllocatorFactory backend, final PcpAllocator.Lists scheme) {
        this.machine = Machine.create(ramBytes);
        this.memmap = Layouts.byName(layout).bind(machine, access);
        try {
            this.pcp = (PcpAllocator) PcpAllocator.over(backend, scheme).create(memmap, options);
        } catch (final RuntimeException e) {
            machine.close();
            throw e;
        }
    }

    PcpFixture(final String layout, final long ramBytes, final AllocatorOptions options, final PcpAllocator.Lists scheme) {
        this(layout, ramBytes, options, PlainAccess.INSTANCE, scheme);
    }

    PcpFixture(final String layout, final long ramBytes, final AllocatorOptions options) {
        this(layout, ramBytes, options, PlainAccess.INSTANCE, PcpAllocator.Lists.ARRAY);
    }

    /** A backend by its command-line name: {@code buddy} or {@code potad}. */
    static AllocatorFactory backend(final String name) {
        return switch (name) {
            case "buddy" -> BuddyAllocator::new;
            case "potad" -> PotadAllocator::new;
            default -> throw new IllegalArgumentException("no backend " + name);
        };
    }

    /** {@code backend}+pcp with the given lists, plain access. */
    static PcpFixture over(final String backend, final String layout, final long ramBytes, final AllocatorOptions options,
                           final PcpAllocator.Lists scheme) {
        return new PcpFixture(layout, ramBytes, options, PlainAccess.INSTANCE, backend(backend), scheme);
    }

    static AllocatorOptions options(final int vcpus, final int high, final int batch) {
        return new AllocatorOptions(AllocatorOptions.DEFAULT, vcpus, high, batch);
    }

    /** A distinct valid allocatee per {@code n}: an anon folio descriptor at 16 * (n + 1). */
    static long owner(final long n) {
        return Allocatee.of(MemdescType.ANON_FOLIO, (n + 1) << 4);
    }

    @Override
    public void close() {
        machine.close();
    }
}
