package dev.memu.cli;

import java.io.InputStream;
import java.util.List;

/**
 * A parent process for {@link ChildJvmTest}: starts a long {@code memu run} in a child JVM the
 * way compare does ({@link ChildJvm#start}), prints the child's pid, and waits to be killed.
 */
public final class OrphanParent {

    private OrphanParent() {
    }

    public static void main(final String[] args) throws Exception {
        final Process child = ChildJvm.start(List.of("run", "--mem", "64M", "--ops", "1000M", "--warmup", "0",
                "--progress", "off", "--format", "json"));
        drain(child.getInputStream());
        drain(child.getErrorStream());
        System.out.println(child.pid());
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }

    private static void drain(final InputStream in) {
        Thread.ofPlatform().daemon().start(() -> {
            try (in) {
                in.transferTo(java.io.OutputStream.nullOutputStream());
            } catch (final java.io.IOException ignored) {
                // the child is gone
            }
        });
    }
}
