package dev.memu.cli;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Just enough JSON for memu's output: a pretty-printing writer of trees made of {@link Map}
 * (keys in insertion order), {@link List}, {@link String}, {@link Number}, {@link Boolean} and
 * null, and a strict parser back into the same kinds (objects as {@link LinkedHashMap}, integers
 * as {@link Long}, other numbers as {@link Double}). No dependency, RFC 8259 string escaping;
 * NaN and infinities are written as null since JSON has no such numbers.
 */
public final class Json {

    private Json() {
    }

    // ---- writing ----

    public static String write(final Object tree) {
        final StringBuilder sb = new StringBuilder(4096);
        write(sb, tree, 0);
        return sb.append('\n').toString();
    }

    private static void write(final StringBuilder sb, final Object value, final int depth) {
        if (value == null) {
            sb.append("null");
        } else if (value instanceof String s) {
            string(sb, s);
        } else if (value instanceof Boolean b) {
            sb.append(b);
        } else if (value instanceof Number n) {
            number(sb, n);
        } else if (value instanceof Map<?, ?> map) {
            object(sb, map, depth);
        } else if (value instanceof List<?> list) {
            array(sb, list, depth);
        } else {
            throw new IllegalArgumentException("cannot write " + value.getClass().getName() + " as JSON");
        }
    }

    private static void object(final StringBuilder sb, final Map<?, ?> map, final int depth) {
        if (map.isEmpty()) {
            sb.append("{}");
            return;
        }
        sb.append('{');
        boolean first = true;
        for (final Map.Entry<?, ?> e : map.entrySet()) {
            sb.append(first ? "\n" : ",\n");
            first = false;
            indent(sb, depth + 1);
            string(sb, String.valueOf(e.getKey()));
            sb.append(": ");
            write(sb, e.getValue(), depth + 1);
        }
        sb.append('\n');
        indent(sb, depth);
        sb.append('}');
    }

    private static void array(final StringBuilder sb, final List<?> list, final int depth) {
        final boolean flat = list.stream().allMatch(v -> v == null || v instanceof Number || v instanceof String
                || v instanceof Boolean);
        sb.append('[');
        for (int i = 0; i < list.size(); i++) {
            if (flat) {
                sb.append(i == 0 ? "" : ", ");
            } else {
                sb.append(i == 0 ? "\n" : ",\n");
                indent(sb, depth + 1);
            }
            write(sb, list.get(i), depth + 1);
        }
        if (!flat && !list.isEmpty()) {
            sb.append('\n');
            indent(sb, depth);
        }
        sb.append(']');
    }

    private static void indent(final StringBuilder sb, final int depth) {
        sb.append("  ".repeat(depth));
    }

    private static void number(final StringBuilder sb, final Number n) {
        if (n instanceof Double || n instanceof Float) {
            final double d = n.doubleValue();
            if (Double.isNaN(d) || Double.isInfinite(d)) {
                sb.append("null");
                return;
            }
            // Three decimals are below anything memu measures; strip the zeros a reader does not need.
            final BigDecimal rounded = BigDecimal.valueOf(d).setScale(3, RoundingMode.HALF_EVEN).stripTrailingZeros();
            sb.append(rounded.scale() < 0 ? rounded.setScale(0).toPlainString() : rounded.toPlainString());
        } else {
            sb.append(n.longValue());
        }
    }

