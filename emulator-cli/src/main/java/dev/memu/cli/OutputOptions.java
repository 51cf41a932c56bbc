package dev.memu.cli;

import picocli.CommandLine.Option;

import java.util.List;

/** Output options shared by {@code run} and {@code compare}. */
final class OutputOptions {

    @Option(names = "--format", paramLabel = "text|json|csv|html", defaultValue = "text",
            description = "Report format (default: ${DEFAULT-VALUE}); html: one self-contained page with SVG charts.")
    String format;

    @Option(names = "--out", paramLabel = "FILE",
            description = "Write the report to FILE instead of stdout; a file appears whole, or not at all, keeping "
                    + "an existing file's owner and mode; devices and FIFOs are written through; the directory must "
                    + "exist.")
    String out;

    @Option(names = "--progress", paramLabel = "auto|tty|lines|off", defaultValue = "auto",
            description = {"Progress of passes longer than ~1.5 s on stderr: one rewritten line on a terminal "
                    + "(tty), plain lines otherwise (default: ${DEFAULT-VALUE}: tty when the console is one)."})
    String progress;

    String format() {
        return Inputs.choice("--format", format, List.of("text", "json", "csv", "html"));
    }

    String progress() {
        return Inputs.choice("--progress", progress, ConsoleProgress.MODES);
    }
}
