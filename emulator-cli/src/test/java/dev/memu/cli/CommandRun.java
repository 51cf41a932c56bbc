package dev.memu.cli;

import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

/** Runs one command in-process and keeps its exit code, stdout and stderr. */
record CommandRun(int exit, String out, String err) {

    static CommandRun run(final Object command, final String... args) {
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        final CommandLine cl = new CommandLine(command);
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        final int exit = cl.execute(args);
        return new CommandRun(exit, out.toString(), err.toString());
    }

    /** A checked-in file of emulator-core's test resources (tests run in the module directory). */
    static String coreResource(final String relative) {
        final Path p = Path.of("..", "emulator-core", "src", "test", "resources", relative).toAbsolutePath().normalize();
        if (!Files.exists(p)) {
            throw new IllegalStateException("missing " + p + " (run the tests from the emulator-cli module)");
        }
        return p.toString();
    }

    long errLines() {
        return err.lines().count();
    }
}
