package dev.memu.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.nio.charset.MalformedInputException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code memu plot RESULT.json... --out FILE.html}: saved JSON results rendered as one
 * self-contained HTML page, the files' results side by side in the same charts. The kind of
 * result is told from its JSON: {@code run}/{@code compare} ({@code config} and {@code results}
 * with a layout and allocator each, {@link Html}), {@code replay} ({@code trace} and {@code
 * replays}, {@link ReplayHtml}), {@code rmap} ({@code mmLayer} and per-scheme {@code results},
 * {@link RmapHtml}), {@code bench llfree} ({@code config.benchmark} {@code llfree-shapes}, {@link
 * BenchHtml}). The files of one plot are of one kind. Every file is read and checked before
 * anything is written.
 */
@Command(name = "plot", mixinStandardHelpOptions = true,
        description = {"Render saved JSON results as one self-contained HTML page with SVG charts.",
                "Several files of one kind go side by side:",
                "  run/compare   bytes/page, lines/op, latency, free blocks (over time: fragment)",
                "  replay        free blocks over the replay, lines/op, metadata per page",
                "  rmap          mapcount accuracy per scheme vs exact, scheme lines/op",
                "  bench llfree  ns per op per shape and allocator"})
final class PlotCommand implements Callable<Integer> {

    /** What a saved file holds, told from its JSON. */
    enum Kind {
        RUN("run/compare"), REPLAY("replay"), RMAP("rmap"), BENCH("bench llfree");

        final String command;

        Kind(final String command) {
            this.command = command;
        }
    }

    /** One file read: its name, kind and JSON tree. */
    record Loaded(String name, Kind kind, Map<String, Object> root) {
    }

    @Spec
    private CommandSpec spec;

    @Parameters(paramLabel = "RESULT.json", arity = "1..*",
            description = "JSON written by run, compare, replay, rmap or bench llfree (--format json).")
    private List<String> files;

    @Option(names = "--out", paramLabel = "FILE.html",
            description = "Write the page to FILE (whole or not at all) instead of stdout.")
    private String out;

    @Option(names = "--title", paramLabel = "TEXT", description = "Page title (default: memu plot and the file names).")
    private String title;

    @Override
    public Integer call() throws Exception {
        final List<Loaded> loaded = new ArrayList<>();
        for (final String file : files) {
            final Loaded l = load(file);
            if (!loaded.isEmpty() && loaded.getFirst().kind() != l.kind()) {
                throw new UsageException(file + ": a " + l.kind().command + " result, but "
                        + loaded.getFirst().name() + " is a " + loaded.getFirst().kind().command
                        + " result (plot files of one kind together)");
            }
            loaded.add(l);
        }
        final String pageTitle = title != null ? title
                : "memu plot " + String.join(" ", loaded.stream().map(Loaded::name).toList());
        final String page = render(pageTitle, loaded, files);
        final OutputTarget target = OutputTarget.open(out, spec.commandLine().getOut());
        try {
            target.commit(page);
        } finally {
            target.abandon();
        }
        return 0;
    }

    private static String render(final String title, final List<Loaded> loaded, final List<String> files) {
        final Kind kind = loaded.getFirst().kind();
        if (kind == Kind.RUN) {
            final List<Html.Source> sources = new ArrayList<>();
            for (int i = 0; i < loaded.size(); i++) {
                sources.add(source(files.get(i), loaded.get(i)));
            }
            return Html.render(title, sources);
        }
        final List<Html.Saved> saved = new ArrayList<>();
        for (final Loaded l : loaded) {
            saved.add(new Html.Saved(l.name(), l.root(), kind == Kind.BENCH ? BenchHtml.table(l.root()) : null));
        }
        return switch (kind) {
            case REPLAY -> ReplayHtml.render(title, saved);
            case RMAP -> RmapHtml.render(title, saved);
            default -> BenchHtml.render(title, saved);
        };
    }

    /** A run/compare file as a source; a result without layout and allocator is a usage error naming the file. */
    private static Html.Source source(final String file, final Loaded l) {
        final List<Map<String, Object>> results = new ArrayList<>();
        for (final Object r : (List<?>) l.root().get("results")) {
            if (!(r instanceof Map<?, ?> m) || !(m.get("layout") instanceof String)
                    || !(m.get("allocator") instanceof String)) {
                throw new UsageException(file + ": a result without \"layout\" and \"allocator\"");
            }
            results.add(cast(m));
        }
        return new Html.Source(l.name(), cast((Map<?, ?>) l.root().get("config")), results);
    }

    /** Reads and parses one file and tells its kind; anything that is no memu result is a usage error naming the file. */
    static Loaded load(final String file) {
        final String text;
        try {
            text = Files.readString(Path.of(file));
        } catch (final NoSuchFileException e) {
            throw new UsageException(file + ": no such file");
        } catch (final MalformedInputException e) {
            throw new UsageException(file + ": not UTF-8 text");
        } catch (final IOException e) {
            throw new UsageException(file + ": cannot read (" + e.getMessage() + ")");
        }
        final Object tree;
        try {
            tree = Json.parse(text);
        } catch (final IllegalArgumentException e) {
            throw new UsageException(file + ": " + e.getMessage());
        }
        final String name = Path.of(file).getFileName().toString();
        if (tree instanceof Map<?, ?> root) {
            if (ReplayHtml.is(root)) {
                return new Loaded(name, Kind.REPLAY, cast(root));
            }
            if (RmapHtml.is(root)) {
                return new Loaded(name, Kind.RMAP, cast(root));
            }
            if (BenchHtml.is(root)) {
                return new Loaded(name, Kind.BENCH, cast(root));
            }
            if (root.get("results") instanceof List<?> && root.get("config") instanceof Map<?, ?>) {
                return new Loaded(name, Kind.RUN, cast(root));
            }
        }
        throw new UsageException(file + ": not a memu result (run, compare, replay, rmap or bench llfree JSON)");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> cast(final Map<?, ?> map) {
        return (Map<String, Object>) map; // Json.parse builds String-keyed maps
    }
}
