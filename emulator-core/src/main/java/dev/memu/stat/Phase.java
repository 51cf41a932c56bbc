package dev.memu.stat;

/**
 * Where a run is, as its {@link RunCounter#PHASE} counter says. The value stored is the ordinal;
 * phases only move forward, so a reader that sees {@link #DONE} can stop.
 */
public enum Phase {
    /** The file exists, the machine is being built. */
    STARTING("starting"),
    /** The timed pass's setup ops performed one by one (the fill, and everything of a stream that cannot generate ahead before its measured ops). */
    FILL("fill"),
    /** The timed pass's unmeasured tapes, replayed through the timed loop so that the JIT compiles it. */
    WARM_UP("warm-up"),
    /** The timed pass's measured ops. */
    MEASURED("measured"),
    /** The harness alone: the last measured tape replayed on an allocator that does nothing. */
    HARNESS("harness"),
    /** The counting pass: the same ops again on the counting access layer, one thread. */
    COUNTING("counting"),
    /** The run has ended (reported, or failed). */
    DONE("done");

    private static final Phase[] VALUES = values();

    private final String label;

    Phase(final String label) {
        this.label = label;
    }

    /** The name {@code memu stat} prints, e.g. {@code warm-up}. */
    public String label() {
        return label;
    }

    /** The phase stored as {@code value}; values this version does not know read as {@link #STARTING}. */
    public static Phase of(final long value) {
        return value >= 0 && value < VALUES.length ? VALUES[(int) value] : STARTING;
    }
}
