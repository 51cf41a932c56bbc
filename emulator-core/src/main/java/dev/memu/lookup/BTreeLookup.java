package dev.memu.lookup;

import dev.memu.access.Access;
import dev.memu.access.FieldLabeler;
import dev.memu.access.Region;
import dev.memu.memdesc.MemdescHeap;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;

/**
 * A B+tree of ranges (maple-tree-like): one entry per stored range, keyed by its first pfn, with
 * the range's order packed beside the key; 256-byte nodes as the maple tree's.
 *
 * <pre>
 * node (256 bytes, from a LOOKUP heap of its own)
 *   +0        8  header: bits 0..7 count, bit 8 leaf
 * leaf: up to 15 entries of 16 bytes, sorted by first pfn
 *   +16+16i   8  key: bits 0..51 first pfn, bits 52..57 order
 *   +24+16i   8  value
 * internal: up to 15 separator keys and 16 children
 *   +8+8i     8  separator i: every key in child i+1.. is &gt;= it, every key in child ..i is below it
 *   +128+8i   8  child i address
 * </pre>
 *
 * Separators are kept exact: separator i is the smallest key of child i+1 (deletions that remove a
 * subtree's smallest key rewrite the one separator naming it). So a lookup, a floor search for
 * the entry with the largest first pfn at or below the pfn, descends once: the chosen child
 * always holds a key at or below the pfn (except at the left edge, where nothing does), and the
 * entry found covers the pfn iff its range reaches it. Deletion removes empty nodes and collapses
 * the root, but does not merge under-full nodes (the maple tree rebalances; this costs space,
 * not correctness).
 */
public final class BTreeLookup implements PfnLookup, FieldLabeler {

    public static final int NODE_BYTES = 256;
    static final int LEAF_MAX = 15;
    static final int INNER_MAX_KEYS = 15;
    static final long HEADER = 0;
    static final long COUNT_MASK = 0xff;
    static final long LEAF_BIT = 1L << 8;
    static final long ENTRIES = 16;
    static final long SEPS = 8;
    static final long CHILDREN = 128;
    static final long PFN_MASK = (1L << 52) - 1;
    static final int ORDER_SHIFT = 52;
    static final int MAX_DEPTH = 32;

    private final Access access;
    private final MemdescHeap nodes;
    private final MemorySegment seg;
    private long root;
    private int depth;                                  // 1 = root is a leaf
    private final long[] pathNode = new long[MAX_DEPTH];
    private final int[] pathIndex = new int[MAX_DEPTH];

    public BTreeLookup(final Access access, final MemdescHeap nodes) {
        this.access = access;
        this.nodes = nodes;
        this.seg = nodes.segment();
        this.root = newNode(true);
        this.depth = 1;
    }

    @Override
    public String name() {
        return "btree";
    }

    // ---- node fields ----

    private long newNode(final boolean leaf) {
        final long n = nodes.alloc(NODE_BYTES);
        access.setLong(Region.LOOKUP, seg, nodes.offset(n) + HEADER, leaf ? LEAF_BIT : 0);
        return n;
    }

    private long header(final long n) {
        return access.getLong(Region.LOOKUP, seg, nodes.offset(n) + HEADER);
    }

    private int count(final long n) {
        return (int) (header(n) & COUNT_MASK);
    }

    private void setCount(final long n, final int c) {
        final long off = nodes.offset(n) + HEADER;
        access.setLong(Region.LOOKUP, seg, off, (access.getLong(Region.LOOKUP, seg, off) & ~COUNT_MASK) | c);
    }

    private long key(final long n, final int i) {
        return access.getLong(Region.LOOKUP, seg, nodes.offset(n) + ENTRIES + 16L * i);
    }

    private long value(final long n, final int i) {
        return access.getLong(Region.LOOKUP, seg, nodes.offset(n) + ENTRIES + 16L * i + 8);
    }

    private void setEntry(final long n, final int i, final long key, final long value) {
        final long off = nodes.offset(n) + ENTRIES + 16L * i;
        access.setLong(Region.LOOKUP, seg, off, key);
        access.setLong(Region.LOOKUP, seg, off + 8, value);
    }

    private long sep(final long n, final int i) {
        return access.getLong(Region.LOOKUP, seg, nodes.offset(n) + SEPS + 8L * i);
    }

    private void setSep(final long n, final int i, final long v) {
        access.setLong(Region.LOOKUP, seg, nodes.offset(n) + SEPS + 8L * i, v);
    }

    private long child(final long n, final int i) {
        return access.getLong(Region.LOOKUP, seg, nodes.offset(n) + CHILDREN + 8L * i);
    }

    private void setChild(final long n, final int i, final long c) {
        access.setLong(Region.LOOKUP, seg, nodes.offset(n) + CHILDREN + 8L * i, c);
    }

