/* SPDX-License-Identifier: GPL-2.0 */
/*
 * heartbeat.S - a tiny firmware image for QEMU's -bios: the guest of the
 * QEMU live update tests (selftests/qemu_cprhold_test.sh).
 *
 * A 64 KiB image mapped at the top of the first megabyte (0xf0000); the
 * vCPU starts at the reset vector f000:fff0 in real mode and jumps to
 * _start.  The main loop reads the TSC, keeps the largest gap between two
 * reads (the time this vCPU did not run), and about every HB_TICKS TSC
 * ticks writes one line to COM1 (0x3f8) with a single "rep outsb":
 *
 *	hb <count> <tsc> <gap> <irqs>\n
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
 * table (BAR 1) at MSIX_BAR, below 1 MiB where the chipset sends
 * accesses to PCI after reset, routes vector 0 to the boot CPU's local
 * APIC (x2APIC mode, so that real mode reaches it) as interrupt IRQ_VEC,
 * enables MSI-X and takes interrupts from then on.  Without the device
 * the guest never enables interrupts, and irqs stays 0.
 */
	.code16
	.text

#define HB_TICKS	0x01000000	/* about 5-10 ms at 2-3 GHz */
#define CNT		0x500
#define PREV		0x508
#define LAST		0x510
#define WIN		0x518
#define IRQS		0x520
#define LINE		0x540
#define LINE_LEN	55

#define IRQ_VEC		0x40
#define MSIX_BAR	0xe0000		/* below 1 MiB: PCI space at reset */
#define X2APIC_EOI	0x80b
#define X2APIC_SVR	0x80f
#define X2APIC_LINT0	0x835
#define X2APIC_LINT1	0x836
#define ISR		0xfe00		/* offsets in this image (CS 0xf000) */
#define SPURIOUS	0xfe20

	.globl	_start
_start:
	cli
	cld
	xorw	%ax, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	movw	$0x7000, %sp
	xorl	%eax, %eax
	movl	%eax, CNT
	movl	%eax, WIN
	movl	%eax, WIN + 4
	movl	%eax, IRQS
	call	ivshmem_setup
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
	movw	$LINE, %di
	movb	$'h', (%di)
	movb	$'b', 1(%di)
	movb	$' ', 2(%di)
	addw	$3, %di
	movl	CNT, %eax
	call	hex32
	movb	$' ', (%di)
	incw	%di
	movl	LAST + 4, %eax
	call	hex32
	movl	LAST, %eax
	call	hex32
	movb	$' ', (%di)
	incw	%di
	movl	WIN + 4, %eax
	call	hex32
	movl	WIN, %eax
	call	hex32
	movb	$' ', (%di)
	incw	%di
	movl	IRQS, %eax
	call	hex32
	movb	$'\n', (%di)
	xorl	%eax, %eax
	movl	%eax, WIN
	movl	%eax, WIN + 4
	movw	$LINE, %si		/* the whole line in one exit */
	movw	$LINE_LEN, %cx
	movw	$0x3f8, %dx
	rep outsb
	jmp	loop

/* Write %eax as 8 hex digits to %es:%di and advance %di. */
hex32:
	movw	$8, %cx
1:	roll	$4, %eax
	movb	%al, %bl
	andb	$0xf, %bl
	addb	$'0', %bl
	cmpb	$'9', %bl
	jbe	2f
	addb	$('a' - '0' - 10), %bl
2:	movb	%bl, (%di)
	incw	%di
	loop	1b
	ret

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

/*
 * Find an ivshmem-doorbell on bus 0 and take its vector 0 as IRQ_VEC;
 * with none, return with interrupts off.
 */
ivshmem_setup:
	movl	$0x80000000, %edi	/* bus 0, device 0, function 0 */
1:	movl	%edi, %esi
	call	cfg_read
	cmpl	$0x11101af4, %eax
	je	2f
	addl	$0x800, %edi		/* the next device */
	cmpl	$0x80010000, %edi
	jb	1b
	ret

2:	/* The interrupt vectors, in the real-mode table at 0 */
	movw	$ISR, IRQ_VEC * 4
	movw	$0xf000, IRQ_VEC * 4 + 2
	movw	$SPURIOUS, 0xff * 4
	movw	$0xf000, 0xff * 4 + 2
	/* BAR 1 (the MSI-X table) at MSIX_BAR; memory space, bus master */
	leal	0x14(%edi), %esi
	movl	$MSIX_BAR, %ecx
	call	cfg_write
	leal	0x04(%edi), %esi
	movl	$0x0006, %ecx
	call	cfg_write
	/* Table entry 0: to APIC ID 0, fixed, edge, IRQ_VEC; unmasked */
	movw	$(MSIX_BAR >> 4), %ax
	movw	%ax, %fs
	movl	$0xfee00000, %fs:0
	movl	$0, %fs:4
	movl	$IRQ_VEC, %fs:8
	movl	$0, %fs:12
	/*
	 * Nothing but the MSI may interrupt: mask the 8259s (never
	 * initialised; the PIT ticks on IRQ 0), then the local APIC in
	 * x2APIC mode (MSRs, no MMIO above 1 MiB): LINT0 (ExtINT on the
	 * boot CPU) and LINT1 masked, on with spurious vector 0xff
	 */
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
	/* Walk the capabilities to MSI-X (ID 0x11) and enable it */
	leal	0x34(%edi), %esi
	call	cfg_read
	movzbl	%al, %ebx
5:	testl	%ebx, %ebx
	jz	6f
	leal	(%edi,%ebx), %esi
	call	cfg_read
	cmpb	$0x11, %al
	je	7f
	movzbl	%ah, %ebx
	jmp	5b
7:	andl	$0x3fffffff, %eax	/* function unmasked... */
	orl	$0x80000000, %eax	/* ...and MSI-X enabled */
	movl	%eax, %ecx
	call	cfg_write
	sti
6:	ret

	/* Vector 0 of the ivshmem-doorbell: count it */
	.org	ISR
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
	iret

	.org	SPURIOUS
	iret

	/* The reset vector, 16 bytes below 4 GiB and 1 MiB */
	.org	0xfff0
	ljmp	$0xf000, $_start
	.org	0x10000
