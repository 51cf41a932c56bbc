package dev.memu.cli;

import dev.memu.host.HostSnapshot;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HostCommandTest {

    private static final String FAKE = CommandRun.coreResource("host/proc");
    private static final String NOROOT = CommandRun.coreResource("host/noroot");

    @TempDir
    Path tmp;

    private static Cli host(final String... args) {
        final String[] all = new String[args.length + 1];
        all[0] = "host";
        System.arraycopy(args, 0, all, 1, args.length);
        return Cli.run(all);
    }

    @Test
    void textReportOfAFakeHost() {
        final Cli r = host("--proc", FAKE);
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
        final Cli r = host("--proc", FAKE, "--format", "json", "--save", snap.toString());
        assertEquals(0, r.exit(), r.err());
        final Object json = Json.parse(r.out());
        assertEquals(4096L, Json.at(json, "pfns"), r.out());
        assertEquals(List.of(1L, 0L, 1L, 1L, 1L, 3L, 1L, 2L, 2L, 3L, 0L), Json.at(json, "freeBlocksByOrder.rebuilt"), r.out());
        final long descriptorBytes = ((Map<?, ?>) Json.at(json, "classes")).values().stream()
                .mapToLong(c -> (Long) ((Map<?, ?>) c).get("descriptorBytes")).sum();
        assertEquals(1632, descriptorBytes, r.out());
        assertEquals(snap.toString(), Json.at(json, "snapshot"));
        final HostSnapshot back = HostSnapshot.load(snap);
        assertEquals(4096, back.pfns());
        assertEquals(2493, back.freePages());
    }

    @Test
    void missingFilesExitNonZeroWithOneLine() {
        final Path out = tmp.resolve("never.txt");
        final Cli r = host("--proc", NOROOT, "--out", out.toString());
        assertEquals(1, r.exit());
        assertEquals(1, r.errLines(), r.err());
        assertTrue(r.err().contains("kpageflags"), r.err());
        assertFalse(Files.exists(out));
    }

    @Test
    void outIsAnOrdinaryFileAndAnUnwritableOutFailsFirst() throws IOException {
        final Path out = tmp.resolve("host.txt");
        Cli r = host("--proc", FAKE, "--out", out.toString());
        assertEquals(0, r.exit(), r.err());
        assertEquals("", r.out());
        assertTrue(Files.readString(out).contains("4096 pfns (16 MiB)"));
        if (out.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(out)));
        }
        r = host("--proc", NOROOT, "--out", tmp.resolve("nodir").resolve("h.txt").toString());
        assertEquals(2, r.exit(), "the --out check comes before the scan (which would exit 1 here)");
        assertEquals(1, r.errLines(), r.err());
        assertTrue(r.err().contains("--out"), r.err());
        try (var s = Files.list(tmp)) {
            assertEquals(1, s.count(), "only the report, no temporary file");
        }
    }

    @Test
    void badFormatExitsTwo() {
        final Cli r = host("--proc", FAKE, "--format", "xml");
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("xml"), r.err());
    }
}
