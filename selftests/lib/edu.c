// SPDX-License-Identifier: GPL-2.0
/*
 * edu.c - a small userspace VFIO driver for QEMU's edu PCI device.
 * See edu.h for the API and the handover model.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <linux/pci_regs.h>
#include <linux/vfio.h>

#include "edu.h"

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void edu_init(struct edu *e)
{
	memset(e, 0, sizeof(*e));
	e->container_fd = -1;
	e->group_fd = -1;
	e->device_fd = -1;
	e->irq_fd = -1;
	e->memfd = -1;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

int edu_unmap_buffer(struct edu *e)
{
	if (!e->own_map)
		return -ENOENT;
	if (munmap(e->own_map, e->dma_size))
		return -errno;
	if (e->dma_vaddr == e->own_map)
		e->dma_vaddr = NULL;
	e->own_map = NULL;
	return 0;
}

void edu_close(struct edu *e)
{
	if (e->bar0)
		munmap((void *)e->bar0, e->bar0_size);
	e->bar0 = NULL;
	if (e->own_map)
		edu_unmap_buffer(e);
	/* Device before group before container: the order of setup undone. */
	close_fd(&e->device_fd);
	close_fd(&e->group_fd);
	close_fd(&e->container_fd);
	close_fd(&e->irq_fd);
	close_fd(&e->memfd);
	e->dma_vaddr = NULL;
}

/* ---- register access ---- */

static int bar_check(struct edu *e, uint32_t off, uint32_t width)
{
	if (e->device_fd < 0)
		return -EBADF;
	if (off % width || (uint64_t)off + width > e->bar0_size)
		return -EINVAL;
	return 0;
}

static int dev_pread(struct edu *e, void *buf, size_t len, uint64_t where)
{
	ssize_t n = pread(e->device_fd, buf, len, where);

	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EIO;
}

static int dev_pwrite(struct edu *e, const void *buf, size_t len,
		      uint64_t where)
{
	ssize_t n = pwrite(e->device_fd, buf, len, where);

	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EIO;
}

int edu_read32(struct edu *e, uint32_t off, uint32_t *val)
{
	int ret = bar_check(e, off, 4);

	if (ret)
		return ret;
	if (e->bar0) {
		*val = *(volatile uint32_t *)(e->bar0 + off);
		return 0;
	}
	return dev_pread(e, val, 4, e->bar0_offset + off);
}

int edu_write32(struct edu *e, uint32_t off, uint32_t val)
{
	int ret = bar_check(e, off, 4);

	if (ret)
		return ret;
	if (e->bar0) {
		*(volatile uint32_t *)(e->bar0 + off) = val;
		return 0;
	}
	return dev_pwrite(e, &val, 4, e->bar0_offset + off);
}

int edu_read64(struct edu *e, uint32_t off, uint64_t *val)
{
	int ret = bar_check(e, off, 8);

	if (ret)
		return ret;
	if (e->bar0) {
		*val = *(volatile uint64_t *)(e->bar0 + off);
		return 0;
	}
	return dev_pread(e, val, 8, e->bar0_offset + off);
}

int edu_write64(struct edu *e, uint32_t off, uint64_t val)
{
	int ret = bar_check(e, off, 8);

	if (ret)
		return ret;
	if (e->bar0) {
		*(volatile uint64_t *)(e->bar0 + off) = val;
		return 0;
	}
	return dev_pwrite(e, &val, 8, e->bar0_offset + off);
}

int edu_cfg_read16(struct edu *e, uint32_t off, uint16_t *val)
{
	if (e->device_fd < 0)
		return -EBADF;
	if (off % 2 || off + 2 > 256)
		return -EINVAL;
	return dev_pread(e, val, 2, e->cfg_offset + off);
}

int edu_cfg_write16(struct edu *e, uint32_t off, uint16_t val)
{
	if (e->device_fd < 0)
		return -EBADF;
	if (off % 2 || off + 2 > 256)
		return -EINVAL;
	return dev_pwrite(e, &val, 2, e->cfg_offset + off);
}

/* ---- VFIO plumbing ---- */

static int region_info(int device_fd, uint32_t index,
		       struct vfio_region_info *ri)
{
	memset(ri, 0, sizeof(*ri));
	ri->argsz = sizeof(*ri);
	ri->index = index;
	if (ioctl(device_fd, VFIO_DEVICE_GET_REGION_INFO, ri))
		return -errno;
	return 0;
}

