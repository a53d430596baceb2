/* SPDX-License-Identifier: GPL-2.0 */
/*
 * guest_abi.h - the contract between cprhold-vmm and its guest payload.
 *
 * Included by the C files, guest.S (assembler) and guest.lds.S (linker
 * script, through cpp), so only plain #defines outside the C-only block.
 *
 * Guest physical memory layout (identity mapped by the guest's own page
 * tables; 4 GiB in 2 MiB pages, the top GiB uncached for the IOAPIC/LAPIC):
 *
 *   0x00007000  struct guest_cfg        written by the VMM before the first
 *                                       instruction, then shared with the guest
 *   0x00008000  struct guest_vcpu_data  one per vCPU, GUEST_VCPU_DATA_STRIDE
 *                                       apart; the guest's GS base points here
 *   0x00010000  guest image (guest.S)   code, GDT, page tables, IDT; this is
 *                                       also the SIPI trampoline (vector 0x10)
 *   0x00040000  stacks                  GUEST_STACK_SIZE per vCPU
 *   0x00080000  -- end of the fixed layout; the rest of RAM is free, except
 *                  the last 4 KiB page, where heartbeats mirror the counters
 *                  (this lands in the second memslot with --mem-split)
 */
#ifndef CPRHOLD_VMM_GUEST_ABI_H
#define CPRHOLD_VMM_GUEST_ABI_H

#define GUEST_CFG_ADDR		0x7000
#define GUEST_VCPU_DATA_ADDR	0x8000
#define GUEST_VCPU_DATA_STRIDE	0x400
#define GUEST_MAX_VCPUS		16
#define GUEST_LOAD_ADDR		0x10000
#define GUEST_STACK_BASE	0x40000
#define GUEST_STACK_SIZE	0x4000
#define GUEST_LOW_END		0x80000

#define GUEST_CFG_MAGIC		0x4d4d5643	/* "CVMM" */

/* struct guest_cfg field offsets */
#define CFG_MAGIC		0x00	/* u32, VMM */
#define CFG_NR_VCPUS		0x04	/* u32, VMM */
#define CFG_HB_INTERVAL		0x08	/* u64, VMM: TSC ticks between heartbeats */
#define CFG_TSC_KHZ		0x10	/* u64, VMM: guest TSC frequency */
#define CFG_PIT_DIVISOR		0x18	/* u32, VMM: 0 = PIT not used */
#define CFG_KICK_PIN		0x1c	/* u32, VMM: IOAPIC pin of the irqfd GSI */
#define CFG_INIT_DONE		0x20	/* u32, guest: BSP finished global setup */
#define CFG_IOAPIC_LOCK		0x24	/* u32, guest: spinlock for IOAPIC access */
#define CFG_KICK_DEST		0x28	/* u32, guest: APIC ID the kick goes to next */
#define CFG_STARTED		0x2c	/* u32, guest: vCPUs that reached the loop */
#define CFG_IRQS_TOTAL		0x30	/* u64, guest: kick interrupts, all vCPUs */
#define CFG_HI_MIRROR		0x38	/* u64, VMM: GPA of the high mirror page */
#define CFG_GAP_THRESH		0x40	/* u64, VMM: gaps >= this go into the ring */
#define CFG_SIZE		0x48

/* struct guest_vcpu_data field offsets (all written by the guest) */
#define VD_SELF			0x00	/* u64: GPA of this structure */
#define VD_COUNT		0x08	/* u64: loop iterations */
#define VD_LAST_TSC		0x10	/* u64: TSC stamp of the last iteration */
#define VD_MAXGAP		0x18	/* u64: largest TSC gap between iterations */
#define VD_MAXGAP_AT		0x20	/* u64: iteration count where it happened */
#define VD_WMAXGAP		0x28	/* u64: largest gap since the last heartbeat */
#define VD_IRQS			0x30	/* u64: kick (irqfd) interrupts received */
#define VD_TICKS		0x38	/* u64: PIT timer interrupts received */
#define VD_HB_SEQ		0x40	/* u64: heartbeats emitted */
#define VD_LAST_HB		0x48	/* u64: TSC of the last heartbeat */
#define VD_STARTED		0x50	/* u32: 1 once in the main loop */
#define VD_APIC_ID		0x54	/* u32: local APIC ID (= vCPU index) */
#define VD_SPURIOUS		0x58	/* u64: spurious-vector interrupts */
#define VD_UNEXPECTED		0x60	/* u64: interrupts on unused vectors */
#define VD_START_TSC		0x68	/* u64: TSC when the loop started */
#define VD_RING_HEAD		0x70	/* u64: gap ring entries written so far */
#define VD_WATCH		0x78	/* u64, VMM: the count where it stopped this
					 * vCPU, set before it runs again */
