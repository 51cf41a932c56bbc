package dev.memu.alloc.potad;

import dev.memu.access.Access;
import dev.memu.access.FieldLabeler;
import dev.memu.access.Region;
import dev.memu.alloc.BadFreeException;
import dev.memu.alloc.VerifyReport;

import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.function.LongFunction;

/**
 * The lock-free heart of POTAD: which of {@code frames} equal units are free, with no idea what a
 * unit is. {@link PotadAllocator} puts it over RAM pages (and records allocatees in the memmap);
 * {@link SwapSlots} puts it over the slots of an emulated swap device, which have no memory
 * behind them. Every operation is a CAS loop on 64-bit off-heap words through the {@link Access}
 * layer, in {@link Region#ALLOCATOR}; nothing is locked and nothing is allocated per operation.
 *
 * <p>The shape follows LLFree (Wrenger et al., USENIX ATC 2023): a 2 MiB <em>region</em> of 512
 * frames keeps one bit per frame in one 64-byte line, a small <em>entry</em> word per region
 * counts what is available there, and each vcpu <em>reserves</em> a region to allocate from, so
 * that vcpus rarely write the same lines. Unlike LLFree there is no counting tree above the
 * entries: a tree counter would be a fourth line on every free, and the issue asks for at most
 * three per order-0 operation including the memmap. Above the entries sits a {@link
 * PotadSummary} instead: one bit per region marking "no tokens in the entry", and one bit per 64
 * summary words marking "all 64 marked". Every search (reservation, the last-resort small-order
 * scan, the huge search) skips marked regions by those words, so on a large, mostly allocated RAM
 * it reads one line per 512 regions, or per 4 TiB through the top level, instead of one per 8.
 * Marks are set by searches and huge claims; a free touches the summary only when it gives the
 * first token to an entry that had none (once each time the entry ran dry: in bulk and repeat
 * churn once per 512 frees), and clears the mark then, so at quiescence a mark is never stale
 * and skipping marked regions is exact.
 *
 * <h2>Off-heap layout</h2>
 * <pre>
 * bitfield: 64 bytes per region r, at r * 64; frame f is bit (f % 64) of word (f / 64).
 *   bit = 1  allocated (or beyond the last frame of a partial last region)
 *   bit = 0  free, unless the region's entry says HUGE (then the whole region is allocated)
 *
 * entry: one 64-bit word per region r, at r * 8 (8 entries per line).
 *   bits  0..15  TAKEN: frames not available from this entry: allocated frames, plus the
 *                tokens a reserving vcpu holds in its slot and tokens an operation holds
 *                in flight; 512 - TAKEN = tokens left here
 *   bit  16      RESERVED: a vcpu's reservation word names this region
 *   bit  17      HUGE: the region is (part of) one allocation of order >= 9; TAKEN = 512
 *   bits 18..23  the order of that allocation (HUGE only)
 *
 * summary: one bit per region ("no tokens"), one per 64 summary words above it: the table and the
 *   protocol that keeps it exact are in {@link PotadSummary}.
 *
 * vcpu slot: 64 bytes per vcpu v at v * 64 (one line each, so vcpus never share one).
 *   +0   RESERVATION: 0 = none, else bits 0..9 LOCAL tokens (free frames of the reserved
 *        region this vcpu may claim without asking the entry, 0..512) and bits 10..63 the
 *        reserved region + 1. Set non-zero only by vcpu v; CASed to 0 by any vcpu.
 *   +8   cursor: where the next reservation or small-order scan starts   (vcpu v only)
 *   +16  huge cursor: where the next search for whole regions starts     (vcpu v only)
 *   +24  steals: reservations vcpu v took back from other vcpus          (vcpu v only)
 * </pre>
 * Zeroed memory means "every frame free, nothing reserved", so a 1 TiB RAM (2^19 regions, 32 MiB
 * of bits) costs nothing to set up but the partial last region.
 *
 * <h2>Tokens</h2>
 * An allocation takes tokens before it sets bits, a free clears bits before it returns tokens,
 * so tokens never exceed the zero bits of a region and a holder of one order-0 token always
 * finds a zero bit, however many vcpus race. A free always returns its tokens to the entry (not
 * to the reserving vcpu's slot) so that it touches the memmap, the bitfield and the entry and
 * nothing else; the reserving vcpu collects them from the entry when its local tokens run out.
 * At quiescence, for every region: zero bits == (512 - TAKEN) + LOCAL of the vcpu reserving it.
 *
 * <h2>No stranded frames: reservations can be taken back</h2>
 * LLFree drains the other cores' reservations before it reports memory exhausted; POTAD does the
 * same, so that an allocation fails only when, at quiescence, no free block of its order exists
 * anywhere. The reservation word is the one word a vcpu's tokens live in, and every move of
 * tokens into or out of it is a single CAS on it:
 * <pre>
 * owner v (alloc on vcpu v)                       anyone (a failing alloc, vcpuOffline)
 *   T  take:    CAS W (r, l) -> (r, l - need)       S1 w = W; if w == 0: nothing to take
 *      refill:  c = collect from entry r (CAS),     S2 CAS W w -> 0 (retry S1 on a witness)
 *               CAS W (r, l) -> (r, l + c - need)   S3 entry r: clear RESERVED, give back
 *   G  give up: CAS W (r, l) -> 0, then entry r:       w's l tokens, less the need tokens a
 *               clear RESERVED, give back l            failing alloc keeps to claim in r at
 *   P  publish: W == 0; entry r: CAS set RESERVED,     once (one CAS on the entry)
 *               take its tokens l; release-store W = (r, l)
 * </pre>
 * A failing order-0..8 allocation ends its own reservation, then runs S1..S3 on every other
 * vcpu, claiming from the first stolen reservation that has its tokens (an order-0 claim with a
 * token in hand cannot fail, so a victim that reserves again at once cannot starve the thief),
 * and when that finds nothing scans once more (every region the summary does not mark); huge
 * and range allocations end every reservation and search again. At quiescence every free
 * frame's token is then in an entry, so the final scan finds any free block of the order (a
 * marked region has no token, so skipping it loses nothing): NO_FRAME is exact.
 * <b>No token is used twice.</b> A token is held by exactly one of: an entry, a reservation word,
 * an operation in flight. Each move out of a word is a CAS that succeeds for one party only, so
 * of an owner's T and a thief's S2 racing on the same value of W, one wins and the other sees a
 * witness and starts over with it (a losing owner first puts back the tokens it collected for
 * the refill). <b>No ABA on the owner's side:</b> only vcpu v writes a non-zero W and one thread
 * runs as v at a time, so between the owner's read of W and its CAS, W can only have become 0.
 * A thief may read (r, l), lose W to another thief, and then CAS a new reservation that happens
 * to be (r, l) again: it then releases exactly that reservation, which is what it set out to do.
 * <b>RESERVED</b> is set by the reserving CAS on the entry (P) and cleared by whoever moved W from
 * that reservation to 0 (G or S3); in between W names the region, so at quiescence RESERVED is
 * set exactly when some W names the region. Between S2 and S3 no W names the region and its
 * flag is still set: nobody can reserve it or claim it whole yet, its entry tokens stay
 * available to every vcpu's scan, and the thief's S3 ends the window.
 * <br><b>Ordering.</b> Every access to W other than the owner's plain read is a CAS (volatile) or
 * the release store of P; the owner's plain read is only a guess that its CAS validates. Tokens
 * travel from a free's entry update (after its bit CAS) through CASes on entries and on W to the
 * taker's CAS on the bit word, a chain of volatile read-modify-writes, so the freed bit is
 * visible to whoever ends up holding its token (bit words are changed only by CAS, which always
 * acts on the word's latest value in any case).
 * <br><b>Progress.</b> Every loop retries only after another party's CAS on the same word
 * succeeded; nobody waits for anybody (lock-free). A thief takes only what sits in W; an
 * operation of v already holding its tokens finishes untouched. Not quiescent, an allocation
 * can still fail while frames are free: when it scans between some thief's S2 and S3 (those
 * tokens are in the thief's hands, the region still RESERVED), or when another vcpu reserves the
 * tokens a rescan was about to find. The contract (exact NO_FRAME) is stated for quiescence.
 * <br><b>Cost.</b> The owner's fast path is one CAS on its own slot line instead of a plain store
 * there: still the slot line, the bitfield line and the memmap line (3 lines per order-0 alloc).
 * Thieves read and write that line only on the failure path and at vcpu offline.
 */
