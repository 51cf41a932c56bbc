package dev.memu.cli;

import dev.memu.host.HostScanner;
import dev.memu.host.ProcFiles;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code memu run --from-host} on a snapshot of the fake 4096-pfn host in emulator-core's test
 * resources (host/README.md): 2493 pages free, 1029 blank, 1603 held counting blank as allocated.
 */
class FromHostRunTest {

    private static final long PFNS = 4096;
    private static final long HOST_FREE = 2493;
    private static final long BLANK = 1029;
    private static final long HOST_HELD = PFNS - HOST_FREE;

    @TempDir
    static Path dir;
    private static Path snap;

    @TempDir
    Path tmp;

    @BeforeAll
    static void snapshot() throws IOException {
        snap = dir.resolve("fake.snap");
        new HostScanner(new ProcFiles(Path.of(CommandRun.coreResource("host/proc"))), 10).scan().save(snap);
    }

    private static Cli run(final String... args) {
        final String[] all = new String[args.length + 7];
        all[0] = "run";
        all[1] = "--from-host";
        all[2] = snap.toString();
        all[3] = "--ops";
        all[4] = "2k";
        all[5] = "--progress";
        all[6] = "off";
        System.arraycopy(args, 0, all, 7, args.length);
        return Cli.run(all);
    }

    private static long num(final Object tree, final String path) {
        return ((Number) Json.at(tree, path)).longValue();
    }

    @Test
    void workloadRunsOnTopOfTheHostsPages() {
        final Cli r = run("--format", "json", "--orders", "0:2,1:1,3:1");
        assertEquals(0, r.exit(), r.err());
        final Object root = Json.parse(r.out());
        assertEquals(PFNS << 12, num(root, "config.memBytes"), "RAM comes from the snapshot");
        assertEquals(PFNS, num(root, "config.pages"));
        assertEquals(PFNS, num(root, "config.fromHost.pfns"));
        assertEquals(HOST_HELD, num(root, "config.fromHost.hostHeldPages"));
        assertEquals(HOST_FREE, num(root, "config.fromHost.hostFreePages"));
        assertEquals(List.of(1L, 0L, 1L, 1L, 1L, 3L, 1L, 2L, 2L, 3L, 0L),
                ((List<?>) Json.at(root, "config.fromHost.hostFreeBlocksByOrder")).stream()
                        .map(v -> ((Number) v).longValue()).toList());
        // the buddy merged the host's free pages: one zone here, so 1024..2047 is one order-10 block
        assertEquals(List.of(1L, 0L, 1L, 1L, 1L, 3L, 1L, 2L, 2L, 1L, 1L),
                ((List<?>) Json.at(root, "config.fromHost.bootFreeBlocksByOrder")).stream()
                        .map(v -> ((Number) v).longValue()).toList());
        // occupancy 0.5 counts the host's pages: the workload tops 1603 up to 2048
        assertEquals(2048 - HOST_HELD, num(root, "config.fillPages"));
        assertEquals(2048 - HOST_HELD, num(root, "config.fromHost.workloadFillPages"));
        final Object result = ((List<?>) Json.at(root, "results")).getFirst();
        assertEquals(Boolean.TRUE, Json.at(result, "verify.ok"));
        // the host's pages were never freed, and nothing but the workload's blocks came on top
        assertEquals(HOST_HELD + num(result, "workloadStats.livePages"), num(result, "verify.allocatedPages"));
        assertTrue(num(result, "workloadStats.livePages") > 0);
    }

    @Test
    void textSaysWhereTheRunStarted() {
        final Cli r = run("--blank-free");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("started from host snapshot " + snap.toAbsolutePath()), r.out());
        assertTrue(r.out().contains("host held " + (HOST_HELD - BLANK) + " of 4096 pages"), r.out());
        assertTrue(r.out().contains(BLANK + " blank pages counted free (--blank-free)"), r.out());
        // blank 2051..2055 adds an order-0 and an order-2 block, blank 3072..4095 an order-10 one
        assertTrue(r.out().contains("free blocks by order before the workload: 0:2 1:0 2:2 3:1 4:1 5:3 6:1 7:2 8:2 9:1 10:2"),
                r.out());
        assertTrue(r.out().contains("the workload's " + (2048 - (HOST_HELD - BLANK)) + " pages"), r.out());
    }

    @Test
    void aHostFullerThanTheOccupancyGetsAOneBlockFill() {
        final Cli r = run("--format", "json", "--occupancy", "0.25");
        assertEquals(0, r.exit(), r.err());
        final Object root = Json.parse(r.out());
        assertEquals(1, num(root, "config.fillPages"));
        assertEquals(0.25, ((Number) Json.at(root, "config.occupancy")).doubleValue(), "the user's occupancy is reported");
    }

    @Test
    void aMatchingMemIsAcceptedADisagreeingOneIsNot() {
        assertEquals(0, run("--mem", "16M").exit());
        final Path out = tmp.resolve("never.txt");
        final Cli bad = run("--mem", "1G", "--out", out.toString());
        assertEquals(2, bad.exit(), bad.err());
        assertEquals(1, bad.err().lines().count(), bad.err());
        assertTrue(bad.err().contains("--mem '1G'") && bad.err().contains("16 MiB"), bad.err());
        assertFalse(Files.exists(out));
    }

    @Test
    void badSnapshotsAndStrayOptionsAreOneLineExitTwo() throws IOException {
        final Path junk = tmp.resolve("junk.snap");
        Files.writeString(junk, "not a snapshot");
        final byte[] valid = Files.readAllBytes(snap);
        final Path cut = tmp.resolve("cut.snap");
        Files.write(cut, java.util.Arrays.copyOf(valid, valid.length - 4));
        final Path garbage = tmp.resolve("garbage.snap");
        Files.write(garbage, java.util.Arrays.copyOf(valid, valid.length + 7));
        final Path flipped = tmp.resolve("flipped.snap");
        final byte[] f = valid.clone();
        f[f.length / 2] ^= 0x20;
        Files.write(flipped, f);
        for (final String[] args : List.of(
                new String[]{"run", "--from-host", tmp.resolve("missing.snap").toString()},
                new String[]{"run", "--from-host", junk.toString()},
                new String[]{"run", "--from-host", cut.toString()},
                new String[]{"run", "--from-host", garbage.toString()},
                new String[]{"run", "--from-host", flipped.toString()},
                new String[]{"run", "--from-host", tmp.toString()},
                new String[]{"run", "--blank-free", "--mem", "64M"})) {
            final Cli r = Cli.run(args);
            assertEquals(2, r.exit(), String.join(" ", args) + ": " + r.err());
            assertEquals(1, r.err().lines().count(), r.err());
            assertTrue(r.err().startsWith("memu: ") && !r.err().contains("\tat "), r.err());
            assertTrue(args[1].equals("--blank-free") || r.err().contains(args[2]), "names the file: " + r.err());
        }
    }
}
