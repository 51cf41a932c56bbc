package dev.memu.mm;

/** What a page fault returned (the VM_FAULT_* outcomes the mm layer can produce). */
public enum Fault {
    /** The access can now proceed. */
    OK,
    /** No VMA, or a write to a VMA without VM_WRITE (SIGSEGV). */
    SIGSEGV,
    /** A file page beyond the end of the file, or a swap entry (memu has no swap-in yet): VM_FAULT_SIGBUS. */
    SIGBUS,
    /** Not even an order-0 folio or a page-table page could be allocated: VM_FAULT_OOM. Nothing changed. */
    OOM
}
