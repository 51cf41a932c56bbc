package dev.memu.explain;

import dev.memu.access.CountingAccess;
import dev.memu.access.ExplainingAccess;
import dev.memu.access.Region;

import java.util.EnumMap;
import java.util.Map;

/**
 * Runs {@code memu explain}: builds the machine, layout and allocator of an {@link ExplainSpec}
 * over an {@link ExplainingAccess}, prepares the spec's state and runs its operation once.
 */
public final class Explainer {

    private Explainer() {
    }

    /**
     * Explains {@code spec}'s operation line by line.
     *
     * @throws ExplainConfigException when the spec cannot run (nothing ran)
     */
    public static Explanation explain(final ExplainSpec spec) {
        final ExplainingAccess access = new ExplainingAccess();
        try (Scenario scenario = new Scenario(spec, access)) {
            access.setLabelers(scenario.labelers());
            scenario.prepare();
            final Scenario.Outcome outcome = scenario.run();
            return new Explanation(spec, scenario.pages(), scenario.allocator().maxOrder(), scenario.fillPages(),
                    outcome.pfn(), access.lastOpLines(), outcome.notes());
        }
    }

    /**
     * Runs the same operation on the same state through {@link CountingAccess}, the counting pass's
     * access layer, and returns its distinct lines per region: what {@code memu run} would count
     * for it. Every region is listed.
     */
    public static Map<Region, Integer> countLines(final ExplainSpec spec) {
        final CountingAccess access = new CountingAccess();
        try (Scenario scenario = new Scenario(spec, access)) {
            scenario.prepare();
            scenario.run();
            final Map<Region, Integer> out = new EnumMap<>(Region.class);
            for (final Region r : Region.values()) {
                out.put(r, access.lastOpLines(r));
            }
            return out;
        }
    }
}