public final class PotadCore implements FieldLabeler {

    /** Frames per region: one 64-byte line of bits. */
    public static final int REGION_ORDER = 9;
    public static final int REGION_FRAMES = 1 << REGION_ORDER;

    static final long WORDS_PER_REGION = REGION_FRAMES / 64;
    static final long BITS_BYTES_PER_REGION = WORDS_PER_REGION * 8;
    static final long ENTRY_BYTES = 8;
    static final long TAKEN_MASK = 0xffff;
    static final long RESERVED = 1L << 16;
    static final long HUGE = 1L << 17;
    static final int HUGE_ORDER_SHIFT = 18;
    static final long HUGE_ORDER_MASK = 0x3f;

    static final long SLOT_BYTES = 64;
    static final long SLOT_RESERVATION = 0;
    static final long SLOT_CURSOR = 8;
    static final long SLOT_HUGE_CURSOR = 16;
    static final long SLOT_STEALS = 24;
    /** Reservation word: LOCAL tokens in the low bits (0..512 needs 10), region + 1 above. */
    static final int LOCAL_BITS = 10;
    static final long LOCAL_MASK = (1L << LOCAL_BITS) - 1;

    /** Returned by {@link #alloc} when nothing of the order is available. */
    public static final long NO_FRAME = -1L;

    /** For an order, the bit positions in a word where an aligned block of that order may start. */
    private static final long[] ALIGNED_STARTS = {
        -1L, 0x5555555555555555L, 0x1111111111111111L, 0x0101010101010101L,
        0x0001000100010001L, 0x0000000100000001L, 0x1L
    };

    private static final Region R = Region.ALLOCATOR;

    private final Access access;
    private final long frames;
    private final long regions;
    private final int vcpus;
    private final int maxOrder;
    private final MemorySegment bits;
    private final MemorySegment entries;
    private final MemorySegment slots;
    private final PotadSummary summary;
    private final long metadataBytes;

    /**
     * @param access   the access layer every word goes through
     * @param frames   number of units managed (pages, swap slots)
     * @param vcpus    number of vcpus that may call in (one slot each)
     * @param maxOrder largest order, or -1 for all of it (log2(frames) rounded down)
     * @param source   maps zero-filled, page-aligned off-heap memory of the given size; called
     *                 four times here and never again (RAM: {@code Machine.allocate(ALLOCATOR, n)})
     */
    public PotadCore(final Access access, final long frames, final int vcpus, final int maxOrder,
                     final LongFunction<MemorySegment> source) {
        if (frames < 1) {
            throw new IllegalArgumentException("frames must be positive, got " + frames);
        }
        if (vcpus < 1) {
            throw new IllegalArgumentException("vcpus must be positive, got " + vcpus);
        }
        final int all = 63 - Long.numberOfLeadingZeros(frames);
        if (maxOrder > HUGE_ORDER_MASK) {
            throw new IllegalArgumentException("max order " + maxOrder + " is beyond " + HUGE_ORDER_MASK);
        }
        this.access = access;
        this.frames = frames;
        this.regions = (frames + REGION_FRAMES - 1) >>> REGION_ORDER;
        this.vcpus = vcpus;
        this.maxOrder = maxOrder < 0 ? all : Math.min(maxOrder, all);
        this.bits = source.apply(regions * BITS_BYTES_PER_REGION);
        this.entries = source.apply(regions * ENTRY_BYTES);
        this.slots = source.apply(vcpus * SLOT_BYTES);
        this.summary = new PotadSummary(access, source.apply(PotadSummary.bytes(regions)), entries, regions);
        this.metadataBytes = bits.byteSize() + entries.byteSize() + slots.byteSize() + summary.segment().byteSize();
        // A partial last region: the frames beyond the end read as allocated, for ever.
        final long tail = frames & (REGION_FRAMES - 1);
        if (tail != 0) {
            final long last = regions - 1;
            for (long f = tail; f < REGION_FRAMES; f++) {
                final long off = bitWord(last, f >>> 6);
                access.setLong(R, bits, off, access.getLong(R, bits, off) | (1L << f));
            }
            access.setLong(R, entries, entry(last), REGION_FRAMES - tail);
        }
        for (int v = 0; v < vcpus; v++) {
            access.setLong(R, slots, slot(v) + SLOT_CURSOR, (regions * v) / vcpus);
            access.setLong(R, slots, slot(v) + SLOT_HUGE_CURSOR, (regions * v) / vcpus);
        }
    }

