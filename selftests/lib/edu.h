/* SPDX-License-Identifier: GPL-2.0 */
/*
 * edu.h - a small userspace VFIO driver for QEMU's "edu" PCI device
 * (1234:11e8, docs/specs/edu.rst in QEMU), for the cprhold selftests.
 *
 * The device sits behind an IOMMU and is bound to vfio-pci; this library
 * drives it through the VFIO group/container API with the type1 IOMMU
 * backend:
 *
 *	struct edu e;
 *
 *	edu_open(&e, NULL, -1, EDU_DEFAULT_IOVA, EDU_DEFAULT_DMA_SIZE);
 *	edu_factorial_start(&e, 10, true);
 *	edu_wait_irq(&e, 1000);			// MSI counted on e.irq_fd
 *	edu_dma(&e, EDU_DMA_TO_DEVICE, 0, 0, 4096, true);
 *	edu_close(&e);
 *
 * Handing the device to another process (what cprhold will do): everything
 * the successor needs is in the first block of struct edu - the container,
 * group, device and MSI eventfd fds, the memfd behind the DMA buffer, and
 * the IOVA window (iova, dma_size).  The outgoing owner calls
 * edu_dma_invalidate_vaddr() (VFIO_IOMMU_UNMAP_DMA with
 * VFIO_DMA_UNMAP_FLAG_VADDR: the IOMMU mapping and the pinned pages stay,
 * only the kernel's record of the owner's virtual address is dropped) and
 * passes the fds on.  The successor maps the memfd wherever it likes, then
 *
 *	edu_init_from_fds(&e, container, group, device, irq_fd, iova, size, va);
 *	edu_dma_update_vaddr(&e, va);		// MAP_DMA with FLAG_VADDR
 *
 * edu_init_from_fds() only maps BAR0 into the new process and checks what it
 * was given: it does not reset the device, does not touch its registers,
 * its MSI setup or the IOMMU mappings.  Interrupts raised in between are
 * counted in the eventfd and are read by the successor.
 *
 * Device DMA keeps working while the vaddr is invalid: the IOMMU page
 * tables are untouched (vfio.h: "DMA to already-mapped pages continues").
 * What the kernel refuses meanwhile is anything that would need the vaddr:
 * attaching another group to the container (EBUSY), and in-kernel pinning
 * (vfio_pin_pages/vfio_dma_rw for mdevs, which is why VFIO_UPDATE_VADDR is
 * not offered while emulated-IOMMU devices are in the container).
 *
 * Every function returns 0 (or a count) on success and a negative errno on
 * failure; nothing here exits or prints.
 */
#ifndef CPRHOLD_SELFTEST_EDU_H
#define CPRHOLD_SELFTEST_EDU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define EDU_VENDOR_ID		0x1234
#define EDU_DEVICE_ID		0x11e8

/* BAR0 registers */
#define EDU_REG_ID		0x00	/* RO 0xRRrr00ed */
#define EDU_REG_LIVENESS	0x04	/* RW, reads back the inverse */
#define EDU_REG_FACTORIAL	0x08	/* write n, read n! when not computing */
#define EDU_REG_STATUS		0x20
#define  EDU_STATUS_COMPUTING	0x01
#define  EDU_STATUS_IRQFACT	0x80
#define EDU_REG_IRQ_STATUS	0x24
#define EDU_REG_IRQ_RAISE	0x60
#define EDU_REG_IRQ_ACK		0x64
#define EDU_REG_DMA_SRC		0x80	/* 64 bit */
#define EDU_REG_DMA_DST		0x88
#define EDU_REG_DMA_COUNT	0x90
#define EDU_REG_DMA_CMD		0x98
#define  EDU_DMA_CMD_RUN	0x01
#define  EDU_DMA_CMD_TO_RAM	0x02	/* direction: EDU -> RAM */
#define  EDU_DMA_CMD_IRQ	0x04

#define EDU_ID_MAGIC_MASK	0x0000ffff
#define EDU_ID_MAGIC		0x000000ed

