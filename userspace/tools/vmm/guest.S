/* SPDX-License-Identifier: GPL-2.0 */
/*
 * guest.S - the cprhold-vmm guest payload.
 *
 * A flat binary linked at GUEST_LOAD_ADDR (0x10000).  Every vCPU enters at
 * _start in 16-bit real mode with CS = 0x1000: the BSP because the VMM sets
 * it up that way, the APs because the BSP sends them INIT + SIPI with vector
 * 0x10.  Each vCPU goes real mode -> 32-bit protected mode -> long mode on
 * its own, finds its index in its local APIC ID, points GS at its
 * struct guest_vcpu_data (guest_abi.h) and runs the main loop:
 *
 *	for (;;) {
 *		now = rdtsc();
 *		gap = now - last_tsc; last_tsc = now;
 *		maxgap = max(maxgap, gap); wmaxgap = max(wmaxgap, gap);
 *		if (gap >= cfg->gap_thresh)
 *			ring[ring_head++ % VD_RING_ENTRIES] = { count, gap };
 *		if (gap >= cfg->gap_thresh && count - watch <= 2)
 *			resume[count - watch] = { count, gap, now };
 *		count++;
 *		if (now - last_hb >= cfg->hb_interval)
 *			heartbeat();
 *	}
 *
 * The heartbeat formats a text line and writes it to COM1 (0x3f8), one OUT
 * per byte.  The TSC is re-stamped just before the final '\n' so that the
 * heartbeat's own I/O exits do not count as a gap, while a VMM that stops
 * the vCPU at the end of a line (its "safe point") still sees the stop in
 * the next gap.
 *
 * The BSP also builds the IDT, masks the 8259s, routes the kick GSI's IOAPIC
 * pin to VEC_KICK and, if asked, programs PIT channel 0 as a rate generator
 * on IOAPIC pin 0 (VEC_TIMER).  The kick handler counts per vCPU and in
 * total, then rotates the pin's destination to the next vCPU so that every
 * vCPU takes interrupts.  Any CPU exception is reported to the VMM through
 * PORT_GUEST_PANIC and stops the guest.
 */
#include "guest_abi.h"

#define CR0_PE		0x00000001
#define CR0_PG		0x80000000
#define CR4_PAE		0x00000020
#define MSR_EFER	0xc0000080
#define EFER_LME	0x00000100
#define MSR_GS_BASE	0xc0000101

#define LAPIC_ID	0x020
#define LAPIC_TPR	0x080
#define LAPIC_EOI	0x0b0
#define LAPIC_SVR	0x0f0
#define LAPIC_ICR_LO	0x300
#define LAPIC_ICR_HI	0x310
#define ICR_INIT_ALLBUT	0x000c4500	/* INIT, assert, all excluding self */
#define ICR_SIPI_ALLBUT	0x000c4600	/* STARTUP, assert, all excluding self */

#define PTE_P		0x001
#define PTE_W		0x002
#define PTE_PWT		0x008
#define PTE_PCD		0x010
#define PTE_PS		0x080

#define CFG(f)		(GUEST_CFG_ADDR + (f))

	.text

/* ------------------------------------------------------------------ */
/* 16-bit real mode entry (BSP from the VMM, APs from SIPI)            */
/* ------------------------------------------------------------------ */
	.code16
	.globl	_start
_start:
	cli
	cld
	movw	%cs, %ax
	movw	%ax, %ds
	lgdtl	gdt_ptr - _start
	movl	%cr0, %eax
	orl	$CR0_PE, %eax
	movl	%eax, %cr0
	ljmpl	$SEL_CODE32, $pm32_entry

/* ------------------------------------------------------------------ */
/* 32-bit protected mode: enable PAE paging and long mode              */
/* ------------------------------------------------------------------ */
	.code32
pm32_entry:
	movw	$SEL_DATA, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	movw	%ax, %fs
	movw	%ax, %gs
	movl	%cr4, %eax
	orl	$CR4_PAE, %eax
	movl	%eax, %cr4
	movl	$pml4, %eax
	movl	%eax, %cr3
	movl	$MSR_EFER, %ecx
	rdmsr
	orl	$EFER_LME, %eax
	wrmsr
	movl	%cr0, %eax
	orl	$CR0_PG, %eax
	movl	%eax, %cr0
	ljmp	$SEL_CODE64, $lm64_entry

