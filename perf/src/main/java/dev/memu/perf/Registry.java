package dev.memu.perf;

import dev.memu.alloc.Allocators;
import dev.memu.layout.Layout;
import dev.memu.layout.Layouts;

import java.util.stream.Collectors;

/**
 * Prints the registered layout or allocator names, comma-separated, for {@code -p layout=...} and
 * {@code -p allocator=...}: JMH's {@code @Param} lists are annotation constants and cannot ask
 * the registries, so {@code run-matrix.sh} asks here and every registered name gets benchmarked.
 *
 * <pre>java -cp perf/target/benchmarks.jar dev.memu.perf.Registry layouts|allocators</pre>
 */
public final class Registry {

    private Registry() {
    }

    public static void main(final String[] args) {
        final String what = args.length == 1 ? args[0] : "";
        switch (what) {
            case "layouts" -> System.out.println(Layouts.all().stream().map(Layout::name)
                    .collect(Collectors.joining(",")));
            case "allocators" -> System.out.println(String.join(",", Allocators.names()));
            default -> {
                System.err.println("usage: Registry layouts|allocators");
                System.exit(2);
            }
        }
    }
}
