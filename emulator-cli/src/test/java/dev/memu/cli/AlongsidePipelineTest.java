package dev.memu.cli;

import dev.memu.driver.AllocatorBoot;
import dev.memu.driver.Driver;
import dev.memu.driver.ProgressListener;
import dev.memu.driver.RunSpec;
import dev.memu.driver.StreamFactory;
import dev.memu.workload.WorkloadSpec;
import dev.memu.workload.Workloads;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** compare's pipeline of child JVMs and counts, with children played by threads of this JVM. */
class AlongsidePipelineTest {

    private static RunSpec spec(final long seed) {
        return new RunSpec(16L << 20, 12, "memdesc8", "potad", 1,
                WorkloadSpec.defaults(Workloads.CHURN).withOps(8_000, 4_000), seed, null);
    }

    @Test
    void childrenTimeAloneOneAfterAnotherAndGetTheirOwnCounts() throws Exception {
        final int n = 4;
        final AtomicInteger alive = new AtomicInteger();
        final AtomicInteger timing = new AtomicInteger();
        final List<String> problems = Collections.synchronizedList(new ArrayList<>());
        final List<Integer> started = Collections.synchronizedList(new ArrayList<>());
        final List<Map<String, Object>> results = AlongsidePipeline.run(n, (i, quiet, slot) -> {
            alive.incrementAndGet();
            try {
                for (int k = 0; k < 1000; k++) {
                    Thread.onSpinWait();        // "start, fill, warm-up"
                }
                quiet.enter();
                if (alive.get() != 1) {
                    problems.add("child " + i + " times with " + alive.get() + " children alive");
                }
                if (timing.incrementAndGet() != 1) {
                    problems.add("two children timing at once");
                }
                timing.decrementAndGet();
                quiet.leave();
                for (int k = 0; k < 1000; k++) {
                    Thread.onSpinWait();        // "verify, report, exit"
                }
                final Map<String, Object> tree = new LinkedHashMap<>();
                tree.put("index", i);
                return tree;
            } finally {
                alive.decrementAndGet();
            }
        }, (i, pace) -> Driver.count(spec(i), StreamFactory.FROM_SPEC, AllocatorBoot.NONE, ProgressListener.NONE, pace),
                started::add);
        assertEquals(List.of(), problems);
        assertEquals(List.of(0, 1, 2, 3), started);
        assertEquals(n, results.size());
        for (int i = 0; i < n; i++) {
            assertEquals(i, results.get(i).get("index"));
            final Driver.Counts alone = Driver.count(spec(i), StreamFactory.FROM_SPEC, AllocatorBoot.NONE,
                    ProgressListener.NONE);
            final Map<String, Object> expected = new LinkedHashMap<>();
            ResultTree.putCounts(expected, alone);
            for (final Map.Entry<String, Object> e : expected.entrySet()) {
                assertEquals(e.getValue(), results.get(i).get(e.getKey()), "configuration " + i + ": " + e.getKey());
            }
        }
    }

    /**
     * Starts a fake child in {@code slot}: its stop count (0 running, 1 stopped) goes into {@code
     * stopped} under its index, and is returned.
     */
    private static AtomicInteger start(final Siblings.Slot slot, final int index,
                                       final Map<Integer, AtomicInteger> stopped) throws InterruptedException {
        slot.starting();
        final AtomicInteger mine = new AtomicInteger();
        stopped.put(index, mine);
        slot.started(new Siblings.Stoppable() {
            @Override
            public void stop() {
                mine.incrementAndGet();
            }

            @Override
            public void resume() {
                mine.decrementAndGet();
            }
        });
        return mine;
    }

    @Test
    void withALookaheadOfTwoASecondChildWarmsUpButIsStoppedWhileAnotherTimes() throws Exception {
        final int n = 5;
        final java.util.Map<Integer, AtomicInteger> stopped = new java.util.concurrent.ConcurrentHashMap<>();
        final AtomicInteger untimed = new AtomicInteger();     // alive and not yet done timing
        final AtomicInteger mostUntimed = new AtomicInteger();
        final List<String> problems = Collections.synchronizedList(new ArrayList<>());
        final List<Integer> timedOrder = Collections.synchronizedList(new ArrayList<>());
        final List<Map<String, Object>> results = AlongsidePipeline.run(n, (i, quiet, slot) -> {
            final AtomicInteger mine = start(slot, i, stopped);
            mostUntimed.accumulateAndGet(untimed.incrementAndGet(), Math::max);
            boolean timed = false;
            try {
                for (int k = 0; k < 100_000; k++) {
                    Thread.onSpinWait();        // "start, fill, warm-up"
                }
                quiet.enter();
                timedOrder.add(i);
                stopped.forEach((j, s) -> {
                    if (j != i && s.get() != 1) {
                        problems.add("child " + j + " not stopped (" + s.get() + ") while child " + i + " times");
                    }
                });
                if (mine.get() != 0) {
                    problems.add("child " + i + " times while stopped");
                }
                untimed.decrementAndGet();
                timed = true;
                quiet.leave();
                for (int k = 0; k < 100_000; k++) {
                    Thread.onSpinWait();        // "verify, report, exit": the next child may start meanwhile
                }
                return new LinkedHashMap<>(Map.of("index", i));
            } finally {
                if (!timed) {
                    untimed.decrementAndGet();
                }
                stopped.remove(i);
                slot.ended();
            }
        }, (i, pace) -> Driver.count(spec(i), StreamFactory.FROM_SPEC, AllocatorBoot.NONE, ProgressListener.NONE, pace),
                i -> { }, () -> true, 2);
        assertEquals(List.of(), problems);
        assertEquals(List.of(0, 1, 2, 3, 4), timedOrder, "children time in configuration order");
        assertEquals(2, mostUntimed.get(), "two children start, fill and warm up at once, never three");
        for (int i = 0; i < n; i++) {
            assertEquals(i, results.get(i).get("index"));
            assertTrue(results.get(i).containsKey("cachelinesPerOp"));
        }
    }

