package dev.memu.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Results as CSV (RFC 4180): one header row of flattened JSON paths ({@code latencyNs.alloc.p50},
 * {@code freeBlocksByOrder.3}), one row per result; a column a result lacks is empty. Per-thread
 * detail is reduced to {@code perThread.N.opsPerSec}; the JSON has the rest.
 */
final class Csv {

    private Csv() {
    }

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
        for (int i = 0; i < cells.size(); i++) {
            if (i > 0) {
                sb.append(',');
            }
            sb.append(quote(cells.get(i)));
        }
        sb.append('\n');
    }

    static String quote(final String cell) {
        if (cell.indexOf(',') < 0 && cell.indexOf('"') < 0 && cell.indexOf('\n') < 0 && cell.indexOf('\r') < 0) {
            return cell;
        }
        return '"' + cell.replace("\"", "\"\"") + '"';
    }
}