#define VD_RESUME		0x80	/* struct guest_resume_gap[]: the gaps >=
					 * CFG_GAP_THRESH at counts VD_WATCH to
					 * VD_WATCH + 2, kept for the VMM */
#define VD_RESUME_ENTRIES	3	/* counts VD_WATCH to VD_WATCH + 2 */
#define VD_RESUME_SHIFT		5	/* log2(entry size) */
#define RG_COUNT		0x00	/* u64: VD_COUNT when the gap was seen */
#define RG_GAP			0x08	/* u64: its length, TSC ticks */
#define RG_END			0x10	/* u64: the TSC that ended it */
#define VD_LINE			0x100	/* char[256]: heartbeat line buffer */
#define VD_LINE_SIZE		0x100
#define VD_RING			0x200	/* {u64 count, u64 gap}[VD_RING_ENTRIES]: */
#define VD_RING_ENTRIES		32	/* the last gaps >= CFG_GAP_THRESH */
#define VD_RING_SHIFT		4	/* log2(entry size) */

/* I/O ports handled by the VMM */
#define PORT_COM1		0x3f8	/* 16550 THR: heartbeat text, one byte per OUT */
#define PORT_GUEST_PANIC	0x510	/* OUT dword: guest took exception <value> */

/* Interrupt vectors used by the guest */
#define VEC_TIMER		0x30	/* PIT, IOAPIC pin 0 (GSI 0) */
#define VEC_KICK		0x31	/* irqfd, IOAPIC pin CFG_KICK_PIN */
#define VEC_SPURIOUS		0xff

/* GDT selectors (guest.S) */
#define SEL_CODE64		0x08
#define SEL_DATA		0x10
#define SEL_CODE32		0x18

#define IOAPIC_BASE		0xfec00000
#define LAPIC_BASE		0xfee00000

#ifndef __ASSEMBLER__
#include <stddef.h>
#include <stdint.h>

struct guest_cfg {
	uint32_t magic;
	uint32_t nr_vcpus;
	uint64_t hb_interval;
	uint64_t tsc_khz;
	uint32_t pit_divisor;
	uint32_t kick_pin;
	uint32_t init_done;
	uint32_t ioapic_lock;
	uint32_t kick_dest;
	uint32_t started;
	uint64_t irqs_total;
	uint64_t hi_mirror;
	uint64_t gap_thresh;
};

struct guest_gap {
	uint64_t count;		/* VD_COUNT when the gap was seen */
	uint64_t gap;		/* TSC ticks */
};

/*
 * A gap at the resume point, with the TSC that ended it: all vCPUs share
 * the TSC, so the VMM can tell when none of them ran.
 */
struct guest_resume_gap {
	uint64_t count;
	uint64_t gap;
	uint64_t end;
	uint64_t reserved;
};

struct guest_vcpu_data {
	uint64_t self;
	uint64_t count;
	uint64_t last_tsc;
	uint64_t maxgap;
	uint64_t maxgap_at;
	uint64_t wmaxgap;
	uint64_t irqs;
	uint64_t ticks;
	uint64_t hb_seq;
	uint64_t last_hb;
	uint32_t started;
	uint32_t apic_id;
	uint64_t spurious;
	uint64_t unexpected;
	uint64_t start_tsc;
	uint64_t ring_head;
	uint64_t watch;
	struct guest_resume_gap resume[VD_RESUME_ENTRIES];
	uint8_t pad[VD_LINE - VD_RESUME - (VD_RESUME_ENTRIES << VD_RESUME_SHIFT)];
	char line[VD_LINE_SIZE];
	struct guest_gap ring[VD_RING_ENTRIES];
};

