package dev.memu.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

/** {@code memu bench}: groups the benchmark shapes ({@code memu bench llfree}). */
@Command(name = "bench", mixinStandardHelpOptions = true,
        subcommands = BenchLlfreeCommand.class,
        description = "Benchmark shapes that compare with published allocator numbers (see 'memu bench llfree').")
final class BenchCommand implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return Memu.EXIT_USAGE;
    }
}
