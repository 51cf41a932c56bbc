package dev.memu.driver;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ProgressMeterTest {

    private final List<String> events = new ArrayList<>();
    private long now;

    private final ProgressListener listener = new ProgressListener() {
        @Override
        public void progress(final String pass, final long done, final long total, final double opsPerSec) {
            events.add(pass + " " + done + "/" + total + " @" + Math.round(opsPerSec));
        }

        @Override
        public void passDone(final String pass) {
            events.add(pass + " done");
        }
    };

    @Test
    void silentUntilTheDelayThenOncePerInterval() {
        final ProgressMeter meter = new ProgressMeter(listener, "p", 1000, () -> now);
        now = 1_000_000_000L;
        meter.update(100);
        assertEquals(List.of(), events, "nothing before 1.5 s");
        now = 1_600_000_000L;
        meter.update(400);
        now = 2_000_000_000L;
        meter.update(500);
        now = 2_600_000_000L;
        meter.update(700);
        now = 3_000_000_000L;
        meter.update(1200);
        meter.finish();
        assertEquals(List.of("p 400/1000 @250", "p 700/1000 @300", "p done"), events);
    }

    @Test
    void aTotalBelowWhatIsDoneIsRaisedAndAShortPassNeverSaysDone() {
        final ProgressMeter quick = new ProgressMeter(listener, "q", 10, () -> now);
        quick.update(5);
        quick.finish();
        assertEquals(List.of(), events);
        final ProgressMeter under = new ProgressMeter(listener, "u", 10, () -> now);
        now += 2_000_000_000L;
        under.update(50);
        assertEquals(List.of("u 50/50 @25"), events);
    }
}