#define GUEST_ABI_CHECK(type, field, off) \
	_Static_assert(offsetof(struct type, field) == (off), #type "." #field)
GUEST_ABI_CHECK(guest_cfg, magic, CFG_MAGIC);
GUEST_ABI_CHECK(guest_cfg, nr_vcpus, CFG_NR_VCPUS);
GUEST_ABI_CHECK(guest_cfg, hb_interval, CFG_HB_INTERVAL);
GUEST_ABI_CHECK(guest_cfg, tsc_khz, CFG_TSC_KHZ);
GUEST_ABI_CHECK(guest_cfg, pit_divisor, CFG_PIT_DIVISOR);
GUEST_ABI_CHECK(guest_cfg, kick_pin, CFG_KICK_PIN);
GUEST_ABI_CHECK(guest_cfg, init_done, CFG_INIT_DONE);
GUEST_ABI_CHECK(guest_cfg, ioapic_lock, CFG_IOAPIC_LOCK);
GUEST_ABI_CHECK(guest_cfg, kick_dest, CFG_KICK_DEST);
GUEST_ABI_CHECK(guest_cfg, started, CFG_STARTED);
GUEST_ABI_CHECK(guest_cfg, irqs_total, CFG_IRQS_TOTAL);
GUEST_ABI_CHECK(guest_cfg, hi_mirror, CFG_HI_MIRROR);
GUEST_ABI_CHECK(guest_cfg, gap_thresh, CFG_GAP_THRESH);
_Static_assert(sizeof(struct guest_cfg) <= CFG_SIZE, "guest_cfg size");
GUEST_ABI_CHECK(guest_vcpu_data, count, VD_COUNT);
GUEST_ABI_CHECK(guest_vcpu_data, last_tsc, VD_LAST_TSC);
GUEST_ABI_CHECK(guest_vcpu_data, maxgap, VD_MAXGAP);
GUEST_ABI_CHECK(guest_vcpu_data, maxgap_at, VD_MAXGAP_AT);
GUEST_ABI_CHECK(guest_vcpu_data, wmaxgap, VD_WMAXGAP);
GUEST_ABI_CHECK(guest_vcpu_data, irqs, VD_IRQS);
GUEST_ABI_CHECK(guest_vcpu_data, ticks, VD_TICKS);
GUEST_ABI_CHECK(guest_vcpu_data, hb_seq, VD_HB_SEQ);
GUEST_ABI_CHECK(guest_vcpu_data, last_hb, VD_LAST_HB);
GUEST_ABI_CHECK(guest_vcpu_data, started, VD_STARTED);
GUEST_ABI_CHECK(guest_vcpu_data, apic_id, VD_APIC_ID);
GUEST_ABI_CHECK(guest_vcpu_data, spurious, VD_SPURIOUS);
GUEST_ABI_CHECK(guest_vcpu_data, unexpected, VD_UNEXPECTED);
GUEST_ABI_CHECK(guest_vcpu_data, start_tsc, VD_START_TSC);
GUEST_ABI_CHECK(guest_vcpu_data, ring_head, VD_RING_HEAD);
GUEST_ABI_CHECK(guest_vcpu_data, watch, VD_WATCH);
GUEST_ABI_CHECK(guest_vcpu_data, resume, VD_RESUME);
GUEST_ABI_CHECK(guest_resume_gap, count, RG_COUNT);
GUEST_ABI_CHECK(guest_resume_gap, gap, RG_GAP);
GUEST_ABI_CHECK(guest_resume_gap, end, RG_END);
_Static_assert(sizeof(struct guest_resume_gap) == 1 << VD_RESUME_SHIFT, "resume gap size");
GUEST_ABI_CHECK(guest_vcpu_data, line, VD_LINE);
GUEST_ABI_CHECK(guest_vcpu_data, ring, VD_RING);
_Static_assert(sizeof(struct guest_gap) == 1 << VD_RING_SHIFT, "gap entry size");
_Static_assert((VD_RING_ENTRIES & (VD_RING_ENTRIES - 1)) == 0, "ring size");
_Static_assert(sizeof(struct guest_vcpu_data) == GUEST_VCPU_DATA_STRIDE,
	       "guest_vcpu_data size");
_Static_assert(GUEST_CFG_ADDR + CFG_SIZE <= GUEST_VCPU_DATA_ADDR, "cfg overlaps");
_Static_assert(GUEST_VCPU_DATA_ADDR + GUEST_MAX_VCPUS * GUEST_VCPU_DATA_STRIDE <=
	       GUEST_LOAD_ADDR, "vcpu data overlaps the image");
_Static_assert(GUEST_STACK_BASE + GUEST_MAX_VCPUS * GUEST_STACK_SIZE <=
	       GUEST_LOW_END, "stacks overlap");
#endif /* !__ASSEMBLER__ */

#endif /* CPRHOLD_VMM_GUEST_ABI_H */
