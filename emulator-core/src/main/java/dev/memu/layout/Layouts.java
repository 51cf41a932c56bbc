package dev.memu.layout;

import java.util.List;
import java.util.stream.Collectors;

/** Every layout memu knows, in the order output lists them. A new layout is one line here. */
public final class Layouts {

    private static final List<Layout> ALL = List.of(
            new Linux64Layout(),
            new Memdesc32Layout(),
            new Memdesc16Layout(),
            new Memdesc8Layout(),
            new Memdesc8HvoLayout(),
            new Peralloc16Layout(Peralloc16Layout.Kind.RADIX),
            new Peralloc16Layout(Peralloc16Layout.Kind.BTREE));

    private Layouts() {
    }

    public static List<Layout> all() {
        return ALL;
    }

    /**
     * The layout named {@code name}.
     *
     * @throws IllegalArgumentException listing the known names when there is none
     */
    public static Layout byName(final String name) {
        for (final Layout layout : ALL) {
            if (layout.name().equals(name)) {
                return layout;
            }
        }
        throw new IllegalArgumentException("unknown layout '" + name + "' (known: " + names() + ")");
    }

    public static String names() {
        return ALL.stream().map(Layout::name).collect(Collectors.joining(", "));
    }
}
