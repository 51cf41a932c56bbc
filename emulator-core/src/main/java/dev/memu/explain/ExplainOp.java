package dev.memu.explain;

import java.util.Arrays;
import java.util.List;

/** The operation explained. */
public enum ExplainOp {
    ALLOC("alloc"),
    FREE("free");

    private final String key;

    ExplainOp(final String key) {
        this.key = key;
    }

    /** Name on the command line and in output. */
    public String key() {
        return key;
    }

    public static List<String> keys() {
        return Arrays.stream(values()).map(ExplainOp::key).toList();
    }

    /** @throws ExplainConfigException naming the known operations */
    public static ExplainOp of(final String key) {
        for (final ExplainOp op : values()) {
            if (op.key.equals(key)) {
                return op;
            }
        }
        throw new ExplainConfigException(ExplainConfigException.Input.OP, "'" + key + "': unknown operation (known: "
                + String.join(", ", keys()) + ")");
    }
}
