package dev.memu.stat;

import org.agrona.IoUtil;
import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersManager;
import org.agrona.concurrent.status.CountersReader;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.MappedByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * A run's live counters in a memory-mapped file that another process can read while the run
 * goes ({@code memu stat}), the way Aeron's media driver publishes its counters in its CnC file
 * for AeronStat: an Agrona {@link CountersManager} over {@link UnsafeBuffer}s that window the
 * mapping. One writer thread; values are written with release stores ({@link
 * AtomicCounter#setRelease}), which a reader's volatile loads see in order.
 *
 * <table>
 *   <caption>file layout (little-endian, as the host writes it)</caption>
 *   <tr><th>offset</th><th>bytes</th><th>field</th></tr>
 *   <tr><td>0</td><td>4</td><td>magic {@value #MAGIC} ({@code "memu"} read as a big-endian int), written last</td></tr>
 *   <tr><td>4</td><td>4</td><td>layout version, {@value #VERSION}</td></tr>
 *   <tr><td>8</td><td>8</td><td>pid of the writer</td></tr>
 *   <tr><td>16</td><td>8</td><td>the writer's start time, ms since the epoch</td></tr>
 *   <tr><td>24</td><td>4</td><td>metadata buffer length M</td></tr>
 *   <tr><td>28</td><td>4</td><td>values buffer length V</td></tr>
 *   <tr><td>32</td><td>4</td><td>run label length L (UTF-8 bytes, at most {@value #MAX_LABEL_BYTES})</td></tr>
 *   <tr><td>36</td><td>L</td><td>run label, e.g. {@code memdesc8/buddy/1t}</td></tr>
 *   <tr><td>{@value #HEADER_LENGTH}</td><td>M</td><td>Agrona counters metadata ({@link CountersReader#METADATA_LENGTH} per counter)</td></tr>
 *   <tr><td>{@value #HEADER_LENGTH} + M</td><td>V</td><td>Agrona counter values ({@link CountersReader#COUNTER_LENGTH} per counter)</td></tr>
 * </table>
 *
 * The file is built under a temporary name beside its destination and renamed into place once
 * complete, so a reader never sees half a header. {@link #close} (and, if the JVM exits first, a
 * shutdown hook) sets {@link RunCounter#DONE} and deletes it; a file left by a killed process is
 * recognised by its dead pid and removed by {@link CountersFileReader#live}.
 *
 * <p>Agrona 2.x reaches {@code jdk.internal.misc.Unsafe}: the JVM needs
 * {@code --add-exports java.base/jdk.internal.misc=ALL-UNNAMED} (the launcher, the jar's manifest
 * and the test JVMs pass it); without it {@link #create} throws {@link UnavailableException}.
 */
public final class CountersFile implements RunCounters, AutoCloseable {

    static final int MAGIC = 0x6d656d75;
    static final int VERSION = 1;
    static final int MAGIC_OFFSET = 0;
    static final int VERSION_OFFSET = 4;
    static final int PID_OFFSET = 8;
    static final int START_MS_OFFSET = 16;
    static final int METADATA_LENGTH_OFFSET = 24;
    static final int VALUES_LENGTH_OFFSET = 28;
    static final int LABEL_LENGTH_OFFSET = 32;
    static final int LABEL_OFFSET = 36;
    static final int HEADER_LENGTH = 128;
    static final int MAX_LABEL_BYTES = HEADER_LENGTH - LABEL_OFFSET;
    /** Room for the fixed counters and one free-blocks counter per order of a 64-bit pfn space. */
    static final int MAX_COUNTERS = 128;
    static final int VALUES_LENGTH = MAX_COUNTERS * CountersReader.COUNTER_LENGTH;
    static final int METADATA_LENGTH = MAX_COUNTERS * CountersReader.METADATA_LENGTH;
    static final int FILE_LENGTH = HEADER_LENGTH + METADATA_LENGTH + VALUES_LENGTH;

    /** Default files are {@code memu-PID.counters}. */
    public static final String PREFIX = "memu-";
    public static final String SUFFIX = ".counters";

    private final Path path;
    private final MappedByteBuffer mapping;
    private final CountersManager manager;
    private final AtomicCounter[] counters = new AtomicCounter[RunCounter.values().length];
    private AtomicCounter[] freeBlocks = new AtomicCounter[0];
    private final Thread cleanup;
    private boolean closed;

    /** The JVM cannot give Agrona what it needs (the module flag is missing). */
    public static final class UnavailableException extends RuntimeException {
        UnavailableException(final Throwable cause) {
            super("live counters need the JVM option --add-exports java.base/jdk.internal.misc=ALL-UNNAMED", cause);
        }
    }

    private CountersFile(final Path path, final MappedByteBuffer mapping, final CountersManager manager) {
        this.path = path;
        this.mapping = mapping;
        this.manager = manager;
        this.cleanup = Thread.ofPlatform().unstarted(this::deleteQuietly);
    }

    /**
     * {@code /dev/shm/memu-PID.counters}, or the same name in {@code java.io.tmpdir} where there is no
     * /dev/shm. Files that runs killed with {@code kill -9} left there (no shutdown hook ran) are
     * removed on the way, so they never pile up.
     */
    public static Path defaultPath() {
        final Path dir = defaultDirectory();
        CountersFileReader.live(java.util.List.of(dir));
        return dir.resolve(PREFIX + ProcessHandle.current().pid() + SUFFIX);
    }

    /** Where default files go: {@code /dev/shm} (a tmpfs: the counters never reach a disk), else the temporary directory. */
    public static Path defaultDirectory() {
        final Path shm = Path.of("/dev/shm");
        return Files.isDirectory(shm) && Files.isWritable(shm) ? shm : Path.of(System.getProperty("java.io.tmpdir"));
    }

    /**
     * Creates the counters file at {@code path} (replacing a file already there) for the run
     * {@code label}, in phase {@link Phase#STARTING}, with a shutdown hook that deletes it.
     *
     * @throws UncheckedIOException when the file cannot be created
     * @throws UnavailableException when this JVM does not let Agrona work
     */
    public static CountersFile create(final Path path, final String label) {
        final Path temp = path.resolveSibling("." + path.getFileName() + "." + ProcessHandle.current().pid() + ".tmp");
        MappedByteBuffer mapping = null;
        try {
            Files.deleteIfExists(temp);
            mapping = IoUtil.mapNewFile(temp.toFile(), FILE_LENGTH, false);
            final UnsafeBuffer header = new UnsafeBuffer(mapping, 0, HEADER_LENGTH);
            final AtomicBuffer metadata = new UnsafeBuffer(mapping, HEADER_LENGTH, METADATA_LENGTH);
            final AtomicBuffer values = new UnsafeBuffer(mapping, HEADER_LENGTH + METADATA_LENGTH, VALUES_LENGTH);
            header.putInt(VERSION_OFFSET, VERSION);
            header.putLong(PID_OFFSET, ProcessHandle.current().pid());
            header.putLong(START_MS_OFFSET, System.currentTimeMillis());
            header.putInt(METADATA_LENGTH_OFFSET, METADATA_LENGTH);
            header.putInt(VALUES_LENGTH_OFFSET, VALUES_LENGTH);
            final byte[] text = truncated(label.getBytes(StandardCharsets.UTF_8));
            header.putInt(LABEL_LENGTH_OFFSET, text.length);
            header.putBytes(LABEL_OFFSET, text);
            final CountersFile file = new CountersFile(path, mapping,
                    new CountersManager(metadata, values, StandardCharsets.UTF_8));
            for (final RunCounter c : RunCounter.values()) {
                if (c != RunCounter.FREE_BLOCKS) {
                    file.counters[c.ordinal()] = file.manager.newCounter(c.label(), c.typeId());
                }
            }
            header.putIntRelease(MAGIC_OFFSET, MAGIC);   // complete: readers may trust the rest
            Files.move(temp, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            Runtime.getRuntime().addShutdownHook(file.cleanup);
            return file;
        } catch (final IllegalAccessError | ExceptionInInitializerError | NoClassDefFoundError e) {
            deleteQuietly(temp);      // Agrona cannot unmap either: the collector frees the mapping
            throw new UnavailableException(e);
        } catch (final IOException e) {
            unmap(mapping);
            deleteQuietly(temp);
            throw new UncheckedIOException(e);
        }
    }

    /** The file's path (where readers find it until {@link #close}). */
    public Path path() {
        return path;
    }

    @Override
    public boolean enabled() {
        return true;
    }

    @Override
    public void phase(final Phase phase) {
        set(RunCounter.PHASE, phase.ordinal());
    }

    @Override
    public void timed(final long ops, final long allocs, final long frees, final long allocFailures) {
        set(RunCounter.OPS, ops);
        set(RunCounter.ALLOCS, allocs);
        set(RunCounter.FREES, frees);
        set(RunCounter.ALLOC_FAILURES, allocFailures);
    }

    /** Allocates one counter per order the first time (and for orders beyond those seen before). */
    @Override
    public void freeBlocks(final long freePages, final long[] freeBlocksByOrder) {
        if (freeBlocksByOrder.length > freeBlocks.length) {
            final int from = freeBlocks.length;
            freeBlocks = java.util.Arrays.copyOf(freeBlocks, Math.min(freeBlocksByOrder.length, 64));
            for (int order = from; order < freeBlocks.length; order++) {
                final int key = order;
                final int id = manager.allocate(RunCounter.FREE_BLOCKS.label() + order, RunCounter.FREE_BLOCKS.typeId(),
                        keyBuffer -> keyBuffer.putInt(0, key));
                freeBlocks[order] = new AtomicCounter(manager.valuesBuffer(), id, manager);
            }
        }
        for (int order = 0; order < freeBlocks.length && order < freeBlocksByOrder.length; order++) {
            freeBlocks[order].setRelease(freeBlocksByOrder[order]);
        }
        set(RunCounter.FREE_PAGES, freePages);
    }

    @Override
    public void counting(final long ops, final long allocs, final long allocLines, final long frees,
                         final long freeLines) {
        set(RunCounter.COUNTED_OPS, ops);
        set(RunCounter.COUNTED_ALLOCS, allocs);
        set(RunCounter.ALLOC_LINES, allocLines);
        set(RunCounter.COUNTED_FREES, frees);
        set(RunCounter.FREE_LINES, freeLines);
    }

    @Override
    public void done() {
        if (!closed) {
            phase(Phase.DONE);
            set(RunCounter.DONE, 1);
        }
    }

    /** Marks the run done, deletes the file and unmaps it; safe to call more than once. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        done();
        closed = true;
        deleteQuietly();
        try {
            Runtime.getRuntime().removeShutdownHook(cleanup);
        } catch (final IllegalStateException shuttingDown) {
            // the hook runs anyway and finds nothing to delete
        }
        unmap(mapping);
    }

    private void set(final RunCounter c, final long value) {
        if (!closed) {
            counters[c.ordinal()].setRelease(value);
        }
    }

    private void deleteQuietly() {
        deleteQuietly(path);
    }

    private static void deleteQuietly(final Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (final IOException ignored) {
            // a reader that finds the file of a dead pid removes it
        }
    }

    private static void unmap(final MappedByteBuffer mapping) {
        if (mapping != null) {
            IoUtil.unmap(mapping);
        }
    }

    private static byte[] truncated(final byte[] text) {
        if (text.length <= MAX_LABEL_BYTES) {
            return text;
        }
        int n = MAX_LABEL_BYTES;
        while (n > 0 && (text[n] & 0xC0) == 0x80) {   // never cut a UTF-8 sequence in two
            n--;
        }
        return java.util.Arrays.copyOf(text, n);
    }
}