    @Test
    void withALookaheadOfTwoAChildFailingWhileStoppedEndsThePipelineAndLeavesNoChildStopped() {
        final java.util.Map<Integer, AtomicInteger> stopped = new java.util.concurrent.ConcurrentHashMap<>();
        final List<Integer> started = Collections.synchronizedList(new ArrayList<>());
        final java.util.concurrent.CountDownLatch zeroTimes = new java.util.concurrent.CountDownLatch(1);
        final IllegalStateException e = assertThrows(IllegalStateException.class, () -> AlongsidePipeline.run(4,
                (i, quiet, slot) -> {
                    final AtomicInteger mine = start(slot, i, stopped);
                    try {
                        if (i == 1) {
                            zeroTimes.await();          // fails while child 0 times, as if killed
                            throw new IllegalStateException("child 1 failed");
                        }
                        quiet.enter();
                        if (i == 0) {
                            zeroTimes.countDown();
                            Thread.sleep(200);   // child 1's failure is recorded meanwhile
                        }
                        quiet.leave();
                        return new LinkedHashMap<>();
                    } finally {
                        slot.ended();
                    }
                },
                (i, pace) -> Driver.count(spec(i), StreamFactory.FROM_SPEC, AllocatorBoot.NONE, ProgressListener.NONE,
                        pace),
                started::add, () -> true, 2));
        assertEquals("child 1 failed", e.getMessage());
        assertEquals(List.of(0, 1), started, "no child starts after a failure");
        stopped.forEach((i, s) -> assertEquals(0, s.get(), "child " + i + " left stopped"));
    }

    @Test
    void whileOverlappingIsNotYetSafeTheNextChildStartsOnlyAfterThePreviousEnded() throws Exception {
        final AtomicInteger alive = new AtomicInteger();
        final List<String> problems = Collections.synchronizedList(new ArrayList<>());
        final AtomicInteger ended = new AtomicInteger();
        AlongsidePipeline.run(3, (i, quiet, slot) -> {
            if (alive.incrementAndGet() != 1 && ended.get() < 1) {
                problems.add("child " + i + " started while child " + (i - 1) + " was alive, before the first had ended");
            }
            try {
                quiet.enter();
                quiet.leave();
                return new LinkedHashMap<>();
            } finally {
                alive.decrementAndGet();
                ended.incrementAndGet();
            }
        }, (i, pace) -> Driver.count(spec(i), StreamFactory.FROM_SPEC, AllocatorBoot.NONE, ProgressListener.NONE, pace),
                i -> { }, () -> ended.get() >= 1, 2);     // as ChildJvm.sharingReady: once the first child wrote the archive
        assertEquals(List.of(), problems);
    }

    @Test
    void aFailingChildEndsThePipelineWithItsErrorAndNoLaterChildStarts() {
        final List<Integer> started = Collections.synchronizedList(new ArrayList<>());
        final IllegalStateException e = assertThrows(IllegalStateException.class, () -> AlongsidePipeline.run(3,
                (i, quiet, slot) -> {
                    if (i == 1) {
                        throw new IllegalStateException("child 1 failed");
                    }
                    quiet.enter();
                    quiet.leave();
                    return new LinkedHashMap<>();
                },
                (i, pace) -> Driver.count(spec(i), StreamFactory.FROM_SPEC, AllocatorBoot.NONE, ProgressListener.NONE,
                        pace),
                started::add));
        assertEquals("child 1 failed", e.getMessage());
        assertEquals(List.of(0, 1), started);
    }

    @Test
    void aChildThatNeverAsksForTheHostStillLetsTheNextOneGo() throws Exception {
        final List<Map<String, Object>> results = AlongsidePipeline.run(2, (i, quiet, slot) -> {
            if (i == 1) {
                quiet.enter();
                quiet.leave();
            }
            final Map<String, Object> tree = new LinkedHashMap<>();
            tree.put("index", i);
            return tree;
        }, (i, pace) -> Driver.count(spec(i), StreamFactory.FROM_SPEC, AllocatorBoot.NONE, ProgressListener.NONE, pace),
                i -> { });
        assertEquals(2, results.size());
        assertTrue(results.get(0).containsKey("cachelinesPerOp") && results.get(1).containsKey("cachelinesPerOp"),
                results.toString());
    }
}
