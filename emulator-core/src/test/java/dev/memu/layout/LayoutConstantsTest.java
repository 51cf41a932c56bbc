package dev.memu.layout;

import dev.memu.memdesc.Allocatee;
import dev.memu.memdesc.MemdescType;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The constants a layout's code shifts and masks with agree with its field table (what {@code
 * memu layouts} prints and {@code memu explain} labels with): each field's word offset, first bit
 * and width are the constants' offset, shift and mask. A constant changed without the table (or
 * the table without the constant) fails here. (linux64's table is checked by the access coverage
 * test, {@link LayoutFieldCoverageTest}.)
 */
class LayoutConstantsTest {

    @Test
    void memdesc8() {
        final Layout l = new Memdesc8Layout();
        assertEquals(Memdesc8Layout.ENTRY_BYTES, l.bytesPerPage());
        field(l, "type", 0, 0, MemdescType.TAG_MASK);
        field(l, "free.order", 0, Memdesc8Layout.FREE_ORDER_SHIFT, Memdesc8Layout.FREE_ORDER_MASK);
        assertEquals(Allocatee.POINTER_MASK, mask(find(l, "memdesc")) << find(l, "memdesc").bitOffset());
        field(l, "alloc.order", 0, Memdesc8Layout.ALLOC_ORDER_SHIFT, Memdesc8Layout.ALLOC_ORDER_MASK);
        assertEquals(Memdesc8Layout.LINK_NEXT, find(l.pageDataFields(), "data.next").byteOffset());
        assertEquals(Memdesc8Layout.LINK_PREV, find(l.pageDataFields(), "data.prev").byteOffset());
        assertTrue(l.maxFreeOrder() <= Memdesc8Layout.FREE_ORDER_MASK);
    }

    @Test
    void memdesc16() {
        final Layout l = new Memdesc16Layout();
        assertEquals(Memdesc16Layout.ENTRY_BYTES, l.bytesPerPage());
        field(l, "type", Memdesc16Layout.WORD0, 0, MemdescType.TAG_MASK);
        field(l, "memdesc|next", Memdesc16Layout.WORD0, Memdesc16Layout.LINK_SHIFT, -1L >>> Memdesc16Layout.LINK_SHIFT);
        field(l, "free.order", Memdesc16Layout.WORD1, 0, Memdesc16Layout.FREE_ORDER_MASK);
        field(l, "alloc.order", Memdesc16Layout.WORD1, 0, Memdesc16Layout.ALLOC_ORDER_MASK);
        field(l, "allocator|prev", Memdesc16Layout.WORD1, Memdesc16Layout.LINK_SHIFT, -1L >>> Memdesc16Layout.LINK_SHIFT);
        assertEquals(Memdesc16Layout.FREE_ORDER_MASK, l.maxFreeOrder());
    }

    @Test
    void memdesc32() {
        final Layout l = new Memdesc32Layout();
        assertEquals(Memdesc32Layout.ENTRY_BYTES, l.bytesPerPage());
        field(l, "flags.page_type", Memdesc32Layout.FLAGS, 0, Memdesc32Layout.PAGE_TYPE_MASK);
        field(l, "flags.order", Memdesc32Layout.FLAGS, Memdesc32Layout.ORDER_SHIFT, Memdesc32Layout.ORDER_MASK);
        final LayoutField zone = find(l, "flags.zone");
        assertEquals(0, Memdesc32Layout.ZONE_NORMAL & ~(mask(zone) << zone.bitOffset()), "ZONE_NORMAL outside flags.zone");
        assertEquals(Memdesc32Layout.LINK_NEXT, Memdesc32Layout.MEMDESC);
        field(l, "buddy_list.next|memdesc", Memdesc32Layout.LINK_NEXT, 0, -1L);
        assertEquals(Memdesc32Layout.LINK_PREV, Memdesc32Layout.PRIVATE);
        field(l, "buddy_list.prev|private/_mapcount", Memdesc32Layout.LINK_PREV, 0, -1L);
        field(l, "_refcount", Memdesc32Layout.REFCOUNT, 0, 0xffff_ffffL);
        assertEquals(Memdesc32Layout.PGTY_BUDDY, Memdesc32Layout.PGTY_BUDDY & Memdesc32Layout.PAGE_TYPE_MASK);
    }

    @Test
    void peralloc16() {
        final Layout l = new Peralloc16Layout(Peralloc16Layout.Kind.RADIX);
        field(l, "record.allocatee", Peralloc16Layout.REC_ALLOCATEE, 0, -1L);
        field(l, "record.pfn", Peralloc16Layout.REC_SIZE, 0, Peralloc16Layout.PFN_MASK);
        assertEquals(Peralloc16Layout.ORDER_SHIFT, find(l, "record.order").bitOffset());
        field(l, "lookup.freeTag", 0, 0, MemdescType.TAG_MASK);
        field(l, "lookup.freeOrder", 0, Peralloc16Layout.MARK_ORDER_SHIFT, Peralloc16Layout.MARK_ORDER_MASK);
        assertEquals(Peralloc16Layout.RECORD_BYTES, find(l, "record.pfn").byteOffset() + 8);
    }

    /** The field {@code name} sits in the word at {@code offset}, starts at bit {@code shift} and is {@code mask} wide. */
    private static void field(final Layout layout, final String name, final long offset, final int shift,
                              final long mask) {
        final LayoutField f = find(layout, name);
        final String what = layout.name() + "." + name;
        assertEquals(offset, f.byteOffset(), what + " offset");
        assertEquals(shift, f.bitOffset(), what + " first bit");
        assertEquals(mask, mask(f), what + " width");
    }

    private static long mask(final LayoutField f) {
        return f.bitWidth() == 64 ? -1L : (1L << f.bitWidth()) - 1;
    }

    private static LayoutField find(final Layout layout, final String name) {
        return find(layout.fields(), name);
    }

    private static LayoutField find(final java.util.List<LayoutField> fields, final String name) {
        return fields.stream().filter(f -> f.name().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no field " + name + " in " + fields));
    }
}
