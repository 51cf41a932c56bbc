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
        Memu.main(args);
    }
}
