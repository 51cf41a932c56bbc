package dev.memu.machine;

/**
 * Which of a machine's mappings ask the host kernel for transparent huge pages
 * ({@code madvise(MADV_HUGEPAGE)}, see {@link NativeMemory#mapHuge}).
 *
 * <p>Why: a random free misses on its memmap entry, its bitfield line and its region entry, and on
 * 4 KiB host pages each of those is also a TLB miss; on 2 MiB pages the whole memmap of a few GiB
 * of emulated RAM fits in a handful of TLB entries, as the kernel's own vmemmap does (it is mapped
 * with PMDs). RAM is off by default: a sparse workload on a huge emulated RAM would commit 2 MiB for
 * every page it touches.
 *
 * @param metadata    advise metadata mappings (memmap, allocator, memdesc heap, lookup)
 * @param ram         advise the emulated RAM
 * @param maxMapping  largest single mapping that is advised; larger ones stay on 4 KiB pages, so
 *                    that a sparse touch pattern over, say, the 16 GiB memmap of 1 TiB cannot
 *                    commit more than the host has
 */
public record HugePagePolicy(boolean metadata, boolean ram, long maxMapping) {

    /** Mappings below one huge page gain nothing from the advice. */
    public static final long MIN_MAPPING = NativeMemory.HUGE_PAGE;

    public static final HugePagePolicy OFF = new HugePagePolicy(false, false, 0);

    /**
     * The system property that replaces the default limit per mapping ({@code
     * -Dmemu.hugepages.maxMapping=64G}, also through {@code MEMU_JVM_OPTS}, which compare's and
     * bench's children inherit): for measuring what the limit costs, on a host that can afford it.
     */
    public static final String MAX_MAPPING_PROPERTY = "memu.hugepages.maxMapping";

    /**
     * Metadata on huge pages up to an eighth of the host's available memory per mapping (or {@link
     * #MAX_MAPPING_PROPERTY}); RAM not.
     */
    public static HugePagePolicy defaults() {
        final String max = System.getProperty(MAX_MAPPING_PROPERTY);
        if (max == null) {
            return new HugePagePolicy(true, false, HostMemory.availableBytes() / 8);
        }
        return new HugePagePolicy(true, false, bytes(max));
    }

    /**
     * Bytes, with an optional binary suffix K, M, G or T (this package depends on no other memu
     * package, so not {@code dev.memu.util.Sizes}, which reads more forms).
     */
    private static long bytes(final String text) {
        final String t = text.trim();
        final int suffix = t.isEmpty() ? -1 : "KMGT".indexOf(Character.toUpperCase(t.charAt(t.length() - 1)));
        final String digits = suffix < 0 ? t : t.substring(0, t.length() - 1);
        try {
            final long n = Long.parseLong(digits);
            final int shift = suffix < 0 ? 0 : 10 * (suffix + 1);
            if (n < 0 || n > (Long.MAX_VALUE >> shift)) {
                throw new NumberFormatException();
            }
            return n << shift;
        } catch (final NumberFormatException e) {
            throw new IllegalArgumentException("-D" + MAX_MAPPING_PROPERTY + "='" + text
                    + "': not a size (bytes, or with K, M, G or T: e.g. 512M, 64G)");
        }
    }

    public HugePagePolicy withRam(final boolean advise) {
        return new HugePagePolicy(metadata, advise, maxMapping);
    }

    boolean advises(final boolean isRam, final long bytes) {
        return (isRam ? ram : metadata) && bytes >= MIN_MAPPING && bytes <= maxMapping;
    }
}
