package dev.memu.driver;

/**
 * The stretch of a timed pass during which the host must be left alone: from the moment every
 * vcpu has finished its warm-up until the measured ops and the harness are done. A run that
 * shares the host with other work of memu's (compare's parent counts the next configuration's
 * cachelines while its child JVM starts, fills and warms up) learns through this when to stop
 * and when it may go on, so that nothing of memu's runs beside what is timed.
 *
 * <p>{@link #enter()} is called once, by the last vcpu to finish its warm-up, before any vcpu
 * reads the clock; it returns when the host is quiet. {@link #leave()} is called once when the
 * timed pass is over, however it ended (also when {@code enter} never ran).
 */
public interface QuietWindow {

    /** Nobody to tell: the pass times at once. */
    QuietWindow NONE = new QuietWindow() {
        @Override
        public void enter() {
        }

        @Override
        public void leave() {
        }
    };

    /** Every vcpu is warm and waits: returns when the measured ops may start. */
    void enter();

    /** The measured ops and the harness are done (or the pass failed). */
    void leave();
}
