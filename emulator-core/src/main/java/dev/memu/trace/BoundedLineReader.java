package dev.memu.trace;

import java.io.IOException;
import java.io.Reader;

/**
 * Lines of text with a bound on their length: a line longer than {@link #MAX_CHARS} is returned
 * cut to that length with {@link #lastWasCut()} set, and the rest of it is skipped without being
 * held, so a file (or a pipe) with no newline in gigabytes costs no more memory than any other.
 * Ends lines at {@code \n}, dropping a {@code \r} before it. ftrace lines are a few hundred
 * characters.
 */
final class BoundedLineReader {

    static final int MAX_CHARS = 4096;

    private final Reader in;
    private final char[] buf = new char[1 << 16];
    private final StringBuilder line = new StringBuilder(256);
    private int pos;
    private int len;
    private boolean cut;

    BoundedLineReader(final Reader in) {
        this.in = in;
    }

    /** The next line without its end, or null at the end of the text. */
    String next() throws IOException {
        line.setLength(0);
        cut = false;
        boolean any = false;
        while (true) {
            if (pos == len) {
                len = in.read(buf, 0, buf.length);
                pos = 0;
                if (len <= 0) {
                    len = 0;
                    return any ? finish() : null;
                }
            }
            any = true;
            int i = pos;
            while (i < len && buf[i] != '\n') {
                i++;
            }
            final int room = MAX_CHARS - line.length();
            if (i - pos > room) {
                line.append(buf, pos, Math.max(0, room));
                cut = true;
            } else if (!cut) {
                line.append(buf, pos, i - pos);
            }
            if (i < len) {
                pos = i + 1;
                return finish();
            }
            pos = len;
        }
    }

    private String finish() {
        final int n = line.length();
        if (!cut && n > 0 && line.charAt(n - 1) == '\r') {
            line.setLength(n - 1);
        }
        return line.toString();
    }

    /** Whether the line {@link #next} returned last was longer than {@link #MAX_CHARS}. */
    boolean lastWasCut() {
        return cut;
    }
}
