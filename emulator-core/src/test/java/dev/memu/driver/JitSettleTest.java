package dev.memu.driver;

import org.junit.jupiter.api.Test;

import java.util.function.LongConsumer;
import java.util.function.LongSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JitSettleTest {

    /** A fake host: parking moves the clock; the compiler uses {@code busyShare} of a CPU while the clock is before {@code busyUntil}. */
    private static final class FakeHost implements JitActivity, LongSupplier, LongConsumer {
        long now;
        long cpu;
        long busyUntil;
        double busyShare = 1.0;
        int reads;

        @Override
        public long compilerCpuNanos() {
            return cpu;
        }

        /** The waits read demand: here all of it is CPU (a compiler with a CPU of its own). */
        @Override
        public long compilerDemandNanos() {
            reads++;
            return cpu;
        }

        @Override
        public long getAsLong() {
            return now;
        }

        @Override
        public void accept(final long ns) {
            advance(ns);
        }

        void advance(final long ns) {
            final long busy = Math.max(0, Math.min(now + ns, busyUntil) - now);
            cpu += (long) (busy * busyShare);
            now += ns;
        }
    }

    @Test
    void aQuietCompilerIsQuietAfterOneWindow() {
        final FakeHost host = new FakeHost();
        final JitSettle.Result r = JitSettle.await(host, host, host);
        assertTrue(r.quiet());
        assertTrue(r.known());
        assertTrue(r.waitedNs() >= JitSettle.WINDOW_NS && r.waitedNs() < JitSettle.WINDOW_NS + 2 * JitSettle.POLL_NS,
                "waited " + r.waitedNs());
    }

    @Test
    void theWaitLastsUntilTheCompilerHasBeenIdleForAWindow() {
        final FakeHost host = new FakeHost();
        host.busyUntil = 300_000_000L;
        final JitSettle.Result r = JitSettle.await(host, host, host);
        assertTrue(r.quiet());
        assertTrue(r.waitedNs() >= host.busyUntil + JitSettle.WINDOW_NS - JitSettle.WINDOW_NS * JitSettle.BUSY_SHARE,
                "waited " + r.waitedNs());
        assertTrue(r.waitedNs() <= host.busyUntil + JitSettle.WINDOW_NS + 2 * JitSettle.POLL_NS, "waited " + r.waitedNs());
    }

    @Test
    void aCompilerBusyAtALowShareCountsAsQuiet() {
        final FakeHost host = new FakeHost();
        host.busyUntil = Long.MAX_VALUE;
        host.busyShare = JitSettle.BUSY_SHARE / 2;
        assertTrue(JitSettle.await(host, host, host).quiet());
    }

    @Test
    void aCompilerThatNeverStopsIsGivenUpOnAfterTheLongestWait() {
        final FakeHost host = new FakeHost();
        host.busyUntil = Long.MAX_VALUE;
        final JitSettle.Result r = JitSettle.await(host, host, host);
        assertFalse(r.quiet());
        assertTrue(r.known());
        assertTrue(r.waitedNs() >= JitSettle.MAX_WAIT_NS && r.waitedNs() < JitSettle.MAX_WAIT_NS + 2 * JitSettle.POLL_NS);
    }

    @Test
    void aClockThatStandsStillDoesNotHangTheWait() {
        final FakeHost host = new FakeHost();
        final JitSettle.Result r = JitSettle.await(host, host, ns -> { });
        assertFalse(r.quiet());
        assertEquals(2 * JitSettle.MAX_WAIT_NS / JitSettle.POLL_NS + 2, host.reads);
    }

    @Test
    void aGapBetweenReadsStartsTheWindowAgain() {
        final FakeHost host = new FakeHost();
        host.busyUntil = Long.MAX_VALUE;
        final int[] parks = {0};
        // busy for 5 reads, then the process is stopped for a second (the compiler cannot run
        // either), then idle: quiet only a whole window after the gap, not at the first read after it
        final JitSettle.Result r = JitSettle.await(host, host, ns -> {
            if (++parks[0] == 5) {
                host.busyUntil = host.now;
                host.now += 1_000_000_000L;
            } else {
                host.advance(ns);
            }
        });
        assertTrue(r.quiet());
        assertTrue(r.waitedNs() >= 1_000_000_000L + 4 * JitSettle.POLL_NS + JitSettle.WINDOW_NS, "waited " + r.waitedNs());
    }

    @Test
    void anUnknownCompilerIsNotWaitedFor() {
        final FakeHost host = new FakeHost();
        final JitSettle.Result r = JitSettle.await(JitActivity.UNKNOWN, host, host);
        assertEquals(JitSettle.Result.NOT_WAITED, r);
        assertEquals(0, host.now);
    }

    @Test
    void anInterruptedThreadDoesNotSpin() {
        final FakeHost host = new FakeHost();
        host.busyUntil = Long.MAX_VALUE;
        Thread.currentThread().interrupt();
        try {
            final JitSettle.Result r = JitSettle.await(host, host, host);
            assertFalse(r.quiet());
            assertEquals(0, r.waitedNs());
        } finally {
            assertTrue(Thread.interrupted(), "the interrupt is left to the caller");
        }
    }

    @Test
    void thePacerWaitsOnlyWhenTheCompilerWasBusySinceItsLastCall() {
        final FakeHost host = new FakeHost();
        final JitSettle.Pacer pacer = new JitSettle.Pacer(host, host, host);
        pacer.pace();                           // first call: nothing to compare with
        host.advance(10_000_000L);
        pacer.pace();                           // idle since: no wait
        assertEquals(0, pacer.waitedNs());
        assertEquals(10_000_000L, host.now);

        host.busyUntil = host.now + 100_000_000L;
        host.busyShare = 1.0;
        host.advance(10_000_000L);              // a warm-up step during which the compiler ran flat out
        pacer.pace();
        assertTrue(pacer.waitedNs() >= 90_000_000L, "waited " + pacer.waitedNs());
        assertTrue(host.now >= host.busyUntil + JitSettle.WINDOW_NS - JitSettle.WINDOW_NS * JitSettle.BUSY_SHARE);

        final long waited = pacer.waitedNs();
        host.advance(10_000_000L);
        pacer.pace();                           // the wait's own compiler time does not count against the next step
        assertEquals(waited, pacer.waitedNs());
    }

    @Test
    void thePacerOfAnUnknownCompilerNeverWaits() {
        final FakeHost host = new FakeHost();
        final JitSettle.Pacer pacer = new JitSettle.Pacer(JitActivity.UNKNOWN, host, host);
        pacer.pace();
        host.advance(1_000_000L);
        pacer.pace();
        assertEquals(0, pacer.waitedNs());
        assertEquals(1_000_000L, host.now);
    }
}
