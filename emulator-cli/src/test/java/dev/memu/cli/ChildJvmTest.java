package dev.memu.cli;

import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The child JVMs of compare and bench: what they run, and that they do not outlive their parent. */
class ChildJvmTest {

    /** Polls of the child's liveness after its parent died, 100 ms apart: a bound, not a speed. */
    private static final int POLLS = 600;

    @Test
    void theChildRunsMemuThroughTheParentWatchWithThisJvmsClassPath() {
        final List<String> command = ChildJvm.command(List.of("run", "--ops", "1"));
        assertEquals(Path.of(System.getProperty("java.home"), "bin", "java").toString(), command.getFirst());
        final int main = command.indexOf(ChildMain.class.getName());
        assertTrue(main > 0, command.toString());
        assertEquals(System.getProperty("java.class.path"), command.get(command.indexOf("-cp") + 1));
        assertEquals(List.of("run", "--ops", "1"), command.subList(main + 1, command.size()));
        assertTrue(command.stream().anyMatch(a -> a.startsWith("--enable-native-access")), command.toString());
        assertTrue(command.stream().noneMatch(a -> a.startsWith("-agentlib:jdwp")), command.toString());
        assertTrue(command.subList(0, main).contains("-XX:ErrorFile=" + ChildJvm.crashReport("%p")),
                "a crashing child writes its report to the temporary directory, not the user's: " + command);
        // Tests run from class directories, which a class-data archive cannot hold: no archive then.
        assertFalse(ChildJvm.fromOwnJar());
        assertTrue(command.stream().noneMatch(a -> a.startsWith("-XX:SharedArchiveFile")), command.toString());
    }

    @Test
    void theWatchReturnsWhenTheParentsEndOfThePipeCloses() throws Exception {
        final PipedOutputStream parentEnd = new PipedOutputStream();
        final PipedInputStream childEnd = new PipedInputStream(parentEnd);
        final boolean[] stopped = {true};
        final Thread watch = Thread.ofPlatform().start(() -> stopped[0] = ParentWatch.watch(childEnd));
        parentEnd.write("gg".getBytes(StandardCharsets.UTF_8));
        parentEnd.flush();
        parentEnd.close();
        watch.join(60_000);
        assertFalse(watch.isAlive(), "end of file ends the watch");
        assertFalse(stopped[0], "end of file is the parent gone, not a STOP");
        // each byte the parent wrote is one turn handed over (QuietHandshake), no more
        assertTrue(ParentWatch.awaitTurn(0));
        assertTrue(ParentWatch.awaitTurn(0));
        assertFalse(ParentWatch.awaitTurn(0));
    }

    @Test
    void aStopByteEndsTheWatchWithoutEndOfFile() throws Exception {
        final PipedOutputStream parentEnd = new PipedOutputStream();
        final PipedInputStream childEnd = new PipedInputStream(parentEnd);
        final boolean[] stopped = {false};
        final Thread watch = Thread.ofPlatform().start(() -> stopped[0] = ParentWatch.watch(childEnd));
        parentEnd.write(ParentWatch.STOP);
        parentEnd.flush();
        watch.join(60_000);
        assertFalse(watch.isAlive(), "STOP ends the watch while the pipe is still open");
        assertTrue(stopped[0]);
        parentEnd.close();
    }

    @Test
    void aChildsCommandLineHoldsOnlyItsSubcommandWithMemusOptionsAndErrors() {
        final java.io.StringWriter out = new java.io.StringWriter();
        final java.io.StringWriter err = new java.io.StringWriter();
        final picocli.CommandLine cl = Memu.childCommandLine("compare", new java.io.PrintWriter(out, true),
                new java.io.PrintWriter(err, true));
        assertTrue(cl != null);
        assertEquals(List.of("compare"), List.copyOf(cl.getSubcommands().keySet()));
        assertEquals("memu compare", cl.getSubcommands().get("compare").getCommandSpec().qualifiedName());
        assertTrue(cl.getSubcommands().get("compare").getCommandSpec().findOption("--debug") != null,
                "--debug is inherited as in memu's own command line");
        assertEquals(Memu.EXIT_USAGE, cl.execute("compare", "--layouts", "memdesc9"));
        assertTrue(err.toString().startsWith("memu: --layouts 'memdesc9'"), err.toString());
        assertEquals(null, Memu.childCommandLine("layouts", new java.io.PrintWriter(out), new java.io.PrintWriter(err)),
                "a subcommand children never run gets memu's whole command line");
    }

    @Test
    void aChildExitsWhenItsParentIsKilled() throws Exception {
        orphanExits(false);
    }

    @Test
    void aStoppedChildIsKilledWithItsParent() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(ChildSignals.available(), "needs Linux on x86-64 or arm64");
        orphanExits(true);
    }

    /** Kills an {@link OrphanParent} (whose child is stopped, or not) and checks its child is gone soon after. */
    private static void orphanExits(final boolean stopped) throws Exception {
        final List<String> command = new java.util.ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"), OrphanParent.class.getName()));
        if (stopped) {
            command.add("--stop-child");
        }
        final Process parent = new ProcessBuilder(command)
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        ProcessHandle child = null;
        try {
            final String pid = new BufferedReader(new InputStreamReader(parent.getInputStream(), StandardCharsets.UTF_8))
                    .readLine();
            assertTrue(pid != null && pid.matches("\\d+"), "the parent printed its child's pid: " + pid);
            child = ProcessHandle.of(Long.parseLong(pid)).orElse(null);
            assertTrue(child != null && child.isAlive(), "the child runs a long configuration");
            if (stopped) {
                assertTrue(ChildSignals.stopped(child.pid()), "the parent stopped its child");
            }
            assertTrue(parent.toHandle().destroyForcibly(), "SIGKILL to the parent");
            parent.waitFor();
            for (int i = 0; i < POLLS && child.isAlive(); i++) {
                Thread.sleep(100);
            }
            assertFalse(child.isAlive(), stopped ? "the kernel killed the stopped child with its parent (PR_SET_PDEATHSIG)"
                    : "the child saw its parent's pipe close and exited");
        } finally {
            parent.destroyForcibly();
            if (child != null) {
                child.destroyForcibly();
            }
        }
    }
}
