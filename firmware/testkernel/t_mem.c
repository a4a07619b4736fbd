/*
 * Private/shared memory tests, the same on every platform. The guest asks
 * for conversions with KVM_HC_MAP_GPA_RANGE where the hypercall reaches
 * cvmm, otherwise (and for requests naming a content mode) through cvmm's
 * paravirtual device, and, with --testdev, makes the host touch its
 * memory to see what the guard allows.
 *
 * Platforms differ in where they start and what they can do: RAM starts
 * private on soft and shared on sw-protected, and PRESERVE works only
 * where one backing holds both states. So each test first puts its
 * scratch memory into a known state, and PRESERVE must either work or be
 * refused with EOPNOTSUPP (the same answer every time).
 */
#include "kernel.h"

#define TO_PRIVATE PV_CONV_ENCRYPTED
#define TO_SHARED 0u
#define ZERO PV_CONV_MODE_ZERO
#define PRESERVE PV_CONV_MODE_PRESERVE
#define SIZE_2M 1u /* page-size hint */

uint64_t scratch_base(void)
{
	uint64_t a = ((uint64_t)__kernel_end + 2 * MiB_ - 1) & ~(2 * MiB_ - 1);

	while (range_in_use(a, 2 * MiB_))
		a += 2 * MiB_;
	return a;
}

void pattern_fill(uint64_t a, uint64_t len, uint32_t seed)
{
	for (uint64_t i = 0; i < len / 4; i++)
		((volatile uint32_t *)a)[i] = seed + (uint32_t)i * 2654435761u;
}

bool pattern_holds(uint64_t a, uint64_t len, uint32_t seed)
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

bool have_testdev(void)
{
	return inl(PV_TEST_STATUS) != 0xffffffffu;
}

uint32_t host_hash(uint64_t a, uint32_t len, uint32_t *status)
{
	*status = pv_test(PV_TEST_CMD_READ, a, len, 0);
	return *status == PV_OK ? pv_test_value() : ~0u;
}

/* Make [a, a+len) private whatever its state, contents gone. */
static bool make_private(uint64_t a, uint64_t len, uint32_t hint)
{
	return pv_convert(a, len / PAGE, TO_PRIVATE | hint) == PV_OK;
}

/*
 * A PRESERVE request: done, or refused with EOPNOTSUPP by a platform that
 * cannot keep contents across a conversion, consistently.
 */
static bool preserve(uint64_t a, uint64_t len, uint32_t to, uint32_t hint,
		     const char *what)
{
	static uint32_t first = ~0u;
	uint32_t r = pv_convert(a, len / PAGE, to | PRESERVE | hint);

	if (first == ~0u)
		first = r;
	check((r == PV_OK || r == PV_EOPNOTSUPP) && r == first,
	      "%s, PRESERVE: %s", what,
	      r == PV_OK	       ? "done"
	      : r == PV_EOPNOTSUPP ? "refused (EOPNOTSUPP), this platform "
				     "cannot preserve"
				   : "unexpected answer");
	return r == PV_OK;
}

/* The PRESERVE half of a round trip; [a, a+len) is private and filled. */
static void preserve_round_trip(uint64_t a, uint64_t len, uint32_t hint)
{
	uint32_t st, h;

	if (!preserve(a, len, TO_SHARED, hint, "to shared")) {
		check(pattern_holds(a, len, 0x1234),
		      "the refused request left the contents alone");
		if (have_testdev()) {
			host_hash(a, 64, &st);
			check(st == PV_EACCES, "and the range private (%u)", st);
		}
		return;
	}
	check(pattern_holds(a, len, 0x1234), "PRESERVE kept the contents");
	if (have_testdev()) {
		h = host_hash(a, (uint32_t)len, &st);
		check(st == PV_OK && h == fnv1a((void *)a, len),
		      "host reads the same bytes once shared (status %u)", st);
	}
	preserve(a, len, TO_PRIVATE, hint, "back to private");
	check(pattern_holds(a, len, 0x1234), "contents kept again");
}

static void round_trip(uint64_t a, uint64_t len, uint32_t hint)
{
	uint64_t pages = len / PAGE;
	uint32_t st, h;

	check(make_private(a, len, hint), "%lu KiB made private", len >> 10);
	pattern_fill(a, len, 0x1234);
	preserve_round_trip(a, len, hint);
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
	pattern_fill(a, len, 0x9999);
	check(pv_convert(a, pages, TO_PRIVATE | ZERO | hint) == PV_OK,
	      "to private, ZERO");
	check(all_zero(a, len), "ZERO on the way back: zeros again");
}

/*
 * The footprint counts private pages as well as shared ones, and a page is
 * allocated once whichever side holds it: no double allocation. [a, a+2M)
 * must be private. Slack: the kernel's own stack and data may grow.
 */
static void footprint_checks(uint64_t a)
{
	uint64_t f0, f1, f2, f3, f4;

	check(pv_convert(a, 512, TO_SHARED | ZERO | SIZE_2M) == PV_OK &&
	      pv_convert(a, 512, TO_PRIVATE | ZERO | SIZE_2M) == PV_OK,
	      "2 MiB private and untouched");
	f0 = pv_footprint_pages();
	pattern_fill(a, 2 * MiB_, 1);
	f1 = pv_footprint_pages();
	check(f1 >= f0 + 512, "writing 2 MiB of private memory allocates it: "
	      "footprint %lu -> %lu pages", f0, f1);
	check(pv_convert(a, 512, TO_SHARED | ZERO | SIZE_2M) == PV_OK,
	      "2 MiB to shared, ZERO");
	f2 = pv_footprint_pages();
	check(f2 + 512 <= f1, "the private pages are freed: %lu -> %lu pages",
	      f1, f2);
	pattern_fill(a, 2 * MiB_, 2);
	f3 = pv_footprint_pages();
	check(f3 <= f1 + 16, "written while shared, 2 MiB takes no more than "
	      "it did private (%lu <= %lu + 16 pages): no double allocation",
	      f3, f1);
	check(pv_convert(a, 512, TO_PRIVATE | ZERO | SIZE_2M) == PV_OK,
	      "2 MiB round trip in ZERO mode");
	f4 = pv_footprint_pages();
	check(f3 >= 512 && f4 <= f3 - 512,
	      "footprint %lu -> %lu pages: 2 MiB freed", f3, f4);
}