/*
 * Look at the device fd: a PCI device with BAR0 and config space; map BAR0
 * if the region allows it.  Reads config space and the ID register, which
 * has no side effect on the device.
 */
static int setup_device_regions(struct edu *e)
{
	struct vfio_device_info di = { .argsz = sizeof(di) };
	struct vfio_region_info ri;
	uint16_t vendor, device;
	uint32_t id;
	void *p;
	int ret;

	if (ioctl(e->device_fd, VFIO_DEVICE_GET_INFO, &di))
		return -errno;
	if (!(di.flags & VFIO_DEVICE_FLAGS_PCI) ||
	    di.num_regions <= VFIO_PCI_CONFIG_REGION_INDEX ||
	    di.num_irqs <= VFIO_PCI_MSI_IRQ_INDEX)
		return -ENODEV;

	ret = region_info(e->device_fd, VFIO_PCI_CONFIG_REGION_INDEX, &ri);
	if (ret)
		return ret;
	e->cfg_offset = ri.offset;

	ret = edu_cfg_read16(e, PCI_VENDOR_ID, &vendor);
	if (!ret)
		ret = edu_cfg_read16(e, PCI_DEVICE_ID, &device);
	if (ret)
		return ret;
	if (vendor != EDU_VENDOR_ID || device != EDU_DEVICE_ID)
		return -ENODEV;

	ret = region_info(e->device_fd, VFIO_PCI_BAR0_REGION_INDEX, &ri);
	if (ret)
		return ret;
	if (!(ri.flags & VFIO_REGION_INFO_FLAG_READ) ||
	    !(ri.flags & VFIO_REGION_INFO_FLAG_WRITE) ||
	    ri.size < EDU_REG_DMA_CMD + 8)
		return -ENODEV;
	e->bar0_offset = ri.offset;
	e->bar0_size = ri.size;
	if (ri.flags & VFIO_REGION_INFO_FLAG_MMAP) {
		p = mmap(NULL, ri.size, PROT_READ | PROT_WRITE, MAP_SHARED,
			 e->device_fd, ri.offset);
		if (p == MAP_FAILED)
			return -errno;
		e->bar0 = p;
	}

	ret = edu_read32(e, EDU_REG_ID, &id);
	if (ret)
		return ret;
	if ((id & EDU_ID_MAGIC_MASK) != EDU_ID_MAGIC)
		return -ENODEV;
	return 0;
}

/*
 * The container's IOMMU: page size alignment of the window and, when the
 * kernel reports them, that the window lies inside a usable IOVA range.
 */
static int check_iova_window(struct edu *e)
{
	struct vfio_iommu_type1_info *info;
	struct vfio_info_cap_header *hdr;
	uint64_t last = e->iova + e->dma_size - 1;
	uint32_t argsz = sizeof(*info), off;
	int ret = 0;
	bool found = true;

	if (!e->dma_size || last < e->iova || last > EDU_DMA_MASK)
		return -EINVAL;
	info = calloc(1, argsz);
	if (!info)
		return -ENOMEM;
	info->argsz = argsz;
	if (ioctl(e->container_fd, VFIO_IOMMU_GET_INFO, info)) {
		ret = -errno;
		goto out;
	}
	if (info->argsz > argsz) {
		struct vfio_iommu_type1_info *bigger;

		argsz = info->argsz;
		bigger = realloc(info, argsz);
		if (!bigger) {
			ret = -ENOMEM;
			goto out;
		}
		info = bigger;
		memset(info, 0, argsz);
		info->argsz = argsz;
		if (ioctl(e->container_fd, VFIO_IOMMU_GET_INFO, info)) {
			ret = -errno;
			goto out;
		}
	}
	if (info->flags & VFIO_IOMMU_INFO_PGSIZES) {
		uint64_t pgsize = info->iova_pgsizes & -info->iova_pgsizes;

		if (pgsize && ((e->iova | e->dma_size) & (pgsize - 1))) {
			ret = -EINVAL;
			goto out;
		}
	}
	if (!(info->flags & VFIO_IOMMU_INFO_CAPS) || !info->cap_offset)
		goto out;
	for (off = info->cap_offset; off && off + sizeof(*hdr) <= argsz;
	     off = hdr->next) {
		struct vfio_iommu_type1_info_cap_iova_range *r;
		uint32_t i;

		hdr = (struct vfio_info_cap_header *)((char *)info + off);
		if (hdr->id != VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE)
			continue;
		r = (struct vfio_iommu_type1_info_cap_iova_range *)hdr;
		found = false;
		for (i = 0; i < r->nr_iovas; i++) {
			if ((char *)&r->iova_ranges[i + 1] > (char *)info + argsz)
				break;
			if (e->iova >= r->iova_ranges[i].start &&
			    last <= r->iova_ranges[i].end)
				found = true;
		}
		break;
	}
	if (!found)
		ret = -ERANGE;
out:
	free(info);
	return ret;
}

