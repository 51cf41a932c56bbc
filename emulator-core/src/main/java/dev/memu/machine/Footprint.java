package dev.memu.machine;

import dev.memu.access.Region;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Off-heap bytes really allocated, per {@link Region}: the measured numerator of bytes per page.
 * Everything the emulator maps or carves for metadata reports here; structures that manage their
 * own slack inside a mapping (the memdesc heap) report what they hold mapped, slack included.
 */
public final class Footprint {

    private final AtomicLongArray bytes = new AtomicLongArray(Region.count());

    public void add(final Region region, final long delta) {
        bytes.addAndGet(region.ordinal(), delta);
    }

    public long bytes(final Region region) {
        return bytes.get(region.ordinal());
    }

    /** Metadata bytes: every region but the emulated RAM itself. */
    public long metadataBytes() {
        long sum = 0;
        for (int r = 0; r < Region.count(); r++) {
            if (Region.of(r) != Region.PAGE_DATA) {
                sum += bytes.get(r);
            }
        }
        return sum;
    }
}
