package dev.memu.trace;

import java.net.URISyntaxException;
import java.nio.file.Path;

/** Paths of the checked-in traces (captured on Linux 6.18, see traces/README.md). */
final class TraceResources {

    private TraceResources() {
    }

    static String path(final String name) {
        try {
            return Path.of(TraceResources.class.getResource("/traces/" + name).toURI()).toString();
        } catch (final URISyntaxException | NullPointerException e) {
            throw new IllegalStateException("missing test resource traces/" + name, e);
        }
    }
}
