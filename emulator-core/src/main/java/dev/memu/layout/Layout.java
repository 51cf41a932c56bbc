package dev.memu.layout;

import dev.memu.access.Access;
import dev.memu.machine.Machine;

import java.util.List;

/**
 * A way of packing the per-page descriptor (the memmap entry): its name, its size, its fields as
 * one documented bit table, and how to build a {@link Memmap} of that layout for a machine.
 *
 * <p>Adding a layout is one new subclass, listed in {@link Layouts}; nothing else in the code base
 * knows a layout by name.
 */
public abstract class Layout {

    /** Name used on the command line and in output, e.g. {@code linux64}. */
    public abstract String name();

    /** One line saying what the layout is. */
    public abstract String summary();

    /** Memmap bytes per page frame (0 for layouts without a per-page array). */
    public abstract int bytesPerPage();

    /** The fields, in offset order: the table printed by {@code memu layouts}. */
    public abstract List<LayoutField> fields();

    /**
     * Fields this layout keeps in the page data of a free page rather than in its entry (the
     * free-list links of memdesc8 and peralloc16), offsets from the page's first byte; empty when
     * the layout keeps nothing there. Used to name page-data lines in {@code memu explain}.
     */
    public List<LayoutField> pageDataFields() {
        return List.of();
    }

    /**
     * Largest order a free block can record in this layout (bounded by the bits the layout gives
     * the order of a free block).
     */
    public abstract int maxFreeOrder();

    /**
     * Whether each entry has room for a per-page {@code _mapcount} and a PageAnonExclusive bit
     * (see {@link Memmap#pageMapcount}). False unless a layout says otherwise.
     */
    public boolean hasPageMapcount() {
        return false;
    }

    /** Builds this layout's memmap for every page of {@code machine}, accessed through {@code access}. */
    public abstract Memmap bind(Machine machine, Access access);

    @Override
    public String toString() {
        return name();
    }
}
