package dev.memu.alloc.linux;

/**
 * The first lines of the per-CPU {@code struct vm_event_state} ({@code include/linux/vmstat.h},
 * {@code DEFINE_PER_CPU(struct vm_event_state, vm_event_states)}), whose {@code event[]} is indexed
 * by {@code enum vm_event_item} ({@code include/linux/vm_event_item.h}): PGPGIN, PGPGOUT, PSWPIN,
 * PSWPOUT, then {@code FOR_ALL_ZONES(PGALLOC)} (DMA, DMA32, NORMAL, MOVABLE, DEVICE),
 * {@code FOR_ALL_ZONES(ALLOCSTALL)}, {@code FOR_ALL_ZONES(PGSCAN_SKIP)}, PGFREE, ...
 * <pre>
 * offset  size  field                       line
 *   48       8  event[PGALLOC_NORMAL] (6)   0   __count_zid_vm_events(PGALLOC, ZONE_NORMAL) on every allocation
 *  152       8  event[PGFREE] (19)          2   __count_vm_events(PGFREE) on every free
 *  192          modelled size (the rest of the ~100 events is never touched here)
 * </pre>
 * memu assumes the per-CPU variable starts a line.
 */
public final class VmEventStruct {

    public static final int PGALLOC_DMA = 4;
    public static final int PGALLOC_NORMAL = PGALLOC_DMA + 2;
    public static final int PGFREE = 19;
    public static final long SIZE = 192;

    /** The modelled events, for labelling ({@code vm_event_states.*}). */
    public static final StructFields FIELDS = new StructFields(SIZE)
            .array(8L * PGALLOC_DMA, 8, "event", "PGALLOC_DMA", "PGALLOC_DMA32", "PGALLOC_NORMAL", "PGALLOC_MOVABLE",
                    "PGALLOC_DEVICE")
            .field(8L * PGFREE, 8, "event[PGFREE]");

    private VmEventStruct() {
    }

    /** Offset of {@code event[item]}. */
    public static long event(final int item) {
        return 8L * item;
    }
}
