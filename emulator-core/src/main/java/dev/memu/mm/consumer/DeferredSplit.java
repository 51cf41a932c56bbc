package dev.memu.mm.consumer;

/**
 * The deferred split queue: after an unmap, mm/rmap.c {@code __folio_remove_rmap} (Linux 6.12)
 * queues an anon large folio that the unmap left partially mapped, unless it is already flagged
 * ({@code folio_test_partially_mapped}); {@code deferred_split_folio} ignores folios of order 1 or
 * less and takes the queue's {@code split_queue_lock} to add it. When a queued folio is freed,
 * {@code __folio_unqueue_deferred_split} takes the lock again to remove it.
 *
 * <p>A per-page zap of an exclusive folio leaves it partially mapped after its first page goes,
 * so it is queued (one lock) and unqueued at free (another); a batched zap of the whole folio never
 * does. {@link Queue} counts those acquisitions.
 */
public final class DeferredSplit {

    public enum Decision {
        QUEUE,
        NO_QUEUE
    }

    private DeferredSplit() {
    }

    /**
     * @param partiallyMappedAfterUnmap the scheme's partiallyMapped, asked after the unmap
     * @param alreadyQueued             the folio is already flagged partially mapped / on the queue
     */
    public static Decision decide(final boolean anon, final int order, final boolean partiallyMappedAfterUnmap,
                                  final boolean alreadyQueued) {
        return anon && order > 1 && partiallyMappedAfterUnmap && !alreadyQueued ? Decision.QUEUE : Decision.NO_QUEUE;
    }

    /** Lock acquisitions and length of one queue (one memcg/node's ds_queue). One per thread. */
    public static final class Queue {

        private long lockAcquisitions;
        private long queued;
        private long length;

        /** deferred_split_folio after a QUEUE decision. */
        public void queue() {
            lockAcquisitions++;
            queued++;
            length++;
        }

        /** A queued folio is freed (or split by the shrinker): one acquisition to unlink it. */
        public void unqueue() {
            if (length == 0) {
                throw new IllegalStateException("unqueue from an empty deferred split queue");
            }
            lockAcquisitions++;
            length--;
        }

        public long lockAcquisitions() {
            return lockAcquisitions;
        }

        public long queued() {
            return queued;
        }

        public long length() {
            return length;
        }
    }
}
