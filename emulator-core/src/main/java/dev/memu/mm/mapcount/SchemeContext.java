package dev.memu.mm.mapcount;

import dev.memu.layout.Memmap;
import dev.memu.memdesc.MemdescHeap;

/**
 * What a scheme needs from the run: the memmap (per-page fields), the descriptor heap (folio
 * fields), and the mm layer's page-table probe and rmap walk (for the schemes that count VMAs or
 * tuples). {@code probe} and {@code walker} may be null for schemes that do not use them.
 */
public record SchemeContext(Memmap memmap, MemdescHeap heap, MappingProbe probe, RmapWalker walker) {
}
