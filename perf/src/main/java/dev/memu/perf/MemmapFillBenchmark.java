package dev.memu.perf;

import dev.memu.access.Access;
import dev.memu.access.PlainAccess;
import dev.memu.access.Region;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.TimeUnit;

/**
 * Ways to write one word into the 512 memdesc8 entries of an order-9 allocation (4 KiB of
 * memmap, 64 lines) and to clear them, through the plain access layer as {@code
 * Memdesc8Layout$Map} does (issue 13): {@code MemorySegment.fill} sets bytes only, so a word
 * pattern needs stores or copies.
 * <ul>
 *   <li>{@code storeLoop}: 512 {@code setLong}s (what memdesc8 did).</li>
 *   <li>{@code copyDoubling}: 8 stores (one line), then copy the filled prefix onto the next
 *       stretch: 64, 128, ... 2048 bytes (6 copies).</li>
 *   <li>{@code copyPattern}: one copy of 4 KiB from a prepared segment that already holds the
 *       word. Only an upper bound: real allocatees differ per allocation, so the pattern would
 *       have to be written first (512 stores more).</li>
 *   <li>{@code clearLoop} / {@code clearFill}: 512 zero stores against one byte fill of 0.</li>
 * </ul>
 * {@code blocks} = 1 writes the same 4 KiB every time (cache-hot); 8192 walks 32 MiB of memmap
 * (as many order-9 blocks as 16 GiB of RAM), so most lines miss as in a bulk order-9 run.
 * Machine is shared and contended: run single fork, few iterations, and read ns as rough.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
        "-Xmx512m"})
@State(Scope.Thread)
public class MemmapFillBenchmark {

    private static final long BLOCK_BYTES = 512 * 8;
    private static final long LINE_BYTES = 64;

    @Param({"1", "8192"})
    public int blocks;

    private Arena arena;
    private MemorySegment memmap;
    private MemorySegment pattern;
    private Access access;
    private long next;
    private long word;

    @Setup
    public void setup() {
        arena = Arena.ofShared();
        memmap = arena.allocate(blocks * BLOCK_BYTES, 4096);
        pattern = arena.allocate(BLOCK_BYTES, 4096);
        access = PlainAccess.INSTANCE;
        word = 0x0090_0000_0012_3453L;          // order 9 in bits 52..57, a pointer, tag 3
        for (long off = 0; off < BLOCK_BYTES; off += 8) {
            pattern.set(ValueLayout.JAVA_LONG, off, word);
        }
    }

    @TearDown
    public void tearDown() {
        arena.close();
    }

    private long nextBlock() {
        final long off = next;
        next = next + BLOCK_BYTES == blocks * BLOCK_BYTES ? 0 : next + BLOCK_BYTES;
        return off;
    }

    @Benchmark
    public void storeLoop() {
        final long base = nextBlock();
        for (long i = 0; i < BLOCK_BYTES; i += 8) {
            access.setLong(Region.MEMMAP, memmap, base + i, word);
        }
    }

    @Benchmark
    public void copyDoubling() {
        final long base = nextBlock();
        for (long i = 0; i < LINE_BYTES; i += 8) {
            access.setLong(Region.MEMMAP, memmap, base + i, word);
        }
        for (long done = LINE_BYTES; done < BLOCK_BYTES; done <<= 1) {
            access.copy(Region.MEMMAP, memmap, base, Region.MEMMAP, memmap, base + done, done);
        }
    }

    @Benchmark
    public void copyPattern() {
        access.copy(Region.MEMMAP, pattern, 0, Region.MEMMAP, memmap, nextBlock(), BLOCK_BYTES);
    }

    @Benchmark
    public void clearLoop() {
        final long base = nextBlock();
        for (long i = 0; i < BLOCK_BYTES; i += 8) {
            access.setLong(Region.MEMMAP, memmap, base + i, 0);
        }
    }

    @Benchmark
    public void clearFill() {
        access.fill(Region.MEMMAP, memmap, nextBlock(), BLOCK_BYTES, (byte) 0);
    }
}