    static void string(final StringBuilder sb, final String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            final char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case '\b' -> sb.append("\\b");
                case '\f' -> sb.append("\\f");
                default -> {
                    if (c < 0x20 || c == 0x2028 || c == 0x2029) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }

    // ---- parsing ----

    /**
     * Parses one JSON value (surrounding whitespace allowed, nothing else after it).
     *
     * @throws IllegalArgumentException with the offset of the first error
     */
    public static Object parse(final String text) {
        final Parser p = new Parser(text);
        final Object value = p.value();
        p.skipSpace();
        if (p.pos != text.length()) {
            throw p.error("trailing characters");
        }
        return value;
    }

    private static final class Parser {
        private final String s;
        private int pos;

        Parser(final String s) {
            this.s = s;
        }

        IllegalArgumentException error(final String what) {
            return new IllegalArgumentException("bad JSON at offset " + pos + ": " + what);
        }

        void skipSpace() {
            while (pos < s.length() && " \t\r\n".indexOf(s.charAt(pos)) >= 0) {
                pos++;
            }
        }

        char peek() {
            skipSpace();
            if (pos >= s.length()) {
                throw error("unexpected end");
            }
            return s.charAt(pos);
        }

        void expect(final char c) {
            if (peek() != c) {
                throw error("expected '" + c + "'");
            }
            pos++;
        }

        Object value() {
            final char c = peek();
            return switch (c) {
                case '{' -> object();
                case '[' -> array();
                case '"' -> string();
                case 't' -> literal("true", Boolean.TRUE);
                case 'f' -> literal("false", Boolean.FALSE);
                case 'n' -> literal("null", null);
                default -> number();
            };
        }

        Object literal(final String word, final Object value) {
            if (!s.startsWith(word, pos)) {
                throw error("expected " + word);
            }
            pos += word.length();
            return value;
        }

        Map<String, Object> object() {
            expect('{');
            final Map<String, Object> map = new LinkedHashMap<>();
            if (peek() == '}') {
                pos++;
                return map;
            }
            while (true) {
                if (peek() != '"') {
                    throw error("expected a key");
                }
                final String key = string();
                expect(':');
                if (map.put(key, value()) != null) {
                    throw error("duplicate key '" + key + "'");
                }
                if (peek() == ',') {
                    pos++;
                } else {
                    expect('}');
                    return map;
                }
            }
        }

        List<Object> array() {
            expect('[');
            final List<Object> list = new ArrayList<>();
            if (peek() == ']') {
                pos++;
                return list;
            }
            while (true) {
                list.add(value());
                if (peek() == ',') {
                    pos++;
                } else {
                    expect(']');
                    return list;
                }
            }
        }

        String string() {
            expect('"');
            final StringBuilder sb = new StringBuilder();
            while (true) {
                if (pos >= s.length()) {
                    throw error("unterminated string");
                }
                final char c = s.charAt(pos++);
                if (c == '"') {
                    return sb.toString();
                }
                if (c < 0x20) {
                    throw error("control character in string");
                }
                if (c != '\\') {
                    sb.append(c);
                    continue;
                }
                if (pos >= s.length()) {
                    throw error("unterminated escape");
                }
                final char e = s.charAt(pos++);
                switch (e) {
                    case '"', '\\', '/' -> sb.append(e);
                    case 'n' -> sb.append('\n');
                    case 'r' -> sb.append('\r');
                    case 't' -> sb.append('\t');
                    case 'b' -> sb.append('\b');
                    case 'f' -> sb.append('\f');
                    case 'u' -> {
                        if (pos + 4 > s.length()) {
                            throw error("short \\u escape");
                        }
                        try {
                            sb.append((char) Integer.parseInt(s.substring(pos, pos + 4), 16));
                        } catch (final NumberFormatException ex) {
                            throw error("bad \\u escape");
                        }
                        pos += 4;
                    }
                    default -> throw error("bad escape \\" + e);
                }
            }
        }

        Number number() {
            final int start = pos;
            if (pos < s.length() && s.charAt(pos) == '-') {
                pos++;
            }
            boolean integral = true;
            while (pos < s.length()) {
                final char c = s.charAt(pos);
                if (c >= '0' && c <= '9') {
                    pos++;
                } else if (c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-') {
                    integral = false;
                    pos++;
                } else {
                    break;
                }
            }
            final String text = s.substring(start, pos);
            if (text.isEmpty() || text.equals("-")) {
                throw error("expected a value");
            }
            try {
                if (integral) {
                    return Long.parseLong(text);
                }
                return Double.parseDouble(text);
            } catch (final NumberFormatException e) {
                throw error("bad number '" + text + "'");
            }
        }
    }

    // ---- reading trees ----

    /** The value at a dotted path such as {@code latencyNs.alloc.p50}, or null when absent. */
    public static Object at(final Object tree, final String path) {
        Object node = tree;
        for (final String key : path.split("\\.")) {
            if (!(node instanceof Map<?, ?> map)) {
                return null;
            }
            node = map.get(key);
        }
        return node;
    }

    /** The number at {@code path}, or NaN when absent or not a number. */
    public static double number(final Object tree, final String path) {
        return at(tree, path) instanceof Number n ? n.doubleValue() : Double.NaN;
    }
}
