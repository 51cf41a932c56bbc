package dev.memu.host;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.CRC32C;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * A valid snapshot of the fake host (host/README.md) as bytes, and the field offsets of its
 * payload (SnapshotFile's table), so tests can damage one field at a time.
 */
final class SnapshotBytes {

    static final int C = PageClass.count();
    static final int O = HostSnapshot.ORDERS;
    static final int VERSION = 8;
    static final int SHIFT = 12;
    static final int PFNS = 16;
    static final int CLASS_PAGES = 28;
    static final int ALLOCS = CLASS_PAGES + 8 * C + 4;
    static final int THP = ALLOCS + 8 * C * O;
    static final int FREE_ORDERS = THP + 8;
    static final int FREE_BLOCKS = FREE_ORDERS + 4;

    private static HostSnapshot snapshot;

    private SnapshotBytes() {
    }

    /** The scanned fake host, scanned once. */
    static synchronized HostSnapshot snapshot() {
        if (snapshot == null) {
            try {
                final Path proc = Path.of(SnapshotBytes.class.getResource("/host/proc/meminfo").toURI()).getParent();
                snapshot = new HostScanner(new ProcFiles(proc), 10).scan();
            } catch (final IOException e) {
                throw new UncheckedIOException(e);
            } catch (final URISyntaxException e) {
                throw new IllegalStateException(e);
            }
        }
        return snapshot;
    }

    /** The file {@code save} writes, as bytes. */
    static byte[] file(final Path tmp) throws IOException {
        final Path f = Files.createTempFile(tmp, "valid", ".snap");
        snapshot().save(f);
        return Files.readAllBytes(f);
    }

    static byte[] gunzip(final byte[] gz) throws IOException {
        return new GZIPInputStream(new ByteArrayInputStream(gz)).readAllBytes();
    }

    static byte[] gzip(final byte[] payload) throws IOException {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream z = new GZIPOutputStream(out)) {
            z.write(payload);
        }
        return out.toByteArray();
    }

    /** Rewrites the trailing CRC32C so that only the field rules can catch a change. */
    static byte[] withChecksum(final byte[] payload) {
        final CRC32C crc = new CRC32C();
        crc.update(payload, 0, payload.length - 4);
        ByteBuffer.wrap(payload).putInt(payload.length - 4, (int) crc.getValue());
        return payload;
    }

    static int freeOrders(final byte[] payload) {
        return ByteBuffer.wrap(payload).getInt(FREE_ORDERS);
    }

    /** Offset of the long "extents E". */
    static int extentCount(final byte[] payload) {
        final ByteBuffer b = ByteBuffer.wrap(payload);
        int p = FREE_BLOCKS + 8 * freeOrders(payload) + 4;    // odd compounds
        final int zones = b.getInt(p);
        p += 4;
        for (int z = 0; z < zones; z++) {
            p += 4;
            p += 2 + b.getShort(p);
            p += 32;
        }
        return p;
    }

    /** Offset of extent {@code i}: long pfn, long count, byte order, byte class. */
    static int extent(final byte[] payload, final int i) {
        return extentCount(payload) + 8 + 18 * i;
    }
}
