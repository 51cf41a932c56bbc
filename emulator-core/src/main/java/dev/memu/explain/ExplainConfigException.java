package dev.memu.explain;

/**
 * An explain request that cannot run as asked (unknown layout, an order above the allocator's
 * max, a state that does not apply to the allocator or operation): the caller's input is wrong,
 * nothing ran. The message names the value and what is wrong; {@link #input()} says which input.
 */
public final class ExplainConfigException extends IllegalArgumentException {

    /** Which input is wrong. */
    public enum Input { LAYOUT, ALLOCATOR, OP, ORDER, STATE, MEMORY }

    private final Input input;

    public ExplainConfigException(final Input input, final String message) {
        super(message);
        this.input = input;
    }

    public Input input() {
        return input;
    }
}
