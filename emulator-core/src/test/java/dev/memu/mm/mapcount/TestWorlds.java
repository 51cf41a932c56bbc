package dev.memu.mm.mapcount;

import java.util.List;

/** Ready-made worlds for tests outside this package (World itself stays package-private). */
public final class TestWorlds {

    /** Receives the schemes, the exact reference and the folio of a prepared world. */
    public interface Body {
        void run(List<MapcountScheme> schemes, MapcountScheme exact, long folio, long headPfn);
    }

    private TestWorlds() {
    }

    /**
     * An order-4 anon folio mapped by mm 1, forked to mm 2, after which mm 2 unmapped pages 0..7;
     * page-mapcount (linux64) and no-page-mapcount follow it.
     */
    public static void forkedHalfUnmapped(final Body body) {
        try (World w = new World("linux64")) {
            w.add(c -> new PageMapcount(c.memmap(), c.heap()));
            w.add(c -> new NoPageMapcount(c.heap()));
            final World.Folio f = w.folio(4);
            w.map(f, 0, 16, 1, 100, 7000, true);
            w.fork(f, 0, 16, 2, 200, 7001);
            w.unmap(f, 0, 8, 2, 200, 7001);
            body.run(List.copyOf(w.schemes), w.exact, f.folio(), f.headPfn());
        }
    }
}
