package dev.memu.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The few Linux file calls {@link OutputTarget} needs and {@code java.nio} does not offer:
 * {@code open(dir, O_TMPFILE)} (an unnamed file in a directory, gone with the process),
 * {@code linkat} to give it a name, {@code fchmod}/{@code fchown} on the descriptor, and raw
 * {@code write}/{@code fsync}/{@code close}. Each failing call throws an {@link Errno} with the
 * C library's text, so the one-line error says what the kernel said.
 *
 * <p>Flag values are Linux's ({@code include/uapi/asm-generic/fcntl.h}); {@code O_TMPFILE}
 * contains {@code O_DIRECTORY}, whose value differs between x86-64 ({@code 0200000}) and arm64
 * ({@code 040000}), so O_TMPFILE is offered only on those two; elsewhere callers use a named
 * temporary file.
 */
final class NativeFiles {

    static final int O_WRONLY = 01;
    static final int O_CREAT = 0100;
    static final int O_EXCL = 0200;
    static final int O_CLOEXEC = 02000000;
    private static final int O_TMPFILE_BIT = 020000000;
    static final int AT_FDCWD = -100;
    static final int AT_SYMLINK_FOLLOW = 0x400;

    static final int EPERM = 1;
    static final int ENOENT = 2;
    static final int EEXIST = 17;
    static final int EISDIR = 21;
    static final int EINVAL = 22;
    static final int EOPNOTSUPP = 95;

    /** O_TMPFILE for this architecture, or 0 when memu does not know it. */
    private static final int O_TMPFILE = switch (System.getProperty("os.arch", "")) {
        case "amd64", "x86_64" -> O_TMPFILE_BIT | 0200000;
        case "aarch64", "arm64" -> O_TMPFILE_BIT | 040000;
        default -> 0;
    };

    private static final boolean LINUX = System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux");

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option ERRNO_OPTION = Linker.Option.captureCallState("errno");
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;

    private static final MethodHandle OPEN = handle("open", FunctionDescriptor.of(INT, ValueLayout.ADDRESS, INT, INT),
            ERRNO_OPTION, Linker.Option.firstVariadicArg(2));
    private static final MethodHandle WRITE = handle("write",
            FunctionDescriptor.of(ValueLayout.JAVA_LONG, INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG), ERRNO_OPTION);
    private static final MethodHandle FSYNC = handle("fsync", FunctionDescriptor.of(INT, INT), ERRNO_OPTION);
    private static final MethodHandle FCHMOD = handle("fchmod", FunctionDescriptor.of(INT, INT, INT), ERRNO_OPTION);
    private static final MethodHandle FCHOWN = handle("fchown", FunctionDescriptor.of(INT, INT, INT, INT), ERRNO_OPTION);
    private static final MethodHandle CLOSE = handle("close", FunctionDescriptor.of(INT, INT), ERRNO_OPTION);
    private static final MethodHandle LINKAT = handle("linkat",
            FunctionDescriptor.of(INT, INT, ValueLayout.ADDRESS, INT, ValueLayout.ADDRESS, INT), ERRNO_OPTION);
    private static final MethodHandle STRERROR = handle("strerror", FunctionDescriptor.of(ValueLayout.ADDRESS, INT));

    private NativeFiles() {
    }

    /** A failed system call: its errno and the C library's text for it. */
    static final class Errno extends IOException {
        final int errno;

        Errno(final String what, final int errno) {
            super(what == null ? strerror(errno) : what + ": " + strerror(errno));
            this.errno = errno;
        }
    }

    static boolean linux() {
        return LINUX;
    }

    static boolean tmpfileKnown() {
        return LINUX && O_TMPFILE != 0;
    }

    /** {@code open(dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, mode)}: an unnamed regular file in {@code dir}. */
    static int openTmpfile(final Path dir, final int mode) throws Errno {
        return open(dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, mode);
    }

    /** {@code open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)}: a new named file. */
    static int createExclusive(final Path path, final int mode) throws Errno {
        return open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    }

    private static int open(final Path path, final int flags, final int mode) throws Errno {
        try (Arena a = Arena.ofConfined()) {
            final MemorySegment state = a.allocate(CALL_STATE);
            final int fd = (int) OPEN.invokeExact(state, a.allocateFrom(path.toString()), flags, mode);
            if (fd < 0) {
                throw new Errno(path.toString(), errno(state));
            }
            return fd;
        } catch (final Errno e) {
            throw e;
        } catch (final Throwable t) {
            throw new IllegalStateException("open downcall failed", t);
        }
    }

