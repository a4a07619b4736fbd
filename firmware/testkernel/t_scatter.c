// SPDX-License-Identifier: MIT
/*
 * test=scatter[:N]: share every other page of a region, N single-page
 * runs (default 40,000, above the 32,752 at which mprotect per run used to
 * exhaust vm.max_map_count), then check that the host sees the shared
 * pages and is refused the private ones (with --testdev), and take it all
 * back in one request.
 */
#include "kernel.h"

/* Does one RAM entry hold [a, a+len), unused by the kernel? */
static bool free_ram(uint64_t a, uint64_t len)
{
	if (range_in_use(a, len) || a + len > 3 * GiB_)
		return false;
	for (uint32_t i = 0; i < boot.nmemmap; i++)
		if (boot.memmap[i].type == E820_RAM && boot.memmap[i].addr <= a &&
		    boot.memmap[i].addr + boot.memmap[i].size >= a + len)
			return true;
	return false;
}

static void host_sees(uint64_t a, uint64_t runs)
{
	uint32_t st;

	if (!have_testdev())
		return;
	*(volatile uint32_t *)(a + 2 * PAGE * (runs / 2)) = 0x5ca77e5;
	host_hash(a + 2 * PAGE * (runs / 2), 4, &st);
	check(st == PV_OK, "the host reads a shared page in the middle (%u)", st);
	host_hash(a + 2 * PAGE * (runs / 2) + PAGE, 4, &st);
	check(st == PV_EACCES, "and is refused the private page next to it (%u)",
	      st);
}

void t_scatter(const char *arg)
{
	uint64_t runs = 40000, a = scratch_base(), done = 0, len;
	uint32_t r = PV_OK;

	if (*arg && (!parse_u64(arg, &runs) || runs == 0 || runs > 400000)) {
		check(false, "scatter:N needs N in 1..400000, got '%s'", arg);
		return;
	}
	len = 2 * PAGE * runs;
	printk("conversions by %s\n", conv_trigger());
	if (!free_ram(a, len)) {
		check(false, "%lu KiB of free RAM at 0x%lx (give more --memory)",
		      len >> 10, a);
		return;
	}
	check(pv_convert(a, len / PAGE, PV_CONV_ENCRYPTED) == PV_OK,
	      "%lu KiB private", len >> 10);
	for (; done < runs && r == PV_OK; done++)
		r = pv_convert(a + 2 * PAGE * done, 1, 0);
	if (r != PV_OK)
		done--;
	check(done == runs, "%lu of %lu scattered single-page runs shared (last "
	      "answer %u)", done, runs, r);
	host_sees(a, runs);
	check(pv_convert(a, len / PAGE, PV_CONV_ENCRYPTED) == PV_OK,
	      "all %lu runs private again in one request", runs);
}
