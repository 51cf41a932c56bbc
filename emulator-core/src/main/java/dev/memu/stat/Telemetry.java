package dev.memu.stat;

/**
 * What a run publishes about itself besides its result: live counters and, if asked for, its
 * latency samples cut into intervals for an HdrHistogram log.
 *
 * @param counters live counters ({@link RunCounters#NONE} for none)
 * @param latency  interval histograms, or null for none
 */
public record Telemetry(RunCounters counters, LatencyIntervals latency) {

    public static final Telemetry NONE = new Telemetry(RunCounters.NONE, null);

    public Telemetry {
        if (counters == null) {
            counters = RunCounters.NONE;
        }
    }
}