static int group_status(int group_fd, uint32_t *flags)
{
	struct vfio_group_status st = { .argsz = sizeof(st) };

	if (ioctl(group_fd, VFIO_GROUP_GET_STATUS, &st))
		return -errno;
	*flags = st.flags;
	return 0;
}

static int enable_msi(struct edu *e)
{
	struct vfio_irq_info ii = {
		.argsz = sizeof(ii), .index = VFIO_PCI_MSI_IRQ_INDEX,
	};
	char buf[sizeof(struct vfio_irq_set) + sizeof(int32_t)];
	struct vfio_irq_set *set = (struct vfio_irq_set *)buf;
	int32_t fd;

	if (ioctl(e->device_fd, VFIO_DEVICE_GET_IRQ_INFO, &ii))
		return -errno;
	if (ii.count < 1 || !(ii.flags & VFIO_IRQ_INFO_EVENTFD))
		return -ENODEV;

	e->irq_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (e->irq_fd < 0)
		return -errno;
	memset(buf, 0, sizeof(buf));
	set->argsz = sizeof(buf);
	set->flags = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER;
	set->index = VFIO_PCI_MSI_IRQ_INDEX;
	set->start = 0;
	set->count = 1;
	fd = e->irq_fd;
	memcpy(set->data, &fd, sizeof(fd));
	if (ioctl(e->device_fd, VFIO_DEVICE_SET_IRQS, set))
		return -errno;
	return 0;
}

static int map_dma_buffer(struct edu *e)
{
	struct vfio_iommu_type1_dma_map map = { .argsz = sizeof(map) };
	void *p;

	e->memfd = memfd_create("edu-dma", MFD_CLOEXEC);
	if (e->memfd < 0)
		return -errno;
	if (ftruncate(e->memfd, e->dma_size))
		return -errno;
	p = mmap(NULL, e->dma_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		 e->memfd, 0);
	if (p == MAP_FAILED)
		return -errno;
	e->own_map = p;
	e->dma_vaddr = p;

	map.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE;
	map.vaddr = (uintptr_t)p;
	map.iova = e->iova;
	map.size = e->dma_size;
	if (ioctl(e->container_fd, VFIO_IOMMU_MAP_DMA, &map))
		return -errno;
	return 0;
}

static int do_open(struct edu *e, const char *bdf, int group)
{
	char path[64];
	uint32_t flags = 0;
	uint16_t cmd;
	uint64_t cnt;
	int ret;

	e->container_fd = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	if (e->container_fd < 0)
		return -errno;
	ret = ioctl(e->container_fd, VFIO_GET_API_VERSION);
	if (ret != VFIO_API_VERSION)
		return ret < 0 ? -errno : -EPROTO;
	if (ioctl(e->container_fd, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU) != 1)
		return -EOPNOTSUPP;

	snprintf(path, sizeof(path), "/dev/vfio/%d", group);
	e->group_fd = open(path, O_RDWR | O_CLOEXEC);
	if (e->group_fd < 0)
		return -errno;
	ret = group_status(e->group_fd, &flags);
	if (ret)
		return ret;
	if (!(flags & VFIO_GROUP_FLAGS_VIABLE))
		return -EPERM;	/* what VFIO_GROUP_SET_CONTAINER would say */
	if (ioctl(e->group_fd, VFIO_GROUP_SET_CONTAINER, &e->container_fd))
		return -errno;
	if (ioctl(e->container_fd, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU))
		return -errno;
	ret = check_iova_window(e);
	if (ret)
		return ret;

	e->device_fd = ioctl(e->group_fd, VFIO_GROUP_GET_DEVICE_FD, bdf);
	if (e->device_fd < 0)
		return -errno;
	ret = setup_device_regions(e);
	if (ret)
		return ret;

	/* vfio-pci enables memory decoding but leaves bus mastering off. */
	ret = edu_cfg_read16(e, PCI_COMMAND, &cmd);
	if (ret)
		return ret;
	if ((cmd & (PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER)) !=
	    (PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER)) {
		ret = edu_cfg_write16(e, PCI_COMMAND, cmd | PCI_COMMAND_MEMORY |
				      PCI_COMMAND_MASTER);
		if (ret)
			return ret;
	}

	ret = map_dma_buffer(e);
	if (ret)
		return ret;

	/* A quiet device first: no factorial irq, nothing pending. */
	ret = edu_write32(e, EDU_REG_STATUS, 0);
	if (!ret)
		ret = edu_irq_ack(e, ~0U);
	if (ret)
		return ret;

	ret = enable_msi(e);
	if (ret)
		return ret;
	/* Drain anything the setup itself signalled. */
	if (read(e->irq_fd, &cnt, sizeof(cnt)) < 0 && errno != EAGAIN)
		return -errno;
	return 0;
}

