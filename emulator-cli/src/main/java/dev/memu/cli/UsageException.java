package dev.memu.cli;

/** Bad input from the user: printed as one line naming the input, exit code 2, no stack trace. */
final class UsageException extends RuntimeException {

    UsageException(final String message) {
        super(message, null, false, false);
    }
}
