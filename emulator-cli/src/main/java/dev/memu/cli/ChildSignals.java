package dev.memu.cli;

import java.io.IOException;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Stopping and continuing a child JVM as a whole ({@code kill(pid, SIGSTOP)}, {@code SIGCONT}),
 * and a child's death with its parent ({@code prctl(PR_SET_PDEATHSIG, SIGKILL)}): how compare
 * keeps a second child, busy with its start, fill or warm-up, from running beside the one that
 * times ({@link Siblings}). A stopped JVM stops every thread, its JIT compiler threads too,
 * which nothing inside it could do.
 *
 * <p>A stopped child cannot watch its parent ({@link ParentWatch} reads its stdin), so a child
 * asks the kernel to kill it when the thread that started it ends ({@code PR_SET_PDEATHSIG}:
 * that thread waits for the child to its end, so this happens only when the parent dies).
 * Numbers are Linux's generic ones ({@code include/uapi/asm-generic/signal.h}, the same on
 * x86-64 and arm64; {@code include/uapi/linux/prctl.h}); elsewhere {@link #available()} is false
 * and compare runs one child at a time.
 */
final class ChildSignals {

    static final int SIGKILL = 9;
    static final int SIGCONT = 18;
    static final int SIGSTOP = 19;
    private static final int PR_SET_PDEATHSIG = 1;
    private static final int ESRCH = 3;
    /** How long {@link #stop} waits for the kernel to report the child stopped. */
    private static final long STOPPED_WAIT_NS = 100_000_000L;

    private static final boolean AVAILABLE = System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux")
            && switch (System.getProperty("os.arch", "")) {
                case "amd64", "x86_64", "aarch64", "arm64" -> true;
                default -> false;
            };

    private ChildSignals() {
    }

    /** The C library's calls, linked on first use (never on a host where {@link #available()} is false). */
    private static final class Calls {
        private static final Linker LINKER = Linker.nativeLinker();
        private static final Linker.Option ERRNO = Linker.Option.captureCallState("errno");
        static final MethodHandle KILL = LINKER.downcallHandle(LINKER.defaultLookup().find("kill").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT), ERRNO);
        static final MethodHandle PRCTL = LINKER.downcallHandle(LINKER.defaultLookup().find("prctl").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG),
                Linker.Option.firstVariadicArg(1));
        static final java.lang.foreign.StructLayout STATE = Linker.Option.captureStateLayout();
        static final java.lang.invoke.VarHandle ERRNO_VALUE = STATE.varHandle(
                java.lang.foreign.MemoryLayout.PathElement.groupElement("errno"));
    }

    /** Whether this host can stop and continue children (Linux on x86-64 or arm64). */
    static boolean available() {
        return AVAILABLE;
    }

    /** In a child: asks the kernel to SIGKILL this process when the parent thread that started it ends. */
    static void dieWithParent() {
        if (!AVAILABLE) {
            return;
        }
        try {
            final int rc = (int) Calls.PRCTL.invokeExact(PR_SET_PDEATHSIG, (long) SIGKILL);
            if (rc != 0) {
                throw new IllegalStateException("prctl(PR_SET_PDEATHSIG) failed");
            }
        } catch (final RuntimeException | Error e) {
            throw e;
        } catch (final Throwable t) {
            throw new IllegalStateException("prctl downcall failed", t);
        }
    }

    /**
     * Stops process {@code pid} and returns once the kernel reports it stopped (or after
     * {@link #STOPPED_WAIT_NS}). A process already gone is not an error.
     */
    static void stop(final long pid) {
        if (!signal(pid, SIGSTOP)) {
            return;
        }
        final long end = System.nanoTime() + STOPPED_WAIT_NS;
        while (System.nanoTime() < end && !stopped(pid)) {
            Thread.onSpinWait();
        }
    }

    /** Continues process {@code pid}; a process already gone is not an error. */
    static void resume(final long pid) {
        signal(pid, SIGCONT);
    }

    /** Whether {@code /proc/<pid>/stat} says the process is stopped (state T) or gone. */
    static boolean stopped(final long pid) {
        try {
            final String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            final char state = stat.charAt(stat.lastIndexOf(')') + 2);
            return state == 'T' || state == 't' || state == 'Z' || state == 'X';
        } catch (final IOException | RuntimeException e) {
            return true;        // gone
        }
    }

    /** kill(pid, sig); false when the process is gone. */
    private static boolean signal(final long pid, final int sig) {
        if (!AVAILABLE) {
            throw new IllegalStateException("stopping a child needs Linux");
        }
        try (java.lang.foreign.Arena a = java.lang.foreign.Arena.ofConfined()) {
            final java.lang.foreign.MemorySegment state = a.allocate(Calls.STATE);
            final int rc = (int) Calls.KILL.invokeExact(state, Math.toIntExact(pid), sig);
            if (rc == 0) {
                return true;
            }
            final int errno = (int) Calls.ERRNO_VALUE.get(state, 0L);
            if (errno == ESRCH) {
                return false;
            }
            throw new IllegalStateException("kill(" + pid + ", " + sig + ") failed with errno " + errno);
        } catch (final RuntimeException | Error e) {
            throw e;
        } catch (final Throwable t) {
            throw new IllegalStateException("kill downcall failed", t);
        }
    }
}
