package dev.memu.stat;

/**
 * The counters a run publishes, one Agrona counter each, identified by their type id (the label
 * is for people; readers go by the id). {@link #FREE_BLOCKS} is one counter per order, the order
 * in its key.
 *
 * <table>
 *   <caption>counters of a memu counters file</caption>
 *   <tr><th>type id</th><th>counter</th><th>updated</th></tr>
 *   <tr><td>1</td><td>phase ({@link Phase} ordinal)</td><td>when it changes</td></tr>
 *   <tr><td>2</td><td>ops done in the timed pass, setup included</td><td>every published chunk</td></tr>
 *   <tr><td>3, 4</td><td>measured allocs, measured frees done</td><td>every published chunk</td></tr>
 *   <tr><td>5</td><td>measured allocs that found no free block</td><td>every published chunk</td></tr>
 *   <tr><td>6</td><td>free pages</td><td>sampled about once a second</td></tr>
 *   <tr><td>7</td><td>free blocks of one order (key: the order, an int)</td><td>sampled about once a second</td></tr>
 *   <tr><td>8</td><td>ops done in the counting pass, setup included</td><td>every 4096 ops</td></tr>
 *   <tr><td>9, 10</td><td>counted allocs, their distinct cachelines summed</td><td>every 4096 ops</td></tr>
 *   <tr><td>11, 12</td><td>counted frees, their distinct cachelines summed</td><td>every 4096 ops</td></tr>
 *   <tr><td>13</td><td>1 once the run is done</td><td>at the end</td></tr>
 * </table>
 * Lines per op so far is the quotient of the two counting counters of a kind.
 */
public enum RunCounter {
    PHASE(1, "phase (0 starting, 1 fill, 2 warm-up, 3 measured, 4 harness, 5 counting, 6 done)"),
    OPS(2, "ops done, timed pass (setup included)"),
    ALLOCS(3, "measured allocs done, timed pass"),
    FREES(4, "measured frees done, timed pass"),
    ALLOC_FAILURES(5, "measured allocs that found no free block, timed pass"),
    FREE_PAGES(6, "free pages (sampled)"),
    FREE_BLOCKS(7, "free blocks of order "),
    COUNTED_OPS(8, "ops done, counting pass (setup included)"),
    COUNTED_ALLOCS(9, "counted allocs"),
    ALLOC_LINES(10, "distinct cachelines of the counted allocs, summed"),
    COUNTED_FREES(11, "counted frees"),
    FREE_LINES(12, "distinct cachelines of the counted frees, summed"),
    DONE(13, "run done (1)");

    private static final RunCounter[] VALUES = values();

    private final int typeId;
    private final String label;

    RunCounter(final int typeId, final String label) {
        this.typeId = typeId;
        this.label = label;
    }

    public int typeId() {
        return typeId;
    }

    /** The counter's label in the file ({@link #FREE_BLOCKS} adds its order). */
    public String label() {
        return label;
    }

    /** The counter of {@code typeId}, or null for an id this version does not know. */
    public static RunCounter ofTypeId(final int typeId) {
        for (final RunCounter c : VALUES) {
            if (c.typeId == typeId) {
                return c;
            }
        }
        return null;
    }
}
