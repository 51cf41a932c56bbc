package dev.memu.alloc.potad;

import dev.memu.access.PlainAccess;
import dev.memu.alloc.AllocatorOptions;
import dev.memu.alloc.PageAllocator;
import dev.memu.layout.Layouts;
import dev.memu.machine.Machine;
import dev.memu.memdesc.Allocatee;
import dev.memu.memdesc.MemdescType;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A PCP's bulk free through POTAD's {@code returnBatchFromCache} leaves exactly the state that
 * {@code returnFromCache} block by block leaves: same free pages, same free blocks by order, a
 * clean verify, every memmap entry of the returned blocks cleared.
 */
class PotadReturnBatchTest {

    private static final long OWNER = Allocatee.of(MemdescType.ANON_FOLIO, 0x40);

    @ParameterizedTest(name = "{0} order {1}")
    @CsvSource({"memdesc8, 0", "memdesc8, 3", "linux64, 0", "memdesc8-hvo, 9"})
    void aBatchReturnsWhatSingleReturnsReturn(final String layout, final int order) {
        try (Machine a = Machine.create(64L << 20); Machine b = Machine.create(64L << 20)) {
            final PotadAllocator batched = new PotadAllocator(Layouts.byName(layout).bind(a, PlainAccess.INSTANCE),
                    AllocatorOptions.defaults());
            final PotadAllocator single = new PotadAllocator(Layouts.byName(layout).bind(b, PlainAccess.INSTANCE),
                    AllocatorOptions.defaults());
            final int n = order >= 9 ? 16 : 200;
            final long[] pfns = new long[n];
            for (int i = 0; i < n; i++) {
                pfns[i] = batched.takeForCache(order, OWNER, 0);
                assertEquals(pfns[i], single.takeForCache(order, OWNER, 0), "same placement on both");
                assertTrue(pfns[i] != PageAllocator.NO_PAGE);
            }
            // Shuffle (a PCP returns its coldest blocks, not in allocation order), same on both.
            final SplittableRandom random = new SplittableRandom(5);
            for (int i = n - 1; i > 0; i--) {
                final int j = random.nextInt(i + 1);
                final long t = pfns[i];
                pfns[i] = pfns[j];
                pfns[j] = t;
            }
            for (int from = 0; from < n; from += PageAllocator.PAGEVEC_SIZE) {
                final int to = Math.min(n, from + PageAllocator.PAGEVEC_SIZE);
                batched.returnBatchFromCache(pfns, from, to, order, OWNER, 0);
                for (int i = from; i < to; i++) {
                    single.returnFromCache(pfns[i], order, OWNER, 0);
                }
            }
            assertEquals(single.freePages(), batched.freePages());
            assertEquals(batched.managedPages(), batched.freePages(), "everything back");
            assertArrayEquals(single.freeBlocksByOrder(), batched.freeBlocksByOrder());
            assertTrue(batched.verify().ok(), batched.verify()::toString);
            for (final long pfn : pfns) {
                assertEquals(Allocatee.NONE, batched.memmap().allocatee(pfn), "pfn 0x" + Long.toHexString(pfn));
            }
        }
    }
}
