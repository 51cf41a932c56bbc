package dev.memu.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.PrettyPrinter;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.io.CharacterEscapes;
import com.fasterxml.jackson.core.io.SerializedString;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * memu's JSON, through Jackson: a pretty-printing writer of trees made of {@link Map} (keys in
 * insertion order), {@link List}, {@link String}, {@link Number}, {@link Boolean} and null, and a
 * strict parser back into the same kinds (objects as {@link LinkedHashMap}, integers as
 * {@link Long}, other numbers as {@link Double}).
 *
 * <p>The text is a contract ({@code memu compare} reads its children's output, scripts and
 * {@code memu plot} read saved results), so the writer keeps the format memu always had:
 * two-space indent, {@code "key": value}, arrays of scalars on one line ({@code [1, 2]}), doubles
 * rounded to three decimals in plain notation with trailing zeros stripped, NaN and infinities as
 * null (JSON has no such numbers), U+2028/U+2029 and control characters escaped as lowercase
 * {@code \\u00xx}. Jackson does the escaping, the generator state and the parsing; the
 * {@link Layout} printer below only places the whitespace.
 */
public final class Json {

    /** Strict reading: a duplicate key or anything after the value is an error, as RFC 8259 readers expect. */
    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(DeserializationFeature.USE_LONG_FOR_INTS)
            .build();

    private static final JsonFactory FACTORY = MAPPER.getFactory();

    private Json() {
    }

    // ---- writing ----

    public static String write(final Object tree) {
        final StringWriter out = new StringWriter(4096);
        try (JsonGenerator g = FACTORY.createGenerator(out)) {
            final Layout layout = new Layout();
            g.setPrettyPrinter(layout);
            g.setCharacterEscapes(Escapes.INSTANCE);
            write(g, layout, tree);
        } catch (final IOException e) {
            throw new UncheckedIOException(e); // a StringWriter does not fail
        }
        return out.append('\n').toString();
    }

    private static void write(final JsonGenerator g, final Layout layout, final Object value) throws IOException {
        switch (value) {
            case null -> g.writeNull();
            case String s -> g.writeString(s);
            case Boolean b -> g.writeBoolean(b);
            case Number n -> number(g, n);
            case Map<?, ?> map -> {
                g.writeStartObject();
                for (final Map.Entry<?, ?> e : map.entrySet()) {
                    g.writeFieldName(String.valueOf(e.getKey()));
                    write(g, layout, e.getValue());
                }
                g.writeEndObject();
            }
            case List<?> list -> {
                layout.nextArrayFlat = list.stream().allMatch(v -> v == null || v instanceof Number
                        || v instanceof String || v instanceof Boolean);
                g.writeStartArray();
                for (final Object v : list) {
                    write(g, layout, v);
                }
                g.writeEndArray();
            }
            default -> throw new IllegalArgumentException("cannot write " + value.getClass().getName() + " as JSON");
        }
    }

    private static void number(final JsonGenerator g, final Number n) throws IOException {
        if (n instanceof Double || n instanceof Float) {
            final double d = n.doubleValue();
            if (Double.isNaN(d) || Double.isInfinite(d)) {
                g.writeNull();
                return;
            }
            // Three decimals are below anything memu measures; strip the zeros a reader does not need.
            final BigDecimal rounded = BigDecimal.valueOf(d).setScale(3, RoundingMode.HALF_EVEN).stripTrailingZeros();
            g.writeNumber(rounded.scale() < 0 ? rounded.setScale(0).toPlainString() : rounded.toPlainString());
        } else {
            g.writeNumber(n.longValue());
        }
    }

    /**
     * Where the whitespace goes: objects one entry per line, arrays of scalars inline with
     * {@code ", "}, other arrays one element per line. The writer says which kind the next array
     * is ({@link #nextArrayFlat}) just before it starts, since a printer cannot look ahead.
     */
    private static final class Layout implements PrettyPrinter {
        private final ArrayDeque<Boolean> flat = new ArrayDeque<>();
        private boolean nextArrayFlat;
        private int depth;

