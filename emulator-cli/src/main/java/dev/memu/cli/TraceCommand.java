package dev.memu.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

/** {@code memu trace}: groups the ftrace commands ({@code memu trace capture}, {@code memu trace restore}). */
@Command(name = "trace", mixinStandardHelpOptions = true,
        subcommands = {TraceCaptureCommand.class, TraceRestoreCommand.class},
        description = "Work with Linux ftrace page-allocation traces (see 'memu replay' to replay them).")
final class TraceCommand implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return Memu.EXIT_USAGE;
    }
}