/* ------------------------------------------------------------------ */
/* 64-bit long mode                                                    */
/* ------------------------------------------------------------------ */
	.code64
lm64_entry:
	/* ebx = local APIC ID = vCPU index */
	movl	$(LAPIC_BASE + LAPIC_ID), %eax
	movl	(%rax), %ebx
	shrl	$24, %ebx

	/* rsp = top of this vCPU's stack */
	leal	1(%rbx), %eax
	imull	$GUEST_STACK_SIZE, %eax, %eax
	addl	$GUEST_STACK_BASE, %eax
	movl	%eax, %esp

	/* GS base = this vCPU's struct guest_vcpu_data */
	movl	%ebx, %eax
	imull	$GUEST_VCPU_DATA_STRIDE, %eax, %eax
	addl	$GUEST_VCPU_DATA_ADDR, %eax
	movl	%eax, %edi
	xorl	%edx, %edx
	movl	$MSR_GS_BASE, %ecx
	wrmsr
	movq	%rdi, %gs:VD_SELF
	movl	%ebx, %gs:VD_APIC_ID

	testl	%ebx, %ebx
	jnz	1f
	call	bsp_init
	jmp	2f
1:	cmpl	$0, CFG(CFG_INIT_DONE)
	jne	2f
	pause
	jmp	1b
2:
	lidt	idt_ptr

	/* local APIC: software enable, spurious vector, accept everything */
	movl	$LAPIC_BASE, %eax
	movl	$0, LAPIC_TPR(%rax)
	movl	$(0x100 | VEC_SPURIOUS), LAPIC_SVR(%rax)

	rdtsc
	shlq	$32, %rdx
	orq	%rdx, %rax
	movq	%rax, %gs:VD_START_TSC
	movq	%rax, %gs:VD_LAST_TSC
	movq	%rax, %gs:VD_LAST_HB
	movl	$1, %gs:VD_STARTED
	lock incl CFG(CFG_STARTED)
	sti

main_loop:
	rdtsc
	shlq	$32, %rdx
	orq	%rdx, %rax			/* rax = now */
	movq	%rax, %rcx
	subq	%gs:VD_LAST_TSC, %rcx		/* rcx = gap (signed) */
	movq	%rax, %gs:VD_LAST_TSC
	cmpq	%gs:VD_MAXGAP, %rcx
	jle	1f
	movq	%rcx, %gs:VD_MAXGAP
	movq	%gs:VD_COUNT, %rdx
	movq	%rdx, %gs:VD_MAXGAP_AT
1:	cmpq	%gs:VD_WMAXGAP, %rcx
	jle	2f
	movq	%rcx, %gs:VD_WMAXGAP
2:	cmpq	CFG(CFG_GAP_THRESH), %rcx
	jl	3f
	/* remember (count, gap) of every long gap: the VMM finds the resume */
	movq	%gs:VD_RING_HEAD, %rdx
	andl	$(VD_RING_ENTRIES - 1), %edx
	shll	$VD_RING_SHIFT, %edx
	addq	%gs:VD_SELF, %rdx
	movq	%gs:VD_COUNT, %r8
	movq	%r8, VD_RING(%rdx)
	movq	%rcx, VD_RING + 8(%rdx)
	incq	%gs:VD_RING_HEAD
	/*
	 * and, kept apart from the ring, which a busy vCPU wraps before the
	 * VMM reads it, the gaps where the VMM says it stopped this vCPU
	 */
	movq	%r8, %rdx
	subq	%gs:VD_WATCH, %rdx
	cmpq	$(VD_RESUME_ENTRIES - 1), %rdx
	ja	3f
	shll	$VD_RESUME_SHIFT, %edx
	addq	%gs:VD_SELF, %rdx
	movq	%r8, VD_RESUME + RG_COUNT(%rdx)
	movq	%rcx, VD_RESUME + RG_GAP(%rdx)
	movq	%rax, VD_RESUME + RG_END(%rdx)
