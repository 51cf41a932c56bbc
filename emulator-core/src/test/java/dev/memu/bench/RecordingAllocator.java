package dev.memu.bench;

import dev.memu.alloc.PageAllocator;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Wraps a real allocator and records who allocated and who freed each block, per vcpu in call
 * order. A dynamic proxy, so it keeps working when {@link PageAllocator} grows methods.
 * Optionally starts returning {@link PageAllocator#NO_PAGE} after a number of allocations.
 */
final class RecordingAllocator implements InvocationHandler {

    final PageAllocator target;
    final List<List<Long>> allocsByVcpu = new ArrayList<>();
    final List<List<Long>> freesByVcpu = new ArrayList<>();
    /** pfn -> vcpu that allocated the live block. */
    final Map<Long, Integer> live = new ConcurrentHashMap<>();
    final AtomicLong crossFrees = new AtomicLong();
    final AtomicLong unknownFrees = new AtomicLong();
    /** freeBatch calls, and the most blocks one of them freed. */
    final AtomicLong batches = new AtomicLong();
    final AtomicLong largestBatch = new AtomicLong();
    private final AtomicInteger allocsLeft;

    private RecordingAllocator(final PageAllocator target, final int vcpus, final int failAfter) {
        this.target = target;
        for (int v = 0; v < vcpus; v++) {
            allocsByVcpu.add(new ArrayList<>());
            freesByVcpu.add(new ArrayList<>());
        }
        this.allocsLeft = new AtomicInteger(failAfter);
    }

    static RecordingAllocator wrap(final PageAllocator target, final int vcpus) {
        return new RecordingAllocator(target, vcpus, Integer.MAX_VALUE);
    }

    static RecordingAllocator failingAfter(final PageAllocator target, final int vcpus, final int allocs) {
        return new RecordingAllocator(target, vcpus, allocs);
    }

    PageAllocator proxy() {
        return (PageAllocator) Proxy.newProxyInstance(PageAllocator.class.getClassLoader(),
                new Class<?>[] {PageAllocator.class}, this);
    }

    long totalAllocs() {
        return allocsByVcpu.stream().mapToLong(List::size).sum();
    }

    long totalFrees() {
        return freesByVcpu.stream().mapToLong(List::size).sum();
    }

    @Override
    public Object invoke(final Object proxy, final Method method, final Object[] args) throws Throwable {
        switch (method.getName()) {
            case "alloc" -> {
                final int vcpu = (int) args[2];
                if (allocsLeft.getAndDecrement() <= 0) {
                    return PageAllocator.NO_PAGE;
                }
                final long pfn = target.alloc((int) args[0], (long) args[1], vcpu);
                if (pfn != PageAllocator.NO_PAGE) {
                    allocsByVcpu.get(vcpu).add(pfn);
                    if (live.put(pfn, vcpu) != null) {
                        throw new AssertionError("pfn " + pfn + " handed out twice");
                    }
                }
                return pfn;
            }
            case "free" -> {
                final long pfn = (long) args[0];
                final int vcpu = (int) args[2];
                // Forget the block before the real free: once freed, another vcpu may get it at once.
                final Integer owner = live.remove(pfn);
                try {
                    target.free(pfn, (int) args[1], vcpu);
                } catch (final RuntimeException e) {
                    if (owner != null) {
                        live.put(pfn, owner);
                    }
                    throw e;
                }
                freesByVcpu.get(vcpu).add(pfn);
                if (owner == null) {
                    unknownFrees.incrementAndGet();
                } else if (owner != vcpu) {
                    crossFrees.incrementAndGet();
                }
                return null;
            }
            case "freeBatch" -> {
                final long[] pfns = (long[]) args[0];
                final int from = (int) args[1];
                final int to = (int) args[2];
                final int vcpu = (int) args[4];
                final Integer[] owners = new Integer[to - from];
                for (int i = from; i < to; i++) {
                    owners[i - from] = live.remove(pfns[i]);
                }
                target.freeBatch(pfns, from, to, (int) args[3], vcpu);    // a rejected batch fails the test
                batches.incrementAndGet();
                largestBatch.accumulateAndGet(to - from, Math::max);
                for (int i = from; i < to; i++) {
                    freesByVcpu.get(vcpu).add(pfns[i]);
                    if (owners[i - from] == null) {
                        unknownFrees.incrementAndGet();
                    } else if (owners[i - from] != vcpu) {
                        crossFrees.incrementAndGet();
                    }
                }
                return null;
            }
            default -> {
                try {
                    return method.invoke(target, args);
                } catch (final InvocationTargetException e) {
                    throw e.getCause();
                }
            }
        }
    }
}
