/* SPDX-License-Identifier: GPL-2.0 */
/*
 * heartbeat.S - a tiny firmware image for QEMU's -bios: the guest of the
 * QEMU live update tests (selftests/qemu_cprhold_test.sh).
 *
 * A 64 KiB image mapped at the top of the first megabyte (0xf0000); the
 * vCPU starts at the reset vector f000:fff0 in real mode, switches to
 * flat 32-bit protected mode (paging off) and runs from there.  The main
 * loop reads the TSC, keeps the largest gap between two reads (the time
 * this vCPU did not run), and about every HB_TICKS TSC ticks writes one
 * line to COM1 (0x3f8) with a single "rep outsb":
 *
 *	hb <count> <tsc> <gap> <irqs> <edu-irqs> <edu-dma> <edu-bad>\n
 *
 * count (8 hex digits) numbers the heartbeats since power-on, tsc (16) is
 * the TSC at this heartbeat and gap (16) the largest forward gap in TSC
 * ticks since the previous heartbeat (a TSC that was set back, as CPR
 * does when it restores the TSC saved at the stop, shows as a tsc lower
 * than the previous line's, not as a gap).  Its state lives in guest RAM
 * (0x500-0x5ff), so after a live update the count goes on where it was;
 * the first line after the pause reports the pause as the guest saw it.
 *
 * irqs (8) counts the interrupts of an ivshmem-doorbell device (PCI
 * 1af4:1110 on bus 0), if the machine has one: the guest maps its MSI-X
 * table (BAR 1) at MSIX_BAR, routes vector 0 to the boot CPU's local APIC
 * (x2APIC mode) as interrupt IRQ_VEC, enables MSI-X and counts.  With a
 * virtio-rng (PCI 1af4:1044; emulated, or passed through with
 * vfio-pci) it counts that device's MSI-X vector 0, VIO_VEC, in a chain
 * that never stops: one request for entropy is always queued, and each
 * interrupt for its answer queues the next.  Rate-limited (max-bytes,
 * period), the device answers one request per period: the next one waits
 * in the device for most of it.  A chain that stalls (an interrupt lost)
 * shows as irqs that stop.
 *
 * The edu fields (8 each) drive QEMU's edu device (PCI 1234:11e8), if the
 * machine has one (emulated, or passed through with vfio-pci): BAR 0 at
 * EDU_BAR, MSI to EDU_VEC, a nonce written to the liveness register, then
 * a chain of DMA transfers that never stops: a pattern from RAM into the
 * device's buffer, back from the device into another RAM buffer, compare,
 * next pattern; each transfer raises an interrupt when it is done and the
 * interrupt handler starts the next one.  edu-irqs counts the device's
 * interrupts, edu-dma the completed transfers seen in its interrupt
 * status; edu-bad counts what went wrong, a byte each: interrupts without
 * a completion (bits 0-7), a liveness register that no longer answered
 * the nonce (the device was reset or re-initialised; bits 8-15), patterns
 * that came back wrong (bits 16-23).  A chain
 * that stalls (an interrupt lost) shows as an edu-dma that stops.
 *
 * Built with -DEDU_INTX, the guest takes edu's interrupts as INTx instead
 * of MSI: q35 routes PCI INTx (PIRQ A-H) to I/O APIC pins 16-23 when the
 * LPC bridge does not route them to the 8259s, which the guest says once
 * as firmware would (QEMU computes the routes it gives KVM from those
 * registers when they are written), and sends all eight pins to EDU_VEC,
 * level-triggered, active low.  The handler acknowledges the
 * device before its EOI, as level-triggered interrupts want.  This guest
 * also takes commands on COM1 (see serial_cmd).
 * Without the device the three stay 0; with neither device the guest
 * never enables interrupts.
 */
	.code16
	.text

#define IMAGE		0xf0000		/* where the image lives */
#define LIN(x)		(IMAGE + (x))	/* linear address of a label */

