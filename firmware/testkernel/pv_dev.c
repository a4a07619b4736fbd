/*
 * Drivers for cvmm's paravirtual devices (see devices/pv_abi.h), shared by
 * both architectures: registers go through the arch's pv_in/pv_out (ports
 * on x86, 32-bit MMIO on arm64).
 */
#include "kernel.h"

void vm_exit(uint32_t status)
{
	for (;;)
		pv_out(PV_EXIT_PORT, status);
}

/* A conversion request to the conversion device. */
uint32_t pv_convert_device(uint64_t gpa, uint64_t npages, uint32_t attrs)
{
	pv_out(PV_CONV_GPA_LO, (uint32_t)gpa);
	pv_out(PV_CONV_GPA_HI, (uint32_t)(gpa >> 32));
	pv_out(PV_CONV_NPAGES, (uint32_t)npages);
	pv_out(PV_CONV_ATTRS, attrs);
	return pv_in(PV_CONV_RESULT);
}

uint32_t pv_footprint_pages(void)
{
	return pv_in(PV_CONV_FOOTPRINT);
}

uint32_t pv_test(uint32_t cmd, uint64_t addr, uint32_t len, uint32_t arg)
{
	pv_out(PV_TEST_ADDR_LO, (uint32_t)addr);
	pv_out(PV_TEST_ADDR_HI, (uint32_t)(addr >> 32));
	pv_out(PV_TEST_LEN, len);
	pv_out(PV_TEST_ARG, arg);
	pv_out(PV_TEST_CMD, cmd);
	return pv_in(PV_TEST_STATUS);
}

uint32_t pv_test_value(void)
{
	return pv_in(PV_TEST_VALUE);
}

uint32_t pv_test_refused(void)
{
	return pv_in(PV_TEST_REFUSED);
}

uint32_t fnv1a_continue(uint32_t h, const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * PV_FNV_PRIME;
	return h;
}

uint32_t fnv1a(const void *p, size_t n)
{
	return fnv1a_continue(PV_FNV_OFFSET, p, n);
}
