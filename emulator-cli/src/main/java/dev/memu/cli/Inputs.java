package dev.memu.cli;

import dev.memu.alloc.Allocators;
import dev.memu.layout.Layouts;
import dev.memu.machine.Machine;
import dev.memu.util.Sizes;
import dev.memu.workload.OrderMix;
import dev.memu.workload.Workloads;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Turns option text into values, or a {@link UsageException} whose one line names the option,
 * quotes the input and says what would be accepted.
 */
final class Inputs {

    /** More worker threads than this is a typo, not an experiment. */
    static final int MAX_THREADS = 1024;

    /**
     * Most ops a count option takes: 10^12, hours of work at memu's rates, and far from
     * overflowing a long when warmup and measured ops are added up.
     */
    static final long MAX_OPS = 1_000_000_000_000L;

    /** How sizes are spelled, for help texts and errors. */
    static final String SIZE_UNITS = "K, M, G, T, P (powers of 1024; KiB and KB mean the same; "
            + "a lowercase b, as in Gb, means bits and is refused)";

    private Inputs() {
    }

    static long mem(final String text) {
        return mem("--mem", text);
    }

    /** An emulated RAM size: a positive whole number of pages. */
    static long mem(final String option, final String text) {
        final long bytes = size(option, text);
        final long page = 1L << Machine.DEFAULT_PAGE_SHIFT;
        if (bytes % page != 0) {
            throw new UsageException(option + " '" + text + "': not a whole number of " + Sizes.format(page)
                    + " pages (use e.g. 512M, 8G, 1T)");
        }
        return bytes;
    }

    /** A positive byte size; the error says what is wrong (sign, unit, bits, too large). */
    static long size(final String option, final String text) {
        try {
            return Sizes.parse(text);
        } catch (final IllegalArgumentException e) {
            throw new UsageException(option + " " + e.getMessage());
        }
    }

    /** Largest emulated swap device: 1 TiB, 2^28 slots (its churn keeps half of them live on the Java heap). */
    static final long MAX_SWAP = 1L << 40;

    /** A swap device size: a multiple of the 4 KiB slot, at most {@link #MAX_SWAP}. */
    static long swap(final String option, final String text) {
        final long bytes = size(option, text);
        if ((bytes & 4095) != 0) {
            throw new UsageException(option + " '" + text + "': must be a multiple of the 4 KiB slot");
        }
        if (bytes > MAX_SWAP) {
            throw new UsageException(option + " '" + text + "': at most " + Sizes.format(MAX_SWAP));
        }
        return bytes;
    }

    /** A count of ops, {@code min..}{@link #MAX_OPS}. */
    static long count(final String option, final String text, final long min) {
        return count(option, text, min, MAX_OPS);
    }

    /** A count such as {@code 1000000}, {@code 1_000_000}, {@code 300k}, {@code 2M} (decimal suffixes), {@code min..max}. */
    static long count(final String option, final String text, final long min, final long max) {
        final String s = text == null ? "" : text.trim().replace("_", "").toLowerCase(Locale.ROOT);
        long multiplier = 1;
        String digits = s;
        if (!s.isEmpty()) {
            switch (s.charAt(s.length() - 1)) {
                case 'k' -> multiplier = 1_000;
                case 'm' -> multiplier = 1_000_000;
                case 'g' -> multiplier = 1_000_000_000;
                default -> multiplier = 1;
            }
            if (multiplier > 1) {
                digits = s.substring(0, s.length() - 1);
            }
        }
        final long value;
        try {
            value = Math.multiplyExact(Long.parseLong(digits), multiplier);
        } catch (final NumberFormatException | ArithmeticException e) {
            throw new UsageException(option + " '" + text + "': not a count (use e.g. 1000000, 300k, 1M)");
        }
        if (value < min || value > max) {
            throw new UsageException(option + " '" + text + "': must be " + min + ".." + countText(max));
        }
        return value;
    }

    private static String countText(final long n) {
        return n == MAX_OPS ? "10^12" : Long.toString(n);
    }

    /** A whole number {@code min..max} (no suffixes). */
    static long integer(final String option, final String text, final long min, final long max) {
        final long value;
        try {
            value = Long.parseLong(text.trim());
        } catch (final NumberFormatException | NullPointerException e) {
            throw new UsageException(option + " '" + text + "': not a whole number (" + min + ".." + max + ")");
        }
        if (value < min || value > max) {
            throw new UsageException(option + " '" + text + "': must be " + min + ".." + max);
        }
        return value;
    }