#define HB_TICKS	0x01000000	/* about 5-10 ms at 2-3 GHz */
#define CNT		0x500
#define PREV		0x508
#define LAST		0x510
#define WIN		0x518
#define IRQS		0x520
#define EIRQS		0x524
#define EDMA		0x528
#define EBAD		0x52c
#define ENONCE		0x530
#define ESEQ		0x534
#define EPHASE		0x538
#define LINE		0x540
#define LINE_LEN	82
#define IDT		0x1000		/* 256 gates, up to 0x1800 */
#define STACK		0x7000

#define IRQ_VEC		0x40
#define EDU_VEC		0x41
#define VIO_VEC		0x42
#define MSIX_BAR	0xe0000		/* ivshmem's MSI-X table */
#define X2APIC_EOI	0x80b
#define X2APIC_SVR	0x80f
#define X2APIC_LINT0	0x835
#define X2APIC_LINT1	0x836
#define IOAPIC		0xfec00000	/* IOREGSEL; IOWIN at +0x10 */

#define VIO_MSIX	0xc0160000	/* MSI-X table, BAR 1 */
#define VIO_BAR		0xc0200000	/* BAR 4, 16 KiB, QEMU's layout: */
#define VIO_NOTIFY	(VIO_BAR + 0x3000)	/* queue 0's notification */
#define VC_GFSEL	0x08		/* common config at offset 0 */
#define VC_GF		0x0c
#define VC_MSIX		0x10
#define VC_STATUS	0x14
#define VC_QSEL		0x16
#define VC_QSIZE	0x18
#define VC_QMSIX	0x1a
#define VC_QENABLE	0x1c
#define VC_QDESC	0x20
#define VC_QAVAIL	0x28
#define VC_QUSED	0x30
#define VQ		0x20000		/* descriptors, then the avail ring */
#define VQ_USED		0x21000		/* the used ring, page aligned */
#define VIO_BUF		0x22000		/* what the device fills */
#define VIO_LEN		64
#define VQSZ		0x5a0		/* queue size (16 bits) */
#define VLAST		0x5a2		/* used index seen (16 bits) */

#define EDU_BAR		0xc0000000	/* above MMCONFIG, 1 MiB aligned */
#define EDU_LIVENESS	0x04
#define EDU_IRQ_STATUS	0x24
#define EDU_IRQ_ACK	0x64
#define EDU_DMA_SRC	0x80
#define EDU_DMA_DST	0x88
#define EDU_DMA_CNT	0x90
#define EDU_DMA_CMD	0x98
#define EDU_DMA_DONE	0x100		/* interrupt status: a DMA completed */
#define EDU_BUF		0x40000		/* the device's buffer, as it names it */
#define DMA_OUT		0x10000		/* the pattern sent */
#define DMA_IN		0x11000		/* and what came back */
#define DMA_LEN		4096

	.globl	_start
_start:
	cli
	cld
	lgdtl	%cs:gdt_desc
	movl	%cr0, %eax
	orl	$1, %eax
	movl	%eax, %cr0
	ljmpl	$0x08, $LIN(pm32)

	.balign	8
gdt:
	.quad	0
	/*
	 * Accessed already: the GDT is in ROM, where the CPU could not set
	 * the bit (under KVM it would retry the segment load for ever)
	 */
	.quad	0x00cf9b000000ffff	/* 0x08: code, flat 4 GiB, 32-bit */
	.quad	0x00cf93000000ffff	/* 0x10: data, flat 4 GiB */
gdt_desc:
	.word	gdt_desc - gdt - 1
	.long	LIN(gdt)

	.code32
pm32:
	movw	$0x10, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	movw	%ax, %fs
	movw	%ax, %gs
	movl	$STACK, %esp
	call	idt_setup
	xorl	%eax, %eax
	movl	$CNT, %edi
	movl	$((LINE - CNT) / 4), %ecx
	rep stosl
	call	apic_setup
	call	ivshmem_setup
	call	vio_setup
	call	edu_setup
	rdtsc
	movl	%eax, PREV
	movl	%edx, PREV + 4
	movl	%eax, LAST
	movl	%edx, LAST + 4

