package dev.memu.fuzz;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Damaged copies of a valid input for fuzz tests: bit flips, truncation, splices of the input
 * with itself or with random bytes, and plain random bytes. Seeded, so every failure names the
 * seed and try that reproduce it.
 *
 * <p>How many tries a fuzz test makes: {@code -Dmemu.fuzz.tries=N} (default {@value #DEFAULT_TRIES},
 * fast enough for every CI run); {@code -Dmemu.fuzz.seed=S} replays another sequence.
 *
 * <p>Why not a property-testing library: the one considered, jqwik, states since 1.10 that it is
 * not to be used by AI coding agents (its user guide's "Anti-AI Usage Clause"), which wrote this
 * code; the mutations needed here are a few lines each.
 */
public final class Mutator {

    public static final int DEFAULT_TRIES = 300;

    private final SplittableRandom random;
    private final long seed;

    public Mutator(final long salt) {
        this.seed = Long.getLong("memu.fuzz.seed", 0x6d656d75L) ^ salt;
        this.random = new SplittableRandom(seed);
    }

    public static int tries() {
        return Integer.getInteger("memu.fuzz.tries", DEFAULT_TRIES);
    }

    /** "seed S try T": enough to replay one failure. */
    public String where(final int attempt) {
        return "seed " + Long.toHexString(seed) + " try " + attempt;
    }

    /** One damaged copy of {@code valid}, of a kind chosen at random. */
    public byte[] mutate(final byte[] valid) {
        return switch (random.nextInt(6)) {
            case 0 -> flipBits(valid, 1);
            case 1 -> flipBits(valid, 1 + random.nextInt(20));
            case 2 -> truncate(valid);
            case 3 -> splice(valid, valid);
            case 4 -> splice(valid, randomBytes(1 + random.nextInt(64)));
            default -> randomBytes(random.nextInt(4096));
        };
    }

    public byte[] flipBits(final byte[] valid, final int flips) {
        final byte[] b = valid.clone();
        if (b.length == 0) {
            return b;
        }
        for (int i = 0; i < flips; i++) {
            final int at = random.nextInt(b.length);
            b[at] ^= (byte) (1 << random.nextInt(8));
        }
        return b;
    }

    public byte[] truncate(final byte[] valid) {
        return Arrays.copyOf(valid, valid.length == 0 ? 0 : random.nextInt(valid.length));
    }

    /** {@code a} up to a random point, then {@code b} from a random point. */
    public byte[] splice(final byte[] a, final byte[] b) {
        final int cut = a.length == 0 ? 0 : random.nextInt(a.length + 1);
        final int from = b.length == 0 ? 0 : random.nextInt(b.length);
        final byte[] out = Arrays.copyOf(a, cut + b.length - from);
        System.arraycopy(b, from, out, cut, b.length - from);
        return out;
    }

    public byte[] randomBytes(final int n) {
        final byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) random.nextInt(256);
        }
        return b;
    }

    public int nextInt(final int bound) {
        return random.nextInt(bound);
    }
}
