package dev.memu.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The new content of a regular file, written beside it and put in its place in one step.
 *
 * <p>Preferred: an unnamed {@code O_TMPFILE} file in the destination's directory. It has no name
 * until {@link #commit}, so a process killed while writing (even {@code kill -9}) leaves nothing
 * behind: the kernel frees the inode with the last descriptor. On commit it is fsynced and linked
 * in: straight to the destination when there is none ({@code linkat} fails rather than replace),
 * else to {@code .NAME.PID.K.tmp} and renamed over the destination ({@code rename(2)} replaces
 * atomically). Where the file system refuses O_TMPFILE (EOPNOTSUPP, or an old kernel's EISDIR),
 * the file is that named temporary from the start; its name carries the pid, and temporaries of
 * dead pids are removed the next time the same destination is written.
 *
 * <p>An existing destination's owner and permission bits are given to the new file before
 * anything is written ({@code fchown}, then {@code fchmod}, since chown clears set-id bits); a
 * new file gets {@code 0666 & ~umask}, as a shell redirection would. When the owner cannot be
 * kept ({@code EPERM}: not root and not the owner) {@link #create} returns null.
 */
final class StagedFile {

    private static final int NEW_FILE_MODE = 0666;
    private static final AtomicInteger SEQUENCE = new AtomicInteger();

    /** Tests force the named-temporary path that file systems without O_TMPFILE take. */
    static volatile boolean forceNamedTemporary;

    private final Path destination;
    private final int fd;
    /** The named temporary (fallback from the start; O_TMPFILE only during commit), else null. */
    private Path named;
    private boolean done;

    private StagedFile(final Path destination, final int fd, final Path named) {
        this.destination = destination;
        this.fd = fd;
        this.named = named;
    }

    /** Owner and permission bits of an existing destination. */
    record Owner(int uid, int gid, int mode) {
    }

    /**
     * Creates the staged file in {@code destination}'s directory (which must exist).
     *
     * @param keep the existing destination's owner and mode, or null for a new file
     * @return the staged file, or null when {@code keep}'s owner cannot be given to it
     * @throws IOException when the directory cannot hold a new file (permission, read-only...)
     */
    static StagedFile create(final Path destination, final Owner keep) throws IOException {
        final Path dir = destination.getParent();
        removeStale(dir, destination.getFileName().toString());
        StagedFile staged = null;
        if (NativeFiles.tmpfileKnown() && !forceNamedTemporary && Files.isDirectory(Path.of("/proc/self/fd"))) {
            try {
                staged = new StagedFile(destination, NativeFiles.openTmpfile(dir, NEW_FILE_MODE), null);
            } catch (final NativeFiles.Errno e) {
                if (e.errno != NativeFiles.EOPNOTSUPP && e.errno != NativeFiles.EISDIR && e.errno != NativeFiles.EINVAL) {
                    throw e;
                }
            }
        }
        if (staged == null) {
            final Path temp = temporaryName(destination);
            staged = new StagedFile(destination, NativeFiles.createExclusive(temp, NEW_FILE_MODE), temp);
            temp.toFile().deleteOnExit();
        }
        if (keep != null) {
            try {
                NativeFiles.fchown(staged.fd, keep.uid(), keep.gid(), null);
                NativeFiles.fchmod(staged.fd, keep.mode() & 07777, null);
            } catch (final NativeFiles.Errno e) {
                staged.discard();
                if (e.errno == NativeFiles.EPERM) {
                    return null;
                }
                throw e;
            }
        }
        return staged;
    }

    /** Writes into the staged file; the stream is unbuffered and closing it keeps the file open. */
    OutputStream stream() {
        return NativeFiles.stream(fd, null);
    }

    /** Makes the written content the destination's, durably; afterwards nothing is left to discard. */
    void commit() throws IOException {
        try {
            NativeFiles.fsync(fd, null);
            if (named == null) {
                if (linkedAsDestination()) {
                    return;
                }
                final Path temp = temporaryName(destination);
                NativeFiles.linkFd(fd, temp);
                named = temp;
            }
            Files.move(named, destination, StandardCopyOption.ATOMIC_MOVE);
            named = null;
        } finally {
            discard();
        }
    }

    /** Closes the staged file and removes its name, if it has one; safe to call more than once. */
    void discard() {
        if (done) {
            return;
        }
        done = true;
        NativeFiles.close(fd);
        if (named != null) {
            try {
                Files.deleteIfExists(named);
            } catch (final IOException ignored) {
                // deleteOnExit tries again; a later write of the same destination removes it (dead pid)
            }
        }
    }

    /** With no destination yet, linkat makes the file appear under its name in one step. */
    private boolean linkedAsDestination() throws IOException {
        if (Files.exists(destination, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return false;
        }
        try {
            NativeFiles.linkFd(fd, destination);
            return true;
        } catch (final NativeFiles.Errno e) {
            if (e.errno == NativeFiles.EEXIST) {
                return false; // created meanwhile: replace it by rename like any other
            }
            throw e;
        }
    }

    private static Path temporaryName(final Path destination) {
        return destination.resolveSibling("." + destination.getFileName() + "." + ProcessHandle.current().pid()
                + "." + SEQUENCE.incrementAndGet() + ".tmp");
    }

    /** Removes {@code .NAME.PID.K.tmp} files of {@code name} whose process is gone. */
    static void removeStale(final Path dir, final String name) {
        final Pattern p = Pattern.compile("\\." + Pattern.quote(name) + "\\.(\\d{1,10})\\.\\d+\\.tmp");
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "." + globQuote(name) + ".*.tmp")) {
            for (final Path f : ds) {
                final Matcher m = p.matcher(f.getFileName().toString());
                if (m.matches() && ProcessHandle.of(Long.parseLong(m.group(1))).isEmpty()) {
                    Files.deleteIfExists(f);
                }
            }
        } catch (final IOException | RuntimeException ignored) {
            // best effort: an unreadable directory fails the write itself with a clear message
        }
    }

    private static String globQuote(final String s) {
        return s.replaceAll("([\\\\*?\\[\\]{}])", "\\\\$1");
    }
}