loop:
	rdtsc
	movl	%eax, %ebx
	movl	%edx, %ecx
	subl	PREV, %eax		/* edx:eax = gap since the last read */
	sbbl	PREV + 4, %edx
	movl	%ebx, PREV
	movl	%ecx, PREV + 4
	cmpl	WIN + 4, %edx		/* signed: a TSC set back never wins */
	jl	1f
	jg	2f
	cmpl	WIN, %eax
	jbe	1f
2:	movl	%eax, WIN
	movl	%edx, WIN + 4
1:	movl	%ebx, %eax		/* a heartbeat due? */
	movl	%ecx, %edx
	subl	LAST, %eax
	sbbl	LAST + 4, %edx
	jnz	beat
	cmpl	$HB_TICKS, %eax
	jb	loop

beat:
	movl	%ebx, LAST
	movl	%ecx, LAST + 4
	incl	CNT
	movl	$LINE, %edi
	movb	$'h', (%edi)
	movb	$'b', 1(%edi)
	addl	$2, %edi
	movl	CNT, %eax
	call	field32
	movl	LAST + 4, %eax
	call	field32
	movl	LAST, %eax
	call	hex32
	movl	WIN + 4, %eax
	call	field32
	movl	WIN, %eax
	call	hex32
	movl	IRQS, %eax
	call	field32
	movl	EIRQS, %eax
	call	field32
	movl	EDMA, %eax
	call	field32
	movl	EBAD, %eax
	call	field32
	movb	$'\n', (%edi)
	xorl	%eax, %eax
	movl	%eax, WIN
	movl	%eax, WIN + 4
	movl	$LINE, %esi		/* the whole line in one exit */
	movl	$LINE_LEN, %ecx
	movw	$0x3f8, %dx
	rep outsb
#ifdef EDU_INTX
	call	serial_cmd
#endif
	jmp	loop

/* Write a space and %eax as 8 hex digits to (%edi), advance %edi. */
field32:
	movb	$' ', (%edi)
	incl	%edi
/* Write %eax as 8 hex digits to (%edi), advance %edi. */
hex32:
	movl	$8, %ecx
1:	roll	$4, %eax
	movb	%al, %bl
	andb	$0xf, %bl
	addb	$'0', %bl
	cmpb	$'9', %bl
	jbe	2f
	addb	$('a' - '0' - 10), %bl
2:	movb	%bl, (%edi)
	incl	%edi
	loop	1b
	ret

/*
 * The IDT: every vector to "fault" (a line on COM1, then halt: this guest
 * expects no exception), IRQ_VEC, EDU_VEC, VIO_VEC and the spurious vector to
 * their handlers.
 */
idt_setup:
	movl	$IDT, %edi
	movl	$LIN(fault), %eax
	movl	$256, %ecx
1:	call	gate
	loop	1b
	movl	$(IDT + IRQ_VEC * 8), %edi
	movl	$LIN(ivshmem_isr), %eax
	call	gate
	movl	$(IDT + EDU_VEC * 8), %edi
	movl	$LIN(edu_isr), %eax
	call	gate
	movl	$(IDT + VIO_VEC * 8), %edi
	movl	$LIN(vio_isr), %eax
	call	gate
	movl	$(IDT + 0xff * 8), %edi
	movl	$LIN(spurious), %eax
	call	gate
	lidtl	LIN(idt_desc)
	ret

/* A 32-bit interrupt gate at (%edi) to %eax; advance %edi. */
gate:
	movw	%ax, (%edi)
	movw	$0x08, 2(%edi)
	movw	$0x8e00, 4(%edi)
	movl	%eax, %edx
	shrl	$16, %edx
	movw	%dx, 6(%edi)
	addl	$8, %edi
	ret

