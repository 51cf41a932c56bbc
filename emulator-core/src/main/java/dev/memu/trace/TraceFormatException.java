package dev.memu.trace;

/**
 * A trace line (or a replayed event) that {@code --strict} refuses: names the input, the line
 * number and what was wrong. Without strict, the same condition is only counted.
 */
public final class TraceFormatException extends RuntimeException {

    private final String input;
    private final long lineNumber;

    public TraceFormatException(final String input, final long lineNumber, final String detail) {
        super(input + ":" + lineNumber + ": " + detail);
        this.input = input;
        this.lineNumber = lineNumber;
    }

    /** A whole input refused (no line of its own): "input: detail", line number 0. */
    public TraceFormatException(final String input, final String detail) {
        super(input + ": " + detail);
        this.input = input;
        this.lineNumber = 0;
    }

    public String input() {
        return input;
    }

    public long lineNumber() {
        return lineNumber;
    }
}
