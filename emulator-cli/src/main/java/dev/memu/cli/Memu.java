package dev.memu.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.concurrent.Callable;

/**
 * The {@code memu} command. Exit codes: 0 success, 1 an I/O error (one line naming the file) or an
 * internal error (a bug: one line, the stack trace with {@code --debug}), 2 bad input (one line on
 * stderr naming the input). Every subcommand reports through the handlers here, so every error line
 * starts {@code memu: }.
 */
@Command(name = "memu", mixinStandardHelpOptions = true, versionProvider = Memu.Version.class,
        description = {"Off-heap physical-memory emulator: compare page-descriptor layouts and page allocators by "
                + "cachelines per op, bytes per page, latency and scaling.",
                "",
                "  memu compare                     every layout x allocator, side by side",
                "  memu run --mem 1T --layout memdesc8",
                "  memu layouts                     the descriptor layouts, field by field",
                "  memu explain --allocator potad   every cacheline of one alloc, field by field"})
public final class Memu implements Callable<Integer> {

    public static final String VERSION = "0.1.0-SNAPSHOT";

    /**
     * The subcommands, in the order {@code memu --help} lists them. Added when a command line is
     * made rather than named in {@code @Command}, so that a child JVM's command line can hold only
     * the one it runs ({@link #childCommandLine}).
     */
    private static final List<Supplier<Object>> SUBCOMMANDS = List.of(LayoutsCommand::new, RunCommand::new,
            CompareCommand::new, ReplayCommand::new, HostCommand::new, TraceCommand::new, BenchCommand::new,
            ExplainCommand::new, RmapCommand::new, PlotCommand::new, StatCommand::new, CommandLine.HelpCommand::new);

    /** The subcommands a child JVM runs ({@link ChildJvm}): compare's and bench's children. */
    private static final Map<String, Supplier<Object>> CHILD_SUBCOMMANDS = Map.of(
            "run", RunCommand::new, "compare", CompareCommand::new, "bench", BenchCommand::new);

    static final int EXIT_INTERNAL = 1;
    static final int EXIT_USAGE = 2;

    @Spec
    private CommandSpec spec;

    @Option(names = "--debug", scope = ScopeType.INHERIT,
            description = "Print the stack trace of an internal error.")
    private boolean debug;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return EXIT_USAGE;
    }

    public static void main(final String[] args) {
        final PrintWriter out = new PrintWriter(System.out, true);
        final PrintWriter err = new PrintWriter(System.err, true);
        final String property = badSystemProperty();
        if (property != null) {
            err.println("memu: " + property);
            System.exit(EXIT_USAGE);
        }
        final int code = commandLine(out, err).execute(args);
        out.flush();
        err.flush();
        System.exit(code);
    }

    /**
     * What is wrong with a {@code -Dmemu.*} property memu reads ({@link
     * dev.memu.machine.HugePagePolicy#MAX_MAPPING_PROPERTY}), or null: said once, before any
     * command runs, instead of from deep inside the first machine it would have shaped.
     */
    static String badSystemProperty() {
        if (System.getProperty(dev.memu.machine.HugePagePolicy.MAX_MAPPING_PROPERTY) == null) {
            return null;
        }
        try {
            dev.memu.machine.HugePagePolicy.defaults();
            return null;
        } catch (final IllegalArgumentException e) {
            return e.getMessage();
        }
    }

    /** The command line with memu's error handling, writing to {@code out} and {@code err}. */
    public static CommandLine commandLine(final PrintWriter out, final PrintWriter err) {
        final CommandLine cl = new CommandLine(new Memu());
        for (final Supplier<Object> subcommand : SUBCOMMANDS) {
            cl.addSubcommand(subcommand.get());
        }
        return withHandlers(cl, out, err);
    }

    /**
     * The command line of a child JVM ({@link ChildMain}) that runs {@code memu subcommand ...}:
     * memu's handlers and options, but only that one subcommand. Picocli builds the model of
     * every subcommand it is given by reflection when the command line is made, which took a
     * child about 200 ms of its start for eleven subcommands it never runs; a compare of 42
     * configurations starts 42 children. Null for a subcommand children do not run.
     */
    static CommandLine childCommandLine(final String subcommand, final PrintWriter out, final PrintWriter err) {
        final Supplier<Object> command = CHILD_SUBCOMMANDS.get(subcommand);
        if (command == null) {
            return null;
        }
        final CommandLine cl = new CommandLine(new Memu());
        cl.addSubcommand(command.get());
        return withHandlers(cl, out, err);
    }

    private static CommandLine withHandlers(final CommandLine cl, final PrintWriter out, final PrintWriter err) {
        cl.setOut(out);
        cl.setErr(err);
        cl.setParameterExceptionHandler((ex, args) -> {
            final CommandLine where = ex.getCommandLine();
            cl.getErr().println("memu: " + oneLine(ex.getMessage()) + " (see '"
                    + where.getCommandSpec().qualifiedName() + " --help')");
            return EXIT_USAGE;
        });
        cl.setExecutionExceptionHandler((ex, where, parseResult) -> {
            final PrintWriter e = cl.getErr();
            if (ex instanceof UsageException) {
                e.println("memu: " + oneLine(ex.getMessage()));
                return EXIT_USAGE;
            }
            final boolean debugging = debug(parseResult);
            if (ex instanceof IOException || ex instanceof UncheckedIOException) {
                e.println("memu: " + oneLine(ioMessage(ex)));
                if (debugging) {
                    ex.printStackTrace(e);
                }
                e.flush();
                return EXIT_INTERNAL;
            }
            e.println("memu: internal error: " + oneLine(String.valueOf(ex))
                    + (debugging ? "" : " (--debug prints the stack trace)"));
            if (debugging) {
                ex.printStackTrace(e);
            }
            e.flush();
            return EXIT_INTERNAL;
        });
        return cl;
    }

    /** An I/O error's line: the file and the reason, without the exception's class name. */
    private static String ioMessage(final Exception ex) {
        final Exception io = ex instanceof UncheckedIOException u ? u.getCause() : ex;
        if (io instanceof FileSystemException f) {
            return f.getReason() != null ? f.getMessage() : f.getMessage() + ": "
                    + (io instanceof NoSuchFileException ? "no such file or directory"
                    : io instanceof AccessDeniedException ? "permission denied" : "I/O error");
        }
        return io.getMessage() == null ? io.getClass().getSimpleName() : io.getMessage();
    }

    private static boolean debug(final ParseResult parseResult) {
        for (ParseResult p = parseResult; p != null; p = p.subcommand()) {
            if (p.hasMatchedOption("--debug")) {
                return true;
            }
        }
        return false;
    }

    static String oneLine(final String message) {
        if (message == null) {
            return "";
        }
        final String[] lines = message.strip().split("\\R");
        return lines.length == 1 ? lines[0]
                : lines[0] + " (+" + (lines.length - 1) + " more line" + (lines.length > 2 ? "s" : "") + ")";
    }

    static final class Version implements IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[]{"memu " + VERSION + " (Java " + Runtime.version() + ", "
                    + System.getProperty("java.vm.name") + ")"};
        }
    }
}
