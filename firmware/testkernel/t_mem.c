/*
 * Private/shared memory tests. The guest asks for conversions through
 * cvmm's paravirtual device (the same arguments and results as
 * KVM_HC_MAP_GPA_RANGE) and, with --testdev, makes the host touch its
 * memory to see what the guard allows.
 */
#include "kernel.h"

#define TO_PRIVATE PV_CONV_ENCRYPTED
#define TO_SHARED 0u
#define ZERO PV_CONV_MODE_ZERO
#define PRESERVE PV_CONV_MODE_PRESERVE
#define SIZE_2M 1u /* page-size hint */

/* First 2 MiB-aligned address past everything the kernel uses. */
static uint64_t scratch_base(void)
{
	uint64_t a = ((uint64_t)__kernel_end + 2 * MiB_ - 1) & ~(2 * MiB_ - 1);

	while (range_in_use(a, 2 * MiB_))
		a += 2 * MiB_;
	return a;
}

static void fill(uint64_t a, uint64_t len, uint32_t seed)
{
	for (uint64_t i = 0; i < len / 4; i++)
		((volatile uint32_t *)a)[i] = seed + (uint32_t)i * 2654435761u;
}

static bool holds_pattern(uint64_t a, uint64_t len, uint32_t seed)
{
	for (uint64_t i = 0; i < len / 4; i++)
		if (((volatile uint32_t *)a)[i] != seed + (uint32_t)i * 2654435761u)
			return false;
	return true;
}

static bool all_zero(uint64_t a, uint64_t len)
{
	for (uint64_t i = 0; i < len / 8; i++)
		if (((volatile uint64_t *)a)[i])
			return false;
	return true;
}

static bool have_testdev(void)
{
	return inl(PV_TEST_STATUS) != 0xffffffffu;
}

/* The host's FNV-1a of [a, a+len) through the test device, or ~0. */
static uint32_t host_hash(uint64_t a, uint32_t len, uint32_t *status)
{
	*status = pv_test(PV_TEST_CMD_READ, a, len, 0);
	return *status == PV_OK ? pv_test_value() : ~0u;
}

static void round_trip(uint64_t a, uint64_t len, uint32_t hint)
{
	uint64_t pages = len / PAGE;
	uint32_t st, h;

	fill(a, len, 0x1234);
	check(pv_convert(a, pages, TO_SHARED | PRESERVE | hint) == PV_OK,
	      "%lu KiB to shared, PRESERVE", len >> 10);
	check(holds_pattern(a, len, 0x1234), "PRESERVE kept the contents");
	if (have_testdev()) {
		h = host_hash(a, (uint32_t)len, &st);
		check(st == PV_OK && h == fnv1a((void *)a, len),
		      "host reads the same bytes once shared (status %u)", st);
	}
	check(pv_convert(a, pages, TO_PRIVATE | PRESERVE | hint) == PV_OK,
	      "back to private, PRESERVE");
	check(holds_pattern(a, len, 0x1234), "contents kept again");
	check(pv_convert(a, pages, TO_SHARED | ZERO | hint) == PV_OK,
	      "to shared, ZERO");
	check(all_zero(a, len), "ZERO: the guest reads zeros");
	if (have_testdev()) {
		static const uint8_t zeros[4096];
		uint32_t want = PV_FNV_OFFSET;

		for (uint64_t i = 0; i < len; i += sizeof(zeros))
			want = fnv1a_continue(want, zeros, sizeof(zeros));
		h = host_hash(a, (uint32_t)len, &st);
		check(st == PV_OK && h == want, "ZERO: the host reads zeros");
	}
	fill(a, len, 0x9999);
	check(pv_convert(a, pages, TO_PRIVATE | ZERO | hint) == PV_OK,
	      "to private, ZERO");
	check(all_zero(a, len), "ZERO on the way back: zeros again");
}