    public long frames() {
        return frames;
    }

    public long regions() {
        return regions;
    }

    public int vcpus() {
        return vcpus;
    }

    public int maxOrder() {
        return maxOrder;
    }

    public Access access() {
        return access;
    }

    /** Bytes of off-heap metadata mapped for this core (bits, entries, vcpu slots, summary). */
    public long metadataBytes() {
        return metadataBytes;
    }

    private static long bitWord(final long region, final long word) {
        return region * BITS_BYTES_PER_REGION + word * 8;
    }

    /** Byte offset of {@code region}'s entry. */
    static long entry(final long region) {
        return region * ENTRY_BYTES;
    }

    private static long slot(final int vcpu) {
        return vcpu * SLOT_BYTES;
    }

    private static long taken(final long entry) {
        return entry & TAKEN_MASK;
    }

    /**
     * Whether an entry has run dry: no token left in it (its region full, huge, or every token
     * in a reserving vcpu's slot). What the summary marks, and what a free that returns tokens to
     * such an entry must unmark.
     */
    static boolean dry(final long entry) {
        return taken(entry) == REGION_FRAMES;
    }

    /** The reservation word for {@code local} tokens of {@code region}. */
    private static long reservation(final long region, final long local) {
        return ((region + 1) << LOCAL_BITS) | local;
    }

    /** The region a non-zero reservation word names. */
    private static long reservedRegion(final long word) {
        return (word >>> LOCAL_BITS) - 1;
    }

    private static long localTokens(final long word) {
        return word & LOCAL_MASK;
    }

    private static long hugeEntry(final int order) {
        return HUGE | ((long) order << HUGE_ORDER_SHIFT) | REGION_FRAMES;
    }

    // ------------------------------------------------------------------------------------------
    // alloc
    // ------------------------------------------------------------------------------------------

    /**
     * Claims a naturally aligned block of 2^order frames.
     *
     * @return its first frame, or {@link #NO_FRAME}: after every vcpu's reservation has been taken
     *         back, so when nothing else runs, only if no free aligned block of the order exists
     * @throws IllegalArgumentException for an order outside 0..maxOrder or a bad vcpu
     */
    public long alloc(final int order, final int vcpu) {
        if (order < 0 || order > maxOrder) {
            throw new IllegalArgumentException("order " + order + " is outside 0.." + maxOrder);
        }
        if (vcpu < 0 || vcpu >= vcpus) {
            throw new IllegalArgumentException("vcpu " + vcpu + " is outside 0.." + (vcpus - 1));
        }
        return order < REGION_ORDER ? allocSmall(order, vcpu) : allocHuge(order, vcpu);
    }

    /**
     * Orders 0..8: from the vcpu's reserved region when its tokens allow (the fast path: the slot
     * line and the bitfield line), else a fresh reservation, else any region with tokens, else,
     * after taking every vcpu's reservation back, any region with tokens again.
     */
    private long allocSmall(final int order, final int vcpu) {
        final long need = 1L << order;
        final long off = slot(vcpu) + SLOT_RESERVATION;
        for (int attempt = 0; attempt < 2; attempt++) {
            final long region = takeReserved(off, need);
            if (region >= 0) {
                final long frame = claimInRegion(region, order);
                if (frame != NO_FRAME) {
                    return frame;
                }
                // Enough tokens, no aligned block (orders >= 1 only): fragmented. Keep the
                // reservation; the tokens go to the entry, where the owner collects them later.
                returnTokens(region, need);
                break;
            }
            if (!reserve(vcpu, need)) {
                break;
            }
        }
        final long frame = scanAndClaim(order, vcpu);
        return frame != NO_FRAME ? frame : stealAndClaim(order, vcpu);
    }

    /**
     * The last resort for orders 0..8 before NO_FRAME: ends the vcpu's own reservation and takes
     * every other vcpu's back. From a stolen reservation with enough tokens the thief keeps
     * {@code need} of them and claims in that region at once (for order 0 that cannot fail), so
     * a victim that reserves again right away cannot take the frame from under it; otherwise,
     * with every reservation's tokens back in the entries, one more scan.
     */
    private long stealAndClaim(final int order, final int vcpu) {
        final long need = 1L << order;
        boolean any = releaseReservation(vcpu);
        long stolen = 0;
        long frame = NO_FRAME;
        for (int v = 0; v < vcpus && frame == NO_FRAME; v++) {
            if (v == vcpu) {
                continue;
            }
            final long word = takeReservation(v);
            if (word == 0) {
                continue;
            }
            stolen++;
            final long region = reservedRegion(word);
            final long local = localTokens(word);
            final long keep = local >= need ? need : 0;
            releaseEntry(region, local - keep);                 // S3, less what we keep
            if (keep != 0) {
                frame = claimInRegion(region, order);
                if (frame == NO_FRAME) {
                    returnTokens(region, keep);                 // fragmented for this order
                }
            }
        }
        countSteals(vcpu, stolen);
        if (frame == NO_FRAME && (any || stolen != 0)) {
            frame = scanAndClaim(order, vcpu);
        }
        return frame;
    }

    /**
     * Takes {@code need} tokens from the vcpu's reservation (step T of the class comment),
     * collecting the freed ones from the entry when the local ones do not suffice.
     *
     * @return the reserved region, whose {@code need} tokens the caller now holds; or -1 when the
     *         vcpu has no reservation any more (none, taken back by another vcpu, or given up here
     *         because its region has fewer than {@code need} tokens left)
     */
    private long takeReserved(final long off, final long need) {
        long word = access.getLong(R, slots, off);
        while (word != 0) {
            final long region = reservedRegion(word);
            long local = localTokens(word);
            long collected = 0;
            if (local < need) {
                collected = collectTokens(region);
                local += collected;
            }
            final long witness;
            if (local >= need) {
                witness = access.compareAndExchangeLong(R, slots, off, word, reservation(region, local - need));
                if (witness == word) {
                    return region;
                }
            } else {
                witness = access.compareAndExchangeLong(R, slots, off, word, 0);
                if (witness == word) {
                    releaseEntry(region, local);        // G: too few tokens here, give it up
                    return -1;
                }
            }
            // Taken back since we read it (only this vcpu writes anything but 0, so the witness
            // is 0): what we collected for it goes back to the entry.
            if (collected != 0) {
                returnTokens(region, collected);
            }
            word = witness;
        }
        return -1;
    }

