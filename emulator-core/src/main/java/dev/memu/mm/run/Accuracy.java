package dev.memu.mm.run;

/**
 * How often one query's answers disagreed with {@code exact}.
 *
 * @param queries        answers scored
 * @param wrong          answers that differ from exact
 * @param falsePositives yes-answers where exact says no (exclusive: "exclusive" while shared)
 * @param falseNegatives no-answers where exact says yes
 * @param over           counts above exact (mapcount, pageMapcount)
 * @param under          counts below exact
 * @param unknown        the scheme could not answer (pageMapcount -1); not counted as wrong
 */
public record Accuracy(long queries, long wrong, long falsePositives, long falseNegatives, long over, long under,
                       long unknown) {

    /** Mutable tally while the run goes. */
    static final class Tally {
        long queries;
        long wrong;
        long fp;
        long fn;
        long over;
        long under;
        long unknown;

        void bool(final boolean said, final boolean truth) {
            queries++;
            if (said != truth) {
                wrong++;
                if (said) {
                    fp++;
                } else {
                    fn++;
                }
            }
        }

        void count(final long said, final long truth) {
            queries++;
            if (said < 0) {
                unknown++;
            } else if (said != truth) {
                wrong++;
                if (said > truth) {
                    over++;
                } else {
                    under++;
                }
            }
        }

        Accuracy freeze() {
            return new Accuracy(queries, wrong, fp, fn, over, under, unknown);
        }
    }
}
