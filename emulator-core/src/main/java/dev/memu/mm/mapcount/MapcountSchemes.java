package dev.memu.mm.mapcount;

import java.util.List;

/**
 * The mapcount schemes by name, as {@code memu rmap --schemes LIST|all} names them. Adding a scheme
 * is one class and one line here.
 *
 * <p>{@code exact} (the page-table walk, a reference and not a scheme) is built by the mm layer,
 * which owns the page tables; it is listed so that {@code all} includes it.
 */
public final class MapcountSchemes {

    /** Every name, in the order results are printed. */
    public static final List<String> NAMES = List.of(
            "page-mapcount", "no-page-mapcount", "vma-pt-tuples", "troll", "mapped-pages", "exact");

    private MapcountSchemes() {
    }

    /**
     * Builds scheme {@code name} over {@code ctx}.
     *
     * @throws IllegalArgumentException for an unknown name, for {@code exact} (the mm layer builds
     *                                  it), or when the scheme cannot run on the context's layout
     */
    public static MapcountScheme create(final String name, final SchemeContext ctx) {
        return switch (name) {
            case "page-mapcount" -> new PageMapcount(ctx.memmap(), ctx.heap());
            case "no-page-mapcount" -> new NoPageMapcount(ctx.heap());
            case "vma-pt-tuples" -> new VmaPtTuplesMapcount(ctx.heap(), ctx.probe(), ctx.walker());
            case "troll" -> new TrollMapcount(ctx.heap(), ctx.probe(), ctx.walker());
            case "mapped-pages" -> new MappedPagesMapcount(ctx.heap());
            case "exact" -> throw new IllegalArgumentException("exact is built by the mm layer (ExactMapcount)");
            default -> throw new IllegalArgumentException("unknown mapcount scheme '" + name + "'; known: "
                    + String.join(", ", NAMES));
        };
    }

    /** Whether scheme {@code name} can keep its state on {@code layout} (exact: always). */
    public static boolean supports(final String name, final dev.memu.layout.Layout layout) {
        return switch (name) {
            case "page-mapcount" -> layout.hasPageMapcount();
            case "no-page-mapcount", "vma-pt-tuples", "troll", "mapped-pages", "exact" -> true;
            default -> throw new IllegalArgumentException("unknown mapcount scheme '" + name + "'; known: "
                    + String.join(", ", NAMES));
        };
    }
}
