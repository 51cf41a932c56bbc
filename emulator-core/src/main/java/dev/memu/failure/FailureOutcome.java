package dev.memu.failure;

/**
 * The result of one {@code fail(pfn)}.
 *
 * @param owner       who owned the pfn when it failed (with the lookup's cost)
 * @param action      what was done
 * @param newPfn      where the owner's data lives now (migrated or re-read), else -1
 * @param checksumOk  for MIGRATED / DROPPED_REREAD: the new block's bytes equal the old (or backing) bytes
 */
public record FailureOutcome(PageOwner owner, FailureAction action, long newPfn, boolean checksumOk) {
}
