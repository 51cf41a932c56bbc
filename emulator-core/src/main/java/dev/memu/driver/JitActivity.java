package dev.memu.driver;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * How much CPU time this JVM's JIT compiler threads have used so far, and how much they wanted
 * (used, or waited for on a run queue): the signs of the JIT at work that cost nothing to read
 * and need no agent. A compiler starved of CPU by other work (a sibling child, compare's count)
 * uses little but wants much; its queue is then growing, which is what {@link JitSettle} must
 * see. HotSpot's compiler threads are named {@code C1 CompilerThread<n>} and {@code C2
 * CompilerThread<n>} ({@code CompileBroker::init_compiler_threads}: {@code "%s CompilerThread%d"};
 * Linux keeps the first 15 bytes of a thread's name as its {@code comm}), and the kernel keeps
 * each thread's time on a CPU and its time runnable but waiting for one, in nanoseconds: the first
 * two fields of {@code /proc/<pid>/task/<tid>/schedstat} ({@code proc_pid_schedstat}:
 * {@code se.sum_exec_runtime}, {@code sched_info.run_delay}). HotSpot starts and stops compiler
 * threads as its queue grows and shrinks ({@code UseDynamicNumberOfCompilerThreads}), so every
 * read lists the threads afresh; a compiler thread that has exited takes its time with it, which
 * only makes a difference look smaller than it was across that exit.
 *
 * <p>Not read on any measured path: before the clock starts and after it stops.
 */
public interface JitActivity {

    /** Nothing known: both readings are always -1. */
    JitActivity UNKNOWN = new JitActivity() {
        @Override
        public long compilerCpuNanos() {
            return -1;
        }

        @Override
        public long compilerDemandNanos() {
            return -1;
        }
    };

    /**
     * CPU time used by the live compiler threads so far, in nanoseconds; -1 when it cannot be
     * read (not Linux, no procfs, no schedstat).
     */
    long compilerCpuNanos();

    /**
     * CPU time used by the live compiler threads so far plus their time waiting on a run queue,
     * in nanoseconds: what they would have used on a CPU of their own; -1 when unknown.
     */
    long compilerDemandNanos();

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
            return sum(false);
        }

        @Override
        public long compilerDemandNanos() {
            return sum(true);
        }

        private long sum(final boolean withRunDelay) {
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
                        ns = nanos(Files.readString(thread.resolve("schedstat"), StandardCharsets.US_ASCII), withRunDelay);
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

    /** Of a {@code schedstat} line: nanoseconds on a CPU, plus those waiting for one when asked. */
    private static long nanos(final String schedstat, final boolean withRunDelay) {
        final String[] f = schedstat.strip().split(" ");
        return Long.parseLong(f[0]) + (withRunDelay && f.length > 1 ? Long.parseLong(f[1]) : 0);
    }
}