idt_desc:
	.word	256 * 8 - 1
	.long	IDT

/* Read PCI config dword %esi (0x80000000 | device | register) to %eax */
cfg_read:
	movl	%esi, %eax
	movw	$0xcf8, %dx
	outl	%eax, %dx
	movw	$0xcfc, %dx
	inl	%dx, %eax
	ret

/* Write %ecx to PCI config dword %esi */
cfg_write:
	movl	%esi, %eax
	movw	$0xcf8, %dx
	outl	%eax, %dx
	movl	%ecx, %eax
	movw	$0xcfc, %dx
	outl	%eax, %dx
	ret

/* %edi: config address of the device with ID %eax on bus 0, or 0. */
pci_find:
	movl	%eax, %ebx
	movl	$0x80000000, %edi	/* bus 0, device 0, function 0 */
1:	movl	%edi, %esi
	call	cfg_read
	cmpl	%ebx, %eax
	je	2f
	addl	$0x800, %edi		/* the next device */
	cmpl	$0x80010000, %edi
	jb	1b
	xorl	%edi, %edi
2:	ret

/* %esi: config address of capability %al of device %edi, or 0. */
pci_cap:
	movb	%al, %bh
	leal	0x34(%edi), %esi
	call	cfg_read
	movzbl	%al, %ecx
1:	testl	%ecx, %ecx
	jz	2f
	leal	(%edi,%ecx), %esi
	call	cfg_read
	cmpb	%bh, %al
	je	3f
	movzbl	%ah, %ecx
	jmp	1b
2:	xorl	%esi, %esi
3:	ret

/*
 * Nothing but MSIs may interrupt: mask the 8259s (never initialised; the
 * PIT ticks on IRQ 0), then the local APIC in x2APIC mode: LINT0 (ExtINT
 * on the boot CPU) and LINT1 masked, on with spurious vector 0xff.
 */
apic_setup:
	movb	$0xff, %al
	outb	%al, $0x21
	outb	%al, $0xa1
	movl	$0x1b, %ecx			/* IA32_APIC_BASE */
	rdmsr
	orw	$0x0c00, %ax			/* enabled, x2APIC */
	wrmsr
	xorl	%edx, %edx
	movl	$0x10000, %eax
	movl	$X2APIC_LINT0, %ecx
	wrmsr
	movl	$X2APIC_LINT1, %ecx
	wrmsr
	movl	$0x1ff, %eax
	movl	$X2APIC_SVR, %ecx
	wrmsr
	ret

/* Take vector 0 of an ivshmem-doorbell as IRQ_VEC. */
ivshmem_setup:
	movl	$0x11101af4, %eax
	call	pci_find
	testl	%edi, %edi
	jz	1f
	/* BAR 1 (the MSI-X table) at MSIX_BAR; memory space, bus master */
	leal	0x14(%edi), %esi
	movl	$MSIX_BAR, %ecx
	call	cfg_write
	leal	0x04(%edi), %esi
	movl	$0x0006, %ecx
	call	cfg_write
	/* Table entry 0: to APIC ID 0, fixed, edge, IRQ_VEC; unmasked */
	movl	$0xfee00000, MSIX_BAR
	movl	$0, MSIX_BAR + 4
	movl	$IRQ_VEC, MSIX_BAR + 8
	movl	$0, MSIX_BAR + 12
	movb	$0x11, %al			/* MSI-X */
	call	pci_cap
	testl	%esi, %esi
	jz	1f
	call	cfg_read
	andl	$0x3fffffff, %eax	/* function unmasked... */
	orl	$0x80000000, %eax	/* ...and MSI-X enabled */
	movl	%eax, %ecx
	call	cfg_write
	sti
1:	ret

/*
 * A virtio-rng (PCI 1af4:1044, modern, with VIRTIO_F_ACCESS_PLATFORM so
 * that its DMA goes through the IOMMU): BAR 4 at VIO_BAR, the MSI-X
 * table (BAR 1) at VIO_MSIX with vector 0 to VIO_VEC, queue 0 on vector
 * 0, and one request for VIO_LEN bytes of entropy in flight.
 */
