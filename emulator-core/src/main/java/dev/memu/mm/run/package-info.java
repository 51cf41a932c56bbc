/**
 * {@code memu rmap} runs: {@link dev.memu.mm.run.RmapRun} assembles a machine, an allocator, the
 * mm layer and every requested scheme on the same events, runs one of the
 * {@link dev.memu.mm.run.RmapWorkload}s, charges each scheme its own lines and atomics
 * ({@link dev.memu.mm.run.ScopedCountingAccess}), and scores its answers, the consumers' decisions
 * on them and the /proc figures against {@code exact}.
 */
package dev.memu.mm.run;
