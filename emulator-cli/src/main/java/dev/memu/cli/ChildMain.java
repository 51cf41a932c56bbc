package dev.memu.cli;

/**
 * Entry point of a child JVM that {@link ChildJvm} started: dies with its parent ({@link
 * ChildSignals#dieWithParent}, {@link ParentWatch}), then runs the memu command as {@link Memu#main} does. When the command
 * is done it closes its stdout, so that the parent sees the whole output, and exits once the
 * parent has ended the watch (or after {@link #STOP_WAIT_MS}, whatever the parent does).
 */
public final class ChildMain {

    /** How long an ended child waits for its parent's STOP before it exits anyway. */
    static final long STOP_WAIT_MS = 2_000;

    private ChildMain() {
    }

    public static void main(final String[] args) {
        // A parent may stop this JVM while a sibling times (Siblings); stopped, it cannot see its
        // parent die, so the kernel is asked to kill it then.
        ChildSignals.dieWithParent();
        ParentWatch.start(System.in);
        final java.io.PrintWriter out = new java.io.PrintWriter(System.out, true);
        final java.io.PrintWriter err = new java.io.PrintWriter(System.err, true);
        final picocli.CommandLine lean = args.length == 0 ? null : Memu.childCommandLine(args[0], out, err);
        final int code = lean == null ? Memu.commandLine(out, err).execute(args) : lean.execute(args);
        err.flush();
        out.close();        // end of output: the parent answers with STOP
        try {
            ParentWatch.awaitStop(STOP_WAIT_MS);
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        System.exit(code);
    }
}