int edu_open(struct edu *e, const char *bdf, int group, uint64_t iova,
	     uint64_t dma_size)
{
	const char *env;
	int ret;

	edu_init(e);
	if (!bdf)
		bdf = getenv("CPRHOLD_EDU");
	if (group < 0) {
		env = getenv("CPRHOLD_VFIO_GROUP");
		group = env && *env ? atoi(env) : -1;
	}
	if (!bdf || !*bdf || group < 0)
		return -ENODEV;
	e->iova = iova;
	e->dma_size = dma_size;
	if (!dma_size || iova + dma_size - 1 < iova ||
	    iova + dma_size - 1 > EDU_DMA_MASK)
		return -EINVAL;

	ret = do_open(e, bdf, group);
	if (ret) {
		edu_close(e);
		e->iova = e->dma_size = 0;
	}
	return ret;
}

static bool is_eventfd(int fd)
{
	char path[64], target[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return false;
	target[n] = '\0';
	return !strcmp(target, "anon_inode:[eventfd]");
}

int edu_init_from_fds(struct edu *e, int container, int group, int device,
		      int irq_fd, uint64_t iova, uint64_t dma_size,
		      void *new_vaddr)
{
	uint32_t flags = 0;
	int ret;

	edu_init(e);
	e->container_fd = container;
	e->group_fd = group;
	e->device_fd = device;
	e->irq_fd = irq_fd;
	e->iova = iova;
	e->dma_size = dma_size;
	e->dma_vaddr = new_vaddr;
	e->adopted = true;

	if (container < 0 || group < 0 || device < 0 || irq_fd < 0) {
		ret = -EBADF;
		goto fail;
	}
	ret = ioctl(container, VFIO_GET_API_VERSION);
	if (ret != VFIO_API_VERSION) {
		ret = ret < 0 ? -errno : -EPROTO;
		goto fail;
	}
	/* Succeeds only once an IOMMU backend is set on the container. */
	ret = check_iova_window(e);
	if (ret)
		goto fail;
	ret = group_status(group, &flags);
	if (ret)
		goto fail;
	if (!(flags & VFIO_GROUP_FLAGS_VIABLE) ||
	    !(flags & VFIO_GROUP_FLAGS_CONTAINER_SET)) {
		ret = -EINVAL;
		goto fail;
	}
	if (!is_eventfd(irq_fd)) {
		ret = -EINVAL;
		goto fail;
	}
	ret = setup_device_regions(e);
	if (ret)
		goto fail;
	return 0;
fail:
	edu_close(e);
	return ret;
}

/* ---- interrupts ---- */

/*
 * Why did a wait of a second or more see no interrupt?  The device's
 * interrupt status (did it raise one?) and the guest kernel's count of
 * each vfio interrupt line (did one reach the guest?), as diagnostics.
 */
static void edu_irq_diag(struct edu *e, int timeout_ms)
{
	uint32_t st = 0;
	char line[256];
	FILE *f;

	if (edu_irq_status(e, &st))
		st = ~0u;
	printf("# edu: no interrupt in %d ms; device interrupt status %#x\n",
	       timeout_ms, st);
	f = fopen("/proc/interrupts", "re");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, "vfio") || strstr(line, "DMAR") || strstr(line, "ERR"))
			printf("# edu: %s", line);
	fclose(f);
	fflush(stdout);
}

