package dev.memu.cli;

import dev.memu.driver.ProgressListener;

import java.io.PrintWriter;
import java.util.Locale;

/**
 * Progress of long passes on stderr: on a terminal one line rewritten in place ({@code \r}) and
 * cleared when the pass ends; elsewhere (logs, CI) one plain line per report.
 */
final class ConsoleProgress implements ProgressListener {

    /** How progress is shown: {@code auto} picks tty or lines from the console. */
    static final java.util.List<String> MODES = java.util.List.of("auto", "tty", "lines", "off");

    private final PrintWriter err;
    private final boolean tty;
    private int lastWidth;

    private ConsoleProgress(final PrintWriter err, final boolean tty) {
        this.err = err;
        this.tty = tty;
    }

    static ProgressListener of(final String mode, final PrintWriter err) {
        return switch (resolve(mode)) {
            case "off" -> ProgressListener.NONE;
            case "tty" -> new ConsoleProgress(err, true);
            default -> new ConsoleProgress(err, false);
        };
    }

    /** {@code auto} becomes {@code tty} when the JVM has an interactive console, else {@code lines}. */
    static String resolve(final String mode) {
        if (!"auto".equals(mode)) {
            return mode;
        }
        final java.io.Console console = System.console();
        return console != null && console.isTerminal() ? "tty" : "lines";
    }

    /** One status line (e.g. which configuration of a compare runs now), shown like a progress report. */
    static void status(final String mode, final PrintWriter err, final String line) {
        switch (resolve(mode)) {
            case "tty" -> err.print('\r' + line + "\u001b[K");
            case "lines" -> err.println(line);
            default -> {
                return;
            }
        }
        err.flush();
    }

    /** Ends a status line on a terminal. */
    static void clearStatus(final String mode, final PrintWriter err) {
        if ("tty".equals(resolve(mode))) {
            err.print("\r\u001b[K");
            err.flush();
        }
    }

    @Override
    public void progress(final String pass, final long done, final long estimatedTotal, final double opsPerSec) {
        final String line = String.format(Locale.ROOT, "memu: %s: %,d of ~%,d ops (%d%%), %.2f Mops/s",
                pass, done, estimatedTotal, Math.min(99, done * 100 / Math.max(1, estimatedTotal)), opsPerSec / 1e6);
        if (tty) {
            err.print('\r' + line + " ".repeat(Math.max(0, lastWidth - line.length())));
            lastWidth = line.length();
        } else {
            err.println(line);
        }
        err.flush();
    }

    @Override
    public void passDone(final String pass) {
        if (tty && lastWidth > 0) {
            err.print('\r' + " ".repeat(lastWidth) + '\r');
            err.flush();
            lastWidth = 0;
        }
    }
}
