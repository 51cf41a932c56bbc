package dev.memu.layout;

/**
 * One field of a descriptor layout, pahole-style: the byte offset of the word it lives in, and
 * its bit range within that word (little-endian, bit 0 the least significant).
 *
 * @param name      the field's name (Linux's name where one exists)
 * @param byteOffset offset of the containing word from the start of the entry
 * @param bitOffset first bit within that word
 * @param bitWidth  number of bits
 * @param meaning   one line on what the field holds and when
 */
public record LayoutField(String name, int byteOffset, int bitOffset, int bitWidth, String meaning) {

    public static LayoutField word(final String name, final int byteOffset, final String meaning) {
        return new LayoutField(name, byteOffset, 0, 64, meaning);
    }

    public static LayoutField bits(final String name, final int byteOffset, final int bitOffset, final int bitWidth,
                                   final String meaning) {
        return new LayoutField(name, byteOffset, bitOffset, bitWidth, meaning);
    }
}
