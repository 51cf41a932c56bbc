package dev.memu.util;

import java.util.Locale;

/** Parses and prints byte sizes the way people type them: {@code 512M}, {@code 8G}, {@code 1T}. */
public final class Sizes {

    private Sizes() {
    }

    /**
     * Parses a size with an optional binary suffix (K, M, G, T, P, with or without "iB"/"B").
     *
     * @throws IllegalArgumentException naming the input when it is not a positive size
     */
    public static long parse(final String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("empty size");
        }
        final String s = text.trim().toUpperCase(Locale.ROOT);
        int end = s.length();
        if (s.endsWith("IB")) {
            end -= 2;
        } else if (s.endsWith("B")) {
            end -= 1;
        }
        int shift = 0;
        if (end > 0) {
            switch (s.charAt(end - 1)) {
                case 'K' -> shift = 10;
                case 'M' -> shift = 20;
                case 'G' -> shift = 30;
                case 'T' -> shift = 40;
                case 'P' -> shift = 50;
                default -> shift = -1;
            }
            if (shift >= 0) {
                end--;
            } else {
                shift = 0;
            }
        }
        final String digits = s.substring(0, end);
        final long value;
        try {
            value = Long.parseLong(digits);
        } catch (final NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' is not a size (examples: 4096, 512M, 8G, 1T)");
        }
        if (value <= 0) {
            throw new IllegalArgumentException("size must be positive, got '" + text + "'");
        }
        if (Long.numberOfLeadingZeros(value) <= shift) {
            throw new IllegalArgumentException("size '" + text + "' is too large");
        }
        return value << shift;
    }

    /** Prints a size in the largest binary unit that divides it exactly, else with one decimal. */
    public static String format(final long bytes) {
        final String[] units = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
        int u = 0;
        double v = bytes;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        if (v == Math.rint(v)) {
            return (long) v + " " + units[u];
        }
        return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }
}
