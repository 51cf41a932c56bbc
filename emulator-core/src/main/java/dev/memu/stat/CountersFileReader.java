package dev.memu.stat;

import org.agrona.IoUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.CountersReader;

import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a {@link CountersFile} written by another process (or this one), the way AeronStat reads
 * a CnC file: a read-only mapping, the header checked, the counters decoded with Agrona's
 * {@link CountersReader} (volatile loads of the values, so each value is one the writer stored).
 * The mapping stays valid after the writer deletes the file; {@link #fileGone()} tells.
 */
public final class CountersFileReader implements AutoCloseable {

    private static final Pattern NAME = Pattern.compile(Pattern.quote(CountersFile.PREFIX) + "(\\d{1,10})"
            + Pattern.quote(CountersFile.SUFFIX));
    /** A pid whose process started this much after the file was written is another process that got the pid again. */
    private static final long PID_REUSE_SLACK_MS = 5_000;

    private final Path path;
    private final MappedByteBuffer mapping;
    private final CountersReader reader;
    private final long pid;
    private final long startMs;
    private final String label;

    /** The file is not a complete memu counters file of this version. */
    public static final class NotACountersFileException extends Exception {
        NotACountersFileException(final Path path, final String why) {
            super(path + ": not a memu counters file (" + why + ")");
        }
    }

    private CountersFileReader(final Path path, final MappedByteBuffer mapping, final UnsafeBuffer header) {
        this.path = path;
        this.mapping = mapping;
        final int metadata = header.getInt(CountersFile.METADATA_LENGTH_OFFSET);
        final int values = header.getInt(CountersFile.VALUES_LENGTH_OFFSET);
        this.reader = new CountersReader(new UnsafeBuffer(mapping, CountersFile.HEADER_LENGTH, metadata),
                new UnsafeBuffer(mapping, CountersFile.HEADER_LENGTH + metadata, values), StandardCharsets.UTF_8);
        this.pid = header.getLong(CountersFile.PID_OFFSET);
        this.startMs = header.getLong(CountersFile.START_MS_OFFSET);
        final byte[] text = new byte[header.getInt(CountersFile.LABEL_LENGTH_OFFSET)];
        header.getBytes(CountersFile.LABEL_OFFSET, text);
        this.label = new String(text, StandardCharsets.UTF_8);
    }

    /**
     * Maps {@code path} and checks its header.
     *
     * @throws NotACountersFileException when it is too short, has another magic or version, or inconsistent lengths
     * @throws IOException               when it cannot be opened (missing, unreadable)
     */
    public static CountersFileReader open(final Path path) throws IOException, NotACountersFileException {
        if (Files.isDirectory(path)) {
            throw new NotACountersFileException(path, "a directory");
        }
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            final long size = channel.size();
            if (size < CountersFile.HEADER_LENGTH) {
                throw new NotACountersFileException(path, size + " bytes, shorter than the header");
            }
            final MappedByteBuffer mapping = channel.map(FileChannel.MapMode.READ_ONLY, 0, Math.min(size, Integer.MAX_VALUE));
            final UnsafeBuffer header = new UnsafeBuffer(mapping, 0, CountersFile.HEADER_LENGTH);
            final String why = problem(header, size);
            if (why != null) {
                IoUtil.unmap(mapping);
                throw new NotACountersFileException(path, why);
            }
            return new CountersFileReader(path, mapping, header);
        }
    }

    private static String problem(final UnsafeBuffer header, final long size) {
        if (header.getIntVolatile(CountersFile.MAGIC_OFFSET) != CountersFile.MAGIC) {
            return "no memu magic";
        }
        final int version = header.getInt(CountersFile.VERSION_OFFSET);
        if (version != CountersFile.VERSION) {
            return "layout version " + version + ", this memu reads " + CountersFile.VERSION;
        }
        final long metadata = header.getInt(CountersFile.METADATA_LENGTH_OFFSET);
        final long values = header.getInt(CountersFile.VALUES_LENGTH_OFFSET);
        final int labelLength = header.getInt(CountersFile.LABEL_LENGTH_OFFSET);
        if (metadata <= 0 || values <= 0 || metadata % CountersReader.METADATA_LENGTH != 0
                || values % CountersReader.COUNTER_LENGTH != 0
                || CountersFile.HEADER_LENGTH + metadata + values > size
                || labelLength < 0 || labelLength > CountersFile.MAX_LABEL_BYTES) {
            return "inconsistent header";
        }
        return null;
    }

    /** The default file of {@code pid}, if there is one in {@link CountersFile#defaultDirectory()} or the temporary directory. */
    public static Optional<Path> ofPid(final long pid) {
        for (final Path dir : directories()) {
            final Path p = dir.resolve(CountersFile.PREFIX + pid + CountersFile.SUFFIX);
            if (Files.exists(p)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    /** Where default counters files are looked for: {@code /dev/shm}, then {@code java.io.tmpdir}. */
    public static List<Path> directories() {
        final List<Path> dirs = new ArrayList<>();
        final Path shm = Path.of("/dev/shm");
        if (Files.isDirectory(shm)) {
            dirs.add(shm);
        }
        final Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
        if (Files.isDirectory(tmp) && !dirs.contains(tmp)) {
            dirs.add(tmp);
        }
        return dirs;
    }

    /**
     * The default-named counters files in {@code dirs} whose writer is alive, by pid; files of
     * dead writers (a run killed with {@code kill -9}, no shutdown hook) are deleted on the way.
     * Files that are not counters files, or that this user cannot read, are passed over.
     */
    public static List<Path> live(final List<Path> dirs) {
        final List<Path> found = new ArrayList<>();
        for (final Path dir : dirs) {
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, CountersFile.PREFIX + "*" + CountersFile.SUFFIX)) {
                for (final Path p : ds) {
                    final Matcher m = NAME.matcher(p.getFileName().toString());
                    if (!m.matches()) {
                        continue;
                    }
                    try (CountersFileReader r = open(p)) {
                        if (r.writerAlive()) {
                            found.add(p);
                        } else {
                            Files.deleteIfExists(p);
                        }
                    } catch (final IOException | NotACountersFileException | RuntimeException ignored) {
                        // not ours to judge or remove
                    }
                }
            } catch (final IOException ignored) {
                // an unreadable directory holds nothing we can list
            }
        }
        found.sort(java.util.Comparator.comparingLong(CountersFileReader::pidOf));
        return found;
    }

    private static long pidOf(final Path p) {
        final Matcher m = NAME.matcher(p.getFileName().toString());
        return m.matches() ? Long.parseLong(m.group(1)) : Long.MAX_VALUE;
    }

    public Path path() {
        return path;
    }

    public long pid() {
        return pid;
    }

    public String label() {
        return label;
    }

    /** Whether the writing process still runs (and is the one that wrote the file, not a later owner of its pid). */
    public boolean writerAlive() {
        final Optional<ProcessHandle> p = ProcessHandle.of(pid);
        if (p.isEmpty() || !p.get().isAlive()) {
            return false;
        }
        final Optional<Instant> started = p.get().info().startInstant();
        return started.isEmpty() || started.get().toEpochMilli() <= startMs + PID_REUSE_SLACK_MS;
    }

    /** Whether the file is no longer at its path (the run ended and removed it). */
    public boolean fileGone() {
        return !Files.exists(path);
    }

    /** Every counter's current value. */
    public CountersSnapshot snapshot() {
        final long[] values = new long[RunCounter.values().length];
        final long[] blocks = new long[64];
        final int[] orders = {0};
        final List<CountersSnapshot.Entry> entries = new ArrayList<>();
        reader.forEach((id, typeId, key, counterLabel) -> {
            final long value = reader.getCounterValue(id);
            entries.add(new CountersSnapshot.Entry(id, typeId, counterLabel, value));
            final RunCounter c = RunCounter.ofTypeId(typeId);
            if (c == RunCounter.FREE_BLOCKS) {
                final int order = key.getInt(0);
                if (order >= 0 && order < blocks.length) {
                    blocks[order] = value;
                    orders[0] = Math.max(orders[0], order + 1);
                }
            } else if (c != null) {
                values[c.ordinal()] = value;
            }
        });
        return new CountersSnapshot(pid, startMs, label, values, java.util.Arrays.copyOf(blocks, orders[0]), entries);
    }

    @Override
    public void close() {
        IoUtil.unmap(mapping);
    }
}
