package dev.memu.driver;

/**
 * A configuration that cannot run as asked (an order above the allocator's max, a fill too
 * large...): the caller's input is wrong, nothing ran. The message names the input.
 */
public final class RunConfigException extends IllegalArgumentException {

    /** Which part of the configuration is wrong. */
    public enum Input { ORDERS, PROBE_ORDER, FILL, MEMORY, OTHER }

    private final Input input;

    public RunConfigException(final Input input, final String message) {
        super(message);
        this.input = input;
    }

    public Input input() {
        return input;
    }
}