void t_convert(const char *arg)
{
	uint64_t a = scratch_base(), before, after;

	(void)arg;
	round_trip(a, 16 * PAGE, 0);
	round_trip(a + 2 * MiB_, 2 * MiB_, SIZE_2M);

	/* Only pages that change state are touched. */
	fill(a, 4 * PAGE, 0x77);
	check(pv_convert(a + PAGE, 1, TO_SHARED | PRESERVE) == PV_OK,
	      "one page to shared");
	check(pv_convert(a, 4, TO_SHARED | ZERO) == PV_OK,
	      "four pages to shared, ZERO");
	check(all_zero(a, PAGE) && all_zero(a + 2 * PAGE, 2 * PAGE) &&
	      holds_pattern(a + PAGE, PAGE, 0x77 + 1024 * 2654435761u),
	      "the page that was already shared kept its contents");
	check(pv_convert(a, 4, TO_PRIVATE | ZERO) == PV_OK, "back to private");

	/* ZERO gives memory back: the footprint drops by what was touched. */
	fill(a, 2 * MiB_, 1);
	before = pv_footprint_pages();
	check(pv_convert(a, 512, TO_SHARED | ZERO | SIZE_2M) == PV_OK &&
	      pv_convert(a, 512, TO_PRIVATE | ZERO | SIZE_2M) == PV_OK,
	      "2 MiB round trip in ZERO mode");
	after = pv_footprint_pages();
	check(before >= 512 && after <= before - 512,
	      "footprint %lu -> %lu pages: 2 MiB freed", before, after);
}

static void expect_refused(uint64_t a, uint64_t pages, uint32_t attrs,
			   uint32_t want, const char *what)
{
	uint32_t r = pv_convert(a, pages, attrs);

	check(r == want, "%s: refused with %u (got %u)", what, want, r);
}

void t_convert_bad(const char *arg)
{
	uint64_t ram_top = 0, a = scratch_base();

	(void)arg;
	for (uint32_t i = 0; i < boot.nmemmap; i++)
		if (boot.memmap[i].type == E820_RAM &&
		    boot.memmap[i].addr + boot.memmap[i].size > ram_top)
			ram_top = boot.memmap[i].addr + boot.memmap[i].size;
	expect_refused(a + 0x800, 1, TO_SHARED, PV_EINVAL, "unaligned start");
	expect_refused(a, 0, TO_SHARED, PV_EINVAL, "zero length");
	expect_refused(ram_top, 1, TO_SHARED, PV_EINVAL, "beyond the end of RAM");
	expect_refused(ram_top - PAGE, 2, TO_SHARED, PV_EINVAL,
		       "running past the end of RAM");
	expect_refused(0xc0000000ULL - PAGE, 2, TO_SHARED, PV_EINVAL,
		       "running into the MMIO hole");
	expect_refused(0xc0000000ULL, 1, TO_SHARED, PV_EINVAL,
		       "inside the MMIO hole");
	expect_refused(0xc0000000ULL - PAGE, (1ULL << 30) / PAGE + 2, TO_SHARED,
		       PV_EINVAL, "across the MMIO hole");
	expect_refused(0xfffffffffffff000ULL, 2, TO_SHARED, PV_EINVAL,
		       "address overflow");
	expect_refused(a, 1, TO_SHARED | (1u << 5), PV_EINVAL,
		       "reserved attribute bit");
	expect_refused(a, 1, TO_SHARED | 3, PV_EINVAL, "bad page-size hint");
	expect_refused(a, 1, TO_SHARED | ZERO | PRESERVE, PV_EINVAL,
		       "two content modes");
	/* The VM keeps running and valid requests still work. */
	check(pv_convert(a, 1, TO_SHARED) == PV_OK &&
	      pv_convert(a, 1, TO_PRIVATE) == PV_OK,
	      "a valid conversion after the bad ones");
	if (ram_top > 4 * GiB_)
		check(pv_convert(4 * GiB_, 1, TO_SHARED) == PV_OK &&
		      pv_convert(4 * GiB_, 1, TO_PRIVATE) == PV_OK,
		      "RAM above 4 GiB converts too");
}

