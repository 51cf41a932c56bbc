package dev.memu.cli;

import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.function.Consumer;

/** Runs memu in-process and captures what it printed. */
record Cli(int exit, String out, String err) {

    static Cli run(final String... args) {
        return run(cl -> { }, args);
    }

    static Cli run(final Consumer<CommandLine> setup, final String... args) {
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        final CommandLine cl = Memu.commandLine(new PrintWriter(out, true), new PrintWriter(err, true));
        setup.accept(cl);
        final int exit = cl.execute(args);
        return new Cli(exit, out.toString(), err.toString());
    }

    long errLines() {
        return err.lines().count();
    }

    /** Small, fast run options: tests never time anything, they check shape and behaviour. */
    static final String[] SMALL = {"--mem", "64M", "--ops", "4k", "--progress", "off"};

    static String[] small(final String... args) {
        final String[] all = new String[args.length + SMALL.length];
        System.arraycopy(args, 0, all, 0, args.length);
        System.arraycopy(SMALL, 0, all, args.length, SMALL.length);
        return all;
    }
}
