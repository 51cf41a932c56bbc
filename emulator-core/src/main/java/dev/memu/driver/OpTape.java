package dev.memu.driver;

import dev.memu.alloc.PageAllocator;
import dev.memu.workload.Op;
import dev.memu.workload.Workload;

/**
 * A chunk of one stream's operations generated ahead of the allocator, so that the loop the
 * driver times reads two longs per op and calls the allocator, nothing else: no workload code,
 * no random numbers, no bookkeeping of live blocks.
 *
 * <p>Generating ahead needs a stream whose decisions do not depend on the pfns the allocator
 * returns ({@link Workload#generatesAhead()}). The {@link Recorder} reports a <em>token</em> to
 * the workload for every alloc instead of a pfn: {@code TOKEN | handle}, a number no real pfn can
 * be. A later free of that block names the token; the tape stores the handle, and the replay
 * looks the real pfn up in the stream's handle table, which the alloc of that handle filled in.
 * Handles are recycled when their block is freed, so the table is as large as the most blocks
 * the stream held at once, not as long as the run. A free of a block allocated before the tape
 * started (the fill's) gets a handle of its own, never recycled, whose slot the recorder fills
 * with the real pfn; so every free reads its pfn from the table and the timed loop has no branch
 * on where a pfn comes from (with random frees that branch would be mispredicted half the time).
 *
 * <p>Every recorded alloc is assumed to succeed. When one fails at replay, its handle holds
 * {@link PageAllocator#NO_PAGE}, the later free of it is skipped, and both are counted
 * ({@link Outcomes}) so that the run's workload statistics stay true.
 *
 * <h2>Encoding (two longs per op)</h2>
 * <pre>
 * word 0 (head)
 *   bit  0      kind: 0 = {@link Op#ALLOC}, 1 = {@link Op#FREE}
 *   bits 1..6   order
 *   bit  7      0 (reserved)
 *   bits 8..63  handle: ALLOC writes the pfn it gets there, FREE reads the pfn it frees from there
 * word 1
 *   ALLOC: the allocatee (tagged memdesc pointer);  FREE: 0
 * </pre>
 */
final class OpTape {

    /** Ops per chunk by default: 16 MiB of tape; longer streams are recorded and replayed chunk by chunk. */
    static final int DEFAULT_CHUNK_OPS = 1 << 20;

    /** Longs per op (the encoding above). */
    private static final int WORDS_PER_OP = 2;
    private static final long KIND_FREE = 1L;
    private static final int ORDER_SHIFT = 1;
    private static final long ORDER_MASK = 0x3F;
    private static final int HANDLE_SHIFT = 8;
    /** Marks a token reported to the workload in place of a pfn: above any pfn a 64-bit address space has. */
    static final long TOKEN = 1L << 62;

    private final long[] words;
    private int ops;
    private int allocs;
    private boolean measured;

    /**
     * Ops per chunk for a stream of {@code workload}: {@code chunkOps}, or fewer when the whole
     * stream is shorter, so that a run of many threads, each with a short stream, does not hold
     * a full chunk per thread (1024 threads of 16 MiB tapes would not fit a default heap). The
     * estimate only sizes the chunk: a stream longer than its estimate spans more chunks, as
     * any long stream does.
     */
    static int chunkOpsFor(final int chunkOps, final Workload workload) {
        return chunkOps(chunkOps, workload.estimatedOps());
    }

    /** Heap bytes of the tape {@link #chunkOpsFor} gives a stream of about {@code streamOps} ops. */
    static long bytesFor(final long streamOps) {
        return (long) chunkOps(DEFAULT_CHUNK_OPS, streamOps) * WORDS_PER_OP * Long.BYTES;
    }

    private static int chunkOps(final int chunkOps, final long streamOps) {
        return (int) Math.max(1, Math.min(chunkOps, streamOps));
    }

    OpTape(final int capacityOps) {
        this.words = new long[WORDS_PER_OP * capacityOps];
    }

    int capacity() {
        return words.length / WORDS_PER_OP;
    }

    /** Ops recorded in this chunk. */
    int ops() {
        return ops;
    }

    /** Allocs among the chunk's ops (counted while recording, for the live counters). */
    int allocs() {
        return allocs;
    }

    /** Whether the chunk's ops are measured ones (a chunk never mixes measured and setup ops). */
    boolean measured() {
        return measured;
    }

    long[] words() {
        return words;
    }

    static boolean isAlloc(final long head) {
        return (head & KIND_FREE) == 0;
    }

    static int kind(final long head) {
        return (int) (head & KIND_FREE);
    }

    static int order(final long head) {
        return (int) ((head >>> ORDER_SHIFT) & ORDER_MASK);
    }

    static int handle(final long head) {
        return (int) (head >>> HANDLE_SHIFT);
    }