void t_guard(const char *arg)
{
	uint64_t a = scratch_base();
	uint32_t st, refused0;

	(void)arg;
	if (!have_testdev()) {
		check(false, "guard needs --testdev");
		return;
	}
	refused0 = pv_test_refused();
	fill(a, PAGE, 0xabc);
	host_hash(a, 64, &st);
	check(st == PV_EACCES, "host read of a private page refused (%u)", st);
	st = pv_test(PV_TEST_CMD_WRITE, a, 64, 0x41);
	check(st == PV_EACCES, "host write to a private page refused (%u)", st);
	check(holds_pattern(a, PAGE, 0xabc), "the private page is untouched");
	host_hash(0xfe000000ULL, 16, &st);
	check(st == PV_EFAULT, "host read outside RAM refused (%u)", st);
	check(pv_convert(a + PAGE, 1, TO_SHARED | PRESERVE) == PV_OK,
	      "next page to shared");
	host_hash(a + PAGE - 8, 16, &st);
	check(st == PV_EACCES, "a read straddling private and shared refused");
	check(pv_test_refused() - refused0 == 4, "4 refusals counted (%u)",
	      pv_test_refused() - refused0);

	check(pv_convert(a, 1, TO_SHARED | PRESERVE) == PV_OK, "page to shared");
	check(host_hash(a, PAGE, &st) == fnv1a((void *)a, PAGE) && st == PV_OK,
	      "host read of the shared page matches");
	st = pv_test(PV_TEST_CMD_WRITE, a, 64, 0x41);
	check(st == PV_OK && ((volatile uint8_t *)a)[63] == 0x41 &&
	      ((volatile uint8_t *)a)[64] != 0x41,
	      "host write to the shared page lands, and only there");

	/* An in-flight host access holds its range against going private. */
	st = pv_test(PV_TEST_CMD_HOLD, a, PAGE, 0);
	check(st == PV_OK, "host holds the shared page (in-flight I/O)");
	check(pv_convert(a, 1, TO_PRIVATE) == PV_EAGAIN,
	      "converting the held page to private answers retry");
	check(pv_convert(a + PAGE, 1, TO_PRIVATE) == PV_OK,
	      "the page next to it converts");
	pv_test(PV_TEST_CMD_RELEASE, 0, 0, 0);
	check(pv_convert(a, 1, TO_PRIVATE) == PV_OK, "after release it converts");
	host_hash(a, 16, &st);
	check(st == PV_EACCES, "and the host is refused again");
}

/*
 * Thousands of ZERO conversions over all free RAM, touching pages while
 * shared; the host's footprint must stay within guest RAM throughout and
 * drop back at the end.
 */
void t_churn(const char *arg)
{
	uint64_t lo = scratch_base(), hi = lo, ram_pages = boot.ram_bytes / PAGE;
	uint64_t conversions = 0, peak = 0, start_fp, end_fp, fp;
	bool ok = true;

	(void)arg;
	while (hi + 2 * MiB_ <= 3 * GiB_ && !range_in_use(hi, 2 * MiB_) &&
	       hi + 2 * MiB_ <= boot.memmap[boot.nmemmap > 2 ? 2 : 0].addr +
					boot.memmap[boot.nmemmap > 2 ? 2 : 0].size)
		hi += 2 * MiB_;
	start_fp = pv_footprint_pages();
	for (int round = 0; round < 4; round++) {
		for (uint64_t a = lo; a < hi; a += 2 * MiB_) {
			ok &= pv_convert(a, 512, TO_SHARED | ZERO | SIZE_2M) == PV_OK;
			for (uint64_t p = 0; p < 2 * MiB_; p += 64 * 1024)
				*(volatile uint64_t *)(a + p) = p | 1;
			/* Measured while the touched pages are allocated. */
			fp = pv_footprint_pages();
			peak = fp > peak ? fp : peak;
			ok &= pv_convert(a, 512, TO_PRIVATE | ZERO | SIZE_2M) == PV_OK;
			conversions += 2;
		}
	}
	for (uint64_t a = lo; a < lo + 8 * MiB_ && a < hi; a += PAGE) {
		ok &= pv_convert(a, 1, TO_SHARED | ZERO) == PV_OK;
		*(volatile uint64_t *)a = a;
		if ((a & (MiB_ - 1)) == 0) {
			fp = pv_footprint_pages();
			peak = fp > peak ? fp : peak;
		}
		ok &= pv_convert(a, 1, TO_PRIVATE | ZERO) == PV_OK;
		conversions += 2;
	}
	end_fp = pv_footprint_pages();
	check(ok, "%lu conversions over [0x%lx, 0x%lx) all succeeded",
	      conversions, lo, hi);
	check(conversions >= 2000, "at least 2000 conversions (%lu)", conversions);
	check(peak > start_fp && peak <= ram_pages,
	      "footprint peak %lu pages (from %lu): above the start, <= RAM %lu pages",
	      peak, start_fp, ram_pages);
	check(end_fp <= start_fp + 16, "footprint back to %lu pages (was %lu)",
	      end_fp, start_fp);
}
