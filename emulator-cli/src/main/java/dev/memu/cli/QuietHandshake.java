package dev.memu.cli;

import dev.memu.driver.QuietWindow;

import java.io.PrintWriter;

/**
 * The child's side of compare's quiet window: a {@code compare --child} whose parent counts
 * cachelines alongside it asks for the host before it times and gives it back afterwards.
 *
 * <p>The protocol is two lines on the child's stdout (which its parent reads anyway, for the
 * JSON result that follows them) and one byte back on the child's stdin (which the parent holds
 * open for {@link ParentWatch}):
 * <pre>
 * child  stdout  {@value #ASK}     every vcpu is warm; the child waits
 * parent         holds its counting pass still, then writes one byte on the child's stdin
 * child          times the measured ops and the harness
 * child  stdout  {@value #DONE}    the timing is over; the parent may count again
 * </pre>
 * A parent that does not answer within {@link #TIMEOUT_MS} is a bug, not a slow host: the child
 * then fails rather than time on a host that may be busy.
 */
final class QuietHandshake implements QuietWindow {

    static final String ASK = "memu-child: quiet please";
    static final String DONE = "memu-child: done timing";
    static final long TIMEOUT_MS = 120_000;

    private final PrintWriter out;

    QuietHandshake(final PrintWriter out) {
        this.out = out;
    }

    @Override
    public void enter() {
        out.println(ASK);
        out.flush();
        try {
            if (!ParentWatch.awaitTurn(TIMEOUT_MS)) {
                throw new IllegalStateException("the parent did not hand over the host within "
                        + TIMEOUT_MS / 1000 + " s");
            }
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the parent to hand over the host", e);
        }
    }

    @Override
    public void leave() {
        out.println(DONE);
        out.flush();
    }
}
