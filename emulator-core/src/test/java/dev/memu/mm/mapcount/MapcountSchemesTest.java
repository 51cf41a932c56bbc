package dev.memu.mm.mapcount;

import dev.memu.layout.Layout;
import dev.memu.layout.Layouts;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MapcountSchemesTest {

    @Test
    void everyNamedSchemeBuildsUnderItsNameAndSaysWhereItRuns() {
        try (World w = new World("memdesc32")) {
            for (final String name : MapcountSchemes.NAMES) {
                if (name.equals("exact")) {
                    assertThrows(IllegalArgumentException.class, () -> MapcountSchemes.create(name, w.context()));
                    continue;
                }
                final MapcountScheme s = MapcountSchemes.create(name, w.context());
                assertEquals(name, s.name());
                for (final Layout layout : Layouts.all()) {
                    assertEquals(MapcountSchemes.supports(name, layout), s.supports(layout), name + " on " + layout);
                }
                assertTrue(s.folioBytes() > 0 && s.folioBytes() <= 28, name + ": folio bytes");
            }
        }
    }

    @Test
    void unknownNamesAreRejectedWithTheKnownOnes() {
        try (World w = new World("memdesc8")) {
            final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> MapcountSchemes.create("pagemapcount", w.context()));
            assertTrue(e.getMessage().contains("page-mapcount"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> MapcountSchemes.create("page-mapcount", w.context()),
                    "memdesc8 has no per-page room");
            assertThrows(IllegalArgumentException.class, () -> MapcountSchemes.supports("x", Layouts.byName("memdesc8")));
        }
    }
}
