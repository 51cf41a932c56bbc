package dev.memu.stat;

/**
 * Where a run publishes its live counters ({@link RunCounter}). The driver calls these from the
 * one thread that runs it, never from a worker and never per op: the timed pass's figures are
 * what the workers published at their last chunk boundary, gathered by the driver thread about
 * five times a second; the counting pass's every 4096 ops. So an implementation needs no
 * synchronisation of its own beyond making its stores visible to readers.
 */
public interface RunCounters {

    /** Publishes nothing; {@link #enabled()} is false, so callers can skip gathering too. */
    RunCounters NONE = new RunCounters() {
        @Override
        public boolean enabled() {
            return false;
        }

        @Override
        public void phase(final Phase phase) {
        }

        @Override
        public void timed(final long ops, final long allocs, final long frees, final long allocFailures) {
        }

        @Override
        public void freeBlocks(final long freePages, final long[] freeBlocksByOrder) {
        }

        @Override
        public void counting(final long ops, final long allocs, final long allocLines, final long frees,
                             final long freeLines) {
        }

        @Override
        public void done() {
        }
    };

    /** Whether anything reads what is published (false: the driver skips gathering and sampling). */
    boolean enabled();

    void phase(Phase phase);

    /** The timed pass so far: ops done (setup included), measured allocs and frees, failed measured allocs. */
    void timed(long ops, long allocs, long frees, long allocFailures);

    /** A sample of the allocator's free pages and free blocks per order (index = order). */
    void freeBlocks(long freePages, long[] freeBlocksByOrder);

    /** The counting pass so far: ops done, counted allocs and frees with their distinct lines summed. */
    void counting(long ops, long allocs, long allocLines, long frees, long freeLines);

    /** The run has ended: sets {@link RunCounter#DONE} and the phase {@link Phase#DONE}. */
    void done();
}