int edu_wait_irq(struct edu *e, int timeout_ms)
{
	int64_t deadline = timeout_ms < 0 ? 0 : now_ms() + timeout_ms;
	struct pollfd pfd = { .fd = e->irq_fd, .events = POLLIN };
	uint64_t cnt;
	int left, n;

	if (e->irq_fd < 0)
		return -EBADF;
	for (;;) {
		left = timeout_ms < 0 ? -1 : (int)(deadline - now_ms());
		if (timeout_ms >= 0 && left < 0)
			left = 0;
		n = poll(&pfd, 1, left);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0) {
			if (timeout_ms >= 1000)
				edu_irq_diag(e, timeout_ms);
			return -ETIMEDOUT;
		}
		if (pfd.revents & (POLLERR | POLLNVAL))
			return -EIO;
		if (read(e->irq_fd, &cnt, sizeof(cnt)) == sizeof(cnt))
			return cnt > INT_MAX ? INT_MAX : (int)cnt;
		/* Someone else consumed it (or a blocking fd raced): retry. */
		if (errno != EAGAIN && errno != EINTR)
			return -errno;
		if (timeout_ms >= 0 && now_ms() >= deadline)
			return -ETIMEDOUT;
	}
}

int edu_irq_status(struct edu *e, uint32_t *status)
{
	return edu_read32(e, EDU_REG_IRQ_STATUS, status);
}

int edu_irq_ack(struct edu *e, uint32_t bits)
{
	return edu_write32(e, EDU_REG_IRQ_ACK, bits);
}

int edu_irq_raise(struct edu *e, uint32_t bits)
{
	return edu_write32(e, EDU_REG_IRQ_RAISE, bits);
}

/* ---- factorial ---- */

int edu_factorial_start(struct edu *e, uint32_t n, bool irq)
{
	uint32_t st;
	int ret;

	ret = edu_read32(e, EDU_REG_STATUS, &st);
	if (ret)
		return ret;
	if (st & EDU_STATUS_COMPUTING)
		return -EBUSY;
	/* Only the IRQFACT bit is writable. */
	ret = edu_write32(e, EDU_REG_STATUS, irq ? EDU_STATUS_IRQFACT : 0);
	if (ret)
		return ret;
	return edu_write32(e, EDU_REG_FACTORIAL, n);
}

int edu_factorial_result(struct edu *e, int timeout_ms, uint32_t *result)
{
	int64_t deadline = now_ms() + timeout_ms;
	uint32_t st;
	int ret;

	for (;;) {
		ret = edu_read32(e, EDU_REG_STATUS, &st);
		if (ret)
			return ret;
		if (!(st & EDU_STATUS_COMPUTING))
			break;
		if (now_ms() > deadline)
			return -ETIMEDOUT;
		usleep(1000);
	}
	return edu_read32(e, EDU_REG_FACTORIAL, result);
}

/* ---- DMA ---- */

int edu_dma_start(struct edu *e, enum edu_dma_dir dir, uint64_t iova_off,
		  uint32_t dev_off, uint32_t len, bool irq)
{
	uint64_t src, dst, cmd;
	int ret;

	if (dir != EDU_DMA_TO_DEVICE && dir != EDU_DMA_FROM_DEVICE)
		return -EINVAL;
	if (!len || dev_off >= EDU_DEV_BUF_USABLE ||
	    len > EDU_DEV_BUF_USABLE - dev_off ||
	    iova_off >= e->dma_size || len > e->dma_size - iova_off)
		return -EINVAL;
	ret = edu_read64(e, EDU_REG_DMA_CMD, &cmd);
	if (ret)
		return ret;
	if (cmd & EDU_DMA_CMD_RUN)
		return -EBUSY;

	if (dir == EDU_DMA_TO_DEVICE) {
		src = e->iova + iova_off;
		dst = EDU_DEV_BUF_ADDR + dev_off;
		cmd = EDU_DMA_CMD_RUN;
	} else {
		src = EDU_DEV_BUF_ADDR + dev_off;
		dst = e->iova + iova_off;
		cmd = EDU_DMA_CMD_RUN | EDU_DMA_CMD_TO_RAM;
	}
	if (irq)
		cmd |= EDU_DMA_CMD_IRQ;
	/* CPU stores to the buffer before the device is told to read it. */
	__sync_synchronize();
	ret = edu_write64(e, EDU_REG_DMA_SRC, src);
	if (!ret)
		ret = edu_write64(e, EDU_REG_DMA_DST, dst);
	if (!ret)
		ret = edu_write64(e, EDU_REG_DMA_COUNT, len);
	if (!ret)
		ret = edu_write64(e, EDU_REG_DMA_CMD, cmd);
	if (!ret)
		e->dma_cmd = cmd;
	return ret;
}

