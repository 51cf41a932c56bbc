package dev.memu.trace;

import dev.memu.memdesc.MemdescType;

/** Where the parser puts what it reads: a {@link TraceLog} in memory, or a replay as it goes. */
interface TraceSink {

    /** Input {@code name} starts; its first line is global line {@code firstGlobalLine}. */
    void beginInput(String name, long firstGlobalLine);

    /**
     * One event ({@link TraceLog#ALLOC}, FREE, FREE_BATCHED or LOST; for LOST {@code pfnOrCount} is
     * the number of events lost), with its line counted over all inputs.
     */
    void add(int kind, long pfnOrCount, int order, int migratetype, MemdescType type, int cpu, long tsNanos,
             long globalLine);

    /** Keeps nothing: a counting pass. */
    TraceSink NONE = new TraceSink() {
        @Override
        public void beginInput(final String name, final long firstGlobalLine) {
        }

        @Override
        public void add(final int kind, final long pfnOrCount, final int order, final int migratetype,
                        final MemdescType type, final int cpu, final long tsNanos, final long globalLine) {
        }
    };
}
