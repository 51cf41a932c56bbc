package dev.memu.cli;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** What {@code --out} does with each kind of thing at its path, through {@code memu run}. */
class OutputTargetTest {

    @TempDir
    Path dir;

    @AfterEach
    void backToOTmpfile() {
        StagedFile.forceNamedTemporary = false;
    }

    private static Cli run(final String out) {
        return Cli.run(Cli.small("run", "--format", "json", "--out", out));
    }

    private static void assertReport(final String text) {
        assertTrue(text.startsWith("{") && text.contains("\"results\""), text);
    }

    private static void assertOneLine(final Cli r, final int exit, final String fragment) {
        assertEquals(exit, r.exit(), r.err());
        assertEquals("", r.out());
        assertEquals(1, r.errLines(), r.err());
        assertTrue(r.err().startsWith("memu: ") && r.err().contains(fragment), r.err());
        assertFalse(r.err().contains("\tat "), r.err());
    }

    private List<Path> files() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        }
    }

    private static String mode(final Path p) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS));
    }

    @Test
    void aNewFileGetsTheUmaskModeAndAppearsAlone() throws IOException {
        final Path reference = Files.createFile(dir.resolve("reference")); // 0666 & ~umask, as a shell makes it
        final Path out = dir.resolve("r.json");
        final Cli r = run(out.toString());
        assertEquals(0, r.exit(), r.err());
        assertReport(Files.readString(out));
        assertEquals(mode(reference), mode(out));
        assertEquals(List.of(out, reference), files(), "no temporary file");
    }

    @Test
    void anExistingFileKeepsItsModeAndOwner() throws IOException {
        final Path out = Files.writeString(dir.resolve("r.json"), "old");
        Files.setPosixFilePermissions(out, PosixFilePermissions.fromString("rw-------"));
        final boolean root = Privilege.root();
        if (root) {
            Files.setAttribute(out, "unix:uid", 4321);
            Files.setAttribute(out, "unix:gid", 4322);
        }
        final Cli r = run(out.toString());
        assertEquals(0, r.exit(), r.err());
        assertReport(Files.readString(out));
        assertEquals("rw-------", mode(out));
        if (root) {
            assertEquals(4321, Files.getAttribute(out, "unix:uid"));
            assertEquals(4322, Files.getAttribute(out, "unix:gid"));
        }
        assertEquals(List.of(out), files());
    }

    @Test
    void aFileWithTwoHardLinksIsRewrittenInPlaceSoBothSeeTheReport() throws IOException {
        final Path out = Files.writeString(dir.resolve("r.json"), "old");
        final Path other = Files.createLink(dir.resolve("other.json"), out);
        final Object inode = Files.getAttribute(out, "unix:ino");
        assertEquals(0, run(out.toString()).exit());
        assertEquals(inode, Files.getAttribute(out, "unix:ino"));
        assertReport(Files.readString(other));
        assertEquals(Files.readString(out), Files.readString(other));
    }

    @Test
    void aSymlinkStaysALinkAndItsTargetGetsTheReport() throws IOException {
        final Path sub = Files.createDirectories(dir.resolve("real"));
        final Path target = Files.writeString(sub.resolve("target.json"), "old");
        Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rw-r-----"));
        final Path link = Files.createSymbolicLink(dir.resolve("link.json"), Path.of("real/target.json"));
        final Cli r = run(link.toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(Files.isSymbolicLink(link));
        assertEquals(Path.of("real/target.json"), Files.readSymbolicLink(link));
        assertReport(Files.readString(target));
        assertEquals("rw-r-----", mode(target));
        assertEquals(List.of(target), Files.list(sub).toList(), "the temporary file was beside the target");
    }

    @Test
    void aDanglingSymlinkCreatesItsTarget() throws IOException {
        final Path link = Files.createSymbolicLink(dir.resolve("link.json"), Path.of("new.json"));
        assertEquals(0, run(link.toString()).exit());
        assertTrue(Files.isSymbolicLink(link));
        assertReport(Files.readString(dir.resolve("new.json")));
    }

    @Test
    void aFifoIsWrittenThroughAndStaysAFifo() throws Exception {
        final Path fifo = dir.resolve("fifo");
        assumeTrue(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor() == 0, "mkfifo");
        final AtomicReference<String> read = new AtomicReference<>();
        final Thread reader = new Thread(() -> {
            try {
                read.set(Files.readString(fifo));
            } catch (final IOException e) {
                read.set("failed: " + e);
            }
        });
        reader.start();
        final Cli r = run(fifo.toString());
        if (r.exit() != 0) {
            Files.writeString(fifo, "run failed"); // let the reader go
        }
        reader.join(TimeUnit.SECONDS.toMillis(30));
        assertFalse(reader.isAlive());
        assertEquals(0, r.exit(), r.err());
        assertReport(read.get());
        assertTrue((Integer) Files.getAttribute(fifo, "unix:mode") >>> 12 == 1, "still a FIFO (S_IFIFO)");
    }

    @Test
    void devNullStaysTheDeviceAndDevFullIsAnIoError() throws IOException {
        final Path devNull = Path.of("/dev/null");
        assumeTrue(Files.exists(devNull) && Files.exists(Path.of("/dev/full")));
        final Object rdev = Files.getAttribute(devNull, "unix:rdev");
        assertEquals(0, run("/dev/null").exit());
        assertEquals(rdev, Files.getAttribute(devNull, "unix:rdev"));
        assertFalse(Files.isRegularFile(devNull));
        assertOneLine(run("/dev/full"), 1, "--out '/dev/full': No space left on device");
        assertFalse(Files.isRegularFile(Path.of("/dev/full")));
    }

    @Test
    void directoriesBlockDevicesAndMissingParentsAreRefused() throws IOException {
        assertOneLine(run(dir.toString()), 2, "is a directory");
        assertOneLine(run(dir.resolve("missing/r.json").toString()), 2, "does not exist");
        assertFalse(Files.exists(dir.resolve("missing")), "memu creates no directories");
        try (Stream<Path> dev = Files.list(Path.of("/dev"))) {
            final Path block = dev.filter(p -> {
                try {
                    return ((Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 0170000) == 0060000;
                } catch (final IOException e) {
                    return false;
                }
            }).findFirst().orElse(null);
            if (block != null) {
                assertOneLine(run(block.toString()), 2, "is a block device");
            }
        }
        assertEquals(List.of(), files());
    }

    @Test
    void withoutOTmpfileTheNamedTemporaryIsRemovedAndStaleOnesOfDeadPidsToo() throws Exception {
        StagedFile.forceNamedTemporary = true;
        final Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        assertFalse(gone.isAlive());
        final Path stale = Files.writeString(dir.resolve(".r.json." + gone.pid() + ".1.tmp"), "partial");
        final Path live = Files.writeString(dir.resolve(".r.json." + ProcessHandle.current().pid() + ".999.tmp"), "mine");
        final Path out = dir.resolve("r.json");
        final Cli r = run(out.toString());
        assertEquals(0, r.exit(), r.err());
        assertReport(Files.readString(out));
        assertFalse(Files.exists(stale), "a dead pid's temporary file is removed");
        assertTrue(Files.exists(live), "a live pid's temporary file is left alone");
        Files.delete(live);
        assertEquals(List.of(out), files());
    }

    @Test
    void killNineWhileRunningLeavesNoTemporaryFile() throws Exception {
        final Path out = dir.resolve("x.json");
        // The child's output goes beside the directory, whose listing the test checks, and is removed after.
        final Path childLog = dir.resolveSibling(dir.getFileName() + ".log");
        final Process p = MemuProcess.memu(childLog, "run", "--mem", "256M",
                "--ops", "1000M", "--progress", "off", "--counters", "none", "--out", out.toString());
        try {
            Thread.sleep(2500); // well past the --out check, which makes the temporary file
            assertTrue(p.isAlive(), "still running when killed");
        } finally {
            p.destroyForcibly().waitFor();
            Files.deleteIfExists(childLog);
        }
        assertFalse(p.isAlive());
        assertEquals(List.of(), files(), "no x.json and no .x.json.*.tmp");
    }

    @Test
    void stdoutThroughDevStdoutIsNotReplaced() throws IOException {
        final Path log = dir.resolve("log.txt");
        final String text = "a report\n";
        // /proc/self/fd/N of a file opened in append mode: what --out /dev/stdout is under 'memu ... >> log'
        Files.writeString(log, "earlier\n");
        try (var ch = java.nio.channels.FileChannel.open(log, java.nio.file.StandardOpenOption.APPEND)) {
            final Path fdPath = Path.of("/proc/self/fd").resolve(Long.toString(fdOf(ch)));
            assumeTrue(Files.exists(fdPath));
            OutputTarget.file("--out", fdPath.toString()).commit(text);
        }
        assertEquals("earlier\n" + text, Files.readString(log, StandardCharsets.UTF_8), "appended, never truncated");
    }

    /** The descriptor number of an open channel, found through /proc/self/fd. */
    private static long fdOf(final java.nio.channels.FileChannel ch) throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            for (final Path fd : fds.toList()) {
                try {
                    if (Files.readSymbolicLink(fd).toString().endsWith("log.txt")) {
                        return Long.parseLong(fd.getFileName().toString());
                    }
                } catch (final IOException ignored) {
                    // a descriptor closed meanwhile
                }
            }
        }
        throw new IOException("no descriptor for the log");
    }
}
