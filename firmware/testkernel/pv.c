/* Drivers for cvmm's paravirtual devices (see devices/pv_abi.h). */
#include "kernel.h"

void vm_exit(uint32_t status)
{
	for (;;)
		outl(PV_EXIT_PORT, status);
}

uint32_t pv_convert(uint64_t gpa, uint64_t npages, uint32_t attrs)
{
	outl(PV_CONV_GPA_LO, (uint32_t)gpa);
	outl(PV_CONV_GPA_HI, (uint32_t)(gpa >> 32));
	outl(PV_CONV_NPAGES, (uint32_t)npages);
	outl(PV_CONV_ATTRS, attrs);
	return inl(PV_CONV_RESULT);
}

uint32_t pv_footprint_pages(void)
{
	return inl(PV_CONV_FOOTPRINT);
}

uint32_t pv_cpu_start(uint32_t cpu, uint32_t entry, uint32_t arg)
{
	outl(PV_CPU_INDEX, cpu);
	outl(PV_CPU_ENTRY, entry);
	outl(PV_CPU_ARG, arg);
	outl(PV_CPU_CMD, PV_CPU_CMD_START);
	return inl(PV_CPU_STATUS);
}

uint32_t pv_test(uint32_t cmd, uint64_t addr, uint32_t len, uint32_t arg)
{
	outl(PV_TEST_ADDR_LO, (uint32_t)addr);
	outl(PV_TEST_ADDR_HI, (uint32_t)(addr >> 32));
	outl(PV_TEST_LEN, len);
	outl(PV_TEST_ARG, arg);
	outl(PV_TEST_CMD, cmd);
	return inl(PV_TEST_STATUS);
}

uint32_t pv_test_value(void)
{
	return inl(PV_TEST_VALUE);
}

uint32_t pv_test_refused(void)
{
	return inl(PV_TEST_REFUSED);
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
