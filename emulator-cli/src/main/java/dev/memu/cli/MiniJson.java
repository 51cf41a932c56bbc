package dev.memu.cli;

import java.util.Locale;

/**
 * A tiny JSON writer for the replay, host and trace-capture commands (objects, arrays, strings,
 * numbers), so these commands stand alone; the lead may fold it into the CLI's shared writer.
 * Commas and nesting are tracked by a stack of "first element" flags.
 */
final class MiniJson {

    private final StringBuilder sb = new StringBuilder();
    private final boolean[] first = new boolean[64];
    private int depth;
    private boolean afterKey;

    MiniJson begin() {
        return open('{');
    }

    MiniJson end() {
        return close('}');
    }

    MiniJson beginArray() {
        return open('[');
    }

    MiniJson endArray() {
        return close(']');
    }

    MiniJson key(final String k) {
        comma();
        string(k);
        sb.append(':');
        afterKey = true;
        return this;
    }

    MiniJson value(final String v) {
        comma();
        if (v == null) {
            sb.append("null");
        } else {
            string(v);
        }
        return this;
    }

    MiniJson value(final long v) {
        comma();
        sb.append(v);
        return this;
    }

    MiniJson value(final double v) {
        comma();
        if (Double.isNaN(v) || Double.isInfinite(v)) {
            sb.append("null");
        } else {
            sb.append(String.format(Locale.ROOT, "%.4f", v));
        }
        return this;
    }

    MiniJson value(final boolean v) {
        comma();
        sb.append(v);
        return this;
    }

    MiniJson field(final String k, final String v) {
        return key(k).value(v);
    }

    MiniJson field(final String k, final long v) {
        return key(k).value(v);
    }

    MiniJson field(final String k, final double v) {
        return key(k).value(v);
    }

    MiniJson field(final String k, final long[] values) {
        key(k).beginArray();
        for (final long v : values) {
            value(v);
        }
        return endArray();
    }

    @Override
    public String toString() {
        return sb.toString();
    }

    private MiniJson open(final char c) {
        comma();
        sb.append(c);
        first[++depth] = true;
        return this;
    }

    private MiniJson close(final char c) {
        depth--;
        sb.append(c);
        return this;
    }

    private void comma() {
        if (afterKey) {
            afterKey = false;
            return;
        }
        if (depth > 0) {
            if (!first[depth]) {
                sb.append(',');
            }
            first[depth] = false;
        }
    }

    private void string(final String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            final char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\t' -> sb.append("\\t");
                case '\r' -> sb.append("\\r");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }
}
