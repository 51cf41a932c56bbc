package dev.memu.cli;

import dev.memu.util.Sizes;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What this host can give a run, checked before the run starts so that a too-large request is a
 * one-line refusal that says how much it needs, not an OutOfMemoryError minutes in.
 *
 * <p>Off-heap memory (emulated RAM, memmaps, allocator metadata: lazily committed mappings) is
 * compared with {@code MemAvailable} of {@code /proc/meminfo}, the kernel's estimate of what can
 * be allocated without swapping ({@code si_mem_available()} in mm/show_mem.c); Java-heap arrays
 * with {@link Runtime#maxMemory()} (-Xmx; the launcher passes {@code MEMU_JVM_OPTS}).
 */
final class HostMemory {

    private HostMemory() {
    }

    /** MemAvailable in bytes, or -1 when /proc/meminfo does not say. */
    static long available() {
        try {
            for (final String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemAvailable:")) {
                    return Long.parseLong(line.substring(13).trim().split("\\s+")[0]) * 1024;
                }
            }
        } catch (final IOException | RuntimeException e) {
            // not Linux: nothing to compare with
        }
        return -1;
    }

    /** @throws UsageException naming {@code what} when {@code bytes} of host memory are more than MemAvailable */
    static void requireOffHeap(final String what, final long bytes, final String forWhat) {
        final long available = available();
        if (available >= 0 && bytes > available) {
            throw new UsageException(what + ": needs about " + Sizes.format(bytes) + " of host memory for " + forWhat
                    + ", and the host has " + Sizes.format(available) + " available (MemAvailable)");
        }
    }

    /**
     * Java heap a run needs beside what its inputs size: the JVM's and memu's own classes and
     * objects, the histograms, the report (what a run of the smallest sizes peaks at, with room).
     */
    static final long HEAP_RESERVE = 64L * 1024 * 1024;

    /** @throws UsageException naming {@code what} when {@code bytes} of Java heap are more than -Xmx allows */
    static void requireHeap(final String what, final long bytes, final String forWhat) {
        final long max = Runtime.getRuntime().maxMemory();
        if (max != Long.MAX_VALUE && bytes > max - HEAP_RESERVE) {
            throw new UsageException(what + ": needs about " + Sizes.format(bytes) + " of Java heap for " + forWhat
                    + ", plus " + Sizes.format(HEAP_RESERVE) + " for the run itself, and the heap is at most "
                    + Sizes.format(max)
                    + " (raise it with MEMU_JVM_OPTS=-Xmx..., if the host has the memory)");
        }
    }
}
