package dev.memu.trace;

import dev.memu.memdesc.MemdescType;

/**
 * Guesses the memdesc type of a traced allocation from its {@code gfp_flags} text. The trace says
 * nothing exact about who owns a page, so this is a label, not a fact: it only picks the type tag
 * the replay records as allocatee, and no cost memu reports depends on it.
 *
 * <table>
 *   <caption>rules, first match wins</caption>
 *   <tr><th>gfp_flags contain</th><th>type</th><th>why</th></tr>
 *   <tr><td>GFP_HIGHUSER / GFP_USER and __GFP_WRITE</td><td>file</td><td>page cache for a write</td></tr>
 *   <tr><td>GFP_HIGHUSER / GFP_USER</td><td>anon</td><td>user memory (page-cache reads look the same)</td></tr>
 *   <tr><td>GFP_KERNEL_ACCOUNT and __GFP_ZERO</td><td>pagetable</td><td>GFP_PGTABLE_USER</td></tr>
 *   <tr><td>anything else</td><td>slab</td><td>kernel memory; slab is its commonest owner</td></tr>
 * </table>
 */
public final class GfpClass {

    private GfpClass() {
    }

    public static MemdescType typeOf(final String gfpFlags) {
        if (gfpFlags == null) {
            return MemdescType.SLAB;
        }
        if (gfpFlags.contains("GFP_HIGHUSER") || gfpFlags.contains("GFP_USER")) {
            return gfpFlags.contains("__GFP_WRITE") ? MemdescType.FILE_FOLIO : MemdescType.ANON_FOLIO;
        }
        if (gfpFlags.contains("GFP_KERNEL_ACCOUNT") && gfpFlags.contains("__GFP_ZERO")) {
            return MemdescType.PAGE_TABLE;
        }
        return MemdescType.SLAB;
    }
}