    /** Moves every token left in a region's entry to the caller; returns how many. */
    private long collectTokens(final long region) {
        final long off = entry(region);
        long e = access.getLongVolatile(R, entries, off);
        while (true) {
            final long available = REGION_FRAMES - taken(e);
            if (available <= 0) {
                return 0;
            }
            final long witness = access.compareAndExchangeLong(R, entries, off, e, (e & ~TAKEN_MASK) | REGION_FRAMES);
            if (witness == e) {
                return available;
            }
            e = witness;
        }
    }

    /** The entry's half of ending a reservation: RESERVED goes, its {@code local} tokens come back. */
    private void releaseEntry(final long region, final long local) {
        final long off = entry(region);
        long e = access.getLongVolatile(R, entries, off);
        while (true) {
            final long next = (e & ~RESERVED) - local;
            final long witness = access.compareAndExchangeLong(R, entries, off, e, next);
            if (witness == e) {
                if (local != 0 && dry(e)) {
                    summary.raised(region);
                }
                return;
            }
            e = witness;
        }
    }

    /**
     * Ends {@code vcpu}'s reservation, if it has one, so that its tokens are visible to every vcpu
     * again (steps S1..S3 of the class comment). Any thread may call it for any vcpu at any time,
     * also while that vcpu allocates: an allocation of that vcpu that already holds its tokens
     * finishes normally, a later one reserves afresh. Used before a huge or range allocation, by a
     * failing allocation for every vcpu, when a vcpu goes offline, and before a quiescent check that
     * wants all free frames countable from the entries.
     *
     * @return true when a reservation was ended here
     */
    public boolean releaseReservation(final int vcpu) {
        if (vcpu < 0 || vcpu >= vcpus) {
            throw new IllegalArgumentException("vcpu " + vcpu + " is outside 0.." + (vcpus - 1));
        }
        final long word = takeReservation(vcpu);
        if (word == 0) {
            return false;
        }
        releaseEntry(reservedRegion(word), localTokens(word));
        return true;
    }

    /** S1 and S2: moves {@code vcpu}'s reservation word to 0; returns what it held (0: nothing). */
    private long takeReservation(final int vcpu) {
        final long off = slot(vcpu) + SLOT_RESERVATION;
        long word = access.getLongVolatile(R, slots, off);
        while (word != 0) {
            final long witness = access.compareAndExchangeLong(R, slots, off, word, 0);
            if (witness == word) {
                return word;
            }
            word = witness;
        }
        return 0;
    }

    /**
     * What a huge or range allocation does before it fails: ends every vcpu's reservation, its own
     * included, so that a rescan sees every free frame in the entries (LLFree's drain of the other
     * cores; orders 0..8 do the same in {@code stealAndClaim}, claiming from what they steal).
     * Counts the reservations taken from other vcpus in the caller's slot.
     *
     * @return true when any reservation was ended (a rescan may find something)
     */
    public boolean reclaimReservations(final int callerVcpu) {
        final boolean any = releaseReservation(callerVcpu);
        long stolen = 0;
        for (int v = 0; v < vcpus; v++) {
            if (v != callerVcpu && releaseReservation(v)) {
                stolen++;
            }
        }
        countSteals(callerVcpu, stolen);
        return any || stolen != 0;
    }

    private void countSteals(final int vcpu, final long stolen) {
        if (stolen != 0) {
            final long off = slot(vcpu) + SLOT_STEALS;
            access.setLong(R, slots, off, access.getLong(R, slots, off) + stolen);
        }
    }

    /** Reservations {@code vcpu} has taken back from other vcpus so far (a statistic; racy while it runs). */
    public long steals(final int vcpu) {
        return access.getLong(R, slots, slot(vcpu) + SLOT_STEALS);
    }

    /** The region {@code vcpu} reserves, or -1 (racy while that vcpu runs). */
    public long reservedRegionOf(final int vcpu) {
        final long word = access.getLongVolatile(R, slots, slot(vcpu) + SLOT_RESERVATION);
        return word == 0 ? -1 : reservedRegion(word);
    }

    /**
     * Reserves the first unreserved region from the vcpu's cursor with at least {@code need}
     * tokens (step P); the vcpu's reservation word is 0 when this is called. Skips the regions
     * the summary marks (no tokens: at quiescence a mark is never stale) by summary and top
     * words, and marks the regions it finds without tokens on the way.
     */
    private boolean reserve(final int vcpu, final long need) {
        final long slot = slot(vcpu);
        final long cursor = access.getLong(R, slots, slot + SLOT_CURSOR);
        long i = 0;
        while (i < regions) {
            long region = cursor + i;
            if (region >= regions) {
                region -= regions;
            }
            final long marked = summary.markedRun(region);
            if (marked != 0) {
                i += marked;
                continue;
            }
            i++;
            final long off = entry(region);
            long e = access.getLong(R, entries, off);
            while ((e & (RESERVED | HUGE)) == 0 && REGION_FRAMES - taken(e) >= need) {
                final long witness = access.compareAndExchangeLong(R, entries, off, e,
                        (e & ~TAKEN_MASK) | RESERVED | REGION_FRAMES);
                if (witness == e) {
                    access.setLongRelease(R, slots, slot + SLOT_RESERVATION, reservation(region, REGION_FRAMES - taken(e)));
                    access.setLong(R, slots, slot + SLOT_CURSOR, region);
                    return true;
                }
                e = witness;
            }
            if (dry(e)) {
                summary.markEmpty(region);
            }
        }
        return false;
    }

    /**
     * Last resort for orders 0..8: take tokens from any region's entry (reserved or not),
     * skipping the marked regions and marking those found without tokens.
     */
    private long scanAndClaim(final int order, final int vcpu) {
        final long need = 1L << order;
        final long cursor = access.getLong(R, slots, slot(vcpu) + SLOT_CURSOR);
        long i = 0;
        while (i < regions) {
            long region = cursor + i;
            if (region >= regions) {
                region -= regions;
            }
            final long marked = summary.markedRun(region);
            if (marked != 0) {
                i += marked;
                continue;
            }
            i++;
            final long e = takeTokens(region, need);
            if (e < 0) {
                final long frame = claimInRegion(region, order);
                if (frame != NO_FRAME) {
                    return frame;
                }
                returnTokens(region, need);
            } else if (dry(e)) {
                summary.markEmpty(region);
            }
        }
        return NO_FRAME;
    }

