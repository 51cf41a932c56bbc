package dev.memu.mm.run;

import java.util.List;

/**
 * The rmap workloads: after set-up (process 0 maps its region and writes every page, then forks
 * the other processes), each operation picks a process and one of these actions by weight (%):
 *
 * <pre>
 * workload        write  read  munmap+remap  MADV_DONTNEED  exit+fork  file write
 * fork-cow           70    10             0              0         20          0
 * partial-unmap      45    10            45              0          0          0
 * madvise            45    10             0             45          0          0
 * mixed              40    10            10             15         10         15
 * </pre>
 *
 * write / read: a write or read fault on a random page of the process's anon region (a write to a
 * page shared after fork is a COW; a write or read of a present page that needs no fault is not an
 * operation and is not counted). munmap+remap: munmap of 1..32 pages at a random page of the
 * region, then mmap of the hole again (partial unmaps of large folios, across processes after
 * fork). MADV_DONTNEED: of 1..64 pages. exit+fork: a process other than 0 exits and process 0
 * forks a new one (with one process: fork, then the child exits). file write: a write fault on a
 * random page of a file every process maps shared (mixed only; page-cache folios of the largest
 * enabled order up to 9).
 */
public enum RmapWorkload {
    FORK_COW("fork-cow", 70, 10, 0, 0, 20, 0),
    PARTIAL_UNMAP("partial-unmap", 45, 10, 45, 0, 0, 0),
    MADVISE("madvise", 45, 10, 0, 45, 0, 0),
    MIXED("mixed", 40, 10, 10, 15, 10, 15);

    final String key;
    final int write;
    final int read;
    final int unmap;
    final int dontneed;
    final int exitFork;
    final int fileWrite;

    RmapWorkload(final String key, final int write, final int read, final int unmap, final int dontneed,
                 final int exitFork, final int fileWrite) {
        this.key = key;
        this.write = write;
        this.read = read;
        this.unmap = unmap;
        this.dontneed = dontneed;
        this.exitFork = exitFork;
        this.fileWrite = fileWrite;
    }

    public String key() {
        return key;
    }

    public static List<String> names() {
        return List.of("fork-cow", "partial-unmap", "madvise", "mixed");
    }

    public static RmapWorkload of(final String name) {
        for (final RmapWorkload w : values()) {
            if (w.key.equals(name)) {
                return w;
            }
        }
        throw new IllegalArgumentException("unknown rmap workload '" + name + "' (known: "
                + String.join(", ", names()) + ")");
    }

    static void check(final String name) {
        of(name);
    }
}
