package dev.memu.memdesc;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The tag table of the pinned Memdescs revision, and the Misc words memu builds under tag 0. */
class AllocateeTagsTest {

    private static final long DESCRIPTOR = 0x7f12_3456_7890L;

    @Test
    void typesWithATagOfTheirOwnFollowTheRevisionsNumbers() {
        // "For 2025": 1 Buddy, 2 File, 3 Anon, 4 KSM, 5 Slab, 7 Movable, 8 ptdesc, 9 HWPoison.
        assertEquals(1, MemdescType.FREE.tag());
        assertEquals(2, MemdescType.FILE_FOLIO.tag());
        assertEquals(3, MemdescType.ANON_FOLIO.tag());
        assertEquals(4, MemdescType.KSM.tag());
        assertEquals(5, MemdescType.SLAB.tag());
        assertEquals(7, MemdescType.MOVABLE.tag());
        assertEquals(8, MemdescType.PAGE_TABLE.tag());
        assertEquals(9, MemdescType.HWPOISON.tag());
        for (final MemdescType t : MemdescType.values()) {
            if (!t.isMisc() && t != MemdescType.NONE) {
                assertTrue(t.tag() != 6 && (t.tag() < 10 || t.tag() > 13),
                        t + " must not take a tag the revision gives to a type memu does not model");
            }
        }
    }

    @Test
    void everyTypeRoundTripsThroughItsAllocateeWord() {
        final Set<Long> bareWords = new HashSet<>();
        for (final MemdescType t : MemdescType.values()) {
            final long bare = Allocatee.of(t, 0);
            assertEquals(t, Allocatee.type(bare), "bare " + t);
            assertEquals(0, Allocatee.descriptor(bare), "bare " + t + " has no descriptor");
            assertTrue(bareWords.add(bare), "two types share the bare word 0x" + Long.toHexString(bare));
            if ((!t.isMisc() && t != MemdescType.NONE) || t == MemdescType.VMALLOC) {
                final long withDesc = Allocatee.of(t, DESCRIPTOR);
                assertEquals(t, Allocatee.type(withDesc), t + " with a descriptor");
                assertEquals(DESCRIPTOR, Allocatee.descriptor(withDesc));
            }
        }
    }

    @Test
    void miscTypesOtherThanVmallocCarryNoDescriptor() {
        assertThrows(IllegalArgumentException.class, () -> Allocatee.of(MemdescType.OFFLINE, DESCRIPTOR));
        assertThrows(IllegalArgumentException.class, () -> Allocatee.of(MemdescType.PCP_HELD, DESCRIPTOR));
        // A vmalloc descriptor address below 4096 would read as a subtype word.
        assertThrows(IllegalArgumentException.class, () -> Allocatee.of(MemdescType.VMALLOC, 0x40));
        assertThrows(IllegalArgumentException.class, () -> Allocatee.of(MemdescType.NONE, DESCRIPTOR));
        assertNotEquals(Allocatee.NONE, Allocatee.of(MemdescType.OFFLINE, 0));
    }

    @Test
    void descriptorHeadersCarryTheMiscSubtype() {
        final long misc = MemdescHeader.misc(MemdescType.VMALLOC, 0);
        assertEquals(0, MemdescHeader.typeTag(misc));
        assertEquals(MemdescType.VMALLOC.miscSubtype(), (int) (misc >>> MemdescType.MISC_SUBTYPE_SHIFT) & 0x7f);
        assertEquals(5, MemdescHeader.order(MemdescHeader.misc(MemdescType.SLAB, 5)));
    }
}
