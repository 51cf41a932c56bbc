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

    public String input() {
        return input;
    }

    public long lineNumber() {
        return lineNumber;
    }
}