    /** A finite number in {@code (min, max]} ({@code [min, max]} when {@code minIncluded}). */
    static double number(final String option, final String text, final double min, final boolean minIncluded,
                         final double max) {
        final double value;
        try {
            value = Double.parseDouble(text.trim());
        } catch (final NumberFormatException | NullPointerException e) {
            throw new UsageException(option + " '" + text + "': not a number");
        }
        if (!(minIncluded ? value >= min : value > min) || !(value <= max)) {
            throw new UsageException(option + " '" + text + "': must be " + (minIncluded ? "at least " : "greater than ")
                    + fmt(min) + " and at most " + fmt(max));
        }
        return value;
    }

    private static String fmt(final double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
    }

    static long seed(final String text) {
        try {
            return Long.decode(text.trim());
        } catch (final NumberFormatException | NullPointerException e) {
            throw new UsageException("--seed '" + text + "': not a 64-bit integer");
        }
    }

    static double fraction(final String option, final String text, final boolean allowOne) {
        final double value;
        try {
            value = Double.parseDouble(text.trim());
        } catch (final NumberFormatException | NullPointerException e) {
            throw new UsageException(option + " '" + text + "': not a number (use e.g. 0.5)");
        }
        if (!(value > 0 && (allowOne ? value <= 1 : value < 1))) {
            throw new UsageException(option + " '" + text + "': must be greater than 0 and "
                    + (allowOne ? "at most 1" : "less than 1"));
        }
        return value;
    }

    static int order(final String option, final String text) {
        try {
            final int order = Integer.parseInt(text.trim());
            if (order >= 0 && order <= OrderMix.MAX_SPEC_ORDER) {
                return order;
            }
        } catch (final NumberFormatException | NullPointerException e) {
            // fall through
        }
        throw new UsageException(option + " '" + text + "': not an order 0.." + OrderMix.MAX_SPEC_ORDER);
    }

    static int threads(final String option, final String text) {
        final int n;
        try {
            n = Integer.parseInt(text.trim());
        } catch (final NumberFormatException | NullPointerException e) {
            throw new UsageException(option + " '" + text + "': not a thread count");
        }
        if (n < 1 || n > MAX_THREADS) {
            throw new UsageException(option + " '" + text + "': must be 1.." + MAX_THREADS);
        }
        return n;
    }

    static List<Integer> threadList(final String text) {
        final Set<Integer> out = new LinkedHashSet<>();
        for (final String item : list("--threads", text)) {
            out.add(threads("--threads", item));
        }
        return List.copyOf(out);
    }

    static OrderMix orders(final String text) {
        try {
            return OrderMix.parse(text);
        } catch (final IllegalArgumentException e) {
            throw new UsageException("--orders " + e.getMessage());
        }
    }

    static String layout(final String option, final String name) {
        try {
            return Layouts.byName(name).name();
        } catch (final IllegalArgumentException e) {
            throw new UsageException(option + " '" + name + "': unknown layout (known: " + Layouts.names() + ")");
        }
    }

    static String allocator(final String option, final String name) {
        try {
            Allocators.check(name);
            return name;
        } catch (final IllegalArgumentException e) {
            throw new UsageException(option + " '" + name + "': unknown allocator (known: "
                    + String.join(", ", Allocators.names()) + ")");
        }
    }

    static String workload(final String name) {
        if (!Workloads.names().contains(name)) {
            throw new UsageException("--workload '" + name + "': unknown workload (known: "
                    + String.join(", ", Workloads.names()) + ")");
        }
        return name;
    }

    static String choice(final String option, final String value, final List<String> known) {
        if (!known.contains(value)) {
            throw new UsageException(option + " '" + value + "': unknown (known: " + String.join(", ", known) + ")");
        }
        return value;
    }

    /** Comma-separated, non-empty items, duplicates dropped. */
    static List<String> list(final String option, final String text) {
        final List<String> items = new ArrayList<>();
        for (final String raw : (text == null ? "" : text).split(",", -1)) {
            final String item = raw.trim();
            if (item.isEmpty()) {
                throw new UsageException(option + " '" + text + "': empty item in a comma-separated list");
            }
            if (!items.contains(item)) {
                items.add(item);
            }
        }
        return items;
    }
}