3:	incq	%gs:VD_COUNT
	movq	%rax, %rcx
	subq	%gs:VD_LAST_HB, %rcx
	cmpq	CFG(CFG_HB_INTERVAL), %rcx
	jb	main_loop
	call	heartbeat
	jmp	main_loop

/*
 * heartbeat: rax = now.  Formats
 *   "heartbeat vcpuN seq=S count=C irqs=I ticks=T maxgap_tsc=G maxgap_us=U
 *    wmaxgap_us=W\n"
 * into VD_LINE and writes it to COM1.
 */
heartbeat:
	movq	%rax, %gs:VD_LAST_HB
	incq	%gs:VD_HB_SEQ

	/* mirror the counter into the last page of RAM */
	movq	CFG(CFG_HI_MIRROR), %rcx
	movl	%gs:VD_APIC_ID, %edx
	movq	%gs:VD_COUNT, %rax
	movq	%rax, (%rcx,%rdx,8)

	movq	%gs:VD_SELF, %rdi
	addq	$VD_LINE, %rdi
	movq	$s_heartbeat, %rsi
	call	put_str
	movl	%gs:VD_APIC_ID, %eax
	call	put_u64
	movq	$s_seq, %rsi
	call	put_str
	movq	%gs:VD_HB_SEQ, %rax
	call	put_u64
	movq	$s_count, %rsi
	call	put_str
	movq	%gs:VD_COUNT, %rax
	call	put_u64
	movq	$s_irqs, %rsi
	call	put_str
	movq	%gs:VD_IRQS, %rax
	call	put_u64
	movq	$s_ticks, %rsi
	call	put_str
	movq	%gs:VD_TICKS, %rax
	call	put_u64
	movq	$s_maxgap_tsc, %rsi
	call	put_str
	movq	%gs:VD_MAXGAP, %rax
	call	put_u64
	movq	$s_maxgap_us, %rsi
	call	put_str
	movq	%gs:VD_MAXGAP, %rax
	call	put_tsc_us
	movq	$s_wmaxgap_us, %rsi
	call	put_str
	movq	%gs:VD_WMAXGAP, %rax
	call	put_tsc_us
	movb	$'\n', (%rdi)

	/* send everything but the newline */
	movq	%gs:VD_SELF, %rsi
	addq	$VD_LINE, %rsi
	movw	$PORT_COM1, %dx
1:	movb	(%rsi), %al
	cmpb	$'\n', %al
	je	2f
	outb	%al, %dx
	incq	%rsi
	jmp	1b
2:
	/* re-stamp, then the newline ends the line (and the VMM's safe point) */
	movq	$0, %gs:VD_WMAXGAP
	rdtsc
	shlq	$32, %rdx
	orq	%rdx, %rax
	movq	%rax, %gs:VD_LAST_TSC
	movw	$PORT_COM1, %dx
	movb	$'\n', %al
	outb	%al, %dx
	ret

/* put_str: copy the NUL-terminated string at rsi to rdi (advanced). */
put_str:
	movb	(%rsi), %al
	testb	%al, %al
	jz	1f
	movb	%al, (%rdi)
	incq	%rsi
	incq	%rdi
	jmp	put_str
1:	ret

/* put_u64: rax in decimal at rdi (advanced).  Clobbers rax, rcx, rdx, r8, r9. */
put_u64:
	subq	$32, %rsp
	leaq	32(%rsp), %r9
	movq	%r9, %rcx
	movq	$10, %r8
1:	xorl	%edx, %edx
	divq	%r8
	addb	$'0', %dl
	decq	%rcx
	movb	%dl, (%rcx)
	testq	%rax, %rax
	jnz	1b
2:	movb	(%rcx), %al
	movb	%al, (%rdi)
	incq	%rdi
	incq	%rcx
	cmpq	%r9, %rcx
	jne	2b
	addq	$32, %rsp
	ret

/* put_tsc_us: rax TSC ticks as microseconds (rax * 1000 / tsc_khz). */
put_tsc_us:
	movq	CFG(CFG_TSC_KHZ), %r8
	testq	%r8, %r8
	jz	1f
	movq	$1000, %rcx
	mulq	%rcx
	divq	%r8
	jmp	put_u64
1:	xorl	%eax, %eax
	jmp	put_u64

