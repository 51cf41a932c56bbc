package dev.memu.util;

import java.util.Locale;

/** Parses and prints byte sizes the way people type them: {@code 512M}, {@code 8G}, {@code 1T}. */
public final class Sizes {

    private Sizes() {
    }

    /**
     * Parses a size: digits, then optionally a binary unit K, M, G, T or P (either case, powers of
     * 1024), then optionally {@code i} and {@code B}: {@code 4096}, {@code 512M}, {@code 8GiB},
     * {@code 1TB} ({@code KB} is 1024 bytes here, as in most memory tools). A lowercase {@code b}
     * ({@code 1Gb}, {@code 4096b}) means bits and is refused rather than read as bytes.
     *
     * @throws IllegalArgumentException whose message is {@code 'TEXT': what is wrong}
     */
    public static long parse(final String text) {
        final String quoted = "'" + (text == null ? "" : text) + "'";
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException(quoted + ": empty size");
        }
        final String s = text.trim();
        int end = s.length();
        if (s.endsWith("b")) {
            throw new IllegalArgumentException(quoted + ": a lowercase b means bits; sizes are bytes "
                    + "(e.g. 1G, 1GB or 1GiB)");
        }
        if (s.endsWith("B")) {
            end--;
        }
        if (end > 0 && (s.charAt(end - 1) == 'i' || s.charAt(end - 1) == 'I')) {
            end--;
            if (end == 0 || "KMGTPkmgtp".indexOf(s.charAt(end - 1)) < 0) {
                throw new IllegalArgumentException(quoted + ": not a size (use e.g. 4096, 512M, 8G, 1T)");
            }
        }
        int shift = 0;
        if (end > 0) {
            switch (Character.toUpperCase(s.charAt(end - 1))) {
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
        if (digits.startsWith("-")) {
            throw new IllegalArgumentException(quoted + ": must be positive");
        }
        if (!digits.matches("[0-9]+")) {
            throw new IllegalArgumentException(quoted + ": not a size (use e.g. 4096, 512M, 8G, 1T)");
        }
        final long value;
        try {
            value = Long.parseLong(digits);
        } catch (final NumberFormatException e) {
            throw new IllegalArgumentException(quoted + ": too large");
        }
        if (value == 0) {
            throw new IllegalArgumentException(quoted + ": must be positive");
        }
        if (Long.numberOfLeadingZeros(value) <= shift) {
            throw new IllegalArgumentException(quoted + ": too large");
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
