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

    private Inputs() {
    }

    static long mem(final String text) {
        final long bytes;
        try {
            bytes = Sizes.parse(text);
        } catch (final IllegalArgumentException e) {
            if (text != null && text.trim().matches("-?0+[a-zA-Z]*")) {
                throw new UsageException("--mem '" + text + "': must be positive (use e.g. 512M, 8G, 1T)");
            }
            if (text != null && text.trim().startsWith("-")) {
                throw new UsageException("--mem '" + text + "': must be positive (use e.g. 512M, 8G, 1T)");
            }
            if (e.getMessage() != null && e.getMessage().contains("too large")) {
                throw new UsageException("--mem '" + text + "': too large");
            }
            throw new UsageException("--mem '" + text + "': not a size (use e.g. 512M, 8G, 1T)");
        }
        final long page = 1L << Machine.DEFAULT_PAGE_SHIFT;
        if (bytes % page != 0) {
            throw new UsageException("--mem '" + text + "': not a whole number of " + Sizes.format(page) + " pages");
        }
        return bytes;
    }

    static long size(final String option, final String text) {
        try {
            return Sizes.parse(text);
        } catch (final IllegalArgumentException e) {
            throw new UsageException(option + " '" + text + "': not a positive size (use e.g. 512M, 2G)");
        }
    }

    /** A count such as {@code 1000000}, {@code 1_000_000}, {@code 300k}, {@code 2M} (decimal suffixes). */
    /** A swap device size: a positive multiple of the 4 KiB slot. */
    static long swap(final String option, final String text) {
        final long bytes;
        try {
            bytes = Sizes.parse(text);
        } catch (final IllegalArgumentException e) {
            throw new UsageException(option + " '" + text + "': not a size (use e.g. 8G, 64G)");
        }
        if (bytes < 4096 || (bytes & 4095) != 0) {
            throw new UsageException(option + " '" + text + "': must be a positive multiple of the 4 KiB slot");
        }
        return bytes;
    }

    static long count(final String option, final String text, final long min) {
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
        if (value < min) {
            throw new UsageException(option + " '" + text + "': must be at least " + min);
        }
        return value;
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
