package dev.memu.mm.run;

import java.util.List;
import java.util.Map;

/**
 * What an rmap run measured.
 *
 * @param spec          what ran
 * @param results       one per requested scheme (exact included), in request order
 * @param layerLinesPerOp lines the mm layer itself (page tables, allocator, folios) touched per op kind
 * @param opCounts      operations by kind
 * @param events        mm layer event counts: faults, cowCopies, pmdSplits, ... and folios by order
 * @param meanFolioPages mean pages per folio allocated
 * @param leakFree      at the end every folio and page-table page was back in the allocator
 * @param verify        the allocator verifier's summary at the end
 */
public record RmapResult(RmapSpec spec, List<SchemeResult> results, Map<String, Double> layerLinesPerOp,
                         Map<String, Long> opCounts, Map<String, Long> events, double meanFolioPages,
                         boolean leakFree, String verify) {
}
