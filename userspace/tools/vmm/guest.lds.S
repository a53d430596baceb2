/* SPDX-License-Identifier: GPL-2.0 */
/*
 * guest.lds.S - links guest.S as a flat image at GUEST_LOAD_ADDR.
 * Preprocessed with cpp so the address comes from guest_abi.h.
 */
#include "guest_abi.h"

OUTPUT_FORMAT("elf64-x86-64")
OUTPUT_ARCH(i386:x86-64)
ENTRY(_start)

SECTIONS
{
	. = GUEST_LOAD_ADDR;
	.text : { *(.text) }
	ASSERT(. <= GUEST_STACK_BASE, "guest image overlaps the stacks")
	/DISCARD/ : { *(.note*) *(.comment) *(.eh_frame) *(.data) *(.bss) }
}
