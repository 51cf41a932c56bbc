package dev.memu.cli;

import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.QuoteMode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Results as CSV (RFC 4180): one header row of flattened JSON paths ({@code latencyNs.alloc.p50},
 * {@code freeBlocksByOrder.3}), one row per result; a column a result lacks is empty. Per-thread
 * detail is reduced to {@code perThread.N.opsPerSec}, and the fragment workload's {@code
 * freeBlocksOverTime} (a table of its own, points by orders) is left out; the JSON has the rest. Quoting and
 * escaping are Apache Commons CSV's; this class only flattens the result trees into rows.
 * Commons CSV's minimal quoting also quotes an empty first cell of a row and a cell with leading
 * or trailing blanks, which memu's own writer did not; a CSV reader reads the same values.
 */
final class Csv {

    private Csv() {
    }

    /**
     * RFC 4180 with minimal quoting, but rows end in {@code \n} rather than the RFC's CRLF: the
     * files memu always wrote, which every CSV reader and {@code cut}/{@code awk} accept.
     */
    private static final CSVFormat FORMAT = CSVFormat.RFC4180.builder()
            .setRecordSeparator('\n')
            .setQuoteMode(QuoteMode.MINIMAL)
            .get();

    static String write(final List<Map<String, Object>> results) {
        final List<Map<String, String>> rows = new ArrayList<>();
        final Set<String> header = new LinkedHashSet<>();
        for (final Map<String, Object> result : results) {
            final Map<String, String> row = new LinkedHashMap<>();
            flatten("", result, row);
            header.addAll(row.keySet());
            rows.add(row);
        }
        final StringBuilder sb = new StringBuilder();
        line(sb, new ArrayList<>(header));
        for (final Map<String, String> row : rows) {
            final List<String> cells = new ArrayList<>();
            for (final String column : header) {
                cells.add(row.getOrDefault(column, ""));
            }
            line(sb, cells);
        }
        return sb.toString();
    }

    private static void flatten(final String prefix, final Object node, final Map<String, String> row) {
        if (node instanceof Map<?, ?> map) {
            for (final Map.Entry<?, ?> e : map.entrySet()) {
                final String key = prefix + e.getKey();
                if (key.equals("freeBlocksOverTime")) {
                    continue;
                }
                if (key.equals("perThread")) {
                    final List<?> threads = (List<?>) e.getValue();
                    for (int i = 0; i < threads.size(); i++) {
                        row.put("perThread." + i + ".opsPerSec", cell(Json.at(threads.get(i), "opsPerSec")));
                    }
                } else {
                    flatten(key + ".", e.getValue(), row);
                }
            }
        } else if (node instanceof List<?> list) {
            for (int i = 0; i < list.size(); i++) {
                flatten(prefix + i + ".", list.get(i), row);
            }
        } else {
            row.put(prefix.substring(0, prefix.length() - 1), cell(node));
        }
    }

    private static String cell(final Object value) {
        if (value == null) {
            return "";
        }
        if (value instanceof Number || value instanceof Boolean) {
            return Json.write(value).strip().replace("null", "");
        }
        return value.toString();
    }

    private static void line(final StringBuilder sb, final List<String> cells) {
        try {
            FORMAT.printRecord(sb, cells.toArray());
        } catch (final IOException e) {
            throw new UncheckedIOException(e); // a StringBuilder does not fail
        }
    }

    /** One cell as it appears in a row: quoted only when it holds a comma, a quote or a line break. */
    static String quote(final String cell) {
        return FORMAT.format(cell);
    }
}
