package dev.memu.cli;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class SiblingsTest {

    /** A child that records whether it is stopped. */
    private static final class Fake implements Siblings.Stoppable {
        final List<String> log;
        final String name;
        boolean stopped;

        Fake(final String name, final List<String> log) {
            this.name = name;
            this.log = log;
        }

        @Override
        public void stop() {
            assertFalse(stopped, name + " stopped twice");
            stopped = true;
            log.add("stop " + name);
        }

        @Override
        public void resume() {
            stopped = false;
            log.add("resume " + name);
        }
    }

    @Test
    void whileOneTimesEveryOtherIsStoppedAndAfterwardsAllGoOn() throws Exception {
        final List<String> log = new ArrayList<>();
        final Siblings siblings = new Siblings();
        final Siblings.Slot a = siblings.slot();
        final Siblings.Slot b = siblings.slot();
        final Siblings.Slot c = siblings.slot();
        final Fake fa = new Fake("a", log);
        final Fake fb = new Fake("b", log);
        final Fake fc = new Fake("c", log);
        for (final Siblings.Slot s : List.of(a, b, c)) {
            s.starting();
        }
        a.started(fa);
        b.started(fb);
        c.started(fc);
        b.hold();
        assertTrue(fa.stopped && fc.stopped);
        assertFalse(fb.stopped);
        b.release();
        assertFalse(fa.stopped || fb.stopped || fc.stopped);
        assertEquals(List.of("stop a", "stop c", "resume a", "resume c"), log);
    }

    @Test
    void noChildStartsWhileOneTimes() throws Exception {
        final Siblings siblings = new Siblings();
        final Siblings.Slot a = siblings.slot();
        a.starting();
        a.started(new Fake("a", new ArrayList<>()));
        a.hold();
        final Siblings.Slot b = siblings.slot();
        final java.util.concurrent.CountDownLatch bStarting = new java.util.concurrent.CountDownLatch(1);
        final Thread starter = Thread.ofPlatform().start(() -> {
            try {
                b.starting();
                bStarting.countDown();
            } catch (final InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        assertFalse(bStarting.await(100, TimeUnit.MILLISECONDS), "b started while a timed");
        a.release();
        assertTrue(bStarting.await(10, TimeUnit.SECONDS), "b may start once a is done timing");
        starter.join(10_000);
        assertFalse(starter.isAlive());
    }

    @Test
    void aChildThatIsStartingHoldsBackTheOneAboutToTime() throws Exception {
        final Siblings siblings = new Siblings();
        final Siblings.Slot a = siblings.slot();
        final Siblings.Slot b = siblings.slot();
        a.starting();
        a.started(new Fake("a", new ArrayList<>()));
        b.starting();                       // b's process is being started: a must not time yet
        final java.util.concurrent.CountDownLatch held = new java.util.concurrent.CountDownLatch(1);
        final Thread timer = Thread.ofPlatform().start(() -> {
            try {
                a.hold();
                held.countDown();
            } catch (final InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        assertFalse(held.await(100, TimeUnit.MILLISECONDS));
        final Fake fb = new Fake("b", new ArrayList<>());
        b.started(fb);
        assertTrue(held.await(10, TimeUnit.SECONDS));
        timer.join(10_000);
        assertFalse(timer.isAlive());
        assertTrue(fb.stopped, "the child that started meanwhile is stopped before a times");
        a.release();
        assertFalse(fb.stopped);
    }

    @Test
    void aTimingChildThatEndsWithoutReleasingLetsTheOthersGoOn() throws Exception {
        final List<String> log = new ArrayList<>();
        final Siblings siblings = new Siblings();
        final Siblings.Slot a = siblings.slot();
        final Siblings.Slot b = siblings.slot();
        a.starting();
        a.started(new Fake("a", log));
        b.starting();
        final Fake fb = new Fake("b", log);
        b.started(fb);
        a.hold();
        assertTrue(fb.stopped);
        a.ended();                          // a failed while timing
        assertFalse(fb.stopped);
        b.hold();                           // and b may time
        b.release();
    }

    @Test
    void aRealProcessIsStoppedAndContinued() throws Exception {
        assumeTrue(ChildSignals.available(), "needs Linux on x86-64 or arm64");
        final Process sleeper = new ProcessBuilder("sleep", "30").start();
        try {
            final Siblings siblings = new Siblings();
            final Siblings.Slot other = siblings.slot();
            final Siblings.Slot self = siblings.slot();
            other.starting();
            other.started(sleeper);
            self.starting();
            self.started(new Fake("self", new ArrayList<>()));
            assertFalse(ChildSignals.stopped(sleeper.pid()));
            self.hold();
            assertTrue(ChildSignals.stopped(sleeper.pid()), "stopped while another times");
            self.release();
            assertFalse(ChildSignals.stopped(sleeper.pid()), "continued afterwards");
            assertTrue(sleeper.isAlive());
        } finally {
            sleeper.destroyForcibly();
            assertTrue(sleeper.waitFor(10, TimeUnit.SECONDS));
        }
    }
}