    /**
     * Takes {@code need} tokens from the region's entry.
     *
     * @return -1 when taken; else the entry value that had too few (entries are never negative)
     */
    private long takeTokens(final long region, final long need) {
        final long off = entry(region);
        long e = access.getLong(R, entries, off);
        while ((e & HUGE) == 0 && REGION_FRAMES - taken(e) >= need) {
            final long witness = access.compareAndExchangeLong(R, entries, off, e, e + need);
            if (witness == e) {
                return -1;
            }
            e = witness;
        }
        return e;
    }

    /**
     * Gives {@code count} tokens back to the region's entry; when it had none, the summary's mark
     * goes too (R1, R2 of {@link PotadSummary}): the one summary read a free can pay.
     */
    private void returnTokens(final long region, final long count) {
        final long old = access.getAndAddLong(R, entries, entry(region), -count);
        if (dry(old)) {
            summary.raised(region);
        }
    }

    /**
     * Sets the bits of some free aligned block of the order in the region; the caller holds its
     * tokens. For order 0 the tokens guarantee a zero bit exists at every instant, but one pass
     * over the 8 words can still miss it (a bit freed behind the scan while another token holder
     * takes the one ahead), so order 0 scans again until it wins: each lost pass means another
     * vcpu's claim succeeded, so this is lock-free. Larger orders may truly find no aligned block.
     */
    private long claimInRegion(final long region, final int order) {
        if (order == 0) {
            while (true) {
                final long frame = claimPass(region, 0);
                if (frame != NO_FRAME) {
                    return frame;
                }
                Thread.onSpinWait();
            }
        }
        return claimPass(region, order);
    }

    private long claimPass(final long region, final int order) {
        if (order <= 6) {
            final long width = 1L << order;
            final long ones = order == 6 ? -1L : (1L << width) - 1;
            final long starts = ALIGNED_STARTS[order];
            for (long w = 0; w < WORDS_PER_REGION; w++) {
                final long off = bitWord(region, w);
                long word = access.getLong(R, bits, off);
                while (true) {
                    long free = ~word;
                    for (long s = 1; s < width; s <<= 1) {
                        free &= free >>> s;
                    }
                    free &= starts;
                    if (free == 0) {
                        break;
                    }
                    final int pos = Long.numberOfTrailingZeros(free);
                    final long witness = access.compareAndExchangeLong(R, bits, off, word, word | (ones << pos));
                    if (witness == word) {
                        return (region << REGION_ORDER) + (w << 6) + pos;
                    }
                    word = witness;
                }
            }
            return NO_FRAME;
        }
        final long span = 1L << (order - 6);
        for (long w = 0; w < WORDS_PER_REGION; w += span) {
            if (claimWords(region, w, span)) {
                return (region << REGION_ORDER) + (w << 6);
            }
        }
        return NO_FRAME;
    }

    /** Orders 7 and 8: sets {@code span} whole words from 0 to all ones, or none of them. */
    private boolean claimWords(final long region, final long first, final long span) {
        for (long w = first; w < first + span; w++) {
            if (access.getLong(R, bits, bitWord(region, w)) != 0) {
                return false;
            }
        }
        for (long w = first; w < first + span; w++) {
            if (!access.compareAndSetLong(R, bits, bitWord(region, w), 0, -1L)) {
                for (long back = first; back < w; back++) {
                    access.setLongVolatile(R, bits, bitWord(region, back), 0);
                }
                return false;
            }
        }
        return true;
    }

    /**
     * Orders 9 and up: 2^(order-9) naturally aligned whole regions, each entry CASed from
     * "all free, unreserved" (0) to HUGE, rolled back if one of them is lost to a racing vcpu.
     */
    private long allocHuge(final int order, final int vcpu) {
        long frame = claimHuge(order, vcpu);
        if (frame == NO_FRAME && releaseReservation(vcpu)) {
            // Our own reservation may sit on the only free region: give it up and look again.
            frame = claimHuge(order, vcpu);
        }
        if (frame == NO_FRAME && reclaimReservations(vcpu)) {
            // Other vcpus' reservations may: take them back and look once more.
            frame = claimHuge(order, vcpu);
        }
        return frame;
    }

    /**
     * A huge block from the vcpu's huge cursor, over the blocks none of whose regions the summary
     * marks (a marked region has no tokens, so it is not wholly free): for order 9 a run of
     * marked regions is skipped by summary and top words; for orders 10-14 each block costs one
     * summary read per 64 of its regions before any entry is read; from order 15 (a block of whole
     * summary words) a run of blocks in all-marked words is skipped by the top level.
     */
    private long claimHuge(final int order, final int vcpu) {
        final long span = 1L << (order - REGION_ORDER);
        final long blocks = regions / span;
        if (blocks == 0) {
            return NO_FRAME;
        }
        final long cursorOff = slot(vcpu) + SLOT_HUGE_CURSOR;
        final long cursor = (access.getLong(R, slots, cursorOff) / span) % blocks;
        long i = 0;
        while (i < blocks) {
            long block = cursor + i;
            if (block >= blocks) {
                block -= blocks;
            }
            final long first = block * span;
            if (span == 1) {
                final long marked = Math.min(summary.markedRun(first), blocks - block);
                if (marked != 0) {
                    i += marked;
                    continue;
                }
            } else {
                if (span >= PotadSummary.WORD_REGIONS) {
                    // Blocks of whole summary words: those starting in a run of all-marked words
                    // are skipped by the top level, 4096 regions per top bit.
                    final long words = summary.markedWordsFrom(first >>> PotadSummary.WORD_SHIFT);
                    if (words != 0) {
                        i += Math.min((words * PotadSummary.WORD_REGIONS + span - 1) / span, blocks - block);
                        continue;
                    }
                }
                if (summary.anyMarked(first, span)) {
                    i++;
                    continue;
                }
            }
            i++;
            if (claimRegions(first, span, order)) {
                access.setLong(R, slots, cursorOff, first + span);
                return first << REGION_ORDER;
            }
        }
        return NO_FRAME;
    }

