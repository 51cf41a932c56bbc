package dev.memu.failure;

/**
 * An owner told about a failure in its allocation before memory failure acts (Linux: the
 * address_space / driver callbacks of memory_failure). Register one per type with
 * {@link MemoryFailure#addListener}.
 */
@FunctionalInterface
public interface FailureListener {
    void pageFailed(PageOwner owner);
}