vio_setup:
	movl	$0x10441af4, %eax
	call	pci_find
	testl	%edi, %edi
	jz	1f
	leal	0x14(%edi), %esi
	movl	$VIO_MSIX, %ecx
	call	cfg_write
	leal	0x20(%edi), %esi		/* BAR 4, 64-bit */
	movl	$VIO_BAR, %ecx
	call	cfg_write
	leal	0x24(%edi), %esi
	xorl	%ecx, %ecx
	call	cfg_write
	leal	0x04(%edi), %esi
	movl	$0x0406, %ecx			/* memory, bus master */
	call	cfg_write
	movl	$0xfee00000, VIO_MSIX		/* entry 0: APIC ID 0 */
	movl	$0, VIO_MSIX + 4
	movl	$VIO_VEC, VIO_MSIX + 8
	movl	$0, VIO_MSIX + 12
	movb	$0x11, %al			/* MSI-X */
	call	pci_cap
	testl	%esi, %esi
	jz	1f
	call	cfg_read
	andl	$0x3fffffff, %eax
	orl	$0x80000000, %eax
	movl	%eax, %ecx
	call	cfg_write
	movb	$0, VIO_BAR + VC_STATUS		/* reset */
	movb	$3, VIO_BAR + VC_STATUS		/* acknowledge, driver */
	movl	$1, VIO_BAR + VC_GFSEL		/* VERSION_1, ACCESS_PLATFORM */
	movl	$3, VIO_BAR + VC_GF
	movl	$0, VIO_BAR + VC_GFSEL
	movl	$0, VIO_BAR + VC_GF
	movb	$0xb, VIO_BAR + VC_STATUS	/* features OK */
	movw	$0xffff, VIO_BAR + VC_MSIX	/* no config interrupt */
	movw	$0, VIO_BAR + VC_QSEL
	movw	VIO_BAR + VC_QSIZE, %ax
	movw	%ax, VQSZ
	movw	$0, VLAST
	movl	$VQ, %edi			/* the rings, empty */
	movl	$(0x2000 / 4), %ecx
	xorl	%eax, %eax
	rep stosl
	movw	$0, VIO_BAR + VC_QMSIX		/* the queue on vector 0 */
	movl	$VQ, VIO_BAR + VC_QDESC
	movl	$0, VIO_BAR + VC_QDESC + 4
	movzwl	VQSZ, %eax			/* avail after the descriptors */
	shll	$4, %eax
	addl	$VQ, %eax
	movl	%eax, VIO_BAR + VC_QAVAIL
	movl	$0, VIO_BAR + VC_QAVAIL + 4
	movl	$VQ_USED, VIO_BAR + VC_QUSED
	movl	$0, VIO_BAR + VC_QUSED + 4
	movw	$1, VIO_BAR + VC_QENABLE
	movb	$0xf, VIO_BAR + VC_STATUS	/* driver OK */
	call	vio_post
	sti
1:	ret

/* Descriptor 0, VIO_LEN bytes into VIO_BUF, to the device */
vio_post:
	movl	$VIO_BUF, VQ
	movl	$0, VQ + 4
	movl	$VIO_LEN, VQ + 8
	movl	$2, VQ + 12			/* device writes; no next */
	movzwl	VQSZ, %eax			/* the avail ring */
	shll	$4, %eax
	leal	VQ(%eax), %esi
	movzwl	VQSZ, %edx
	decl	%edx
	andw	2(%esi), %dx			/* slot of avail.idx */
	movw	$0, 4(%esi,%edx,2)
	incw	2(%esi)
	movw	$0, VIO_NOTIFY			/* queue 0 */
	ret

