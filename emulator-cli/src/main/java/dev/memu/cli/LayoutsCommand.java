package dev.memu.cli;

import dev.memu.layout.Layout;
import dev.memu.layout.LayoutField;
import dev.memu.layout.Layouts;
import dev.memu.machine.Machine;
import dev.memu.memdesc.Allocatee;
import dev.memu.memdesc.MemdescType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code memu layouts}: every descriptor layout, field by field, pahole-style. */
@Command(name = "layouts", mixinStandardHelpOptions = true,
        description = {"Print every page-descriptor layout: bytes per page and each field's byte offset, "
                + "bit offset, width and meaning (pahole-style text, or JSON)."})
final class LayoutsCommand implements Callable<Integer> {

    private static final int CACHELINE = 64;

    @Spec
    private CommandSpec spec;

    @Option(names = "--format", paramLabel = "text|json", defaultValue = "text",
            description = "Output format (default: ${DEFAULT-VALUE}).")
    private String format;

    @Option(names = "--out", paramLabel = "FILE", description = "Write to FILE (whole or not at all) instead of stdout.")
    private String out;

    @Override
    public Integer call() throws Exception {
        Inputs.choice("--format", format, List.of("text", "json"));
        final OutputTarget target = OutputTarget.open(out, spec.commandLine().getOut());
        try {
            target.commit("json".equals(format) ? json() : text());
        } finally {
            target.abandon();
        }
        return 0;
    }

    static String text() {
        final StringBuilder sb = new StringBuilder();
        for (final Layout layout : Layouts.all()) {
            sb.append("struct page /* ").append(layout.name()).append(": ").append(layout.bytesPerPage())
                    .append(" bytes */ {\n");
            sb.append("\t/* ").append(layout.summary()).append(" */\n");
            int nameWidth = 12;
            for (final LayoutField f : layout.fields()) {
                nameWidth = Math.max(nameWidth, f.name().length() + 1);
            }
            sb.append('\t').append(" ".repeat(nameWidth + 1)).append("/* offset   bit width */\n");
            for (final LayoutField f : layout.fields()) {
                sb.append('\t').append(pad(f.name() + ";", nameWidth + 1))
                        .append(String.format(Locale.ROOT, "/* %6d %5d %5d */", f.byteOffset(), f.bitOffset(), f.bitWidth()))
                        .append("  ").append(f.meaning()).append('\n');
            }
            sb.append("\n\t/* size: ").append(layout.bytesPerPage()).append(", ").append(perLine(layout))
                    .append(", ").append(String.format(Locale.ROOT, "%.3f%%", percentOfRam(layout)))
                    .append(" of RAM with 4 KiB pages, max free order ").append(layout.maxFreeOrder()).append(" */\n");
            sb.append("};\n\n");
        }
        sb.append("Offsets are bytes from the start of the entry; bit 0 is the least significant bit of the "
                + "little-endian 64-bit word at that offset.\n\n");
        sb.append("Memdesc type tags (low 4 bits of a tagged allocatee word), after ").append(MemdescType.REVISION).append(":\n");
        sb.append(String.format(Locale.ROOT, "\t%-4s %-8s %-12s %s%n", "tag", "subtype", "type", "word"));
        for (final MemdescType t : MemdescType.values()) {
            sb.append(String.format(Locale.ROOT, "\t%-4d %-8s %-12s %s%n", t.tag(),
                    t.isMisc() ? Integer.toString(t.miscSubtype()) : "-", t.key(), tagWord(t)));
        }
        return sb.toString();
    }

    private static String perLine(final Layout layout) {
        final int bytes = layout.bytesPerPage();
        if (bytes == 0) {
            return "no per-page entry";
        }
        return bytes >= CACHELINE ? "cachelines: " + (bytes + CACHELINE - 1) / CACHELINE
                : "entries per cacheline: " + CACHELINE / bytes;
    }

    private static double percentOfRam(final Layout layout) {
        return 100.0 * layout.bytesPerPage() / (1 << Machine.DEFAULT_PAGE_SHIFT);
    }

    static String json() {
        final List<Object> layouts = new ArrayList<>();
        for (final Layout layout : Layouts.all()) {
            final Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", layout.name());
            m.put("summary", layout.summary());
            m.put("bytesPerPage", layout.bytesPerPage());
            m.put("percentOfRam", percentOfRam(layout));
            m.put("maxFreeOrder", layout.maxFreeOrder());
            final List<Object> fields = new ArrayList<>();
            for (final LayoutField f : layout.fields()) {
                final Map<String, Object> fm = new LinkedHashMap<>();
                fm.put("name", f.name());
                fm.put("byteOffset", f.byteOffset());
                fm.put("bitOffset", f.bitOffset());
                fm.put("bitWidth", f.bitWidth());
                fm.put("meaning", f.meaning());
                fields.add(fm);
            }
            m.put("fields", fields);
            layouts.add(m);
        }
        final Map<String, Object> root = new LinkedHashMap<>();
        root.put("pageSize", 1 << Machine.DEFAULT_PAGE_SHIFT);
        root.put("layouts", layouts);
        final List<Object> tags = new ArrayList<>();
        for (final MemdescType t : MemdescType.values()) {
            final Map<String, Object> tm = new LinkedHashMap<>();
            tm.put("type", t.key());
            tm.put("tag", t.tag());
            tm.put("miscSubtype", t.miscSubtype());
            tm.put("word", tagWord(t));
            tags.add(tm);
        }
        root.put("revision", MemdescType.REVISION);
        root.put("typeTags", tags);
        return Json.write(root);
    }

    private static String tagWord(final MemdescType t) {
        if (t == MemdescType.NONE) {
            return "0 (no owner)";
        }
        if (t == MemdescType.VMALLOC) {
            return "0x" + Long.toHexString(Allocatee.of(t, 0)) + " bare, or its descriptor address (memu's vmalloc area)";
        }
        if (t == MemdescType.FREE) {
            return "free block: 1, the layout keeps its order and links (see each layout's fields)";
        }
        if (t.isMisc()) {
            return "0x" + Long.toHexString(Allocatee.of(t, 0)) + " (Misc subtype word)";
        }
        return "descriptor address | " + t.tag();
    }

    private static String pad(final String s, final int width) {
        return s.length() >= width ? s + " " : s + " ".repeat(width - s.length());
    }
}
