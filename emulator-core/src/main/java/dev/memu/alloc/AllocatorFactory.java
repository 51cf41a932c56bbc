package dev.memu.alloc;

import dev.memu.layout.Memmap;

/** Builds one kind of allocator over a memmap. */
@FunctionalInterface
public interface AllocatorFactory {
    PageAllocator create(Memmap memmap, AllocatorOptions options);
}
