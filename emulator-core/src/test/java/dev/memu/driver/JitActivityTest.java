package dev.memu.driver;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class JitActivityTest {

    private static void thread(final Path tasks, final String tid, final String comm, final String schedstat)
            throws IOException {
        final Path t = Files.createDirectories(tasks.resolve(tid));
        Files.writeString(t.resolve("comm"), comm + "\n");
        if (schedstat != null) {
            Files.writeString(t.resolve("schedstat"), schedstat + "\n");
        }
    }

    @Test
    void sumsTheCompilerThreadsTimesOnly(@TempDir final Path tasks) throws IOException {
        thread(tasks, "100", "java", "900000000 10 20");
        thread(tasks, "101", "C2 CompilerThre", "1500 3 4");
        thread(tasks, "102", "C1 CompilerThre", "250 1 1");
        thread(tasks, "103", "memu-vcpu-0", "7777 1 1");
        final JitActivity jit = JitActivity.compilerThreads(tasks);
        assertEquals(1750, jit.compilerCpuNanos());
        assertEquals(1754, jit.compilerDemandNanos(), "CPU time plus run-queue waits");

        // a compiler thread started since, one exited
        thread(tasks, "104", "C2 CompilerThre", "50 1 1");
        Files.delete(tasks.resolve("102/comm"));
        Files.delete(tasks.resolve("102/schedstat"));
        Files.delete(tasks.resolve("102"));
        assertEquals(1550, jit.compilerCpuNanos());
    }

    @Test
    void aStarvedCompilerWantsMoreThanItGets(@TempDir final Path tasks) throws IOException {
        thread(tasks, "101", "C2 CompilerThre", "1000000 9000000 40");
        final JitActivity jit = JitActivity.compilerThreads(tasks);
        assertEquals(1_000_000, jit.compilerCpuNanos());
        assertEquals(10_000_000, jit.compilerDemandNanos());
    }

    @Test
    void aThreadWithoutSchedstatIsSkipped(@TempDir final Path tasks) throws IOException {
        thread(tasks, "101", "C2 CompilerThre", null);
        thread(tasks, "102", "C1 CompilerThre", "40 1 1");
        assertEquals(40, JitActivity.compilerThreads(tasks).compilerCpuNanos());
    }

    @Test
    void noCompilerThreadsReadsAsUnknown(@TempDir final Path tasks) throws IOException {
        thread(tasks, "100", "java", "5 1 1");
        assertEquals(-1, JitActivity.compilerThreads(tasks).compilerCpuNanos());
        assertEquals(-1, JitActivity.compilerThreads(tasks).compilerDemandNanos());
    }

    @Test
    void noTaskDirectoryIsUnknown(@TempDir final Path dir) {
        assertSame(JitActivity.UNKNOWN, JitActivity.compilerThreads(dir.resolve("absent")));
    }

    @Test
    void thisJvmsCompilerThreadsAreFoundAndTheirTimeGrows() {
        assumeTrue(Files.isDirectory(Path.of("/proc/self/task")), "needs Linux procfs");
        final JitActivity jit = JitActivity.compilerThreads();
        final long before = jit.compilerCpuNanos();
        assumeTrue(before >= 0, "no schedstat on this kernel, or no compiler thread (-Xint)");
        long after = before;
        // make the JIT compile something new until its threads have used more CPU
        for (int round = 0; round < 200 && after == before; round++) {
            final java.util.function.IntUnaryOperator f = new Busy(round);
            int x = 0;
            for (int i = 0; i < 200_000; i++) {
                x = f.applyAsInt(x + i);
            }
            assertNotEquals(Integer.MIN_VALUE + 1, x);
            after = jit.compilerCpuNanos();
        }
        assertTrue(after > before, "compiler time " + before + " -> " + after);
    }

    private record Busy(int k) implements java.util.function.IntUnaryOperator {
        @Override
        public int applyAsInt(final int v) {
            return Integer.rotateLeft(v * 31 + k, 7) ^ (v >>> 3);
        }
    }
}
