package dev.memu.cli;

import dev.memu.trace.TracingState;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code memu trace restore}: puts back the tracing settings a {@code memu trace capture} found,
 * when it was stopped before it could ({@code kill -9}, a crash). Reads and removes the state file
 * the capture wrote before changing anything. Exit 0 (also when there was nothing to restore), 1
 * when a setting cannot be written or the capture is still running.
 */
@Command(name = "restore", mixinStandardHelpOptions = true,
        description = {"Put back the tracing settings of a 'memu trace capture' that was killed before it could",
                "(it kept them in /run/memu/trace-capture.state); nothing to do when none was."})
final class TraceRestoreCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--state-file", paramLabel = "FILE", hidden = true,
            description = "The capture's state file (default: /run/memu/trace-capture.state).")
    Path stateFile;

    @Override
    public Integer call() throws IOException {
        final Path file = stateFile == null ? TracingState.defaultFile() : stateFile;
        final TracingState state = TracingState.read(file);
        final List<String> done;
        try {
            done = TracingState.restore(file);
        } catch (final IllegalStateException running) {
            spec.commandLine().getErr().println("memu: " + running.getMessage());
            return Memu.EXIT_INTERNAL;
        }
        final var out = spec.commandLine().getOut();
        if (state == null) {
            out.println("nothing to restore: no capture left settings behind (" + file + " does not exist)");
        } else {
            out.println("restored " + state.tracefs() + " as memu trace capture (pid " + state.pid() + ") found it: "
                    + String.join(", ", done));
        }
        out.flush();
        return 0;
    }
}
