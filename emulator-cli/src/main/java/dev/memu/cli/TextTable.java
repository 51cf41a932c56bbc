package dev.memu.cli;

import java.util.ArrayList;
import java.util.List;

/** A plain aligned table for a terminal: text columns left-aligned, numbers right-aligned. */
final class TextTable {

    private final List<String> headers;
    private final boolean[] numeric;
    private final List<List<String>> rows = new ArrayList<>();

    TextTable(final List<String> headers, final boolean[] numeric) {
        this.headers = headers;
        this.numeric = numeric.clone();
    }

    void row(final List<String> cells) {
        if (cells.size() != headers.size()) {
            throw new IllegalArgumentException("row has " + cells.size() + " cells, table " + headers.size());
        }
        rows.add(cells);
    }

    String render() {
        final int[] width = new int[headers.size()];
        for (int c = 0; c < width.length; c++) {
            width[c] = headers.get(c).length();
            for (final List<String> row : rows) {
                width[c] = Math.max(width[c], row.get(c).length());
            }
        }
        final StringBuilder sb = new StringBuilder();
        line(sb, headers, width);
        final List<String> rule = new ArrayList<>();
        for (final int w : width) {
            rule.add("-".repeat(w));
        }
        line(sb, rule, width);
        for (final List<String> row : rows) {
            line(sb, row, width);
        }
        return sb.toString();
    }

    private void line(final StringBuilder sb, final List<String> cells, final int[] width) {
        final StringBuilder l = new StringBuilder();
        for (int c = 0; c < cells.size(); c++) {
            if (c > 0) {
                l.append("  ");
            }
            final String cell = cells.get(c);
            final String pad = " ".repeat(width[c] - cell.length());
            l.append(numeric[c] ? pad + cell : cell + pad);
        }
        sb.append(l.toString().stripTrailing()).append('\n');
    }
}