void t_convert(const char *arg)
{
	uint64_t a = scratch_base();

	(void)arg;
	printk("conversions by %s\n", conv_trigger());
	round_trip(a, 16 * PAGE, 0);
	round_trip(a + 2 * MiB_, 2 * MiB_, SIZE_2M);

	/* Only pages that change state are touched. */
	check(make_private(a, 4 * PAGE, 0), "four pages private");
	pattern_fill(a, 4 * PAGE, 0x77);
	check(pv_convert(a + PAGE, 1, TO_SHARED) == PV_OK, "one page to shared");
	pattern_fill(a + PAGE, PAGE, 0x88); /* written while shared */
	check(pv_convert(a, 4, TO_SHARED | ZERO) == PV_OK,
	      "four pages to shared, ZERO");
	check(all_zero(a, PAGE) && all_zero(a + 2 * PAGE, 2 * PAGE) &&
	      pattern_holds(a + PAGE, PAGE, 0x88),
	      "the page that was already shared kept its contents");
	check(pv_convert(a, 4, TO_PRIVATE) == PV_OK, "back to private");

	footprint_checks(a);
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
	printk("conversions by %s\n", conv_trigger());
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
	check(make_private(a, 2 * PAGE, 0), "two scratch pages private");
	refused0 = pv_test_refused();
	pattern_fill(a, PAGE, 0xabc);
	host_hash(a, 64, &st);
	check(st == PV_EACCES, "host read of a private page refused (%u)", st);
	st = pv_test(PV_TEST_CMD_WRITE, a, 64, 0x41);
	check(st == PV_EACCES, "host write to a private page refused (%u)", st);
	check(pattern_holds(a, PAGE, 0xabc), "the private page is untouched");
	host_hash(0xfe000000ULL, 16, &st);
	check(st == PV_EFAULT, "host read outside RAM refused (%u)", st);
	check(pv_convert(a + PAGE, 1, TO_SHARED) == PV_OK,
	      "next page to shared");
	host_hash(a + PAGE - 8, 16, &st);
	check(st == PV_EACCES, "a read straddling private and shared refused");
	check(pv_test_refused() - refused0 == 4, "4 refusals counted (%u)",
	      pv_test_refused() - refused0);

	check(pv_convert(a, 1, TO_SHARED) == PV_OK, "page to shared");
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
 * Thousands of conversions in the VM's default mode (ZERO unless
 * --convert-mode says otherwise) over all free RAM, touching pages while
 * shared; the host's footprint must stay within guest RAM throughout and
 * drop back at the end.
 */
void t_churn(const char *arg)
{
	uint64_t lo = scratch_base(), hi = lo, ram_pages = boot.ram_bytes / PAGE;
	uint64_t conversions = 0, peak = 0, start_fp, end_fp, fp;
	bool ok = true;

	(void)arg;
	printk("conversions by %s\n", conv_trigger());
	while (hi + 2 * MiB_ <= 3 * GiB_ && !range_in_use(hi, 2 * MiB_) &&
	       hi + 2 * MiB_ <= boot.memmap[boot.nmemmap > 2 ? 2 : 0].addr +
					boot.memmap[boot.nmemmap > 2 ? 2 : 0].size)
		hi += 2 * MiB_;
	start_fp = pv_footprint_pages();
	for (int round = 0; round < 4; round++) {
		for (uint64_t a = lo; a < hi; a += 2 * MiB_) {
			ok &= pv_convert(a, 512, TO_SHARED | SIZE_2M) == PV_OK;
			for (uint64_t p = 0; p < 2 * MiB_; p += 64 * 1024)
				*(volatile uint64_t *)(a + p) = p | 1;
			/* Measured while the touched pages are allocated. */
			fp = pv_footprint_pages();
			peak = fp > peak ? fp : peak;
			ok &= pv_convert(a, 512, TO_PRIVATE | SIZE_2M) == PV_OK;
			conversions += 2;
		}
	}
	for (uint64_t a = lo; a < lo + 8 * MiB_ && a < hi; a += PAGE) {
		ok &= pv_convert(a, 1, TO_SHARED) == PV_OK;
		*(volatile uint64_t *)a = a;
		if ((a & (MiB_ - 1)) == 0) {
			fp = pv_footprint_pages();
			peak = fp > peak ? fp : peak;
		}
		ok &= pv_convert(a, 1, TO_PRIVATE) == PV_OK;
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

/*
 * test=initial:private|shared (needs --testdev): RAM the guest has never
 * converted is in that state, so the host is refused or reads it.
 */
void t_initial(const char *arg)
{
	uint64_t a = scratch_base();
	bool shared = !strncmp(arg, "shared", 6);
	uint32_t st;

	if (!have_testdev() || (!shared && strncmp(arg, "private", 7))) {
		check(false, "initial:private|shared needs --testdev");
		return;
	}
	host_hash(a, 64, &st);
	check(st == (shared ? PV_OK : PV_EACCES),
	      "RAM starts %s: host read status %u", shared ? "shared" : "private",
	      st);
}
