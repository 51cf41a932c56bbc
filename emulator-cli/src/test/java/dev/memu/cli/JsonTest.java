package dev.memu.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JsonTest {

    @Test
    void mapsAreTheObjectsOfAnArrayInOrderAndNothingElse() {
        final Object root = Json.parse("{\"a\": [{\"k\": 1}, 2, \"s\", {\"k\": 3}], \"b\": {\"k\": 4}}");
        final List<Map<?, ?>> maps = Json.maps(Json.at(root, "a"));
        assertEquals(2, maps.size());
        assertEquals(1L, maps.get(0).get("k"));
        assertEquals(3L, maps.get(1).get("k"));
        assertTrue(Json.maps(Json.at(root, "b")).isEmpty(), "an object is not an array");
        assertTrue(Json.maps(null).isEmpty());
    }

    @Test
    void roundTripsStringsThatNeedEscaping() {
        final String nasty = "quote \" backslash \\ slash / newline \n tab \t cr \r bell \u0007 nul \u0000 ls \u2028 é 😀";
        final Map<String, Object> tree = new LinkedHashMap<>();
        tree.put(nasty, nasty);
        tree.put("list", new ArrayList<>(Arrays.asList(1L, -2L, 3.5, true, false, null, "x")));
        tree.put("nested", Map.of("empty", Map.of(), "none", List.of()));
        final String text = Json.write(tree);
        assertTrue(text.contains("\\u0007") && text.contains("\\u0000") && text.contains("\\u2028"), text);
        assertEquals(tree, Json.parse(text));
    }

    @Test
    void writesNonFiniteNumbersAsNullAndRoundsToThreeDecimals() {
        assertEquals("[null, null, 0.333, 2, 1500000]\n",
                Json.write(List.of(Double.NaN, Double.POSITIVE_INFINITY, 1 / 3.0, 2.0, 1.5e6)));
    }

    @Test
    void keepsTheLayoutSavedResultsHave() {
        final Map<String, Object> tree = new LinkedHashMap<>();
        tree.put("flat", List.of(1L, "a"));
        tree.put("rows", List.of(Map.of("k", 0.25), List.of()));
        tree.put("empty", Map.of());
        assertEquals("""
                {
                  "flat": [1, "a"],
                  "rows": [
                    {
                      "k": 0.25
                    },
                    []
                  ],
                  "empty": {}
                }
                """, Json.write(tree));
    }

    @Test
    void csvCellsReadBackThroughACsvParser() throws Exception {
        final Map<String, Object> row = new LinkedHashMap<>();
        row.put("name", "a,b \"c\"\nd");
        row.put("ratio", 0.5);
        row.put("missing", null);
        row.put("nested", Map.of("x", 3L));
        final String text = Csv.write(List.of(row));
        try (org.apache.commons.csv.CSVParser p = org.apache.commons.csv.CSVParser.parse(text,
                org.apache.commons.csv.CSVFormat.RFC4180)) {
            final List<org.apache.commons.csv.CSVRecord> records = p.getRecords();
            assertEquals(List.of("name", "ratio", "missing", "nested.x"), records.get(0).toList());
            assertEquals(List.of("a,b \"c\"\nd", "0.5", "", "3"), records.get(1).toList());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "{", "[1,]", "{\"a\":1,}", "{\"a\" 1}", "\"open", "tru", "1 2", "{\"a\":1,\"a\":2}",
            "\"bad \\q escape\"", "-", "\"ctl \u0001\""})
    void rejectsMalformedJson(final String text) {
        assertThrows(IllegalArgumentException.class, () -> Json.parse(text));
    }

    @Test
    void readsDottedPaths() {
        final Object tree = Json.parse("{\"a\":{\"b\":{\"c\":7}},\"d\":1.5}");
        assertEquals(7L, Json.at(tree, "a.b.c"));
        assertEquals(1.5, Json.number(tree, "d"));
        assertEquals(null, Json.at(tree, "a.x.c"));
        assertTrue(Double.isNaN(Json.number(tree, "a.b")));
    }

    @Test
    void csvQuotesOnlyWhatNeedsIt() {
        assertEquals("plain", Csv.quote("plain"));
        assertEquals("\"a,b\"", Csv.quote("a,b"));
        assertEquals("\"say \"\"hi\"\"\"", Csv.quote("say \"hi\""));
        assertEquals("\"two\nlines\"", Csv.quote("two\nlines"));
    }
}
