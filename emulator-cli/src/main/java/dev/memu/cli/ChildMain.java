package dev.memu.cli;

/**
 * Entry point of a child JVM that {@link ChildJvm} started: watches for the parent's end
 * ({@link ParentWatch}), then runs the memu command as {@link Memu#main} does.
 */
public final class ChildMain {

    private ChildMain() {
    }

    public static void main(final String[] args) {
        ParentWatch.start(System.in);
        final java.io.PrintWriter out = new java.io.PrintWriter(System.out, true);
        final java.io.PrintWriter err = new java.io.PrintWriter(System.err, true);
        final picocli.CommandLine lean = args.length == 0 ? null : Memu.childCommandLine(args[0], out, err);
        if (lean == null) {
            Memu.main(args);
            return;
        }
        final int code = lean.execute(args);
        out.flush();
        err.flush();
        System.exit(code);
    }
}
