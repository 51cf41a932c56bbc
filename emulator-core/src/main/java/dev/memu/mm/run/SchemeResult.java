package dev.memu.mm.run;

import java.util.Map;

/**
 * One scheme's figures in an rmap run.
 *
 * @param scheme        name
 * @param supported     false when the layout has no room for it (then only the name and bytes are set)
 * @param folioBytes    bytes of state per folio in the folio memdesc (region memdesc)
 * @param pageBytes     bytes of state per page in the memmap (region memmap)
 * @param bytesPerFolio folioBytes + pageBytes x the run's mean folio size in pages
 * @param linesPerOp    distinct 64-byte lines the scheme touched per operation, by op kind key
 * @param atomicsPerOp  atomic read-modify-writes per operation, by op kind key
 * @param accuracy      by query: mapcount, pageMapcount, exclusive, partiallyMapped, mapped
 * @param consumers     each consumer's decisions on this scheme's answers, scored against exact's
 * @param stats         /proc figures from this scheme's answers against exact's
 * @param errors        events the scheme threw on (the run went on); 0 when healthy
 * @param firstError    message of the first, or null
 */
public record SchemeResult(String scheme, boolean supported, int folioBytes, int pageBytes, double bytesPerFolio,
                           Map<String, Double> linesPerOp, Map<String, Double> atomicsPerOp,
                           Map<String, Accuracy> accuracy, java.util.List<ConsumerResult> consumers,
                           java.util.List<StatResult> stats, long errors, String firstError) {
}
