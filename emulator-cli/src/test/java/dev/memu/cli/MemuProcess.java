package dev.memu.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** A {@code memu} command in a JVM of its own, for what needs a real process: signals, kill -9. */
final class MemuProcess {

    private MemuProcess() {
    }

    /** Starts {@code memu args...} on this test's class path; its output goes to {@code log}. */
    static Process memu(final Path log, final String... args) throws IOException {
        final List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED",
                "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED", "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                Memu.class.getName()));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    /** Sends {@code signal} (TERM, INT, HUP, KILL) with kill(1). */
    static void signal(final Process p, final String signal) throws IOException, InterruptedException {
        final Process kill = new ProcessBuilder("kill", "-s", signal, Long.toString(p.pid())).inheritIO().start();
        if (kill.waitFor() != 0) {
            throw new IOException("kill -s " + signal + " " + p.pid() + " failed");
        }
    }
}
