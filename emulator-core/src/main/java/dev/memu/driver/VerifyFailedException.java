package dev.memu.driver;

import dev.memu.alloc.VerifyReport;

/** The allocator's state was inconsistent after a pass: a bug, never a user error. */
public final class VerifyFailedException extends IllegalStateException {

    private final transient VerifyReport report;

    public VerifyFailedException(final String what, final VerifyReport report) {
        super(what + ": allocator state is inconsistent: " + report);
        this.report = report;
    }

    public VerifyReport report() {
        return report;
    }
}
