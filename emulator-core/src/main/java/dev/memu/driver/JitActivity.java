package dev.memu.driver;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * How much CPU time this JVM's JIT compiler threads have used so far: the one sign of the JIT
 * at work that costs nothing to read and needs no agent. HotSpot's compiler threads are named
 * {@code C1 CompilerThread<n>} and {@code C2 CompilerThread<n>} ({@code CompileBroker::make_thread};
 * Linux keeps the first 15 bytes of a thread's name as its {@code comm}), and the kernel keeps
 * each thread's time on a CPU in nanoseconds, first field of {@code /proc/<pid>/task/<tid>/schedstat}
 * ({@code proc_pid_schedstat}: {@code se.sum_exec_runtime}). HotSpot starts and stops compiler
 * threads as its queue grows and shrinks ({@code UseDynamicNumberOfCompilerThreads}), so every
 * read lists the threads afresh; a compiler thread that has exited takes its time with it, which
 * only makes a difference look smaller than it was across that exit.
 *
 * <p>Not read on any measured path: before the clock starts and after it stops.
 */
public interface JitActivity {

    /** Nothing known: {@link #compilerCpuNanos()} is always -1. */
    JitActivity UNKNOWN = () -> -1;

    /**
     * CPU time used by the live compiler threads so far, in nanoseconds; -1 when it cannot be
     * read (not Linux, no procfs, no schedstat).
     */
    long compilerCpuNanos();

    /** This JVM's compiler threads, read from {@code /proc/self/task}; {@link #UNKNOWN} when there is no such directory. */
    static JitActivity compilerThreads() {
        return compilerThreads(Path.of("/proc/self/task"));
    }

    /** The compiler threads of the task directory {@code tasks} (a test's fake procfs). */
    static JitActivity compilerThreads(final Path tasks) {
        if (!Files.isDirectory(tasks)) {
            return UNKNOWN;
        }
        return new CompilerThreads(tasks);
    }

    /**
     * Reads the compiler threads' times; remembers which threads are not compiler threads, so that
     * a read opens the {@code comm} of new threads only (a thread's name is set once, at its start).
     * Safe to read from several threads (every vcpu paces its own warm-up).
     */
    final class CompilerThreads implements JitActivity {
        private final Path tasks;
        private final java.util.Set<String> others = java.util.concurrent.ConcurrentHashMap.newKeySet();

        CompilerThreads(final Path tasks) {
            this.tasks = tasks;
        }

        @Override
        public long compilerCpuNanos() {
            long sum = 0;
            boolean any = false;
            try (DirectoryStream<Path> threads = Files.newDirectoryStream(tasks)) {
                for (final Path thread : threads) {
                    final String tid = thread.getFileName().toString();
                    if (others.contains(tid)) {
                        continue;
                    }
                    final long ns;
                    try {
                        if (!isCompilerThread(Files.readString(thread.resolve("comm"), StandardCharsets.US_ASCII))) {
                            others.add(tid);
                            continue;
                        }
                        ns = firstField(Files.readString(thread.resolve("schedstat"), StandardCharsets.US_ASCII));
                    } catch (final IOException | NumberFormatException e) {
                        continue;       // the thread has just exited, or this kernel keeps no schedstat
                    }
                    sum += ns;
                    any = true;
                }
            } catch (final IOException e) {
                return -1;
            }
            return any ? sum : -1;
        }
    }

    /** Whether a thread's {@code comm} is a HotSpot compiler thread's (C1, C2, or JVMCI's). */
    static boolean isCompilerThread(final String comm) {
        return comm.contains("CompilerThre");
    }

    /** The first number of a {@code schedstat} line: nanoseconds on a CPU. */
    private static long firstField(final String schedstat) {
        final String s = schedstat.strip();
        final int space = s.indexOf(' ');
        return Long.parseLong(space < 0 ? s : s.substring(0, space));
    }
}
