package dev.memu.cli;

import java.io.InputStream;
import java.util.List;

/**
 * A parent process for {@link ChildJvmTest}: starts a long {@code memu run} in a child JVM the
 * way compare does ({@link ChildJvm#start}), prints the child's pid, and waits to be killed. With
 * {@code --stop-child} it first waits for the child's first progress line (the child is past its
 * start, where it asked to die with its parent) and stops it ({@link ChildSignals#stop}), as
 * compare stops a child while another times.
 */
public final class OrphanParent {

    private OrphanParent() {
    }

    public static void main(final String[] args) throws Exception {
        final boolean stop = List.of(args).contains("--stop-child");
        final Process child = ChildJvm.start(List.of("run", "--mem", "64M", "--ops", "1000M", "--warmup", "0",
                "--progress", stop ? "lines" : "off", "--format", "json"));
        drain(child.getInputStream());
        if (stop) {
            final java.io.BufferedReader err = new java.io.BufferedReader(new java.io.InputStreamReader(
                    child.getErrorStream(), java.nio.charset.StandardCharsets.UTF_8));
            if (err.readLine() == null) {
                throw new IllegalStateException("the child ended before its first progress line");
            }
            ChildSignals.stop(child.pid());
            drain(child.getErrorStream());
        } else {
            drain(child.getErrorStream());
        }
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
