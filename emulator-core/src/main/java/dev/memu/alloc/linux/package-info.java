/**
 * Linux's page-allocator structures as memu lays them out, and the inventory of the lines each
 * operation touches in Linux 6.12 ({@link dev.memu.alloc.linux.LinuxConfig}), which {@code buddy}
 * ({@link dev.memu.alloc.BuddyAllocator}) and {@code buddy+pcp}
 * ({@link dev.memu.alloc.pcp.LinuxPcpAllocator}) reproduce and {@code LinuxLineInventoryTest}
 * checks line by line.
 *
 * <h2>Line names</h2>
 * {@code Zn}: line n of {@code struct zone} ({@link dev.memu.alloc.linux.ZoneStruct}): Z0
 * {@code _watermark[]}, {@code watermark_boost}, {@code nr_reserved_highatomic},
 * {@code nr_free_highatomic}; Z1 {@code lowmem_reserve[ZONE_MOVABLE]}, {@code node},
 * {@code per_cpu_pageset}, {@code per_cpu_zonestats}; Z4..Z21 {@code free_area[]} (order o's
 * MOVABLE list head at 272 + 104o, its {@code nr_free} at 352 + 104o: Z4/Z5 for order 0, Z5/Z6 (head
 * next/prev straddle) and Z7 for order 1); Z22 {@code flags} and {@code lock}; Z24
 * {@code vm_stat[NR_FREE_PAGES]}; Z25 {@code vm_stat[NR_FREE_CMA_PAGES]}.
 * {@code ZS}: the CPU's {@code per_cpu_zonestat} (one line). {@code EV0}/{@code EV2}: lines 0 and 2
 * of the CPU's {@code vm_event_states} ({@code PGALLOC_NORMAL}, {@code PGFREE}).
 * {@code MS}, {@code ROOT}, {@code SEC}, {@code USE}: the {@code mem_section} pointer, the root
 * array entry, the {@code struct mem_section}, the {@code usage->pageblock_flags} word.
 * {@code P0..P3}: lines of the CPU's {@code struct per_cpu_pages}
 * ({@link dev.memu.alloc.linux.PcpStruct}; P0 holds lock, count, high*, batch, flags,
 * alloc_factor, free_count and the order-0 MOVABLE list head).
 * {@code D(p)}: the descriptor of pfn p (the struct page for linux64); {@code L(p)}: where p's list
 * links live ({@code buddy_list}/{@code pcp_list}: the struct page for linux64, the free page's
 * first line for memdesc8). Each distinct line counts once per operation.
 *
 * <h2>Order-0 allocation without a PCP ({@code buddy}), block on the order-0 list</h2>
 * <pre>
 * get_page_from_freelist (6.7+: the high mark first, unless ZONE_BELOW_HIGH) / zone_watermark_fast
 *     Z22  test_bit(ZONE_BELOW_HIGH, &zone->flags)
 *     Z0   _watermark[WMARK_HIGH] + watermark_boost (wmark_pages), nr_free_highatomic (__zone_watermark_unusable_free)
 *          (below the high mark: set_bit(ZONE_BELOW_HIGH), then the same against _watermark[WMARK_LOW])
 *     Z24  vm_stat[NR_FREE_PAGES] (zone_page_state)
 *     Z1   lowmem_reserve[ZONE_MOVABLE]
 * rmqueue_buddy
 *     Z22  spin_lock(&zone->lock) .. spin_unlock
 *     Z25, Z24  __rmqueue: the CMA balance test (NR_FREE_CMA_PAGES > NR_FREE_PAGES / 2)
 *     Z4   __rmqueue_smallest / get_page_from_free_area: free_area[0].free_list[MOVABLE].next
 *     L(p), L(next)  __del_page_from_free_list: list_del(&page->buddy_list) (next's prev, or the head's)
 *     Z4, Z5  the list head written, free_area[0].nr_free--
 *     D(p)  __ClearPageBuddy, set_page_private(page, 0)
 *     Z1, ZS (Z24 when the diff passes stat_threshold)  account_freepages -> __mod_zone_page_state
 *     EV0  __count_zid_vm_events(PGALLOC, ZONE_NORMAL)
 *     Z1, ZS  zone_statistics: zone_to_nid(zone->node), __count_numa_events(NUMA_HIT, NUMA_LOCAL)
 * rmqueue
 *     Z22  test_bit(ZONE_BOOSTED_WATERMARK, &zone->flags) (ALLOC_KSWAPD)
 * prep_new_page / post_alloc_hook
 *     D(p)  refcount, flags (memu: the allocatee too); above order 0 prep_compound_page writes
 *           every tail's D (compound_head), and free_pages_prepare clears them again
 * </pre>
 * <h2>Allocation with split ({@code buddy}): the smallest free block is larger</h2>
 * As above, plus: {@code __rmqueue_smallest} reads {@code free_list[MOVABLE].next} of every order
 * from the requested one up to the one with a block; {@code page_del_and_expand} takes it off that
 * order's list (its head, {@code nr_free}, the block's and its neighbour's links) and {@code expand}
 * puts each upper half on the list of its order: {@code list_add} (head {@code next}, and
 * {@code prev} when the list was empty: Z5 and Z6 for order 1), {@code nr_free++}, the half's
 * {@code D}/{@code L} ({@code set_buddy_order}, links), and the old first entry's {@code L} when
 * the list was not empty. Above order 0, {@code zone_watermark_fast} goes to {@code
 * __zone_watermark_ok}, which also reads {@code nr_free} and the UNMOVABLE and MOVABLE list heads
 * of the orders from the requested one up to the first with a block.
 *
 * <h2>Order-0 free without a PCP ({@code buddy}, {@code __free_pages_ok})</h2>
 * <pre>
 *     D(p)  free_pages_prepare (flags, mapping, refcount checks and clears)
 *     Z22   free_one_page: zone->lock
 *     MS, ROOT, SEC, USE  split_large_buddy: get_pfnblock_migratetype
 *     Z1, ZS (Z24 on a fold)  __free_one_page: account_freepages -> __mod_zone_page_state
 *     D(buddy)  find_buddy_page_pfn: PageBuddy and buddy_order of pfn ^ 1
 *     D(higher buddy)  buddy_merge_likely: the buddy of the next order, when order &lt; MAX_PAGE_ORDER - 1
 *     Z4 (Z4 prev too when empty), Z5, L(p), L(old first)  __add_to_free_list (list_add or list_add_tail), nr_free++
 *     D(p)  set_buddy_order, __SetPageBuddy
 *     EV2   __count_vm_events(PGFREE)
 * </pre>
 * <h2>Free with merge ({@code buddy})</h2>
 * As above, and for each merge step at order o: {@code D(buddy)}, the buddy's {@code L} and its list
 * neighbours' {@code L} or order o's list head ({@code __del_page_from_free_list}), order o's
 * {@code nr_free}; at o >= pageblock_order the buddy's migratetype (MS, ROOT, SEC, USE of its
 * section). The merged block then goes on the list of its final order.
 *
 * <h2>PCP hit ({@code buddy+pcp}, order 0, list not empty)</h2>
 * <pre>
 *     Z22, Z0, Z24, Z1  get_page_from_freelist's watermark checks, as above
 *     Z1    rmqueue_pcplist: zone->per_cpu_pageset
 *     P0    pcp_spin_trylock, free_count >>= 1, lists[1] (order 0, MOVABLE), count -= 1, unlock
 *     L(p), L(next)  __rmqueue_pcplist: list_first_entry, list_del(&page->pcp_list)
 *     EV0   PGALLOC;  Z1, ZS  zone_statistics
 *     Z22   rmqueue: ZONE_BOOSTED_WATERMARK
 *     D(p)  prep_new_page
 * </pre>
 * <h2>PCP miss ({@code buddy+pcp}): the list is empty, {@code rmqueue_bulk} refills it</h2>
 * The PCP hit's lines, plus {@code nr_pcp_alloc} (P0: batch, high_min, high_max, high, count,
 * alloc_factor) and {@code rmqueue_bulk}: Z22 (zone lock), then for each of the {@code batch}
 * blocks the lines of {@code __rmqueue} in the buddy allocation above (Z25, Z24, free lists, the
 * block's and its list neighbours' L and D, {@code account_freepages}: Z1, ZS) and
 * {@code list_add_tail(&page->pcp_list)}: L(block), L(old last), P0's {@code lists[1].prev} (and
 * {@code .next} when empty). No PGALLOC or NUMA events per refilled block.
 *
 * <h2>PCP free without {@code free_pcppages_bulk} ({@code count} stays below {@code high})</h2>
 * <pre>
 *     D(p)  free_pages_prepare
 *     MS, ROOT, SEC, USE  free_unref_page: get_pfnblock_migratetype
 *     Z1    zone->per_cpu_pageset
 *     P0    trylock; free_unref_page_commit: alloc_factor >>= 1, lists[1], count, batch, flags,
 *           free_count; nr_pcp_high: high, high_min, high_max; unlock
 *     EV2   __count_vm_events(PGFREE)
 *     L(p), L(old first)  list_add(&page->pcp_list)
 *     Z22   nr_pcp_high: test_bit(ZONE_RECLAIM_ACTIVE, &zone->flags)
 * </pre>
 * <h2>PCP free with {@code free_pcppages_bulk} ({@code count} reaches {@code high})</h2>
 * The lines above, plus: Z22 (zone lock, and {@code test_bit(ZONE_BELOW_HIGH)} after: when set,
 * {@code zone_watermark_ok} against the high mark to clear it, Z0, Z1, Z24, Z25); the
 * round-robin {@code list_empty} tests of {@code lists[]} from the freed order's list on (P0..P3 as
 * far as the walk goes); for each of the {@code nr_pcp_free} pages, coldest first:
 * {@code list_last_entry} (P0), MS/ROOT/SEC/USE ({@code get_pfnblock_migratetype}), {@code list_del}
 * (L(page), L(prev) or P0), {@code count} (P0), and {@code __free_one_page} with its lines from the
 * buddy free above ({@code account_freepages}: Z1, ZS; merges; the free lists).
 *
 * <h2>Left out</h2>
 * The zonelist walk ({@code ac->preferred_zoneref}, pgdat lines), {@code alloc_flags_nofragment},
 * {@code page_zone()}'s {@code node_data[]} read, cpuset and {@code numa_node_id()} per-CPU reads,
 * {@code init_on_alloc} page clearing, page owner/table check/memcg hooks (their static keys or
 * configs are off), {@code check_new_pages} (debug), the slow path. What memu's {@code buddy}
 * models is the path of an order that has no PCP list (and of every order with the PCP off).
 */
package dev.memu.alloc.linux;