/* ------------------------------------------------------------------ */
/* BSP-only setup                                                      */
/* ------------------------------------------------------------------ */
bsp_init:
	/* IDT: exceptions to their stubs, all other vectors to irq_unexpected */
	xorl	%ebx, %ebx
1:	movq	$irq_unexpected, %rsi
	cmpl	$32, %ebx
	jae	2f
	movq	%rbx, %rsi
	shlq	$4, %rsi
	addq	$exc_stubs, %rsi
2:	movl	%ebx, %edi
	call	set_gate
	incl	%ebx
	cmpl	$256, %ebx
	jb	1b
	movl	$VEC_TIMER, %edi
	movq	$irq_timer, %rsi
	call	set_gate
	movl	$VEC_KICK, %edi
	movq	$irq_kick, %rsi
	call	set_gate
	movl	$VEC_SPURIOUS, %edi
	movq	$irq_spurious, %rsi
	call	set_gate

	/* 8259s: mask every line; interrupts come through the IOAPIC */
	movb	$0xff, %al
	outb	%al, $0x21
	outb	%al, $0xa1

	/* kick: IOAPIC pin -> VEC_KICK on APIC 0 */
	movl	CFG(CFG_KICK_PIN), %edi
	movl	$VEC_KICK, %esi
	xorl	%edx, %edx
	call	ioapic_route

	/* PIT channel 0, mode 2 (rate generator), on IOAPIC pin 0 */
	movl	CFG(CFG_PIT_DIVISOR), %ebx
	testl	%ebx, %ebx
	jz	3f
	xorl	%edi, %edi
	movl	$VEC_TIMER, %esi
	xorl	%edx, %edx
	call	ioapic_route
	movb	$0x34, %al
	outb	%al, $0x43
	movl	%ebx, %eax
	outb	%al, $0x40
	movb	%ah, %al
	outb	%al, $0x40
3:
	movl	$1, CFG(CFG_INIT_DONE)

	/* start the APs: INIT, then SIPI to the image (vector 0x10) */
	cmpl	$1, CFG(CFG_NR_VCPUS)
	jbe	4f
	movl	$LAPIC_BASE, %eax
	movl	$0, LAPIC_ICR_HI(%rax)
	movl	$ICR_INIT_ALLBUT, LAPIC_ICR_LO(%rax)
	movl	$(ICR_SIPI_ALLBUT | (GUEST_LOAD_ADDR >> 12)), LAPIC_ICR_LO(%rax)
4:	ret

/* set_gate: IDT[edi] = 64-bit interrupt gate to rsi.  Clobbers rax, rcx, rdx. */
set_gate:
	movl	%edi, %eax
	shlq	$4, %rax
	addq	$idt, %rax
	movq	%rsi, %rdx
	andq	$0xffff, %rdx
	orq	$(SEL_CODE64 << 16), %rdx
	movabsq	$0x00008e0000000000, %rcx	/* present, DPL 0, interrupt gate */
	orq	%rcx, %rdx
	movq	%rsi, %rcx
	shrq	$16, %rcx
	andq	$0xffff, %rcx
	shlq	$48, %rcx
	orq	%rcx, %rdx
	movq	%rdx, (%rax)
	movq	%rsi, %rcx
	shrq	$32, %rcx
	movq	%rcx, 8(%rax)
	ret

/*
 * ioapic_route: pin edi -> vector esi, fixed delivery, physical destination
 * APIC edx, edge triggered, active high, unmasked.  Clobbers rax, rcx, rdx.
 */
ioapic_route:
	movl	$IOAPIC_BASE, %eax
	leal	0x11(,%rdi,2), %ecx		/* high dword: destination */
	movl	%ecx, (%rax)
	shll	$24, %edx
	movl	%edx, 0x10(%rax)
	decl	%ecx				/* low dword: vector, unmask */
	movl	%ecx, (%rax)
	movl	%esi, 0x10(%rax)
	ret

/* ------------------------------------------------------------------ */
/* Interrupt and exception handlers                                    */
/* ------------------------------------------------------------------ */
irq_timer:
	incq	%gs:VD_TICKS
	jmp	lapic_eoi_iret

