/**
 * A kernel-like allocation mix made of real typed descriptors ({@link
 * dev.memu.workload.kernelmix.KernelMix}, defaults in {@link dev.memu.workload.kernelmix.KernelMixConfig}),
 * the object factory it uses ({@link dev.memu.workload.kernelmix.KernelObjects}), and a
 * fragmenting fill for compaction runs ({@link dev.memu.workload.kernelmix.FragmentingFill}).
 * Independent of the CLI's {@code dev.memu.workload} package.
 */
package dev.memu.workload.kernelmix;
