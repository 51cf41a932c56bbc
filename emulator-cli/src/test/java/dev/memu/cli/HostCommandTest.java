package dev.memu.cli;

import dev.memu.host.HostSnapshot;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HostCommandTest {

    private static final String FAKE = CommandRun.coreResource("host/proc");
    private static final String NOROOT = CommandRun.coreResource("host/noroot");

    @TempDir
    Path tmp;

    @Test
    void textReportOfAFakeHost() {
        final CommandRun r = CommandRun.run(new HostCommand(), "--proc", FAKE);
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("4096 pfns (16 MiB)"), r.out());
        // rebuilt free blocks equal the fake buddyinfo: the diff row is all zeros
        final String diffRow = r.out().lines().filter(l -> l.contains("rebuilt - before")).findFirst().orElseThrow();
        assertTrue(diffRow.matches("\\s*rebuilt - before(\\s+0){11}\\s*"), diffRow);
        assertTrue(r.out().contains("free        MemFree"), r.out());
        assertTrue(r.out().contains("memdesc8"), r.out());
        assertTrue(r.out().contains("1.6 KiB"), "1632 descriptor bytes: " + r.out());
    }

    @Test
    void jsonAndSnapshot() throws IOException {
        final Path snap = tmp.resolve("host.snap");
        final CommandRun r = CommandRun.run(new HostCommand(), "--proc", FAKE, "--format", "json", "--save", snap.toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("\"pfns\":4096"), r.out());
        assertTrue(r.out().contains("\"rebuilt\":[1,0,1,1,1,3,1,2,2,3,0]"), r.out());
        assertTrue(r.out().contains("\"descriptorBytes\":1632"), r.out());
        final HostSnapshot back = HostSnapshot.load(snap);
        assertEquals(4096, back.pfns());
        assertEquals(2493, back.freePages());
    }

    @Test
    void missingFilesExitNonZeroWithOneLine() {
        final Path out = tmp.resolve("never.txt");
        final CommandRun r = CommandRun.run(new HostCommand(), "--proc", NOROOT, "--out", out.toString());
        assertEquals(1, r.exit());
        assertEquals(1, r.errLines(), r.err());
        assertTrue(r.err().contains("kpageflags"), r.err());
        assertFalse(Files.exists(out));
    }

    @Test
    void badFormatExitsTwo() {
        final CommandRun r = CommandRun.run(new HostCommand(), "--proc", FAKE, "--format", "xml");
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("xml"), r.err());
    }
}