    /** Claims regions first..first+span-1 as one huge block of {@code order}, all or none. */
    private boolean claimRegions(final long first, final long span, final int order) {
        for (long r = first; r < first + span; r++) {
            if (access.getLong(R, entries, entry(r)) != 0) {
                return false;
            }
        }
        final long huge = hugeEntry(order);
        for (long r = first; r < first + span; r++) {
            if (!access.compareAndSetLong(R, entries, entry(r), 0, huge)) {
                for (long back = first; back < r; back++) {
                    access.setLongVolatile(R, entries, entry(back), 0);
                    summary.raised(back);           // a search may have marked it HUGE meanwhile
                }
                return false;
            }
        }
        summary.markHuge(first, span);
        return true;
    }

    /**
     * Claims exactly the block of 2^order frames at {@code frame} if it is free (the CMA case,
     * which wants a given place, not any place). The block must be naturally aligned.
     *
     * @return true when claimed; false, with nothing changed, when any frame of it is not free
     *         or its tokens are held by a vcpu's reservation (take those back first with
     *         {@link #reclaimReservations} to count them)
     */
    public boolean claimAt(final long frame, final int order) {
        if (order < 0 || order > maxOrder || frame < 0 || frame >= frames || (1L << order) > frames - frame
                || (frame & ((1L << order) - 1)) != 0) {
            throw new IllegalArgumentException("no aligned order-" + order + " block at frame " + frame);
        }
        final long region = frame >>> REGION_ORDER;
        if (order >= REGION_ORDER) {
            return claimRegions(region, 1L << (order - REGION_ORDER), order);
        }
        final long need = 1L << order;
        if (takeTokens(region, need) >= 0) {
            return false;
        }
        final long inRegion = frame & (REGION_FRAMES - 1);
        final boolean claimed;
        if (order <= 6) {
            final long off = bitWord(region, inRegion >>> 6);
            final long mask = (order == 6 ? -1L : (1L << need) - 1) << (inRegion & 63);
            long word = access.getLong(R, bits, off);
            boolean ok = false;
            while ((word & mask) == 0) {
                final long witness = access.compareAndExchangeLong(R, bits, off, word, word | mask);
                if (witness == word) {
                    ok = true;
                    break;
                }
                word = witness;
            }
            claimed = ok;
        } else {
            claimed = claimWords(region, inRegion >>> 6, 1L << (order - 6));
        }
        if (!claimed) {
            returnTokens(region, need);
        }
        return claimed;
    }

    // ------------------------------------------------------------------------------------------
    // free
    // ------------------------------------------------------------------------------------------

    /**
     * Frees the block of 2^order frames at {@code frame}, checked at the level of bits and
     * entries: every frame of the block must be allocated, and a frame of a huge block can only
     * be freed as that whole block. Without a memmap this cannot tell an order-0 free of a frame
     * inside an allocated order-3 block from a legal one (both see set bits); {@link
     * PotadAllocator} checks the memmap first and so catches that too.
     *
     * @return null when freed; otherwise what was wrong, and nothing has changed
     */
    public BadFreeException.Kind free(final long frame, final int order) {
        if (order < 0 || order > maxOrder) {
            return BadFreeException.Kind.BAD_ORDER;
        }
        if (frame < 0 || frame >= frames || (1L << order) > frames - frame) {
            return BadFreeException.Kind.OUT_OF_RANGE;
        }
        if ((frame & ((1L << order) - 1)) != 0) {
            return BadFreeException.Kind.MISALIGNED;
        }
        return free(frame, order, order <= 6 ? bitWordOf(frame) : 0);
    }

    /**
     * A plain read of the bitfield word that holds {@code frame}'s bit: what {@link #free(long, int, long)} of an
     * order 0..6 block starts from. Reading it before the memmap lets a caller issue both loads
     * (two independent misses on a random free) before it waits for either.
     */
    long bitWordOf(final long frame) {
        return access.getLong(R, bits, bitWord(frame >>> REGION_ORDER, (frame & (REGION_FRAMES - 1)) >>> 6));
    }

    /**
     * {@link #free} once its argument checks have passed: {@code guess} is a read of {@link
     * #bitWordOf}{@code (frame)} for orders 0..6 (any value above), which the CAS validates, so a
     * stale guess costs one retry and never a wrong result.
     */
    BadFreeException.Kind free(final long frame, final int order, final long guess) {
        final long region = frame >>> REGION_ORDER;
        if (order >= REGION_ORDER) {
            return freeHuge(region, order);
        }
        final long need = 1L << order;
        final long inRegion = frame & (REGION_FRAMES - 1);
        if (order <= 6) {
            final long off = bitWord(region, inRegion >>> 6);
            final long mask = (order == 6 ? -1L : (1L << need) - 1) << (inRegion & 63);
            long word = guess;
            boolean fresh = false;
            while (true) {
                if ((word & mask) != mask) {
                    if (!fresh) {       // the error path only: judge on the latest value, not a guess
                        word = access.getLongVolatile(R, bits, off);
                        fresh = true;
                        continue;
                    }
                    return classifySmall(region, (word & mask) == 0);
                }
                final long witness = access.compareAndExchangeLong(R, bits, off, word, word & ~mask);
                if (witness == word) {
                    break;
                }
                word = witness;
            }
        } else {
            final long first = inRegion >>> 6;
            final long span = 1L << (order - 6);
            boolean anySet = false;
            boolean allSet = true;
            for (long w = first; w < first + span; w++) {
                final long word = access.getLong(R, bits, bitWord(region, w));
                anySet |= word != 0;
                allSet &= word == -1L;
            }
            if (!allSet) {
                return classifySmall(region, !anySet);
            }
            for (long w = first; w < first + span; w++) {
                if (!access.compareAndSetLong(R, bits, bitWord(region, w), -1L, 0)) {
                    throw new IllegalStateException("order-" + order + " block at frame " + frame
                            + " changed while being freed: freed twice at once?");
                }
            }
        }
        returnTokens(region, need);
        return null;
    }

    private BadFreeException.Kind classifySmall(final long region, final boolean allClear) {
        if ((access.getLong(R, entries, entry(region)) & HUGE) != 0) {
            return BadFreeException.Kind.NOT_ALLOCATED;
        }
        return allClear ? BadFreeException.Kind.DOUBLE_FREE : BadFreeException.Kind.WRONG_ORDER;
    }