irq_kick:
	pushq	%rax
	pushq	%rcx
	pushq	%rdx
	incq	%gs:VD_IRQS
	lock incq CFG(CFG_IRQS_TOTAL)
	movl	CFG(CFG_NR_VCPUS), %ecx
	cmpl	$1, %ecx
	jbe	3f
	/* rotate the destination to the next vCPU, under the IOAPIC lock */
1:	movl	$1, %eax
	xchgl	%eax, CFG(CFG_IOAPIC_LOCK)
	testl	%eax, %eax
	jz	2f
	pause
	jmp	1b
2:	movl	CFG(CFG_KICK_DEST), %eax
	incl	%eax
	cmpl	%ecx, %eax
	jb	4f
	xorl	%eax, %eax
4:	movl	%eax, CFG(CFG_KICK_DEST)
	shll	$24, %eax
	movl	%eax, %edx
	movl	CFG(CFG_KICK_PIN), %ecx
	leal	0x11(,%rcx,2), %ecx
	movl	$IOAPIC_BASE, %eax
	movl	%ecx, (%rax)
	movl	%edx, 0x10(%rax)
	movl	$0, CFG(CFG_IOAPIC_LOCK)
3:	popq	%rdx
	popq	%rcx
	popq	%rax
	jmp	lapic_eoi_iret

irq_unexpected:
	incq	%gs:VD_UNEXPECTED
	/* fall through */
lapic_eoi_iret:
	pushq	%rax
	movl	$(LAPIC_BASE + LAPIC_EOI), %eax
	movl	$0, (%rax)
	popq	%rax
	iretq

irq_spurious:
	incq	%gs:VD_SPURIOUS
	iretq

/* Exceptions: push the vector, report it, stop.  16 bytes per stub. */
	.balign	16
exc_stubs:
	.set	vec, 0
	.rept	32
	.balign	16
	pushq	$vec
	jmp	exc_common
	.set	vec, vec + 1
	.endr

exc_common:
	movq	(%rsp), %rax
	movw	$PORT_GUEST_PANIC, %dx
	outl	%eax, %dx
1:	cli
	hlt
	jmp	1b

/* ------------------------------------------------------------------ */
/* Data                                                                */
/* ------------------------------------------------------------------ */
s_heartbeat:	.asciz	"heartbeat vcpu"
s_seq:		.asciz	" seq="
s_count:	.asciz	" count="
s_irqs:		.asciz	" irqs="
s_ticks:	.asciz	" ticks="
s_maxgap_tsc:	.asciz	" maxgap_tsc="
s_maxgap_us:	.asciz	" maxgap_us="
s_wmaxgap_us:	.asciz	" wmaxgap_us="

	.balign	16
gdt:
	.quad	0				/* null */
	.quad	0x00af9a000000ffff		/* 0x08: 64-bit code */
	.quad	0x00cf92000000ffff		/* 0x10: data, 4 GiB */
	.quad	0x00cf9a000000ffff		/* 0x18: 32-bit code, 4 GiB */
gdt_end:

gdt_ptr:					/* lgdtl in real mode: 32-bit base */
	.word	gdt_end - gdt - 1
	.long	gdt

	.balign	16
idt_ptr:
	.word	256 * 16 - 1
	.quad	idt

/* Page tables: identity map 4 GiB with 2 MiB pages; 3-4 GiB uncached. */
	.balign	4096
pml4:
	.quad	pdpt + PTE_P + PTE_W
	.fill	511, 8, 0
pdpt:
	.quad	pd + 0x0000 + PTE_P + PTE_W
	.quad	pd + 0x1000 + PTE_P + PTE_W
	.quad	pd + 0x2000 + PTE_P + PTE_W
	.quad	pd + 0x3000 + PTE_P + PTE_W
	.fill	508, 8, 0
pd:
	.set	page, 0
	.rept	2048
	.if	page >= 1536
	.quad	(page << 21) + PTE_P + PTE_W + PTE_PS + PTE_PWT + PTE_PCD
	.else
	.quad	(page << 21) + PTE_P + PTE_W + PTE_PS
	.endif
	.set	page, page + 1
	.endr

	.balign	4096
idt:
	.fill	256 * 2, 8, 0
guest_image_end:

	.section .note.GNU-stack, "", @progbits