    /** Writes all of {@code bytes[off, off+len)} to {@code fd}. */
    static void write(final int fd, final byte[] bytes, final int off, final int len, final String what) throws Errno {
        try (Arena a = Arena.ofConfined()) {
            final MemorySegment state = a.allocate(CALL_STATE);
            final MemorySegment buf = a.allocate(len);
            MemorySegment.copy(bytes, off, buf, ValueLayout.JAVA_BYTE, 0, len);
            long done = 0;
            while (done < len) {
                final long n = (long) WRITE.invokeExact(state, fd, buf.asSlice(done), (long) len - done);
                if (n < 0) {
                    final int errno = errno(state);
                    if (errno == 4) { // EINTR: try again
                        continue;
                    }
                    throw new Errno(what, errno);
                }
                done += n;
            }
        } catch (final Errno e) {
            throw e;
        } catch (final Throwable t) {
            throw new IllegalStateException("write downcall failed", t);
        }
    }

    static void fsync(final int fd, final String what) throws Errno {
        check(call(FSYNC, fd), what);
    }

    static void fchmod(final int fd, final int mode, final String what) throws Errno {
        check(call(FCHMOD, fd, mode), what);
    }

    static void fchown(final int fd, final int uid, final int gid, final String what) throws Errno {
        check(call(FCHOWN, fd, uid, gid), what);
    }

    static void close(final int fd) {
        call(CLOSE, fd); // nothing useful to do about a failed close of a file that is discarded or complete
    }

    /** {@code linkat(AT_FDCWD, "/proc/self/fd/N", AT_FDCWD, to, AT_SYMLINK_FOLLOW)}: names an O_TMPFILE file. */
    static void linkFd(final int fd, final Path to) throws Errno {
        try (Arena a = Arena.ofConfined()) {
            final MemorySegment state = a.allocate(CALL_STATE);
            final int rc = (int) LINKAT.invokeExact(state, AT_FDCWD, a.allocateFrom("/proc/self/fd/" + fd), AT_FDCWD,
                    a.allocateFrom(to.toString()), AT_SYMLINK_FOLLOW);
            if (rc != 0) {
                throw new Errno(to.toString(), errno(state));
            }
        } catch (final Errno e) {
            throw e;
        } catch (final Throwable t) {
            throw new IllegalStateException("linkat downcall failed", t);
        }
    }

    /** An unbuffered stream over a descriptor; closing it does not close the descriptor. */
    static OutputStream stream(final int fd, final String what) {
        return new OutputStream() {
            @Override
            public void write(final int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(final byte[] b, final int off, final int len) throws IOException {
                NativeFiles.write(fd, b, off, len, what);
            }
        };
    }

    static String strerror(final int errno) {
        try {
            final MemorySegment s = (MemorySegment) STRERROR.invokeExact(errno);
            return s.reinterpret(256).getString(0);
        } catch (final Throwable t) {
            return "errno " + errno;
        }
    }

    // ---- plumbing ----

    private static MethodHandle handle(final String name, final FunctionDescriptor fd, final Linker.Option... options) {
        return LINKER.downcallHandle(LINKER.defaultLookup().find(name).orElseThrow(), fd, options);
    }

    /** Calls an int-returning errno-capturing handle; returns {@code rc} or {@code -errno}. */
    private static int call(final MethodHandle h, final int... args) {
        try (Arena a = Arena.ofConfined()) {
            final MemorySegment state = a.allocate(CALL_STATE);
            final int rc = switch (args.length) {
                case 1 -> (int) h.invokeExact(state, args[0]);
                case 2 -> (int) h.invokeExact(state, args[0], args[1]);
                case 3 -> (int) h.invokeExact(state, args[0], args[1], args[2]);
                default -> throw new IllegalArgumentException("arity " + args.length);
            };
            return rc < 0 ? -errno(state) : rc;
        } catch (final RuntimeException e) {
            throw e;
        } catch (final Throwable t) {
            throw new IllegalStateException("downcall failed", t);
        }
    }

    private static void check(final int rc, final String what) throws Errno {
        if (rc < 0) {
            throw new Errno(what, -rc);
        }
    }

    private static int errno(final MemorySegment state) {
        return (int) ERRNO.get(state, 0L);
    }
}