    /**
     * Performs op {@code i} of {@code tape} on {@code allocator} as {@code vcpu}: the whole per-op
     * work of a replay, which the harness measurement repeats with an allocator that does nothing.
     */
    static void perform(final long[] tape, final int i, final PageAllocator allocator, final int vcpu,
                        final long[] handles, final Outcomes outcomes) {
        final long head = tape[2 * i];
        final int order = order(head);
        if (isAlloc(head)) {
            final long pfn = allocator.alloc(order, tape[2 * i + 1], vcpu);
            handles[handle(head)] = pfn;
            if (pfn == PageAllocator.NO_PAGE) {
                outcomes.failedAlloc(order);
            }
        } else {
            final long pfn = handles[handle(head)];
            if (pfn == PageAllocator.NO_PAGE) {
                outcomes.skippedFree(order);
            } else {
                allocator.free(pfn, order, vcpu);
            }
        }
    }

    /** What a replay could not do as recorded: allocs that failed and the frees of their blocks it skipped. */
    static final class Outcomes {
        long failedMeasuredAllocs;
        long failedSetupAllocs;
        long skippedFrees;
        /** Pages and blocks the workload believes it holds that the allocator never handed out. */
        long phantomPages;
        long phantomBlocks;
        boolean measured;

        void failedAlloc(final int order) {
            if (measured) {
                failedMeasuredAllocs++;
            } else {
                failedSetupAllocs++;
            }
            phantomPages += 1L << order;
            phantomBlocks++;
        }

        void skippedFree(final int order) {
            skippedFrees++;
            phantomPages -= 1L << order;
            phantomBlocks--;
        }
    }

    /**
     * Records one stream into tapes, chunk by chunk, from the op the caller has just taken from it
     * (the stream's first op that {@link Workload#generatesAhead()} covers).
     */
    static final class Recorder {
        private final Workload workload;
        private final Op op;
        private boolean pending;
        private long[] handles = new long[1 << 10];
        private int[] freeHandles = new int[1 << 10];
        private int freeCount;
        private int nextHandle;

        /**
         * @param op      holds the stream's next op, already produced and not yet performed
         * @param pending false when the stream was already finished
         */
        Recorder(final Workload workload, final Op op, final boolean pending) {
            this.workload = workload;
            this.op = op;
            this.pending = pending;
        }

        /** Whether the stream has ops left to record. */
        boolean hasMore() {
            return pending;
        }

        /** Whether the next op to record is a measured one (only when {@link #hasMore()}). */
        boolean nextMeasured() {
            return op.measured;
        }

        /** The handle table the replay of this stream's tapes reads and writes. */
        long[] handles() {
            return handles;
        }

        /**
         * Fills {@code tape} with the stream's next ops, up to its capacity, stopping before the
         * first op whose measured flag differs from the first one's.
         *
         * @return false when there was nothing left to record ({@code tape} is then unchanged)
         */
        boolean record(final OpTape tape) {
            if (!pending) {
                return false;
            }
            tape.measured = op.measured;
            final long[] w = tape.words;
            final int capacity = tape.capacity();
            int n = 0;
            int allocs = 0;
            while (pending && n < capacity && op.measured == tape.measured) {
                if (op.kind == Op.ALLOC) {
                    allocs++;
                    final int h = takeHandle();
                    w[2 * n] = ((long) h << HANDLE_SHIFT) | ((long) op.order << ORDER_SHIFT);
                    w[2 * n + 1] = op.allocatee;
                    workload.allocated(TOKEN | h);
                } else {
                    final int h;
                    if ((op.pfn & TOKEN) != 0) {
                        h = (int) (op.pfn & ~TOKEN);
                        giveBack(h);
                    } else {
                        // A block from before the tape: a fresh handle, filled in now and never
                        // taken again, so no replay of an earlier alloc can overwrite it first.
                        h = newHandle();
                        handles[h] = op.pfn;
                    }
                    w[2 * n] = ((long) h << HANDLE_SHIFT) | ((long) op.order << ORDER_SHIFT) | KIND_FREE;
                    w[2 * n + 1] = 0;
                }
                n++;
                pending = workload.next(op);
            }
            tape.ops = n;
            tape.allocs = allocs;
            return n > 0;
        }

        private int takeHandle() {
            if (freeCount > 0) {
                return freeHandles[--freeCount];
            }
            return newHandle();
        }

        /** A handle never used before; the table grows (a copy keeps every pfn already in it). */
        private int newHandle() {
            if (nextHandle == handles.length) {
                handles = java.util.Arrays.copyOf(handles, handles.length * 2);
            }
            return nextHandle++;
        }

        /**
         * A freed handle may be taken again by a later alloc of the same chunk: the replay performs
         * ops in order, so the free reads the old pfn before the new alloc overwrites it.
         */
        private void giveBack(final int h) {
            if (freeCount == freeHandles.length) {
                freeHandles = java.util.Arrays.copyOf(freeHandles, freeHandles.length * 2);
            }
            freeHandles[freeCount++] = h;
        }
    }
}
