/**
 * The mm layer: processes ({@link dev.memu.mm.Mm}) with VMAs ({@link dev.memu.mm.Vma}) over
 * x86-64 4-level page tables whose pages are ptdesc allocations from the emulated allocator
 * ({@link dev.memu.mm.PageTables}, entry format in {@link dev.memu.mm.Pte}); anon faults with
 * mTHP order choice and PMD THPs, file faults from a page cache, fork with batched rmap, COW,
 * munmap / MADV_DONTNEED zap, exit ({@link dev.memu.mm.MmLayer}); the rmap walk
 * ({@link dev.memu.mm.Rmap}) and the page-table answers the schemes ask for
 * ({@link dev.memu.mm.PageTableProbe}). Every rmap event goes to the attached
 * {@link dev.memu.mm.mapcount.MapcountScheme}s; {@link dev.memu.mm.mapcount.ExactMapcount} is the
 * ground truth by walking. Runs that score the schemes side by side live in
 * {@link dev.memu.mm.run}.
 */
package dev.memu.mm;
