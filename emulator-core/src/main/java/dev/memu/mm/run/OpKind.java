package dev.memu.mm.run;

/** What a measured operation of an rmap run was: an mm operation, or one query to one scheme. */
public enum OpKind {
    MAP("map"), COW("cow"), UNMAP("unmap"), ZAP("zap"), FORK("fork"), EXIT("exit"),
    Q_MAPCOUNT("mapcount"), Q_PAGE_MAPCOUNT("pageMapcount"), Q_MAPPED_SHARED("mappedShared"),
    Q_PARTIALLY_MAPPED("partiallyMapped"), Q_MAPPED("mapped"),
    /** Anything bracketed by plain beginOp/endOp. */
    OTHER("other");

    private final String key;

    OpKind(final String key) {
        this.key = key;
    }

    /** Name in JSON and text output. */
    public String key() {
        return key;
    }

    public boolean query() {
        return name().startsWith("Q_");
    }
}
