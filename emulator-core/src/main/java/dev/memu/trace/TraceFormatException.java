package dev.memu.trace;

/**
 * A trace line (or a replayed event) that {@code --strict} refuses: names the input, the line
 * number and what was wrong. Without strict, the same condition is only counted.
 */
public final class TraceFormatException extends RuntimeException {

    private final String input;
    private final long lineNumber;

    public TraceFormatException(final String input, final long lineNumber, final String detail) {
        super(oneLine(input + ":" + lineNumber + ": " + detail));
        this.input = input;
        this.lineNumber = lineNumber;
    }

    /** A whole input refused (no line of its own): "input: detail", line number 0. */
    public TraceFormatException(final String input, final String detail) {
        super(oneLine(input + ": " + detail));
        this.input = input;
        this.lineNumber = 0;
    }

    public String input() {
        return input;
    }

    public long lineNumber() {
        return lineNumber;
    }

    /** Control characters from the input (a stray carriage return...) are shown as '?': the message stays one line. */
    private static String oneLine(final String message) {
        final StringBuilder sb = new StringBuilder(message.length());
        for (int i = 0; i < message.length(); i++) {
            final char c = message.charAt(i);
            sb.append(c < 0x20 && c != '\t' || c == 0x7f || c == '\u2028' || c == '\u2029' || c == '\u0085' ? '?' : c);
        }
        return sb.toString();
    }
}
