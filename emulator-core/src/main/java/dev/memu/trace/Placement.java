package dev.memu.trace;

/** Who decides where a traced allocation lands in emulated RAM. */
public enum Placement {
    /**
     * Keep the kernel's pfns: each block is written into the memmap at the pfn the trace names
     * ({@code Memmap.setAllocated/clearAllocated}), with no allocator. Measures what each layout
     * costs on the real placement.
     */
    TRACE,
    /**
     * The chosen allocator places each request; frees are routed through a trace-pfn to
     * emulated-pfn map. Compares allocators on the real request sequence.
     */
    ALLOCATOR;

    public static Placement of(final String name) {
        for (final Placement p : values()) {
            if (p.name().equalsIgnoreCase(name)) {
                return p;
            }
        }
        throw new IllegalArgumentException("unknown placement '" + name + "' (known: trace, allocator)");
    }
}