    /**
     * True when the block of 2^order frames at {@code frame} (order >= 9, aligned, in range) is
     * allocated as one huge block of exactly that order: every region entry of it says so. Reads
     * only the entries, which is all a huge free checks in {@link #free}.
     */
    boolean isHugeBlock(final long frame, final int order) {
        final long first = frame >>> REGION_ORDER;
        final long huge = hugeEntry(order);
        for (long r = first; r < first + (1L << (order - REGION_ORDER)); r++) {
            if (access.getLong(R, entries, entry(r)) != huge) {
                return false;
            }
        }
        return true;
    }

    private BadFreeException.Kind freeHuge(final long first, final int order) {
        final long span = 1L << (order - REGION_ORDER);
        final long huge = hugeEntry(order);
        for (long r = first; r < first + span; r++) {
            final long e = access.getLong(R, entries, entry(r));
            if (e != huge) {
                if ((e & HUGE) != 0) {
                    return BadFreeException.Kind.WRONG_ORDER;
                }
                return taken(e) == 0 && (e & RESERVED) == 0 ? BadFreeException.Kind.DOUBLE_FREE
                        : BadFreeException.Kind.NOT_ALLOCATED;
            }
        }
        for (long r = first; r < first + span; r++) {
            if (!access.compareAndSetLong(R, entries, entry(r), huge, 0)) {
                throw new IllegalStateException("huge block at region " + first + " changed while being freed");
            }
        }
        summary.unmark(first, span);
        return null;
    }

    // ------------------------------------------------------------------------------------------
    // quiescent views
    // ------------------------------------------------------------------------------------------

    // Raw words, for tests in this package that corrupt the state on purpose to prove verify().

    long rawBitWord(final long region, final int word) {
        return access.getLong(R, bits, bitWord(region, word));
    }

    void setRawBitWord(final long region, final int word, final long value) {
        access.setLong(R, bits, bitWord(region, word), value);
    }

    long rawEntry(final long region) {
        return access.getLong(R, entries, entry(region));
    }

    void setRawEntry(final long region, final long value) {
        access.setLong(R, entries, entry(region), value);
    }

    /** Whether the summary marks {@code region} as having no tokens in its entry (quiescent). */
    public boolean summaryMarks(final long region) {
        return summary.isMarked(region);
    }

    /** The summary word covering {@code region} (marks for 64 regions). */
    long rawSummary(final long region) {
        return summary.rawWord(region);
    }

    /** The top-level word covering {@code region}'s summary word (marks for 64 summary words). */
    long rawSummaryTop(final long region) {
        return summary.rawTop(region);
    }

    void setRawSummary(final long region, final long value) {
        summary.setRawWord(region, value);
    }

    /** {@code field} is one of the SLOT_* offsets. */
    long rawSlot(final int vcpu, final long field) {
        return access.getLong(R, slots, slot(vcpu) + field);
    }

    void setRawSlot(final int vcpu, final long field, final long value) {
        access.setLong(R, slots, slot(vcpu) + field, value);
    }

    /** True when {@code frame} is allocated (its bit is set or its region is huge). Quiescent. */
    public boolean isAllocated(final long frame) {
        final long region = frame >>> REGION_ORDER;
        if ((access.getLong(R, entries, entry(region)) & HUGE) != 0) {
            return true;
        }
        final long inRegion = frame & (REGION_FRAMES - 1);
        return (access.getLong(R, bits, bitWord(region, inRegion >>> 6)) & (1L << inRegion)) != 0;
    }

    /** The order of the huge block covering {@code frame}, or -1 when its region is not huge. */
    public int hugeOrder(final long frame) {
        final long e = access.getLong(R, entries, entry(frame >>> REGION_ORDER));
        return (e & HUGE) == 0 ? -1 : (int) ((e >>> HUGE_ORDER_SHIFT) & HUGE_ORDER_MASK);
    }

    /**
     * Free frames: tokens in the entries plus tokens in the vcpus' slots. Exact when no operation
     * is in flight; costs a read of every entry (not a hot-path call).
     */
    public long freeFrames() {
        long free = 0;
        for (long r = 0; r < regions; r++) {
            free += REGION_FRAMES - taken(access.getLongVolatile(R, entries, entry(r)));
        }
        for (int v = 0; v < vcpus; v++) {
            free += localTokens(access.getLongVolatile(R, slots, slot(v) + SLOT_RESERVATION));
        }
        return free;
    }

    /**
     * Maximal naturally aligned free blocks per order, as /proc/buddyinfo would list them if a
     * buddy allocator held this state (quiescent).
     */
    public long[] freeBlocksByOrder() {
        final long[] counts = new long[maxOrder + 1];
        final int top = Math.min(maxOrder, REGION_ORDER);
        final boolean[] wholeFree = new boolean[(int) regions];
        final long[] words = new long[(int) WORDS_PER_REGION];
        for (long r = 0; r < regions; r++) {
            final long e = access.getLong(R, entries, entry(r));
            if ((e & HUGE) != 0) {
                continue;
            }
            boolean empty = true;
            for (int w = 0; w < WORDS_PER_REGION; w++) {
                words[w] = access.getLong(R, bits, bitWord(r, w));
                empty &= words[w] == 0;
            }
            if (empty && top == REGION_ORDER) {
                wholeFree[(int) r] = true;
            } else {
                countInRegion(words, 0, REGION_ORDER, top, counts);
            }
        }
        // Whole free regions merge with their aligned neighbours up to maxOrder.
        boolean[] level = wholeFree;
        for (int order = REGION_ORDER; order <= maxOrder && level.length > 0; order++) {
            final boolean[] up = new boolean[level.length / 2];
            for (int i = 0; i < level.length; i++) {
                if (!level[i]) {
                    continue;
                }
                final int buddy = i ^ 1;
                final boolean merges = order < maxOrder && buddy < level.length && level[buddy]
                        && i / 2 < up.length;
                if (merges) {
                    up[i / 2] = true;
                } else {
                    counts[order]++;
                }
            }
            level = up;
        }
        return counts;
    }

    /** Counts maximal free blocks at most {@code top} inside one region; returns whether [start, 2^order) is all free. */
    private static boolean countInRegion(final long[] words, final int start, final int order, final int top,
                                         final long[] counts) {
        if (order <= 6) {
            final long width = 1L << order;
            final long mask = (order == 6 ? -1L : (1L << width) - 1) << (start & 63);
            final boolean free = (words[start >>> 6] & mask) == 0;
            if (order == 0 || (free && order <= top)) {
                return free;
            }
        }
        final int half = 1 << (order - 1);
        final boolean low = countInRegion(words, start, order - 1, top, counts);
        final boolean high = countInRegion(words, start + half, order - 1, top, counts);
        if (low && high && order <= top) {
            return true;
        }
        if (low) {
            counts[order - 1]++;
        }
        if (high) {
            counts[order - 1]++;
        }
        return false;
    }

