package dev.memu.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.Reader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs one memu command in a fresh JVM, for the commands that measure one configuration per JVM
 * ({@code compare}, {@code bench llfree}) so that no configuration runs through call sites that
 * another one made polymorphic, nor on a heap another one filled.
 *
 * <p>The child is this JVM's java with its options (less a debugger agent, whose port can be
 * bound once) and class path, entered through {@link ChildMain}. Its stdout is collected and
 * returned (a command's JSON report); its stderr is passed on line by line to the parent's
 * error writer (progress, notes, its error message). The parent holds the write end of the
 * child's stdin and never writes to it: when the parent dies, even by {@code kill -9}, the pipe
 * closes and the child's {@link ParentWatch} sees end of file and exits.
 */
final class ChildJvm {

    private ChildJvm() {
    }

    /**
     * What runs children beside each other ({@link Siblings}) learns of each: before it starts
     * (and may hold the start back), once it has started ({@code null} when it could not), and
     * when it has ended.
     */
    interface Host {
        void starting() throws InterruptedException;

        void started(Process child);

        void ended();
    }

    /** The export Agrona 2.x needs (the manifest's Add-Exports does not reach a child started with -cp). */
    private static final String AGRONA_EXPORT = "java.base/jdk.internal.misc=ALL-UNNAMED";

    /** The command line of a child JVM running {@code memu args...}. */
    static List<String> command(final List<String> args) {
        final List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        boolean nativeAccess = false;
        boolean agronaExport = false;
        boolean sharing = false;
        boolean errorFile = false;
        for (final String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (arg.startsWith("-agentlib:jdwp") || arg.startsWith("-Xrunjdwp")) {
                continue;   // a debugger port can be bound once
            }
            nativeAccess |= arg.startsWith("--enable-native-access");
            errorFile |= arg.startsWith("-XX:ErrorFile");
            agronaExport |= arg.contains(AGRONA_EXPORT);
            sharing |= arg.startsWith("-XX:SharedArchiveFile") || arg.startsWith("-Xshare")
                    || arg.contains("ArchiveClassesAtExit");
            command.add(arg);
        }
        if (!nativeAccess) {
            command.add("--enable-native-access=ALL-UNNAMED");
        }
        if (!agronaExport) {
            command.addAll(List.of("--add-exports", AGRONA_EXPORT));    // a run's live counters (Agrona 2.x)
        }
        if (!errorFile) {
            // A child that crashes (a JVM bug) writes its report here, not into the user's directory.
            command.add("-XX:ErrorFile=" + crashReport("%p"));
        }
        if (!sharing && fromOwnJar()) {
            command.addAll(classDataSharing());
        }
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), ChildMain.class.getName()));
        command.addAll(args);
        return command;
    }

    /**
     * Whether this JVM runs memu from its one jar (the launcher's {@code -jar memu.jar}): a
     * dynamic archive cannot hold classes loaded from directories (a build's or a test's
     * {@code target/classes}), and a JVM asked to write one then fails at exit.
     */
    static boolean fromOwnJar() {
        final String classPath = System.getProperty("java.class.path");
        if (classPath == null || classPath.contains(java.io.File.pathSeparator) || !classPath.endsWith(".jar")) {
            return false;
        }
        try {
            final var source = ChildJvm.class.getProtectionDomain().getCodeSource();
            return source != null && Path.of(source.getLocation().toURI()).equals(Path.of(classPath).toAbsolutePath());
        } catch (final java.net.URISyntaxException | SecurityException | IllegalArgumentException e) {
            return false;
        }
    }

    /** Where a child JVM with process id {@code pid} writes its crash report, if it ever crashes. */
    static Path crashReport(final String pid) {
        return Path.of(System.getProperty("java.io.tmpdir"), "memu-child-hs_err_pid" + pid + ".log");
    }

    /**
     * Whether a child started now starts from a written class-data archive, or needs none: false
     * only while the first child of this jar has yet to write it. Two children that both find no
     * archive both write one at exit (a second or more each); one that starts while the other
     * writes it may crash in the JVM's archive code. So a caller that overlaps children waits for
     * the first to end while this is false.
     */
    static boolean sharingReady() {
        return !fromOwnJar() || java.nio.file.Files.isRegularFile(archive());
    }

    private static Path archive() {
        final java.io.File jar = new java.io.File(System.getProperty("java.class.path"));
        // The jar's size and time in the name: a rebuilt jar gets a fresh archive (the JVM would
        // refuse the old one, and does not always write a new one in its place).
        final String key = Integer.toHexString(java.util.Objects.hash(System.getProperty("user.name"),
                System.getProperty("java.home"), Runtime.version().toString(), jar.getAbsolutePath(), jar.length(),
                jar.lastModified()));
        return Path.of(System.getProperty("java.io.tmpdir"), "memu-cds-" + key + ".jsa");
    }

    /**
     * A dynamic class-data archive that the children share (JDK 19+ {@code AutoCreateSharedArchive}):
     * the first child writes it when it exits, the next ones map memu's and the JDK's classes
     * (and the lambda forms) from it instead of loading and verifying them again, which was a good
     * part of a child's start. Not picocli's: its class files are Java 5's (version 49), which
     * CDS does not archive ({@code -Xlog:class+load} shows them loaded from the jar). The JVM checks the archive against the class path and refuses a stale one;
     * it changes how classes are loaded, not the code that runs. One archive per user, JDK and
     * build of the jar, in the temporary directory; its logging is off, so a stale or
     * unwritable archive says nothing on the child's stderr. Only when memu runs from its jar
     * ({@link #fromOwnJar()}).
     */
    private static List<String> classDataSharing() {
        final Path archive = archive();
        removeOlderArchives(archive);
        return List.of("-XX:SharedArchiveFile=" + archive, "-XX:+AutoCreateSharedArchive", "-Xlog:cds=off",
                "-Xlog:cds+dynamic=off");
    }

    /**
     * Deletes this user's archives of earlier jars: each rebuild of memu.jar gets a new one (about
     * 6 MiB), and without this they would pile up in the temporary directory. A JVM that still
     * maps an old archive keeps it until it exits (Linux unlink semantics).
     */
    private static void removeOlderArchives(final Path current) {
        try (var ds = java.nio.file.Files.newDirectoryStream(current.getParent(), "memu-cds-*.jsa")) {
            for (final Path p : ds) {
                if (!p.equals(current) && java.nio.file.Files.isWritable(p)
                        && java.nio.file.Files.getOwner(p).getName().equals(System.getProperty("user.name"))) {
                    java.nio.file.Files.deleteIfExists(p);
                }
            }
        } catch (final IOException | RuntimeException ignored) {
            // a cache: failing to clean it changes nothing a run measures
        }
    }

    /**
     * Starts {@code memu args...} in a child JVM whose stdin stays open (the parent-liveness pipe)
     * and whose stdout and stderr are pipes for the caller to read.
     */
    static Process start(final List<String> args) throws IOException {
        return new ProcessBuilder(command(args))
                .redirectInput(ProcessBuilder.Redirect.PIPE)
                .redirectOutput(ProcessBuilder.Redirect.PIPE)
                .redirectError(ProcessBuilder.Redirect.PIPE)
                .start();
    }

    /**
     * Runs {@code memu args...} in a child JVM to its end and returns what it printed on stdout.
     *
     * @param what names the run in the message when it fails
     * @param err  where the child's stderr goes
     * @throws IllegalStateException when the child exits non-zero (its own message went to {@code err})
     */
    static String run(final String what, final List<String> args, final PrintWriter err)
            throws IOException, InterruptedException {
        return run(what, args, err, null);
    }

    /**
     * {@link #run(String, List, PrintWriter)} of a child that asks for the host before it times
     * ({@link QuietHandshake}): when it asks, {@code quiet.enter()} runs here (it returns once
     * this JVM's own work is held still) and the child gets its turn; when it is done timing,
     * {@code quiet.leave()}. {@code quiet.leave()} also runs when the child ends without saying
     * so, so that a failed child never leaves this JVM's work held.
     */
    static String run(final String what, final List<String> args, final PrintWriter err,
                      final dev.memu.driver.QuietWindow quiet) throws IOException, InterruptedException {
        return run(what, args, err, quiet, null);
    }

    /**
     * {@link #run(String, List, PrintWriter, dev.memu.driver.QuietWindow)} telling {@code host}
     * (when not null) before the child starts, once it has, and when it has ended.
     */
    static String run(final String what, final List<String> args, final PrintWriter err,
                      final dev.memu.driver.QuietWindow quiet, final Host host) throws IOException, InterruptedException {
        if (host == null) {
            return run(what, start(args), err, quiet);
        }
        host.starting();
        Process child = null;
        try {
            child = start(args);
        } finally {
            host.started(child);
            if (child == null) {
                host.ended();
            }
        }
        try {
            return run(what, child, err, quiet);
        } finally {
            host.ended();
        }
    }

    private static String run(final String what, final Process child, final PrintWriter err,
                              final dev.memu.driver.QuietWindow quiet) throws IOException, InterruptedException {
        final Thread relay = Thread.ofPlatform().daemon().name("memu-child-stderr")
                .start(() -> relay(child.getErrorStream(), err));
        final String out;
        boolean entered = false;
        try (BufferedReader in = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            final StringBuilder buffer = new StringBuilder(8192);
            String line;
            while ((line = in.readLine()) != null) {
                if (quiet != null && line.equals(QuietHandshake.ASK)) {
                    quiet.enter();
                    entered = true;
                    child.getOutputStream().write(ParentWatch.TURN);
                    child.getOutputStream().flush();
                } else if (quiet != null && line.equals(QuietHandshake.DONE)) {
                    entered = false;
                    quiet.leave();
                } else {
                    buffer.append(line).append('\n');
                }
            }
            out = buffer.toString();
            stop(child);
        } catch (final IOException | RuntimeException e) {
            child.destroyForcibly();
            throw e;
        } finally {
            if (entered) {
                quiet.leave();
            }
        }
        final int exit;
        try {
            exit = child.waitFor();
            relay.join();
        } finally {
            if (child.isAlive()) {
                child.destroyForcibly();    // interrupted: the child must not outlive the wait
            }
            child.getOutputStream().close();
        }
        if (exit != 0) {
            final Path report = crashReport(Long.toString(child.pid()));
            throw new IllegalStateException(what + " failed with exit code " + exit
                    + (java.nio.file.Files.exists(report) ? " (the JVM crashed: " + report + ")" : " (its message is above)"));
        }
        return out;
    }

    /**
     * Tells a child that has closed its stdout that its whole output is read ({@link
     * ParentWatch#STOP}): it then exits at once instead of waiting for its watch thread. A child
     * already gone makes the write fail, which changes nothing.
     */
    private static void stop(final Process child) {
        try {
            child.getOutputStream().write(ParentWatch.STOP);
            child.getOutputStream().flush();
        } catch (final IOException e) {
            // the child has gone already
        }
    }

    /** Copies the child's stderr to {@code err} as it comes, so that progress lines show while the child runs. */
    private static void relay(final InputStream stderr, final PrintWriter err) {
        try (Reader in = new InputStreamReader(stderr, StandardCharsets.UTF_8)) {
            final char[] buffer = new char[4096];
            int n;
            while ((n = in.read(buffer)) >= 0) {
                err.write(buffer, 0, n);
                err.flush();
            }
        } catch (final IOException e) {
            // the child is gone; what it printed so far has been passed on
        }
    }
}