int edu_dma_wait(struct edu *e, int timeout_ms)
{
	int64_t deadline = now_ms() + timeout_ms;
	uint64_t cmd;
	int ret;

	for (;;) {
		ret = edu_read64(e, EDU_REG_DMA_CMD, &cmd);
		if (ret)
			return ret;
		if (!(cmd & EDU_DMA_CMD_RUN))
			break;
		if (now_ms() > deadline)
			return -ETIMEDOUT;
		usleep(1000);
	}
	__sync_synchronize();
	return 0;
}

int edu_dma(struct edu *e, enum edu_dma_dir dir, uint64_t iova_off,
	    uint32_t dev_off, uint32_t len, bool irq)
{
	int64_t deadline, left;
	uint32_t st;
	int ret;

	ret = edu_dma_start(e, dir, iova_off, dev_off, len, irq);
	if (ret)
		return ret;
	if (!irq)
		return edu_dma_wait(e, EDU_DMA_TIMEOUT_MS);

	/* Other interrupts (factorial, raise) may come first: skip them. */
	deadline = now_ms() + EDU_DMA_TIMEOUT_MS;
	for (;;) {
		left = deadline - now_ms();
		ret = edu_wait_irq(e, left > 0 ? (int)left : 0);
		if (ret < 0)
			return ret;
		ret = edu_irq_status(e, &st);
		if (ret)
			return ret;
		if (st & EDU_IRQ_DMA)
			break;
	}
	ret = edu_irq_ack(e, EDU_IRQ_DMA);
	if (ret)
		return ret;
	/* The irq is raised after RUN is cleared; this does not spin. */
	return edu_dma_wait(e, EDU_DMA_TIMEOUT_MS);
}

/* ---- vaddr update (a new process takes over the DMA window) ---- */

int edu_has_update_vaddr(struct edu *e)
{
	int ret;

	if (e->container_fd < 0)
		return -EBADF;
	ret = ioctl(e->container_fd, VFIO_CHECK_EXTENSION, VFIO_UPDATE_VADDR);
	if (ret < 0)
		return -errno;
	return ret > 0;
}

int edu_dma_invalidate_vaddr(struct edu *e)
{
	struct vfio_iommu_type1_dma_unmap unmap = {
		.argsz = sizeof(unmap),
		.flags = VFIO_DMA_UNMAP_FLAG_VADDR,
		.iova = e->iova,
		.size = e->dma_size,
	};
	int ret = edu_has_update_vaddr(e);

	if (ret < 0)
		return ret;
	if (!ret)
		return -EOPNOTSUPP;
	if (ioctl(e->container_fd, VFIO_IOMMU_UNMAP_DMA, &unmap))
		return -errno;
	if (unmap.size != e->dma_size)
		return -EIO;
	e->vaddr_invalid = true;
	return 0;
}

int edu_dma_update_vaddr(struct edu *e, void *new_vaddr)
{
	struct vfio_iommu_type1_dma_map map = {
		.argsz = sizeof(map),
		.flags = VFIO_DMA_MAP_FLAG_VADDR,
		.vaddr = (uintptr_t)new_vaddr,
		.iova = e->iova,
		.size = e->dma_size,
	};
	int ret = edu_has_update_vaddr(e);

	if (ret < 0)
		return ret;
	if (!ret)
		return -EOPNOTSUPP;
	if (!new_vaddr)
		return -EINVAL;
	if (ioctl(e->container_fd, VFIO_IOMMU_MAP_DMA, &map))
		return -errno;
	e->dma_vaddr = new_vaddr;
	e->vaddr_invalid = false;
	return 0;
}
