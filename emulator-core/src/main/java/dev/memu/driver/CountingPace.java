package dev.memu.driver;

/**
 * Lets another thread hold a counting pass ({@link Driver#count}) still and let it go on. The
 * counting pass calls {@link #checkpoint()} between ops (every {@link #OPS_PER_CHECKPOINT}); a
 * {@link #pause()} returns once the counting thread waits in one (or has finished), {@link
 * #resume()} lets it go on. Counts do not depend on when or how often a pass is held, only the
 * wall time does: this is compare's way of counting one configuration while its child JVM is
 * busy with untimed work, and of keeping still while the child times ({@link QuietWindow}).
 *
 * <p>One pace can serve counting passes run one after another on one thread ({@link #begin} and
 * {@link #finish} bracket each): between passes a pause holds the next one back from starting.
 *
 * <p>Not a hot path of any measured op: the counting pass reads one volatile field per
 * checkpoint; the pausing side uses this object's monitor.
 */
public final class CountingPace {

    /** The counting pass looks at the pace once per this many ops (well under a millisecond of counting). */
    public static final int OPS_PER_CHECKPOINT = 1 << 10;

    private volatile boolean pauseRequested;
    private boolean waiting;
    private boolean running;

    /** A pace to pause and resume from another thread. */
    public CountingPace() {
    }

    /** A pace nobody ever pauses. */
    public static CountingPace free() {
        return new CountingPace();
    }

    /**
     * Called by another thread: returns when the counting thread is held at a checkpoint, or no
     * pass is running (the next one then waits in {@link #begin} until {@link #resume}).
     */
    public synchronized void pause() throws InterruptedException {
        pauseRequested = true;
        while (!waiting && running) {
            wait();
        }
    }

    /** Lets a held counting pass go on. */
    public synchronized void resume() {
        pauseRequested = false;
        notifyAll();
    }

    /** Whether the counting thread is held right now (for tests and progress). */
    public synchronized boolean held() {
        return waiting;
    }

    /** Called by the counting thread between ops: waits while a pause is asked for. */
    void checkpoint() {
        if (!pauseRequested) {
            return;
        }
        synchronized (this) {
            boolean interrupted = false;
            while (pauseRequested) {
                waiting = true;
                notifyAll();
                try {
                    wait();
                } catch (final InterruptedException e) {
                    interrupted = true;     // the pass ends as it would have: the pauser resumes it
                }
            }
            waiting = false;
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Called by the counting thread before a pass starts: waits while a pause is asked for. */
    synchronized void begin() {
        boolean interrupted = false;
        while (pauseRequested) {
            try {
                wait();
            } catch (final InterruptedException e) {
                interrupted = true;
            }
        }
        running = true;
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** Called by the counting thread when the pass has ended (normally or not): a pause no longer waits for it. */
    synchronized void finish() {
        running = false;
        notifyAll();
    }
}