    /**
     * Checks every region's bits against its entry and the vcpu slots (quiescent).
     *
     * @return free frames found in the bitfields
     */
    public long verify(final List<String> problems) {
        final long[] localOf = new long[(int) regions];
        final int[] reservedBy = new int[(int) regions];
        java.util.Arrays.fill(reservedBy, -1);
        for (int v = 0; v < vcpus; v++) {
            for (final long cursorOff : new long[] {SLOT_CURSOR, SLOT_HUGE_CURSOR}) {
                final long cursor = access.getLong(R, slots, slot(v) + cursorOff);
                if (cursor < 0 || cursor > regions) {
                    VerifyReport.addProblem(problems, "vcpu " + v + " has a cursor at region " + cursor + " of " + regions);
                }
            }
            final long word = access.getLong(R, slots, slot(v) + SLOT_RESERVATION);
            if (word == 0) {
                continue;
            }
            final long region = reservedRegion(word);
            final long local = localTokens(word);
            if (region < 0 || region >= regions) {
                VerifyReport.addProblem(problems, "vcpu " + v + " reserves region " + region + " of " + regions);
                continue;
            }
            if (local > REGION_FRAMES) {
                VerifyReport.addProblem(problems, "vcpu " + v + " holds " + local + " tokens of region " + region
                        + ", more than its " + REGION_FRAMES + " frames");
            }
            if (reservedBy[(int) region] >= 0) {
                VerifyReport.addProblem(problems, "region " + region + " is reserved by vcpus " + reservedBy[(int) region] + " and " + v);
            }
            reservedBy[(int) region] = v;
            localOf[(int) region] += local;
        }
        final long tail = frames & (REGION_FRAMES - 1);
        long freeFound = 0;
        for (long r = 0; r < regions; r++) {
            final long e = access.getLong(R, entries, entry(r));
            final long real = (r == regions - 1 && tail != 0) ? tail : REGION_FRAMES;
            long zero = 0;
            for (long w = 0; w < WORDS_PER_REGION; w++) {
                final long word = access.getLong(R, bits, bitWord(r, w));
                final long first = w << 6;
                // Frames of this word that exist: all, none, or the low (real - first).
                final long exists = real >= first + 64 ? -1L : real <= first ? 0 : (1L << (real - first)) - 1;
                zero += Long.bitCount(~word & exists);
                if ((~word & ~exists) != 0) {
                    VerifyReport.addProblem(problems, "region " + r + ": a frame beyond the end reads as free (word " + w + ")");
                }
            }
            final boolean reserved = (e & RESERVED) != 0;
            if (reserved != (reservedBy[(int) r] >= 0)) {
                VerifyReport.addProblem(problems, "region " + r + ": RESERVED flag is " + reserved + " but "
                        + (reservedBy[(int) r] >= 0 ? "vcpu " + reservedBy[(int) r] + " reserves it" : "no vcpu reserves it"));
            }
            if ((e & HUGE) != 0) {
                final int order = (int) ((e >>> HUGE_ORDER_SHIFT) & HUGE_ORDER_MASK);
                if (zero != real || taken(e) != REGION_FRAMES || reserved) {
                    VerifyReport.addProblem(problems, "huge region " + r + " has bits set, TAKEN " + taken(e) + " or a reservation");
                }
                if (order < REGION_ORDER || order > maxOrder) {
                    VerifyReport.addProblem(problems, "huge region " + r + " records order " + order);
                } else {
                    final long span = 1L << (order - REGION_ORDER);
                    final long first = r & -span;
                    if (first + span > regions
                            || access.getLong(R, entries, entry(first)) != e
                            || access.getLong(R, entries, entry(first + span - 1)) != e) {
                        VerifyReport.addProblem(problems, "huge region " + r + " of order " + order + " is not part of a whole aligned block");
                    }
                }
                continue;
            }
            final long tokens = REGION_FRAMES - taken(e) + localOf[(int) r];
            if (tokens != zero) {
                VerifyReport.addProblem(problems, "region " + r + ": " + zero + " free frames but " + tokens + " tokens (entry "
                        + (REGION_FRAMES - taken(e)) + " + local " + localOf[(int) r] + ")");
            }
            freeFound += zero;
        }
        summary.verify(problems);
        return freeFound;
    }


    /**
     * Names the words of the off-heap layout above: {@code potad.bits[region 0x3].word[2]}, {@code
     * potad.entry[region 0x3].taken} (and {@code .reserved}, {@code .huge}, {@code .hugeOrder}: one
     * word), {@code potad.slot[vcpu 0].reservation}. For {@code memu explain} only.
     */
    @Override
    public void labelFields(final MemorySegment segment, final long offset, final long bytes,
                            final List<String> out) {
        final long end = offset + Math.max(bytes, 1);
        if (segment.address() == bits.address()) {
            for (long w = offset & -8L; w < end; w += 8) {
                out.add("potad.bits[region 0x" + Long.toHexString(w / BITS_BYTES_PER_REGION) + "].word["
                        + (w % BITS_BYTES_PER_REGION) / 8 + "]");
            }
        } else if (segment.address() == entries.address()) {
            for (long e = offset & -8L; e < end; e += 8) {
                final String entry = "potad.entry[region 0x" + Long.toHexString(e / ENTRY_BYTES) + "].";
                out.add(entry + "taken");
                out.add(entry + "reserved");
                out.add(entry + "huge");
                out.add(entry + "hugeOrder");
            }
        } else if (segment.address() == summary.segment().address()) {
            summary.label(offset, bytes, out);
        } else if (segment.address() == slots.address()) {
            for (long w = offset & -8L; w < end; w += 8) {
                final long field = w % SLOT_BYTES;
                final String name = field == SLOT_RESERVATION ? "reservation" : field == SLOT_CURSOR ? "cursor"
                        : field == SLOT_HUGE_CURSOR ? "hugeCursor" : field == SLOT_STEALS ? "steals" : "unused";
                out.add("potad.slot[vcpu " + w / SLOT_BYTES + "]." + name);
            }
        }
    }
}