/*
 * The edu device: BAR 0 at EDU_BAR, memory space and bus master on, MSI
 * to EDU_VEC and INTx off (or INTx to EDU_VEC), the nonce, the first
 * transfer.
 */
edu_setup:
	movl	$0x11e81234, %eax
	call	pci_find
	testl	%edi, %edi
	jz	1f
	leal	0x10(%edi), %esi
	movl	$EDU_BAR, %ecx
	call	cfg_write
	leal	0x04(%edi), %esi
	movl	$0x0406, %ecx
	call	cfg_write
	/*
	 * What the device's previous user left (edu has no reset): a
	 * transfer still running, which would ignore ours, and an interrupt
	 * status, which would assert INTx as soon as it is on
	 */
5:	testl	$1, EDU_BAR + EDU_DMA_CMD
	jnz	5b
	movl	$0xffffffff, EDU_BAR + EDU_IRQ_ACK
#ifdef EDU_INTX
	movl	$0x0006, %ecx			/* INTx on */
	call	cfg_write
	movl	$0x8000f860, %esi		/* 00:1f.0 PIRQA-D_ROUT */
	movl	$0x80808080, %ecx		/* not to the 8259s */
	call	cfg_write
	movl	$0x8000f868, %esi		/* PIRQE-H_ROUT */
	call	cfg_write
	movl	$(0xa000 | EDU_VEC), %ecx	/* level, active low */
	call	ioapic_pins
	jmp	4f
#endif
	movb	$0x05, %al			/* MSI */
	call	pci_cap
	testl	%esi, %esi
	jz	1f
	movl	%esi, %ebp
	call	cfg_read
	movl	%eax, %ebx			/* control in the high half */
	leal	4(%ebp), %esi
	movl	$0xfee00000, %ecx		/* APIC ID 0, fixed */
	call	cfg_write
	leal	8(%ebp), %esi
	btl	$23, %ebx			/* 64-bit address? */
	jnc	2f
	xorl	%ecx, %ecx
	call	cfg_write
	leal	12(%ebp), %esi
2:	movl	$EDU_VEC, %ecx			/* edge */
	call	cfg_write
	movl	%ebp, %esi
	movl	%ebx, %ecx
	andl	$0xff8fffff, %ecx		/* one vector... */
	orl	$0x00010000, %ecx		/* ...enabled */
	call	cfg_write
4:	rdtsc					/* the nonce */
	orl	$1, %eax
	movl	%eax, ENONCE
	movl	%eax, EDU_BAR + EDU_LIVENESS
	call	edu_send
	sti
1:	ret

#ifdef EDU_INTX
/* I/O APIC pins 16-23: low half %ecx, to APIC ID 0 */
ioapic_pins:
	movl	$16, %ebx
1:	leal	0x11(,%ebx,2), %eax		/* high half */
	movl	%eax, IOAPIC
	movl	$0, IOAPIC + 0x10
	decl	%eax
	movl	%eax, IOAPIC
	movl	%ecx, IOAPIC + 0x10
	incl	%ebx
	cmpl	$24, %ebx
	jb	1b
	ret

/*
 * A command on COM1, read once a heartbeat: 'f' masks the I/O APIC pins
 * (as Linux masks a level-triggered line until its threaded handler ran),
 * so that the interrupt of the transfer in flight stays asserted and
 * undelivered; 'u' unmasks them again.
 */
serial_cmd:
	movw	$0x3fd, %dx			/* line status: data ready? */
	inb	%dx, %al
	testb	$1, %al
	jz	9f
	movw	$0x3f8, %dx
	inb	%dx, %al
	movl	$(0x1a000 | EDU_VEC), %ecx	/* masked */
	cmpb	$'f', %al
	je	1f
	movl	$(0xa000 | EDU_VEC), %ecx
	cmpb	$'u', %al
	jne	9f
1:	call	ioapic_pins
9:	ret
#endif

/* The pattern of transfer ESEQ into (%edi), DMA_LEN bytes. */
edu_pattern:
	movl	ESEQ, %eax
	imull	$0x9e3779b1, %eax, %eax
	movl	$(DMA_LEN / 4), %ecx
