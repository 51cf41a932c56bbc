package dev.memu.host;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Reads exactly one gzip member (RFC 1952) and nothing else: the trailer's CRC-32 and ISIZE are
 * checked when the deflate stream ends, and any byte after the trailer is an error.
 *
 * <p>Why not {@link java.util.zip.GZIPInputStream}: it treats bytes after a member as the start of
 * another member and silently drops them when they are not one, and a reader that stops before
 * the end never reaches its CRC check. A host snapshot must be refused when it is damaged
 * anywhere, so this stream owns the whole file. Every failure is a {@link SnapshotFormatException}.
 *
 * <pre>
 * header   1f 8b, CM 8 (deflate), FLG, MTIME (4), XFL, OS;
 *          then FEXTRA (2-byte length + data), FNAME, FCOMMENT (zero-terminated), FHCRC (2) if flagged
 * body     raw deflate
 * trailer  CRC-32 of the uncompressed bytes (4, little-endian), ISIZE = their count mod 2^32 (4)
 * </pre>
 */
final class StrictGzipInputStream extends InputStream {

    private static final int FHCRC = 0x02;
    private static final int FEXTRA = 0x04;
    private static final int FNAME = 0x08;
    private static final int FCOMMENT = 0x10;
    private static final int FRESERVED = 0xe0;

    private final InputStream raw;
    private final Path file;
    private final Inflater inflater = new Inflater(true);
    private final CRC32 crc = new CRC32();
    private final byte[] buf = new byte[1 << 16];
    private final byte[] one = new byte[1];
    private int bufLen;
    private long size;
    private boolean ended;

    StrictGzipInputStream(final InputStream raw, final Path file) throws IOException {
        this.raw = raw;
        this.file = file;
        header();
    }

    private void header() throws IOException {
        if (rawByte() != 0x1f || rawByte() != 0x8b) {
            throw bad("not a memu host snapshot (not gzip)");
        }
        if (rawByte() != 8) {
            throw bad("gzip header names a compression method other than deflate");
        }
        final int flags = rawByte();
        if ((flags & FRESERVED) != 0) {
            throw bad("gzip header has reserved flag bits set");
        }
        for (int i = 0; i < 6; i++) {
            rawByte();                                       // MTIME, XFL, OS
        }
        if ((flags & FEXTRA) != 0) {
            final int len = rawByte() | rawByte() << 8;
            for (int i = 0; i < len; i++) {
                rawByte();
            }
        }
        if ((flags & FNAME) != 0) {
            while (rawByte() != 0) {
                // skip the original file name
            }
        }
        if ((flags & FCOMMENT) != 0) {
            while (rawByte() != 0) {
                // skip the comment
            }
        }
        if ((flags & FHCRC) != 0) {
            rawByte();
            rawByte();
        }
    }

    /** One byte of the raw file outside the deflate body; EOF there is a truncated file. */
    private int rawByte() throws IOException {
        final int b = raw.read();
        if (b < 0) {
            throw bad("truncated (gzip header or trailer cut off)");
        }
        return b;
    }

    @Override
    public int read() throws IOException {
        final int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(final byte[] b, final int off, final int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        while (!ended) {
            final int n;
            try {
                n = inflater.inflate(b, off, len);
            } catch (final DataFormatException e) {
                throw bad("corrupt gzip data (" + e.getMessage() + ")");
            }
            if (n > 0) {
                crc.update(b, off, n);
                size += n;
                return n;
            }
            if (inflater.finished()) {
                trailer();
                ended = true;
            } else if (inflater.needsDictionary()) {
                throw bad("corrupt gzip data (asks for a preset dictionary)");
            } else if (inflater.needsInput()) {
                bufLen = raw.read(buf);
                if (bufLen < 0) {
                    throw bad("truncated (the compressed data ends early)");
                }
                inflater.setInput(buf, 0, bufLen);
            }
        }
        return -1;
    }

    /** Checks the trailer, then that the file ends right after it. */
    private void trailer() throws IOException {
        final int remaining = inflater.getRemaining();
        final byte[] t = new byte[8];
        int have = Math.min(8, remaining);
        System.arraycopy(buf, bufLen - remaining, t, 0, have);
        while (have < 8) {
            t[have++] = (byte) rawByte();
        }
        final long storedCrc = (t[0] & 0xffL) | (t[1] & 0xffL) << 8 | (t[2] & 0xffL) << 16 | (t[3] & 0xffL) << 24;
        final long storedSize = (t[4] & 0xffL) | (t[5] & 0xffL) << 8 | (t[6] & 0xffL) << 16 | (t[7] & 0xffL) << 24;
        if (storedCrc != crc.getValue()) {
            throw bad("gzip CRC mismatch (stored " + Long.toHexString(storedCrc) + ", computed "
                    + Long.toHexString(crc.getValue()) + "): the file is damaged");
        }
        if (storedSize != (size & 0xffffffffL)) {
            throw bad("gzip length mismatch (stored " + storedSize + ", read " + (size & 0xffffffffL) + ")");
        }
        if (remaining > 8 || raw.read() >= 0) {
            throw bad("trailing bytes after the gzip stream");
        }
    }

    private SnapshotFormatException bad(final String what) {
        return new SnapshotFormatException(file, what);
    }

    @Override
    public void close() throws IOException {
        inflater.end();
        raw.close();
    }
}
