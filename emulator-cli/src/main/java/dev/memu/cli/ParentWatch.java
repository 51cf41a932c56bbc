package dev.memu.cli;

import java.io.IOException;
import java.io.InputStream;

/**
 * Ends a child JVM whose parent is gone. The parent ({@link ChildJvm}) holds the write end of
 * the child's stdin and never writes: a read returns end of file only when every writer has
 * closed it, which the kernel does for a process that dies, however it dies ({@code kill -9}
 * included). A daemon thread blocks in that read; at end of file it exits the JVM with
 * {@link #EXIT_PARENT_GONE} through {@link System#exit}, so shutdown hooks run and delete the
 * child's temporary files ({@code deleteOnExit}) on the way out. No polling, no timer.
 *
 * <p>The parent writes on that pipe only to hand the host over: each byte it writes is one turn
 * ({@link #awaitTurn}) of a child that asked for the host to be quiet ({@link QuietHandshake}).
 */
final class ParentWatch {

    /** Exit code of a child whose parent went away before it finished. */
    static final int EXIT_PARENT_GONE = 3;

    /** One permit per byte the parent wrote: a turn it handed over. */
    private static final java.util.concurrent.Semaphore TURNS = new java.util.concurrent.Semaphore(0);

    private ParentWatch() {
    }

    /**
     * Waits until the parent hands over a turn (writes a byte on the child's stdin).
     *
     * @return false when none came in {@code timeoutMs}
     */
    static boolean awaitTurn(final long timeoutMs) throws InterruptedException {
        return TURNS.tryAcquire(timeoutMs, java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    /** Starts the watch on {@code parentPipe} (the child's stdin). */
    static Thread start(final InputStream parentPipe) {
        return Thread.ofPlatform().daemon().name("memu-parent-watch").start(() -> {
            watch(parentPipe);
            System.err.println("memu: the parent process is gone; stopping");
            System.exit(EXIT_PARENT_GONE);
        });
    }

    /** Returns when {@code in} reaches end of file or fails: the parent closed it or died. Each byte written is a turn. */
    static void watch(final InputStream in) {
        final byte[] sink = new byte[64];
        try {
            int n;
            while ((n = in.read(sink)) >= 0) {
                TURNS.release(n);
            }
        } catch (final IOException e) {
            // a broken pipe means the same: nobody holds the other end
        }
    }
}
