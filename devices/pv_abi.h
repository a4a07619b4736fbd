/* SPDX-License-Identifier: MIT */
/*
 * cvmm's paravirtual I/O-port ABI, shared by the VMM and the test kernel
 * (freestanding: macros only). All registers are 32 bits wide. Registers
 * that stage arguments are per vCPU, so vCPUs never see each other's
 * half-written requests.
 */
#ifndef CVMM_PV_ABI_H
#define CVMM_PV_ABI_H

/* Exit device: a 32-bit write ends the VM; cvmm exits with (value & 0xff). */
#define PV_EXIT_PORT 0x500

/*
 * Conversion device: the same arguments and results as the
 * KVM_HC_MAP_GPA_RANGE hypercall, for hosts that cannot deliver it.
 *   GPA_LO, GPA_HI  start address (4 KiB aligned)
 *   NPAGES          number of 4 KiB pages (non-zero)
 *   ATTRS (write)   hypercall attributes (bit 4: 1 = to private, bits 3:0
 *                   page-size hint) | PV_CONV_MODE_*; the write converts
 *   RESULT (read)   0, PV_EINVAL, PV_EAGAIN (retry) or PV_EOPNOTSUPP
 *   FOOTPRINT (read) guest RAM the host has allocated, in 4 KiB pages
 */
#define PV_CONV_BASE 0x510
#define PV_CONV_GPA_LO (PV_CONV_BASE + 0x0)
#define PV_CONV_GPA_HI (PV_CONV_BASE + 0x4)
#define PV_CONV_NPAGES (PV_CONV_BASE + 0x8)
#define PV_CONV_ATTRS (PV_CONV_BASE + 0xc)
#define PV_CONV_RESULT (PV_CONV_BASE + 0xc)
#define PV_CONV_FOOTPRINT (PV_CONV_BASE + 0x10)
#define PV_CONV_SIZE 0x14

#define PV_CONV_ENCRYPTED (1u << 4)	  /* to private */
#define PV_CONV_MODE_ZERO (1u << 8)	  /* contents gone */
#define PV_CONV_MODE_PRESERVE (1u << 9) /* contents kept */

/* Results, as in the hypercall's ret (positive errno values). */
#define PV_OK 0
#define PV_EAGAIN 11
#define PV_EACCES 13
#define PV_EFAULT 14
#define PV_EBUSY 16
#define PV_EINVAL 22
#define PV_EOPNOTSUPP 95

/*
 * CPU start device: starts an application processor directly in 32-bit
 * protected mode (flat segments, paging off, EBX = ARG), the same state
 * as the PVH entry, because real-mode INIT/SIPI cannot run on every host.
 *   CPU    index of the vCPU to start (1 .. ncpus-1)
 *   ENTRY  32-bit physical entry point (in RAM)
 *   ARG    value for EBX
 *   CMD (write 1) start; STATUS (read) 0, PV_EINVAL or PV_EBUSY (running)
 */
#define PV_CPU_BASE 0x530
#define PV_CPU_INDEX (PV_CPU_BASE + 0x0)
#define PV_CPU_ENTRY (PV_CPU_BASE + 0x4)
#define PV_CPU_ARG (PV_CPU_BASE + 0x8)
#define PV_CPU_CMD (PV_CPU_BASE + 0xc)
#define PV_CPU_STATUS (PV_CPU_BASE + 0xc)
#define PV_CPU_SIZE 0x10
#define PV_CPU_CMD_START 1

/*
 * Test device (`--testdev`): makes the host touch guest memory on request,
 * through the same checked accessor as every device, so a guest can test
 * the guard.
 *   ADDR_LO, ADDR_HI, LEN  the range
 *   ARG                    fill byte for WRITE
 *   CMD (write)            READ: host reads the range, VALUE = FNV-1a hash
 *                          WRITE: host fills the range with ARG
 *                          HOLD: host holds the range as an in-flight I/O
 *                          RELEASE: ends the hold
 *                          DESYNC: host tells KVM that the range (in the
 *                            test memory) is private; the guest's next
 *                            access to it is a memory-fault exit
 *                          FAULTS: VALUE = memory-fault exits cvmm
 *                            has handled so far
 *                          RAW_READ: host reads the range through the
 *                            mapping KVM uses, bypassing cvmm's guard,
 *                            VALUE = FNV-1a hash; STATUS PV_EFAULT when
 *                            the host kernel refused (pKVM: a private
 *                            page); the isolation probe
 *                          SCRUB_WATCH: once the VM is destroyed, the
 *                            host reads the range (RAM) back and reports
 *                            on stderr whether the fill byte ARG[7:0]
 *                            the guest left there is still there; ARG
 *                            bit 8 says the guest had shared and
 *                            unshared the page (PV_TEST_WATCH_UNSHARED);
 *                            the scrub probe, at most 4 ranges of 8 KiB
 *   STATUS (read)          0, PV_EACCES, PV_EFAULT, PV_EBUSY, PV_EINVAL,
 *                          PV_EOPNOTSUPP (DESYNC: no memory attributes)
 *   VALUE (read)           result of READ
 *   REFUSED (read)         accesses this device had refused so far
 */
#define PV_TEST_BASE 0x540
#define PV_TEST_ADDR_LO (PV_TEST_BASE + 0x0)
#define PV_TEST_ADDR_HI (PV_TEST_BASE + 0x4)
#define PV_TEST_LEN (PV_TEST_BASE + 0x8)
#define PV_TEST_ARG (PV_TEST_BASE + 0xc)
#define PV_TEST_CMD (PV_TEST_BASE + 0x10)
#define PV_TEST_STATUS (PV_TEST_BASE + 0x10)
#define PV_TEST_VALUE (PV_TEST_BASE + 0x14)
#define PV_TEST_REFUSED (PV_TEST_BASE + 0x18)
#define PV_TEST_SIZE 0x1c
#define PV_TEST_CMD_READ 1
#define PV_TEST_CMD_WRITE 2
#define PV_TEST_CMD_HOLD 3
#define PV_TEST_CMD_RELEASE 4
#define PV_TEST_CMD_DESYNC 5
#define PV_TEST_CMD_FAULTS 6
#define PV_TEST_CMD_RAW_READ 7
#define PV_TEST_CMD_SCRUB_WATCH 8
#define PV_TEST_WATCH_UNSHARED 0x100

/*
 * Test memory (`--testdev`): 64 KiB of guest-physical memory in the MMIO
 * hole, outside the memory map, in a memslot whose only backing is shared
 * (no guest_memfd). It can never be private: requests to make it so
 * answer PV_EINVAL. On a platform with memory attributes, DESYNC makes
 * KVM consider a page of it private; the guest's next access then stops
 * with KVM_EXIT_MEMORY_FAULT, which cvmm resolves by telling KVM again
 * that the page is shared, and the access completes.
 */
#define PV_TESTMEM_GPA 0xe0000000ULL
#define PV_TESTMEM_SIZE 0x10000ULL

/* FNV-1a, 32 bits: the hash READ returns. */
#define PV_FNV_OFFSET 2166136261u
#define PV_FNV_PRIME 16777619u

#endif
