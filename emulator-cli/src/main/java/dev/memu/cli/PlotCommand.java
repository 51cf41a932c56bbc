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
 * {@code memu plot RESULT.json... --out FILE.html}: saved {@code run}/{@code compare} JSON results
 * rendered as one self-contained HTML page ({@link Html}), the files' results side by side in the
 * same charts. Every file is read and checked before anything is written.
 */
@Command(name = "plot", mixinStandardHelpOptions = true,
        description = {"Render saved 'memu run|compare --format json' results as one self-contained HTML page "
                + "with SVG charts (bytes per page by region, cachelines per op, latency percentiles, free "
                + "blocks by order); several files go side by side."})
final class PlotCommand implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    @Parameters(paramLabel = "RESULT.json", arity = "1..*", description = "JSON written by run or compare.")
    private List<String> files;

    @Option(names = "--out", paramLabel = "FILE.html",
            description = "Write the page to FILE (whole or not at all) instead of stdout.")
    private String out;

    @Option(names = "--title", paramLabel = "TEXT", description = "Page title (default: memu plot and the file names).")
    private String title;

    @Override
    public Integer call() throws Exception {
        final List<Html.Source> sources = new ArrayList<>();
        for (final String file : files) {
            sources.add(read(file));
        }
        final String pageTitle = title != null ? title
                : "memu plot " + String.join(" ", sources.stream().map(Html.Source::name).toList());
        final OutputTarget target = OutputTarget.open(out, spec.commandLine().getOut());
        try {
            target.commit(Html.render(pageTitle, sources));
        } finally {
            target.abandon();
        }
        return 0;
    }

    /** One file as a source; anything that is not a run/compare result is a usage error naming the file. */
    static Html.Source read(final String file) {
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
        if (!(tree instanceof Map<?, ?> root) || !(root.get("results") instanceof List<?> list)
                || !(root.get("config") instanceof Map<?, ?> config)) {
            throw new UsageException(file + ": not a memu run/compare result (no \"config\" and \"results\")");
        }
        final List<Map<String, Object>> results = new ArrayList<>();
        for (final Object r : list) {
            if (!(r instanceof Map<?, ?> m) || !(m.get("layout") instanceof String)
                    || !(m.get("allocator") instanceof String)) {
                throw new UsageException(file + ": a result without \"layout\" and \"allocator\"");
            }
            results.add(cast(m));
        }
        return new Html.Source(Path.of(file).getFileName().toString(), cast(config), results);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> cast(final Map<?, ?> map) {
        return (Map<String, Object>) map; // Json.parse builds String-keyed maps
    }
}
