package dev.memu.cli;

import dev.memu.driver.CountingPace;
import dev.memu.driver.Driver;
import dev.memu.driver.QuietWindow;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.IntConsumer;

/**
 * compare's churn configurations: each timed in its own child JVM, all counted in this JVM, with
 * nothing of memu's running beside a child while it times.
 *
 * <p>What may overlap is what is not timed: this JVM's counting pass (one at a time, on one
 * thread, configuration after configuration), the start, fill and warm-up of up to {@code
 * lookahead} children, and the previous child's verification, report and exit. What may not: a
 * child's measured ops and harness run alone. A child asks for the host when every vcpu is warm
 * ({@link QuietHandshake}); its turn comes once the previous child has ended, the counting pass
 * is held at a checkpoint ({@link CountingPace}) and every other live child is stopped ({@link
 * Siblings}); all go on when the child says it is done timing, and the child {@code lookahead}
 * places on starts then. The counts are those of a count alone (the counting pass does not
 * depend on when it runs, and a test checks it); only the wall time changes.
 * <pre>
 * lookahead 2 (a child's warm-up, held back for its JIT, leaves a CPU free for the next one):
 * count:   [count 0 ......][count 1 ......]    [count 2 .....]
 * child 0: [start fill warm...] TIME [verify exit]
 * child 1: [start fill warm.....]stopped[.....]  TIME [verify exit]
 * child 2:                           [start fill warm ...........]
 * </pre>
 */
final class AlongsidePipeline {

    /**
     * Runs configuration {@code index}'s child to its end, with {@code quiet} as its handshake,
     * telling {@code slot} when it starts and ends; returns its result.
     */
    @FunctionalInterface
    interface Child {
        Map<String, Object> run(int index, QuietWindow quiet, Siblings.Slot slot) throws Exception;
    }

    /** Counts configuration {@code index}, held still whenever {@code pace} is paused. */
    @FunctionalInterface
    interface Count {
        Driver.Counts count(int index, CountingPace pace);
    }

    private AlongsidePipeline() {
    }

    /**
     * Times and counts {@code n} configurations; {@code starting} is told when child {@code i}
     * starts. Returns each child's result with its counts put in, in configuration order.
     */
    static List<Map<String, Object>> run(final int n, final Child child, final Count count,
                                         final IntConsumer starting) throws Exception {
        return run(n, child, count, starting, () -> true, 1);
    }

    /** How many children may start, fill and warm up at once here: 2 where they can be stopped ({@link ChildSignals}). */
    static int lookahead() {
        return ChildSignals.available() ? 2 : 1;
    }

    /**
     * {@link #run(int, Child, Count, IntConsumer)}; child {@code i} starts once child {@code
     * i - lookahead} is done timing, and while an earlier one is alive only when {@code
     * mayOverlapStart} says so at that moment, else once that one has ended (the first child of
     * a fresh jar writes the class-data archive the others start from: {@link
     * ChildJvm#sharingReady}).
     */
    static List<Map<String, Object>> run(final int n, final Child child, final Count count,
                                         final IntConsumer starting, final java.util.function.BooleanSupplier mayOverlapStart,
                                         final int lookahead)
            throws Exception {
        if (lookahead < 1) {
            throw new IllegalArgumentException("lookahead " + lookahead);
        }
        final CountingPace pace = new CountingPace();
        final Siblings siblings = new Siblings();
        final List<CompletableFuture<Driver.Counts>> counts = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            counts.add(new CompletableFuture<>());
        }
        Thread.ofPlatform().daemon().name("memu-compare-count").start(() -> {
            for (int i = 0; i < n; i++) {
                try {
                    counts.get(i).complete(count.count(i, pace));
                } catch (final Throwable t) {
                    for (int j = i; j < n; j++) {
                        counts.get(j).completeExceptionally(t);
                    }
                    return;
                }
            }
        });
        final List<CompletableFuture<Map<String, Object>>> trees = new ArrayList<>();
        final List<CompletableFuture<Void>> timed = new ArrayList<>();
        try {
            for (int i = 0; i < n; i++) {
                if (i >= lookahead) {
                    CompletableFuture.anyOf(timed.get(i - lookahead), trees.get(i - lookahead)).handle((v, t) -> null).get();
                }
                if (i >= 1 && !mayOverlapStart.getAsBoolean()) {
                    trees.get(i - 1).handle((v, t) -> null).get();
                }
                if (trees.stream().anyMatch(CompletableFuture::isCompletedExceptionally)) {
                    break;          // the first failure ends the compare; the children before it are waited for below
                }
                final int index = i;
                final CompletableFuture<?> mayTime = i == 0 ? CompletableFuture.completedFuture(null) : trees.get(i - 1);
                final CompletableFuture<Void> doneTiming = new CompletableFuture<>();
                final CompletableFuture<Map<String, Object>> tree = new CompletableFuture<>();
                final Siblings.Slot slot = siblings.slot();
                trees.add(tree);
                timed.add(doneTiming);
                starting.accept(index);
                final QuietWindow quiet = new QuietWindow() {
                    @Override
                    public void enter() {
                        try {
                            mayTime.handle((v, t) -> null).get();   // the previous child has ended, however
                            pace.pause();
                            slot.hold();
                        } catch (final InterruptedException e) {
                            Thread.currentThread().interrupt();
                            throw new IllegalStateException("interrupted while waiting to hand over the host", e);
                        } catch (final ExecutionException e) {
                            throw new IllegalStateException(e.getCause());
                        }
                    }

                    @Override
                    public void leave() {
                        slot.release();
                        pace.resume();
                        doneTiming.complete(null);
                    }
                };
                Thread.ofPlatform().daemon().name("memu-compare-child-" + index).start(() -> {
                    try {
                        tree.complete(child.run(index, quiet, slot));
                    } catch (final Throwable t) {
                        tree.completeExceptionally(t);
                    } finally {
                        doneTiming.complete(null);
                    }
                });
            }
            final List<Map<String, Object>> results = new ArrayList<>();
            for (int i = 0; i < trees.size(); i++) {
                final Map<String, Object> t = join(trees.get(i));
                ResultTree.putCounts(t, join(counts.get(i)));
                results.add(t);
            }
            return results;
        } finally {
            pace.resume();
            for (final CompletableFuture<Map<String, Object>> t : trees) {
                t.handle((v, e) -> null).get();      // no child left running behind a failure
            }
            // The counter is a daemon: after a failure, a count still running ends with this JVM.
        }
    }

    private static <T> T join(final CompletableFuture<T> f) throws Exception {
        try {
            return f.get();
        } catch (final ExecutionException e) {
            if (e.getCause() instanceof Exception x) {
                throw x;
            }
            throw new IllegalStateException(e.getCause());
        }
    }
}