        private void newline(final JsonGenerator g) throws IOException {
            g.writeRaw('\n');
            g.writeRaw("  ".repeat(depth));
        }

        @Override
        public void writeRootValueSeparator(final JsonGenerator g) {
        }

        @Override
        public void writeStartObject(final JsonGenerator g) throws IOException {
            g.writeRaw('{');
            depth++;
        }

        @Override
        public void beforeObjectEntries(final JsonGenerator g) throws IOException {
            newline(g);
        }

        @Override
        public void writeObjectFieldValueSeparator(final JsonGenerator g) throws IOException {
            g.writeRaw(": ");
        }

        @Override
        public void writeObjectEntrySeparator(final JsonGenerator g) throws IOException {
            g.writeRaw(',');
            newline(g);
        }

        @Override
        public void writeEndObject(final JsonGenerator g, final int entries) throws IOException {
            depth--;
            if (entries > 0) {
                newline(g);
            }
            g.writeRaw('}');
        }

        @Override
        public void writeStartArray(final JsonGenerator g) throws IOException {
            flat.push(nextArrayFlat);
            g.writeRaw('[');
            depth++;
        }

        @Override
        public void beforeArrayValues(final JsonGenerator g) throws IOException {
            if (!flat.element()) {
                newline(g);
            }
        }

        @Override
        public void writeArrayValueSeparator(final JsonGenerator g) throws IOException {
            if (flat.element()) {
                g.writeRaw(", ");
            } else {
                g.writeRaw(',');
                newline(g);
            }
        }

        @Override
        public void writeEndArray(final JsonGenerator g, final int values) throws IOException {
            depth--;
            if (!flat.pop() && values > 0) {
                newline(g);
            }
            g.writeRaw(']');
        }
    }

    /**
     * Jackson's standard JSON escapes, except: control characters without a short form as
     * lowercase {@code \\u00xx} (the format memu has always written), and U+2028/U+2029 escaped
     * too, since JavaScript before ES2019 ends a line there.
     */
    private static final class Escapes extends CharacterEscapes {
        static final Escapes INSTANCE = new Escapes();
        private static final long serialVersionUID = 1L;
        private final int[] ascii = standardAsciiEscapesForJSON();

        private Escapes() {
            for (int c = 0; c < 0x20; c++) {
                if (ascii[c] == ESCAPE_STANDARD) {
                    ascii[c] = ESCAPE_CUSTOM;
                }
            }
        }

        @Override
        public int[] getEscapeCodesForAscii() {
            return ascii;
        }

        @Override
        public SerializableString getEscapeSequence(final int ch) {
            return ch < 0x20 || ch == 0x2028 || ch == 0x2029
                    ? new SerializedString(String.format("\\u%04x", ch))
                    : null;
        }
    }

    // ---- parsing ----

    /**
     * Parses one JSON value (surrounding whitespace allowed, nothing else after it).
     *
     * @throws IllegalArgumentException with the offset of the first error
     */
    public static Object parse(final String text) {
        try {
            return MAPPER.readValue(text, Object.class);
        } catch (final JsonProcessingException e) {
            final long offset = e.getLocation() == null ? -1 : e.getLocation().getCharOffset();
            throw new IllegalArgumentException("bad JSON at offset " + offset + ": " + e.getOriginalMessage(), e);
        } catch (final IOException e) {
            throw new UncheckedIOException(e); // a String does not fail
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

    /** The objects of a parsed JSON array, in order, anything else in it skipped; empty when {@code list} is no array. */
    public static List<Map<?, ?>> maps(final Object list) {
        final List<Map<?, ?>> out = new ArrayList<>();
        if (list instanceof List<?> l) {
            for (final Object e : l) {
                if (e instanceof Map<?, ?> m) {
                    out.add(m);
                }
            }
        }
        return out;
    }

    /** The number at {@code path}, or NaN when absent or not a number. */
    public static double number(final Object tree, final String path) {
        return at(tree, path) instanceof Number n ? n.doubleValue() : Double.NaN;
    }
}
