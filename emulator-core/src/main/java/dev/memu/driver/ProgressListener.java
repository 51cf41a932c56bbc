package dev.memu.driver;

/**
 * Told about a long run's progress about once a second, starting when a pass has run for
 * {@link #DELAY_NS}; short passes say nothing. Called from the thread that runs the driver, never
 * from a worker, so an implementation may print without locking.
 */
public interface ProgressListener {

    /** A pass reports only once it has run this long. */
    long DELAY_NS = 1_500_000_000L;
    /** Time between reports. */
    long INTERVAL_NS = 1_000_000_000L;

    ProgressListener NONE = new ProgressListener() {
        @Override
        public void progress(final String pass, final long done, final long estimatedTotal, final double opsPerSec) {
        }

        @Override
        public void passDone(final String pass) {
        }
    };

    /**
     * @param pass           what is running, e.g. {@code memdesc8/buddy/1t timed}
     * @param done           operations done so far (setup included)
     * @param estimatedTotal about how many the pass will do
     * @param opsPerSec      rate since the last report
     */
    void progress(String pass, long done, long estimatedTotal, double opsPerSec);

    /** The pass named has ended; called only if {@link #progress} was called for it. */
    void passDone(String pass);
}
