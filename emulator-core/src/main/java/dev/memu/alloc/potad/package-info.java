/**
 * POTAD, the lock-free power-of-two allocator with descriptor.
 *
 * <ul>
 *   <li>{@link dev.memu.alloc.potad.PotadCore}: the lock-free structure over N equal units
 *       (bitfield line per 512 units, entry word per region, per-vcpu reservation slots); no
 *       memmap, no notion of what a unit is.</li>
 *   <li>{@link dev.memu.alloc.potad.PotadAllocator}: the {@link dev.memu.alloc.PageAllocator}
 *       over RAM ({@code Allocators.create("potad", memmap, options)}), recording allocatees in
 *       the memmap; plus {@code allocRange}/{@code freeRange} for CMA-style aligned ranges.</li>
 *   <li>{@link dev.memu.alloc.potad.PotadSubpage}: 512 B / 1 KiB / 2 KiB blocks carved from
 *       POTAD pages, by physical address.</li>
 *   <li>{@link dev.memu.alloc.potad.SwapSlots}: the same core over the slots of an emulated swap
 *       device, with its metadata in its own footprint.</li>
 * </ul>
 */
package dev.memu.alloc.potad;
