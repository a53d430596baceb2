/* SPDX-License-Identifier: GPL-2.0 */
/* guest_blob.S - embeds guest.bin (built from guest.S) into cprhold-vmm. */
	.section .rodata
	.balign	64
	.globl	guest_image_start
	.globl	guest_image_end
guest_image_start:
	.incbin	GUEST_BIN
guest_image_end:

	.section .note.GNU-stack, "", @progbits
