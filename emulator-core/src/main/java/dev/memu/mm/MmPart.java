package dev.memu.mm;

import dev.memu.layout.Memmap;
import dev.memu.memdesc.Memdescs;

/**
 * What each part of the {@link MmLayer} ({@link HugePmd}, {@link ForkCopy}, {@link Zap}) works
 * on: the layer itself (its walk helpers, attached schemes and {@link HugePmd}), its page tables,
 * memmap, folio descriptors, counters and {@link Folios}.
 */
abstract class MmPart {

    final MmLayer layer;
    final PageTables pt;
    final Memmap memmap;
    final Memdescs descs;
    final MmCounters counters;
    final Folios folios;

    MmPart(final MmLayer layer) {
        this.layer = layer;
        this.pt = layer.pageTables();
        this.memmap = layer.memmap();
        this.descs = layer.descs();
        this.counters = layer.counters();
        this.folios = layer.folios;
    }
}