/* interrupt status bits */
#define EDU_IRQ_FACT		0x00000001
#define EDU_IRQ_DMA		0x00000100

/* The device's own DMA buffer, as seen in its DMA address space. */
#define EDU_DEV_BUF_ADDR	0x40000
#define EDU_DEV_BUF_SIZE	4096
/*
 * What a transfer may touch of it: QEMU up to 7.2 (Debian bookworm's, the
 * one the test VM runs on) checks the range off by one and aborts the
 * whole VM with "hw_error: EDU: DMA range ... out of bounds" on a transfer
 * that includes the buffer's last byte.  Later QEMUs accept all 4096.
 */
#define EDU_DEV_BUF_USABLE	(EDU_DEV_BUF_SIZE - 1)

/*
 * QEMU's edu masks DMA addresses with dma_mask, 28 bits by default, so the
 * IOVA window must lie below 256 MiB.
 */
#define EDU_DMA_MASK		((1ULL << 28) - 1)
#define EDU_DEFAULT_IOVA	0x1000000ULL		/* 16 MiB */
#define EDU_DEFAULT_DMA_SIZE	(64 * 1024ULL)

/* Default bound for edu_dma()'s wait (ms); QEMU's edu DMA takes ~100 ms. */
#define EDU_DMA_TIMEOUT_MS	5000

enum edu_dma_dir {
	EDU_DMA_TO_DEVICE = 0,		/* RAM (iova) -> edu buffer */
	EDU_DMA_FROM_DEVICE = 1,	/* edu buffer -> RAM (iova) */
};

struct edu {
	/*
	 * Handover state: this is what a successor needs (pass the fds,
	 * iova and dma_size; dma_vaddr is this process's own mapping).
	 */
	int container_fd;	/* /dev/vfio/vfio, type1v2 set */
	int group_fd;		/* /dev/vfio/<group>, attached to container */
	int device_fd;		/* VFIO_GROUP_GET_DEVICE_FD */
	int irq_fd;		/* eventfd triggered by MSI vector 0 */
	int memfd;		/* backing of the DMA buffer; -1 if adopted */
	uint64_t iova;		/* IOVA of the DMA window */
	uint64_t dma_size;	/* its size in bytes */
	void *dma_vaddr;	/* where this process sees the window */

	/* Per-process state. */
	volatile uint8_t *bar0;	/* BAR0 mmap, NULL: pread/pwrite */
	uint64_t bar0_size;
	uint64_t bar0_offset;	/* region offset in the device fd */
	uint64_t cfg_offset;	/* config space region offset */
	void *own_map;		/* the buffer mapping edu_open() made */
	bool vaddr_invalid;	/* after edu_dma_invalidate_vaddr() */
	bool adopted;		/* set up by edu_init_from_fds() */
	unsigned int dma_cmd;	/* last DMA command started */
};

/* Mark every fd closed and every pointer unset (safe for edu_close()). */
void edu_init(struct edu *e);

/*
 * Open and set up the device: container, group (must be viable), type1v2
 * IOMMU, device fd, bus master on, BAR0 mapped, a memfd of @dma_size bytes
 * mapped and DMA-mapped at @iova (read+write), MSI vector 0 wired to an
 * eventfd, device interrupt and factorial-irq state cleared.
 * @bdf NULL: $CPRHOLD_EDU; @group < 0: $CPRHOLD_VFIO_GROUP.
 * On failure everything opened is closed again.
 */
int edu_open(struct edu *e, const char *bdf, int group, uint64_t iova,
	     uint64_t dma_size);

/*
 * Adopt already-open fds (a successor process).  Checks that @container
 * has a type1 IOMMU, that @group is viable and attached, that @device is
 * a PCI device and @irq_fd an eventfd, and maps BAR0.  Does not reset or
 * program the device, MSI or IOMMU.  @new_vaddr is where this process has
 * mapped the DMA buffer (may be NULL if it does no CPU access); call
 * edu_dma_update_vaddr() if the predecessor invalidated the vaddr.
 * Takes ownership of the four fds (edu_close() closes them), also on
 * failure.
 */
