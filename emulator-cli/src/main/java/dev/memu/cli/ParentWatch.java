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
 * <p>The parent writes on that pipe for two things: each {@link #TURN} byte is one turn ({@link
 * #awaitTurn}) of a child that asked for the host to be quiet ({@link QuietHandshake}); a {@link
 * #STOP} byte, written once it has read the child's whole output, ends the watch. The child
 * waits for that before it exits ({@link #awaitStop}): a JVM that exits while one of its threads
 * is blocked in a read (in native code) waits 300 ms for that thread to come back first
 * ({@code VM_Exit::wait_for_threads_in_native_to_block}), a third of a compare child's life.
 */
final class ParentWatch {

    /** Exit code of a child whose parent went away before it finished. */
    static final int EXIT_PARENT_GONE = 3;

    /** The parent hands over one turn. */
    static final int TURN = 'g';
    /** The parent has read everything the child printed: the watch may end. */
    static final int STOP = 'x';

    /** One permit per turn the parent handed over. */
    private static final java.util.concurrent.Semaphore TURNS = new java.util.concurrent.Semaphore(0);
    private static final java.util.concurrent.CountDownLatch STOPPED = new java.util.concurrent.CountDownLatch(1);

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

    /**
     * Waits until the parent has said it read everything (a {@link #STOP} byte ended the watch).
     *
     * @return false when it did not say so within {@code timeoutMs}
     */
    static boolean awaitStop(final long timeoutMs) throws InterruptedException {
        return STOPPED.await(timeoutMs, java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    /** Starts the watch on {@code parentPipe} (the child's stdin). */
    static Thread start(final InputStream parentPipe) {
        return Thread.ofPlatform().daemon().name("memu-parent-watch").start(() -> {
            if (watch(parentPipe)) {
                STOPPED.countDown();
                return;
            }
            System.err.println("memu: the parent process is gone; stopping");
            System.exit(EXIT_PARENT_GONE);
        });
    }

    /**
     * Reads {@code in} until a {@link #STOP} byte (returns true) or end of file or an error: the
     * parent closed it or died (returns false). Each {@link #TURN} byte is a turn; other bytes
     * are ignored.
     */
    static boolean watch(final InputStream in) {
        final byte[] buffer = new byte[64];
        try {
            int n;
            while ((n = in.read(buffer)) >= 0) {
                for (int i = 0; i < n; i++) {
                    if (buffer[i] == STOP) {
                        return true;
                    }
                    if (buffer[i] == TURN) {
                        TURNS.release();
                    }
                }
            }
        } catch (final IOException e) {
            // a broken pipe means the same: nobody holds the other end
        }
        return false;
    }
}
