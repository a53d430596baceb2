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
 *	hb <count> <tsc> <gap>\n
 *
 * count (8 hex digits) numbers the heartbeats since power-on, tsc (16) is
 * the TSC at this heartbeat and gap (16) the largest forward gap in TSC
 * ticks since the previous heartbeat (a TSC that was set back, as CPR
 * does when it restores the TSC saved at the stop, shows as a tsc lower
 * than the previous line's, not as a gap).  Its state lives in guest RAM (0x500-0x5ff), so
 * after a live update the count goes on where it was; the first line after
 * the pause reports the pause as the guest saw it.
 */
	.code16
	.text

#define HB_TICKS	0x01000000	/* about 5-10 ms at 2-3 GHz */
#define CNT		0x500
#define PREV		0x508
#define LAST		0x510
#define WIN		0x518
#define LINE		0x540
#define LINE_LEN	46

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

	/* The reset vector, 16 bytes below 4 GiB and 1 MiB */
	.org	0xfff0
	ljmp	$0xf000, $_start
	.org	0x10000