int edu_init_from_fds(struct edu *e, int container, int group, int device,
		      int irq_fd, uint64_t iova, uint64_t dma_size,
		      void *new_vaddr);

/*
 * Unmap BAR0 and the buffer mapping edu_open() made, close every fd.
 * Issues no ioctl: the device, its MSI and DMA mappings live on in
 * whoever else holds the fds, and are torn down by the kernel when the
 * last reference goes.
 */
void edu_close(struct edu *e);

/* munmap() the buffer mapping edu_open() made (dma_vaddr becomes NULL). */
int edu_unmap_buffer(struct edu *e);

/* BAR0 access; @off must be in BAR0 and naturally aligned. */
int edu_read32(struct edu *e, uint32_t off, uint32_t *val);
int edu_write32(struct edu *e, uint32_t off, uint32_t val);
int edu_read64(struct edu *e, uint32_t off, uint64_t *val);
int edu_write64(struct edu *e, uint32_t off, uint64_t val);

/* Config space access (through the VFIO config region). */
int edu_cfg_read16(struct edu *e, uint32_t off, uint16_t *val);
int edu_cfg_write16(struct edu *e, uint32_t off, uint16_t val);

/*
 * Start n!; with @irq the device raises EDU_IRQ_FACT when done.
 * -EBUSY if a computation is running.
 */
int edu_factorial_start(struct edu *e, uint32_t n, bool irq);
/* Poll until the computation is done (-ETIMEDOUT), then read n!. */
int edu_factorial_result(struct edu *e, int timeout_ms, uint32_t *result);

/*
 * Wait up to @timeout_ms (< 0: forever) for the MSI eventfd and consume
 * it: returns the number of interrupts counted since the last read (>= 1),
 * or -ETIMEDOUT.  @timeout_ms == 0 polls.  A wait of a second or more that
 * times out prints why it may have (the device's interrupt status, the
 * guest's vfio interrupt counts) as "# " diagnostics.
 */
int edu_wait_irq(struct edu *e, int timeout_ms);
int edu_irq_status(struct edu *e, uint32_t *status);
int edu_irq_ack(struct edu *e, uint32_t bits);
int edu_irq_raise(struct edu *e, uint32_t bits);

/*
 * DMA between the window (at @iova_off) and the device buffer (at
 * @dev_off), @len bytes, within EDU_DEV_BUF_USABLE.  Arguments are
 * range-checked here (an out of range transfer aborts older QEMUs).  edu_dma_start() only starts it;
 * edu_dma_wait() polls the RUN bit; edu_dma() starts and waits: with @irq
 * for the MSI until EDU_IRQ_DMA shows in the interrupt status, which it
 * acks (other interrupts consumed on the way are lost to the caller; their
 * status bits stay), else by polling; both bounded by EDU_DMA_TIMEOUT_MS.
 */
int edu_dma_start(struct edu *e, enum edu_dma_dir dir, uint64_t iova_off,
		  uint32_t dev_off, uint32_t len, bool irq);
int edu_dma_wait(struct edu *e, int timeout_ms);
int edu_dma(struct edu *e, enum edu_dma_dir dir, uint64_t iova_off,
	    uint32_t dev_off, uint32_t len, bool irq);

/* VFIO_CHECK_EXTENSION(VFIO_UPDATE_VADDR) on the container: 1, 0, -errno. */
int edu_has_update_vaddr(struct edu *e);
/*
 * VFIO_IOMMU_UNMAP_DMA with VFIO_DMA_UNMAP_FLAG_VADDR over the window:
 * the mapping stays, the vaddr is forgotten.  -EOPNOTSUPP without
 * VFIO_UPDATE_VADDR.
 */
int edu_dma_invalidate_vaddr(struct edu *e);
/*
 * VFIO_IOMMU_MAP_DMA with VFIO_DMA_MAP_FLAG_VADDR: @new_vaddr (which must
 * map the same memory object) becomes the window's vaddr, and the locked
 * memory accounting moves to the calling process.
 */
int edu_dma_update_vaddr(struct edu *e, void *new_vaddr);

#endif