1:	stosl
	addl	$0x01000193, %eax
	loop	1b
	ret

/* Phase 0: the next pattern from RAM into the device. */
edu_send:
	incl	ESEQ
	movl	$DMA_OUT, %edi
	call	edu_pattern
	movl	$0, EPHASE
	movl	$DMA_OUT, EDU_BAR + EDU_DMA_SRC
	movl	$EDU_BUF, EDU_BAR + EDU_DMA_DST
	movl	$DMA_LEN, EDU_BAR + EDU_DMA_CNT
	movl	$0x5, EDU_BAR + EDU_DMA_CMD	/* run, to the device, irq */
	ret

/* Phase 1: the device's buffer back into RAM, over a wrong pattern. */
edu_receive:
	movl	$DMA_IN, %edi
	movl	$0xdeadbeef, %eax
	movl	$(DMA_LEN / 4), %ecx
	rep stosl
	movl	$1, EPHASE
	movl	$EDU_BUF, EDU_BAR + EDU_DMA_SRC
	movl	$DMA_IN, EDU_BAR + EDU_DMA_DST
	movl	$DMA_LEN, EDU_BAR + EDU_DMA_CNT
	movl	$0x7, EDU_BAR + EDU_DMA_CMD	/* run, to RAM, irq */
	ret

edu_isr:
	pushal
	incl	EIRQS
	movl	EDU_BAR + EDU_IRQ_STATUS, %eax
	movl	%eax, EDU_BAR + EDU_IRQ_ACK
	testl	$EDU_DMA_DONE, %eax
	jnz	1f
	incb	EBAD				/* an interrupt for nothing */
	jmp	9f
1:	incl	EDMA
	movl	ENONCE, %eax
	notl	%eax
	cmpl	EDU_BAR + EDU_LIVENESS, %eax
	je	2f
	incb	EBAD + 1			/* the nonce is gone */
2:	cmpl	$0, EPHASE
	jne	3f
	call	edu_receive
	jmp	9f
3:	movl	$DMA_OUT, %esi
	movl	$DMA_IN, %edi
	movl	$(DMA_LEN / 4), %ecx
	repe cmpsl
	je	4f
	incb	EBAD + 2			/* the data came back wrong */
4:	call	edu_send
9:	xorl	%eax, %eax
	xorl	%edx, %edx
	movl	$X2APIC_EOI, %ecx
	wrmsr
	popal
	iretl

/* The virtio-rng's queue: count, and a new request if it answered */
vio_isr:
	pushal
	incl	IRQS
	movw	VQ_USED + 2, %ax
	cmpw	VLAST, %ax
	je	1f
	movw	%ax, VLAST
	call	vio_post
1:	xorl	%eax, %eax
	xorl	%edx, %edx
	movl	$X2APIC_EOI, %ecx
	wrmsr
	popal
	iretl

/* Vector 0 of the ivshmem-doorbell: count it */
ivshmem_isr:
	pushl	%eax
	pushl	%ecx
	pushl	%edx
	incl	IRQS
	xorl	%eax, %eax
	xorl	%edx, %edx
	movl	$X2APIC_EOI, %ecx
	wrmsr
	popl	%edx
	popl	%ecx
	popl	%eax
	iretl

spurious:
	iretl

/* An exception: say so on COM1 and stop. */
fault:
	cli
	movl	$LIN(fault_msg), %esi
	movl	$(fault_end - fault_msg), %ecx
	movw	$0x3f8, %dx
	rep outsb %cs:(%esi), %dx
1:	hlt
	jmp	1b
fault_msg:
	.ascii	"heartbeat: exception\n"
fault_end:

	/* The reset vector, 16 bytes below 4 GiB and 1 MiB */
	.code16
	.org	0xfff0
	ljmp	$0xf000, $_start
	.org	0x10000
