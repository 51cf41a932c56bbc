package dev.memu.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The children of one compare that are alive at one time, and which of them times. While one
 * times, every other is stopped as a whole ({@link ChildSignals}: no thread of it runs, its
 * JIT's neither) and continued when the timing is over; a child is never started while one
 * times. So a second child may start, fill and warm up while the first does what is not
 * timed, and nothing of memu's runs beside a measured op.
 */
final class Siblings {

    /** What a stopped child must be able to do: stop and go on. */
    interface Stoppable {
        void stop();

        void resume();
    }

    /** One child's place among its siblings, handed to the code that starts and waits for it. */
    final class Slot implements ChildJvm.Host {

        @Override
        public void starting() throws InterruptedException {
            Siblings.this.starting();
        }

        @Override
        public void started(final Process child) {
            started(child == null ? null : new Stoppable() {
                @Override
                public void stop() {
                    ChildSignals.stop(child.pid());
                }

                @Override
                public void resume() {
                    ChildSignals.resume(child.pid());
                }
            });
        }

        /** The child has started, or failed to ({@code null}); it can now be stopped through {@code s}. */
        void started(final Stoppable s) {
            Siblings.this.started(this, s);
        }

        @Override
        public void ended() {
            Siblings.this.ended(this);
        }

        /** This child is about to time: stops every other, once none is starting. */
        void hold() throws InterruptedException {
            Siblings.this.hold(this);
        }

        /** This child is done timing: the others go on. */
        void release() {
            Siblings.this.release(this);
        }
    }

    private final Map<Slot, Stoppable> live = new LinkedHashMap<>();
    private final List<Stoppable> stopped = new ArrayList<>();
    private Slot timing;
    private int starting;

    Slot slot() {
        return new Slot();
    }

    private synchronized void starting() throws InterruptedException {
        while (timing != null) {
            wait();
        }
        starting++;
    }

    private synchronized void started(final Slot slot, final Stoppable s) {
        starting--;
        if (s != null) {
            live.put(slot, s);
        }
        notifyAll();
    }

    private synchronized void ended(final Slot slot) {
        final Stoppable s = live.remove(slot);
        if (s != null && stopped.remove(s)) {
            s.resume();     // a stopped child that is killed ends; one that ended on its own was not stopped
        }
        if (timing == slot) {
            release(slot);
        }
        notifyAll();
    }

    private synchronized void hold(final Slot self) throws InterruptedException {
        while (starting > 0 || timing != null) {
            wait();
        }
        timing = self;
        for (final Map.Entry<Slot, Stoppable> e : live.entrySet()) {
            if (e.getKey() != self) {
                e.getValue().stop();
                stopped.add(e.getValue());
            }
        }
    }

    private synchronized void release(final Slot self) {
        if (timing != self) {
            return;
        }
        for (final Stoppable s : stopped) {
            s.resume();
        }
        stopped.clear();
        timing = null;
        notifyAll();
    }
}
