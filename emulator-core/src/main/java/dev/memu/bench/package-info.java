/**
 * Benchmark shapes shared by the JMH module ({@code perf/}) and the command line.
 *
 * <p>The shapes here are the three of LLFree's own benchmark ({@code bench/src/bin/bench.rs} in
 * luhsra/llfree-rs, used for the USENIX ATC 2023 paper), so that memu's numbers compare with its
 * published ones: {@link dev.memu.bench.LlfreeShape#BULK bulk}, {@link
 * dev.memu.bench.LlfreeShape#REPEAT repeat} and {@link dev.memu.bench.LlfreeShape#RAND rand}.
 * {@link dev.memu.bench.ShapeRunner} runs one shape on N worker threads, one vcpu each, and
 * times each phase with {@link System#nanoTime()} around the whole loop, never per operation, as
 * LLFree does. {@link dev.memu.bench.LlfreeBench} is the plain {@code main} that prints a table
 * and JSON.
 */
package dev.memu.bench;