    /** Index of the child of internal node {@code n} whose key range holds {@code pfn}. */
    private int childIndex(final long n, final long pfn) {
        int lo = 0;
        int hi = count(n);
        while (lo < hi) {                          // binary search: number of separators <= pfn
            final int mid = (lo + hi) >>> 1;
            if (sep(n, mid) <= pfn) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    // ---- lookup ----

    @Override
    public long load(final long pfn) {
        final long entryIndex = floor(root, depth, pfn);
        if (entryIndex < 0) {
            return 0;
        }
        return foundValue(pfn);
    }

    private long foundLeaf;
    private int foundIndex;

    private long foundValue(final long pfn) {
        final long key = key(foundLeaf, foundIndex);
        final long start = key & PFN_MASK;
        final int order = (int) (key >>> ORDER_SHIFT);
        return pfn < start + (1L << order) ? value(foundLeaf, foundIndex) : 0;
    }

    /** Finds the entry with the largest first pfn &lt;= pfn below {@code n}; 0 and sets found*, or -1. */
    private long floor(final long n, final int level, final long pfn) {
        if (level == 1) {
            int lo = 0;
            int hi = count(n);
            while (lo < hi) {                      // binary search: number of entries starting <= pfn
                final int mid = (lo + hi) >>> 1;
                if ((key(n, mid) & PFN_MASK) <= pfn) {
                    lo = mid + 1;
                } else {
                    hi = mid;
                }
            }
            if (lo == 0) {
                return -1;
            }
            foundLeaf = n;
            foundIndex = lo - 1;
            return 0;
        }
        // Exact separators: the chosen child holds a key <= pfn unless pfn is left of every key.
        return floor(child(n, childIndex(n, pfn)), level - 1, pfn);
    }

    // ---- insert ----

    @Override
    public void store(final long pfn, final int order, final long value) {
        if (value == 0) {
            throw new IllegalArgumentException("btree: value 0 means empty");
        }
        final long key = pfn | ((long) order << ORDER_SHIFT);
        // Descend, remembering the path.
        long n = root;
        for (int level = depth; level > 1; level--) {
            final int i = childIndex(n, pfn);
            pathNode[level] = n;
            pathIndex[level] = i;
            n = child(n, i);
        }
        // Insert into the leaf at its sorted position.
        final int c = count(n);
        int pos = c;
        while (pos > 0 && (key(n, pos - 1) & PFN_MASK) > pfn) {
            pos--;
        }
        if (pos > 0 && (key(n, pos - 1) & PFN_MASK) == pfn) {
            throw new IllegalStateException("btree: a range already starts at pfn 0x" + Long.toHexString(pfn));
        }
        if (c < LEAF_MAX) {
            for (int j = c; j > pos; j--) {
                setEntry(n, j, key(n, j - 1), value(n, j - 1));
            }
            setEntry(n, pos, key, value);
            setCount(n, c + 1);
            return;
        }
        // Split the full leaf: left keeps 8, right takes 7, then insert into the proper half.
        final long right = newNode(true);
        final int keep = (LEAF_MAX + 1) / 2;
        for (int j = keep; j < c; j++) {
            setEntry(right, j - keep, key(n, j), value(n, j));
        }
        setCount(right, c - keep);
        setCount(n, keep);
        if (pos <= keep) {
            insertAt(n, pos, key, value);
        } else {
            insertAt(right, pos - keep, key, value);
        }
        insertSeparator(2, key(right, 0) & PFN_MASK, right);
    }

    private void insertAt(final long leaf, final int pos, final long key, final long value) {
        final int c = count(leaf);
        for (int j = c; j > pos; j--) {
            setEntry(leaf, j, key(leaf, j - 1), value(leaf, j - 1));
        }
        setEntry(leaf, pos, key, value);
        setCount(leaf, c + 1);
    }

    /** Inserts (sep, right) after child pathIndex[level] of pathNode[level]; splits upwards as needed. */
    private void insertSeparator(final int level, final long sepKey, final long right) {
        if (level > depth) {
            final long newRoot = newNode(false);
            setChild(newRoot, 0, root);
            setSep(newRoot, 0, sepKey);
            setChild(newRoot, 1, right);
            setCount(newRoot, 1);
            root = newRoot;
            depth++;
            return;
        }
        final long n = pathNode[level];
        final int at = pathIndex[level];           // right goes to child at+1, sep to sep[at]
        final int c = count(n);
        if (c < INNER_MAX_KEYS) {
            insertInner(n, at, sepKey, right);
            return;
        }
        // Split: gather into scratch order, left keeps half.
        final long newRight = newNode(false);
        final int mid = c / 2;                     // separator index moving up
        // Build the combined sequence implicitly: insert first into n conceptually. Easiest: move
        // the upper half to newRight, then insert into the side the position falls in.
        final long upKey = sep(n, mid);
        for (int j = mid + 1; j < c; j++) {
            setSep(newRight, j - mid - 1, sep(n, j));
        }
        for (int j = mid + 1; j <= c; j++) {
            setChild(newRight, j - mid - 1, child(n, j));
        }
        setCount(newRight, c - mid - 1);
        setCount(n, mid);
        if (at <= mid) {
            insertInner(n, at, sepKey, right);
        } else {
            insertInner(newRight, at - mid - 1, sepKey, right);
        }
        insertSeparator(level + 1, upKey, newRight);
    }

    private void insertInner(final long n, final int at, final long sepKey, final long right) {
        final int c = count(n);
        for (int j = c; j > at; j--) {
            setSep(n, j, sep(n, j - 1));
        }
        for (int j = c + 1; j > at + 1; j--) {
            setChild(n, j, child(n, j - 1));
        }
        setSep(n, at, sepKey);
        setChild(n, at + 1, right);
        setCount(n, c + 1);
    }

    // ---- delete ----

    @Override
    public void erase(final long pfn, final int order) {
        long n = root;
        for (int level = depth; level > 1; level--) {
            final int i = childIndex(n, pfn);
            pathNode[level] = n;
            pathIndex[level] = i;
            n = child(n, i);
        }
        final int c = count(n);
        int pos = -1;
        for (int j = 0; j < c; j++) {
            if ((key(n, j) & PFN_MASK) == pfn) {
                pos = j;
                break;
            }
        }
        if (pos < 0 || (int) (key(n, pos) >>> ORDER_SHIFT) != order) {
            throw new IllegalStateException("btree: no order-" + order + " range starts at pfn 0x" + Long.toHexString(pfn));
        }
        for (int j = pos; j < c - 1; j++) {
            setEntry(n, j, key(n, j + 1), value(n, j + 1));
        }
        setCount(n, c - 1);
        if (c - 1 == 0 && depth > 1) {
            removeChild(2, n);
        } else if (pos == 0 && c - 1 > 0) {
            raiseMin(2, key(n, 0) & PFN_MASK);
        }
    }

    /**
     * The subtree below pathNode[level]'s child has a new smallest key: rewrite the one separator
     * that names it (in the lowest ancestor where the path does not take the leftmost child).
     */
    private void raiseMin(final int fromLevel, final long newMin) {
        for (int level = fromLevel; level <= depth; level++) {
            if (pathIndex[level] > 0) {
                setSep(pathNode[level], pathIndex[level] - 1, newMin);
                return;
            }
        }
    }

    /** Removes the empty node {@code empty} (child pathIndex[level] of pathNode[level]). */
    private void removeChild(final int level, final long empty) {
        nodes.free(empty, NODE_BYTES);
        final long n = pathNode[level];
        final int at = pathIndex[level];
        final int c = count(n);
        if (c == 0) {                               // n had this one child only
            if (level == depth) {
                root = newNode(true);
                nodes.free(n, NODE_BYTES);
                depth = 1;
            } else {
                removeChild(level + 1, n);
            }
            return;
        }
        // Drop child at and one separator next to it. Dropping child 0 makes the old sep[0] (the
        // smallest key of the old child 1) this node's smallest key: tell the ancestors.
        final long oldSep0 = sep(n, 0);
        final int sepToDrop = at == 0 ? 0 : at - 1;
        for (int j = sepToDrop; j < c - 1; j++) {
            setSep(n, j, sep(n, j + 1));
        }
        for (int j = at; j < c; j++) {
            setChild(n, j, child(n, j + 1));
        }
        setCount(n, c - 1);
        if (at == 0) {
            raiseMin(level + 1, oldSep0);
        }
        // Collapse a root with a single child.
        while (depth > 1 && root == n && count(n) == 0 && level == depth) {
            root = child(n, 0);
            nodes.free(n, NODE_BYTES);
            depth--;
            break;
        }
    }

    @Override
    public void storeHead(final long pfn, final int order, final long value) {
        store(pfn, order, value);
    }

    @Override
    public void eraseHead(final long pfn, final int order) {
        erase(pfn, order);
    }

    @Override
    public long bytes() {
        return nodes.liveBytes();
    }

    /** Levels from root to leaves (1 = the root is a leaf). */
    public int depth() {
        return depth;
    }

    /**
     * {@code btree.node@0x1000.header}, {@code .key[3]}/{@code .value[3]} in a leaf, {@code
     * .sep[3]}/{@code .child[3]} in an internal node (the node named by its offset in the node
     * heap; leaf or internal read from its header directly, not through the access layer), then
     * the node heap's own words.
     */
    @Override
    public void labelFields(final MemorySegment segment, final long offset, final long bytes,
                            final List<String> out) {
        if (segment.address() != seg.address()) {
            return;
        }
        nodes.labelFields(segment, offset, bytes, out);
        final long end = offset + Math.max(bytes, 1);
        for (long word = offset & -8L; word < end; word += 8) {
            final long node = word & -(long) NODE_BYTES;
            final long in = word - node;
            final String name = "btree.node@0x" + Long.toHexString(node);
            if (in == HEADER) {
                out.add(name + ".header");
            } else if ((seg.get(ValueLayout.JAVA_LONG, node + HEADER) & LEAF_BIT) != 0) {
                if (in < ENTRIES) {
                    out.add(name + ".unused");
                    continue;
                }
                final long i = (in - ENTRIES) / 16;
                out.add(name + ((in - ENTRIES) % 16 == 0 ? ".key[" : ".value[") + i + "]");
            } else if (in < CHILDREN) {
                out.add(name + ".sep[" + (in - SEPS) / 8 + "]");
            } else {
                out.add(name + ".child[" + (in - CHILDREN) / 8 + "]");
            }
        }
    }
}
