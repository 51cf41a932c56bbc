package dev.memu.alloc;

import dev.memu.alloc.pcp.LinuxPcpAllocator;
import dev.memu.alloc.pcp.PcpAllocator;
import dev.memu.alloc.potad.PotadAllocator;
import dev.memu.alloc.potad.PotadNodescAllocator;
import dev.memu.layout.Memmap;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every allocator memu knows by name, in the order output lists them. A new one is one line here.
 * {@code buddy+pcp} is Linux's PCP over the buddy ({@link LinuxPcpAllocator}); {@code buddy+apcp}
 * and {@code potad+pcp} are memu's array PCP ({@link PcpAllocator}) over buddy and POTAD.
 */
public final class Allocators {

    private static final Map<String, AllocatorFactory> ALL = new LinkedHashMap<>();

    static {
        ALL.put("buddy", BuddyAllocator::new);
        ALL.put("buddy+pcp", LinuxPcpAllocator::new);
        ALL.put("buddy+apcp", PcpAllocator.over(BuddyAllocator::new));
        ALL.put("potad", PotadAllocator::new);
        ALL.put("potad+pcp", PcpAllocator.over(PotadAllocator::new));
        ALL.put("potad-nodesc", PotadNodescAllocator::new);     // records no allocatee: the row beside LLFree
    }

    private Allocators() {
    }

    public static List<String> names() {
        return List.copyOf(ALL.keySet());
    }

    /**
     * Builds the allocator named {@code name} over {@code memmap}.
     *
     * @throws IllegalArgumentException listing the known names when there is none
     */
    public static PageAllocator create(final String name, final Memmap memmap, final AllocatorOptions options) {
        final AllocatorFactory factory = ALL.get(name);
        if (factory == null) {
            throw new IllegalArgumentException("unknown allocator '" + name + "' (known: "
                    + String.join(", ", ALL.keySet()) + ")");
        }
        return factory.create(memmap, options);
    }

    /** @throws IllegalArgumentException when {@code name} is not a known allocator */
    public static void check(final String name) {
        if (!ALL.containsKey(name)) {
            throw new IllegalArgumentException("unknown allocator '" + name + "' (known: "
                    + String.join(", ", ALL.keySet()) + ")");
        }
    }
}
