package dev.memu.driver;

/**
 * Rate-limits progress reports for one pass: silent for the first {@link ProgressListener#DELAY_NS},
 * then one report per {@link ProgressListener#INTERVAL_NS}. Cheap to call often: one
 * {@code nanoTime} per call.
 */
public final class ProgressMeter {

    private final ProgressListener listener;
    private final String pass;
    private final long estimatedTotal;
    private final java.util.function.LongSupplier clock;
    private final long startNs;
    private long lastNs;
    private long lastDone;
    private boolean reported;

    public ProgressMeter(final ProgressListener listener, final String pass, final long estimatedTotal) {
        this(listener, pass, estimatedTotal, System::nanoTime);
    }

    public ProgressMeter(final ProgressListener listener, final String pass, final long estimatedTotal,
                         final java.util.function.LongSupplier clock) {
        this.listener = listener;
        this.pass = pass;
        this.estimatedTotal = estimatedTotal;
        this.clock = clock;
        this.startNs = clock.getAsLong();
        this.lastNs = startNs;
    }

    public void update(final long done) {
        final long now = clock.getAsLong();
        if (now - startNs < ProgressListener.DELAY_NS || now - lastNs < ProgressListener.INTERVAL_NS) {
            return;
        }
        final double rate = (done - lastDone) * 1e9 / (now - lastNs);
        listener.progress(pass, done, Math.max(estimatedTotal, done), rate);
        reported = true;
        lastNs = now;
        lastDone = done;
    }

    public void finish() {
        if (reported) {
            listener.passDone(pass);
        }
    }
}
