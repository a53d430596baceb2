// SPDX-License-Identifier: GPL-2.0
/*
 * edu_test - QEMU's edu PCI device driven from userspace through VFIO
 * (lib/edu.c): registers, factorial with an MSI counted on an eventfd, DMA
 * both ways through the IOMMU, the exclusive group open, and the handover
 * of every VFIO fd to a successor process over SCM_RIGHTS with the DMA
 * window's vaddr moved by VFIO_DMA_UNMAP_FLAG_VADDR/VFIO_DMA_MAP_FLAG_VADDR
 * - the sequence cprhold will later carry out through the kernel.
 *
 * Needs $CPRHOLD_EDU and $CPRHOLD_VFIO_GROUP (set by scripts/vm-init);
 * without them every test is skipped.
 *
 * What the kernel does while the vaddr is invalid (observed on 6.1 and
 * 6.12, see dma_while_vaddr_invalid): device DMA is not blocked at all.
 * UNMAP_DMA with FLAG_VADDR leaves the IOMMU page tables and the page pins
 * alone, so edu's DMA completes in its usual ~100 ms in both directions and
 * lands in the memfd pages even when no process maps them; mapping another
 * range meanwhile works too.  Per the type1 source (not observable with one
 * group and no mdev), only paths that need the vaddr itself refuse:
 * attaching a group to the container (EBUSY), and in-kernel pinning for
 * mdevs (vfio_pin_pages/vfio_dma_rw WARN_ONCE and return EBUSY; 6.1 still
 * has a killable wait-for-valid-vaddr behind those checks, 6.12 no longer),
 * which is why VFIO_UPDATE_VADDR is only offered without mdevs.  The
 * locked-memory charge (VmLck) follows the vaddr: MAP_DMA with FLAG_VADDR
 * moves it from the old mm to the caller's.
 */
#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <linux/pci_regs.h>
#include <linux/vfio.h>

#include "lib/edu.h"
#include "lib/harness.h"
#include "lib/util.h"

#define IRQ_TIMEOUT_MS		5000

static bool have_edu(void)
{
	const char *bdf = getenv("CPRHOLD_EDU");
	const char *grp = getenv("CPRHOLD_VFIO_GROUP");

	return bdf && *bdf && grp && *grp;
}

static int64_t ms_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A byte pattern that differs per seed and per offset. */
static uint8_t pat(uint32_t seed, size_t i)
{
	uint32_t x = seed * 2654435761u + (uint32_t)i * 40503u;

	return (uint8_t)(x ^ (x >> 13) ^ (x >> 24));
}

static void fill(void *buf, size_t len, uint32_t seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		((uint8_t *)buf)[i] = pat(seed, i);
}

/* Byte by byte: the number of mismatches, first one reported in *first. */
static size_t mismatches(const void *buf, size_t len, uint32_t seed,
			 size_t *first)
{
	size_t i, n = 0;

	*first = len;
	for (i = 0; i < len; i++) {
		if (((const uint8_t *)buf)[i] != pat(seed, i)) {
			if (!n)
				*first = i;
			n++;
		}
	}
	return n;
}

static uint32_t fact32(uint32_t n)
{
	uint32_t r = 1;

	while (n > 0)
		r *= n--;
	return r;
}

/* mm->locked_vm of this process, in kB (VmLck); -1 if not found. */
static long vm_locked_kb(void)
{
	char line[256];
	long kb = -1;
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmLck: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

static void group_path(char *buf, size_t len)
{
	snprintf(buf, len, "/dev/vfio/%s", getenv("CPRHOLD_VFIO_GROUP"));
}

/* On a missed interrupt: what the device and the kernel think. */
static void log_irq_state(struct __test_metadata *_metadata, struct edu *e)
{
	uint32_t st = 0, irq = 0;

	edu_read32(e, EDU_REG_STATUS, &st);
	edu_irq_status(e, &irq);
	TH_LOG("status %#x irq status %#x", st, irq);
	run_cmd("grep -i vfio /proc/interrupts | sed 's/^/# /'");
}

FIXTURE(edu) {
	struct edu e;
};

FIXTURE_SETUP(edu)
{
	edu_init(&self->e);
	if (!have_edu())
		SKIP(return, "CPRHOLD_EDU/CPRHOLD_VFIO_GROUP not set");
	ASSERT_EQ(0, edu_open(&self->e, NULL, -1, EDU_DEFAULT_IOVA,
			      EDU_DEFAULT_DMA_SIZE));
}

FIXTURE_TEARDOWN(edu)
{
	edu_close(&self->e);
}

TEST_F(edu, id_and_liveness)
{
	static const uint32_t vals[] = { 0, 0xffffffff, 0x12345678, 0xa5a55a5a };
	uint32_t id, v, seed = (uint32_t)getpid() * 7919u;
	uint16_t cmd;
	unsigned int i;

	ASSERT_EQ(0, edu_read32(&self->e, EDU_REG_ID, &id));
	EXPECT_EQ((uint32_t)EDU_ID_MAGIC, id & EDU_ID_MAGIC_MASK);
	TH_LOG("edu id 0x%08x (version %u.%u), BAR0 %s, %" PRIu64 " bytes",
	       id, id >> 24, (id >> 16) & 0xff,
	       self->e.bar0 ? "mmap'ed" : "via pread/pwrite",
	       self->e.bar0_size);

	for (i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		ASSERT_EQ(0, edu_write32(&self->e, EDU_REG_LIVENESS, vals[i]));
		ASSERT_EQ(0, edu_read32(&self->e, EDU_REG_LIVENESS, &v));
		EXPECT_EQ(~vals[i], v);
	}
	ASSERT_EQ(0, edu_write32(&self->e, EDU_REG_LIVENESS, seed));
	ASSERT_EQ(0, edu_read32(&self->e, EDU_REG_LIVENESS, &v));
	EXPECT_EQ(~seed, v);

	/* Bus master on (DMA), memory decoding on (BAR0). */
	ASSERT_EQ(0, edu_cfg_read16(&self->e, PCI_COMMAND, &cmd));
	EXPECT_TRUE(cmd & PCI_COMMAND_MASTER);
	EXPECT_TRUE(cmd & PCI_COMMAND_MEMORY);

	/* The library refuses out-of-BAR and misaligned accesses. */
	EXPECT_EQ(-EINVAL, edu_read32(&self->e, (uint32_t)self->e.bar0_size, &v));
	EXPECT_EQ(-EINVAL, edu_read32(&self->e, 2, &v));
}

TEST_F(edu, factorial_msi)
{
	uint32_t n, res, st;
	int total = 0, cnt, more;

	for (n = 0; n <= 13; n++) {
		ASSERT_EQ(0, edu_factorial_start(&self->e, n, true));
		cnt = edu_wait_irq(&self->e, IRQ_TIMEOUT_MS);
		if (cnt != 1)
			log_irq_state(_metadata, &self->e);
		ASSERT_EQ(1, cnt);
		total += cnt;
		ASSERT_EQ(0, edu_factorial_result(&self->e, 1000, &res));
		EXPECT_EQ(fact32(n), res);
		ASSERT_EQ(0, edu_irq_status(&self->e, &st));
		EXPECT_TRUE(st & EDU_IRQ_FACT);
		ASSERT_EQ(0, edu_irq_ack(&self->e, EDU_IRQ_FACT));
		ASSERT_EQ(0, edu_irq_status(&self->e, &st));
		EXPECT_FALSE(st & EDU_IRQ_FACT);
	}
	EXPECT_EQ(14, total);

	/* Without the irq bit the device computes silently. */
	ASSERT_EQ(0, edu_factorial_start(&self->e, 10, false));
	ASSERT_EQ(0, edu_factorial_result(&self->e, 1000, &res));
	EXPECT_EQ(3628800u, res);
	EXPECT_EQ(-ETIMEDOUT, edu_wait_irq(&self->e, 300));

	/*
	 * Raised by hand: one MSI per raise, the bits OR'ed in the status.
	 * Two MSIs sent back to back may arrive as one interrupt (the same
	 * vector still pending in the LAPIC's IRR takes no second one): seen
	 * here about one run in three, so the eventfd counts 1 or 2.
	 */
	ASSERT_EQ(0, edu_irq_raise(&self->e, 0x1000));
	ASSERT_EQ(0, edu_irq_raise(&self->e, 0x2000));
	cnt = edu_wait_irq(&self->e, IRQ_TIMEOUT_MS);
	EXPECT_GE(cnt, 1);
	more = edu_wait_irq(&self->e, 200);
	if (more > 0)
		cnt += more;
	EXPECT_LE(cnt, 2);
	ASSERT_EQ(0, edu_irq_status(&self->e, &st));
	EXPECT_EQ(0x3000u, st & 0x3000);
	ASSERT_EQ(0, edu_irq_ack(&self->e, 0x3000));
	ASSERT_EQ(0, edu_irq_status(&self->e, &st));
	EXPECT_EQ(0u, st);
	EXPECT_EQ(-ETIMEDOUT, edu_wait_irq(&self->e, 0));
}

/* RAM -> edu -> RAM at the given offsets, checked byte by byte. */
static void dma_roundtrip(struct __test_metadata *_metadata, struct edu *e,
			  uint64_t src_off, uint64_t dst_off, uint32_t dev_off,
			  uint32_t len, uint32_t seed, bool irq)
{
	uint8_t *buf = e->dma_vaddr;
	size_t bad, first;

	fill(buf + src_off, len, seed);
	memset(buf + dst_off, 0, len);
	ASSERT_EQ(0, edu_dma(e, EDU_DMA_TO_DEVICE, src_off, dev_off, len, irq));
	ASSERT_EQ(0, edu_dma(e, EDU_DMA_FROM_DEVICE, dst_off, dev_off, len, irq));
	bad = mismatches(buf + dst_off, len, seed, &first);
	if (bad)
		TH_LOG("%zu of %u bytes differ, first at %zu: 0x%02x != 0x%02x",
		       bad, len, first, buf[dst_off + first], pat(seed, first));
	EXPECT_EQ((size_t)0, bad);
	/* The source is untouched. */
	EXPECT_EQ((size_t)0, mismatches(buf + src_off, len, seed, &first));
}

TEST_F(edu, dma_both_directions)
{
	uint32_t seed = (uint32_t)getpid();
	uint8_t *buf = self->e.dma_vaddr;
	size_t first;

	/* Whole device buffer, with and without completion interrupt. */
	dma_roundtrip(_metadata, &self->e, 0, 8192, 0, EDU_DEV_BUF_USABLE,
		      seed, true);
	dma_roundtrip(_metadata, &self->e, 4096, 12288, 0, EDU_DEV_BUF_USABLE,
		      seed + 1, false);
	/* Odd sizes and offsets on both sides. */
	dma_roundtrip(_metadata, &self->e, 100, 20000, 1, 1, seed + 2, true);
	dma_roundtrip(_metadata, &self->e, 333, 30001, 1000, 777, seed + 3,
		      false);
	dma_roundtrip(_metadata, &self->e, EDU_DEFAULT_DMA_SIZE - 4096, 40000,
		      EDU_DEV_BUF_USABLE - 1, 1, seed + 4, true);

	/*
	 * The device buffer keeps what was written: overwrite part of it and
	 * read everything back in one transfer.
	 */
	fill(buf, 2048, seed + 5);
	ASSERT_EQ(0, edu_dma(&self->e, EDU_DMA_TO_DEVICE, 0, 0, 2048, true));
	fill(buf + 2048, 2047, seed + 6);
	ASSERT_EQ(0, edu_dma(&self->e, EDU_DMA_TO_DEVICE, 2048, 2048, 2047, true));
	memset(buf + 49152, 0, EDU_DEV_BUF_USABLE);
	ASSERT_EQ(0, edu_dma(&self->e, EDU_DMA_FROM_DEVICE, 49152, 0,
			     EDU_DEV_BUF_USABLE, false));
	EXPECT_EQ((size_t)0, mismatches(buf + 49152, 2048, seed + 5, &first));
	EXPECT_EQ((size_t)0, mismatches(buf + 49152 + 2048, 2047, seed + 6,
					&first));
	/* No interrupt left over from the polled transfers. */
	EXPECT_EQ(-ETIMEDOUT, edu_wait_irq(&self->e, 0));
}

TEST_F(edu, dma_bad_args)
{
	struct edu *e = &self->e;

	/* Refused before the device sees them (old QEMUs abort on these). */
	EXPECT_EQ(-EINVAL, edu_dma_start(e, EDU_DMA_TO_DEVICE, 0, 0, 0, false));
	EXPECT_EQ(-EINVAL, edu_dma_start(e, EDU_DMA_TO_DEVICE, 0, 1, 4096, false));
	EXPECT_EQ(-EINVAL, edu_dma_start(e, EDU_DMA_FROM_DEVICE, 0, 4096, 1, false));
	/* The last byte: QEMU 7.2 would abort the VM (see edu.h). */
	EXPECT_EQ(-EINVAL, edu_dma_start(e, EDU_DMA_TO_DEVICE, 0, 0, 4096, false));
	EXPECT_EQ(-EINVAL, edu_dma_start(e, EDU_DMA_FROM_DEVICE, 0, 4095, 1, false));
	EXPECT_EQ(-EINVAL, edu_dma_start(e, EDU_DMA_TO_DEVICE,
					 EDU_DEFAULT_DMA_SIZE - 10, 0, 11, false));
	EXPECT_EQ(-EINVAL, edu_dma_start(e, EDU_DMA_FROM_DEVICE, ~0ULL, 0, 1, false));
	EXPECT_EQ(-EINVAL, edu_dma_start(e, (enum edu_dma_dir)7, 0, 0, 1, false));
	/* A window the edu cannot address (28-bit DMA mask) is refused. */
	{
		struct edu other;

		EXPECT_EQ(-EINVAL, edu_open(&other, NULL, -1, EDU_DMA_MASK + 1,
					    4096));
		EXPECT_EQ(-1, other.device_fd);
	}
}

TEST_F(edu, second_group_open_ebusy)
{
	char path[64];
	int fd, c;

	group_path(path, sizeof(path));
	/* The group is a single-open chardev: held by us, EBUSY for others. */
	EXPECT_ERRNO(EBUSY, open(path, O_RDWR | O_CLOEXEC));
	/* Also from another process. */
	{
		pid_t pid = fork();
		int st;

		ASSERT_GE(pid, 0);
		if (pid == 0) {
			fd = open(path, O_RDWR | O_CLOEXEC);
			_exit(fd < 0 && errno == EBUSY ? 0 : 1);
		}
		ASSERT_EQ(pid, waitpid(pid, &st, 0));
		EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
	/* The container node is not exclusive. */
	c = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	EXPECT_GE(c, 0);
	if (c >= 0)
		close(c);

	/* Once closed, the group opens again. */
	edu_close(&self->e);
	fd = open(path, O_RDWR | O_CLOEXEC);
	EXPECT_GE(fd, 0);
	if (fd >= 0)
		close(fd);
}

TEST_F(edu, vaddr_protocol_errnos)
{
	struct edu *e = &self->e;
	struct vfio_iommu_type1_dma_map map = { .argsz = sizeof(map) };
	struct vfio_iommu_type1_dma_unmap unmap = { .argsz = sizeof(unmap) };

	ASSERT_EQ(1, edu_has_update_vaddr(e));

	/* Updating a vaddr that is still valid. */
	EXPECT_EQ(-EINVAL, edu_dma_update_vaddr(e, e->dma_vaddr));

	ASSERT_EQ(0, edu_dma_invalidate_vaddr(e));
	/* Invalidating twice: EINVAL, and it stays invalid. */
	unmap.flags = VFIO_DMA_UNMAP_FLAG_VADDR;
	unmap.iova = e->iova;
	unmap.size = e->dma_size;
	EXPECT_ERRNO(EINVAL, ioctl(e->container_fd, VFIO_IOMMU_UNMAP_DMA, &unmap));
	/* A plain map over it: still mapped, EEXIST. */
	map.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE;
	map.vaddr = (uintptr_t)e->dma_vaddr;
	map.iova = e->iova;
	map.size = e->dma_size;
	EXPECT_ERRNO(EEXIST, ioctl(e->container_fd, VFIO_IOMMU_MAP_DMA, &map));
	/* FLAG_VADDR takes no READ/WRITE. */
	map.flags = VFIO_DMA_MAP_FLAG_VADDR | VFIO_DMA_MAP_FLAG_READ;
	EXPECT_ERRNO(EINVAL, ioctl(e->container_fd, VFIO_IOMMU_MAP_DMA, &map));
	/* iova and size must match the original mapping. */
	map.flags = VFIO_DMA_MAP_FLAG_VADDR;
	map.size = e->dma_size / 2;
	EXPECT_ERRNO(EINVAL, ioctl(e->container_fd, VFIO_IOMMU_MAP_DMA, &map));
	map.size = e->dma_size;
	map.iova = e->iova + 0x100000;
	EXPECT_ERRNO(ENOENT, ioctl(e->container_fd, VFIO_IOMMU_MAP_DMA, &map));

	/* The right update; then it is valid again. */
	ASSERT_EQ(0, edu_dma_update_vaddr(e, e->dma_vaddr));
	EXPECT_EQ(-EINVAL, edu_dma_update_vaddr(e, e->dma_vaddr));
	dma_roundtrip(_metadata, e, 0, 4096, 0, 512, (uint32_t)getpid(), true);
}

/*
 * edu_init_from_fds() checks what it is given, and adopting (here: dups in
 * the same process) neither resets the device nor disturbs the original.
 */
TEST_F(edu, adopt_from_fds)
{
	struct edu *e = &self->e, a;
	uint32_t v, res, seed = (uint32_t)getpid() * 17u;
	int c, g, d, i;

	ASSERT_EQ(0, edu_write32(e, EDU_REG_LIVENESS, seed));

	EXPECT_EQ(-EBADF, edu_init_from_fds(&a, -1, -1, -1, -1, e->iova,
					    e->dma_size, NULL));
	EXPECT_EQ(-1, a.device_fd);
	/* A group fd where the container goes: not a container. */
	g = dup(e->group_fd);
	c = dup(e->group_fd);
	d = dup(e->device_fd);
	i = dup(e->irq_fd);
	ASSERT_GE(g, 0);
	EXPECT_EQ(-ENOTTY, edu_init_from_fds(&a, c, g, d, i, e->iova,
					     e->dma_size, NULL));
	/* Those fds were taken over and closed. */
	EXPECT_ERRNO(EBADF, fcntl(g, F_GETFD));
	/* The memfd where the eventfd goes. */
	c = dup(e->container_fd);
	g = dup(e->group_fd);
	d = dup(e->device_fd);
	i = dup(e->memfd);
	EXPECT_EQ(-EINVAL, edu_init_from_fds(&a, c, g, d, i, e->iova,
					     e->dma_size, NULL));
	/* A window that is not the mapped one's shape (not page aligned). */
	c = dup(e->container_fd);
	g = dup(e->group_fd);
	d = dup(e->device_fd);
	i = dup(e->irq_fd);
	EXPECT_EQ(-EINVAL, edu_init_from_fds(&a, c, g, d, i, e->iova + 1,
					     e->dma_size, NULL));

	c = dup(e->container_fd);
	g = dup(e->group_fd);
	d = dup(e->device_fd);
	i = dup(e->irq_fd);
	ASSERT_EQ(0, edu_init_from_fds(&a, c, g, d, i, e->iova, e->dma_size,
				       e->dma_vaddr));
	EXPECT_TRUE(a.adopted);
	EXPECT_EQ(-1, a.memfd);
	ASSERT_EQ(0, edu_read32(&a, EDU_REG_LIVENESS, &v));
	EXPECT_EQ(~seed, v);
	/* Interrupts through the adopted eventfd, DMA through its window. */
	ASSERT_EQ(0, edu_factorial_start(&a, 7, true));
	EXPECT_EQ(1, edu_wait_irq(&a, IRQ_TIMEOUT_MS));
	ASSERT_EQ(0, edu_factorial_result(&a, 1000, &res));
	EXPECT_EQ(5040u, res);
	ASSERT_EQ(0, edu_irq_ack(&a, EDU_IRQ_FACT));
	dma_roundtrip(_metadata, &a, 0, 8192, 0, 1000, seed, true);
	edu_close(&a);

	/* Closing the adopted copies left the original working. */
	ASSERT_EQ(0, edu_factorial_start(e, 6, true));
	EXPECT_EQ(1, edu_wait_irq(e, IRQ_TIMEOUT_MS));
	ASSERT_EQ(0, edu_factorial_result(e, 1000, &res));
	EXPECT_EQ(720u, res);
	ASSERT_EQ(0, edu_irq_ack(e, EDU_IRQ_FACT));
	dma_roundtrip(_metadata, e, 4096, 12288, 0, 1000, seed + 1, false);
}

/*
 * UNMAP_DMA(FLAG_VADDR), then device DMA before the new vaddr is set, with
 * no mapping of the buffer left in the process at all.  The DMAs are bounded
 * by EDU_DMA_TIMEOUT_MS: a kernel that blocked device DMA on the invalid
 * vaddr would show up here as -ETIMEDOUT, not as a hang.
 */
TEST_F_TIMEOUT(edu, dma_while_vaddr_invalid, 60)
{
	struct edu *e = &self->e;
	uint32_t seed = (uint32_t)getpid() * 31u;
	uint8_t *old = e->dma_vaddr, *nw, *extra;
	struct vfio_iommu_type1_dma_map map = { .argsz = sizeof(map) };
	struct vfio_iommu_type1_dma_unmap unmap = { .argsz = sizeof(unmap) };
	size_t first;
	int64_t t0;
	int ret;

	/* The device buffer holds seed; RAM at 16384 holds seed + 1. */
	fill(old, EDU_DEV_BUF_USABLE, seed);
	ASSERT_EQ(0, edu_dma(e, EDU_DMA_TO_DEVICE, 0, 0, EDU_DEV_BUF_USABLE, true));
	fill(old + 16384, EDU_DEV_BUF_USABLE, seed + 1);
	memset(old + 8192, 0, EDU_DEV_BUF_USABLE);

	ASSERT_EQ(0, edu_dma_invalidate_vaddr(e));
	ASSERT_EQ(0, edu_unmap_buffer(e));

	/* EDU -> RAM into pages nobody maps. */
	t0 = ms_now();
	ret = edu_dma(e, EDU_DMA_FROM_DEVICE, 8192, 0, EDU_DEV_BUF_USABLE, true);
	TH_LOG("EDU->RAM with the vaddr invalid: %d (%s) after %lld ms", ret,
	       ret ? strerror(-ret) : "completed", (long long)(ms_now() - t0));
	EXPECT_EQ(0, ret);
	/* RAM -> EDU from those pages. */
	t0 = ms_now();
	ret = edu_dma(e, EDU_DMA_TO_DEVICE, 16384, 0, EDU_DEV_BUF_USABLE, true);
	TH_LOG("RAM->EDU with the vaddr invalid: %d (%s) after %lld ms", ret,
	       ret ? strerror(-ret) : "completed", (long long)(ms_now() - t0));
	EXPECT_EQ(0, ret);

	/* Other IOMMU work in the meantime: mapping another range works. */
	extra = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, (void *)extra);
	map.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE;
	map.vaddr = (uintptr_t)extra;
	map.iova = e->iova + 0x1000000;
	map.size = 4096;
	ret = ioctl(e->container_fd, VFIO_IOMMU_MAP_DMA, &map);
	TH_LOG("MAP_DMA of another range with a vaddr invalid: %s",
	       ret ? strerror(errno) : "ok");
	EXPECT_EQ(0, ret);
	if (!ret) {
		unmap.iova = map.iova;
		unmap.size = map.size;
		EXPECT_EQ(0, ioctl(e->container_fd, VFIO_IOMMU_UNMAP_DMA, &unmap));
		EXPECT_EQ((uint64_t)4096, (uint64_t)unmap.size);
	}
	munmap(extra, 4096);

	/* The same memfd at a new address: the device wrote into its pages. */
	nw = mmap(NULL, e->dma_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		  e->memfd, 0);
	ASSERT_NE(MAP_FAILED, (void *)nw);
	EXPECT_EQ((size_t)0, mismatches(nw + 8192, EDU_DEV_BUF_USABLE, seed, &first));

	ASSERT_EQ(0, edu_dma_update_vaddr(e, nw));
	EXPECT_TRUE(e->dma_vaddr == nw);
	/* The RAM -> EDU in the gap did read seed + 1. */
	memset(nw + 24576, 0, EDU_DEV_BUF_USABLE);
	ASSERT_EQ(0, edu_dma(e, EDU_DMA_FROM_DEVICE, 24576, 0, EDU_DEV_BUF_USABLE,
			     true));
	EXPECT_EQ((size_t)0, mismatches(nw + 24576, EDU_DEV_BUF_USABLE, seed + 1,
					&first));
	/* And all is normal at the new vaddr. */
	dma_roundtrip(_metadata, e, 32768, 40960, 0, EDU_DEV_BUF_USABLE, seed + 2,
		      true);
	e->dma_vaddr = NULL;
	munmap(nw, e->dma_size);
}

/* ---- handover to a successor process ---- */

enum { FD_CONTAINER, FD_GROUP, FD_DEVICE, FD_IRQ, FD_MEMFD, NR_FDS };

#define HALF	2048	/* of the device buffer */

struct handover {
	uint64_t iova;
	uint64_t size;
	uint64_t old_vaddr;
	uint32_t seed;
	uint32_t liveness;
	uint32_t fact_n;
};

static int send_fds(int sock, const struct handover *h, const int *fds)
{
	char cbuf[CMSG_SPACE(NR_FDS * sizeof(int))];
	struct iovec iov = { .iov_base = (void *)h, .iov_len = sizeof(*h) };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cm;

	memset(cbuf, 0, sizeof(cbuf));
	cm = CMSG_FIRSTHDR(&msg);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(NR_FDS * sizeof(int));
	memcpy(CMSG_DATA(cm), fds, NR_FDS * sizeof(int));
	if (sendmsg(sock, &msg, MSG_NOSIGNAL) != (ssize_t)sizeof(*h))
		return -errno;
	return 0;
}

static int recv_fds(int sock, struct handover *h, int *fds, int timeout_ms)
{
	char cbuf[CMSG_SPACE(NR_FDS * sizeof(int))];
	struct iovec iov = { .iov_base = h, .iov_len = sizeof(*h) };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct pollfd pfd = { .fd = sock, .events = POLLIN };
	struct cmsghdr *cm;
	ssize_t n;

	if (poll(&pfd, 1, timeout_ms) != 1)
		return -ETIMEDOUT;
	n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	if (n < 0)
		return -errno;
	cm = CMSG_FIRSTHDR(&msg);
	if (n != (ssize_t)sizeof(*h) || (msg.msg_flags & MSG_CTRUNC) || !cm ||
	    cm->cmsg_type != SCM_RIGHTS ||
	    cm->cmsg_len != CMSG_LEN(NR_FDS * sizeof(int)))
		return -EPROTO;
	memcpy(fds, CMSG_DATA(cm), NR_FDS * sizeof(int));
	return 0;
}

/* Close every fd but 0-2 and @a and @b (either may be -1). */
static void close_all_but(int a, int b)
{
	int keep[2] = { a < b ? a : b, a < b ? b : a }, lo = 3, i;

	for (i = 0; i < 2; i++) {
		if (keep[i] < lo)
			continue;
		if (keep[i] > lo)
			close_range(lo, keep[i] - 1, 0);
		lo = keep[i] + 1;
	}
	close_range(lo, ~0U, 0);
}

/*
 * The outgoing owner: set the device up, leave state in it (device buffer,
 * liveness register, a factorial whose MSI is still to come), invalidate
 * the vaddr, send every fd, and let go of all of them.
 */
static void owner_handover(struct __test_metadata *_metadata, int sock,
			   uint32_t seed)
{
	struct edu e;
	struct handover h = {
		.iova = EDU_DEFAULT_IOVA, .size = EDU_DEFAULT_DMA_SIZE,
		.seed = seed, .liveness = seed ^ 0xa5a5a5a5u, .fact_n = 12,
	};
	int fds[NR_FDS];
	long kb;

	ASSERT_EQ(0, edu_open(&e, NULL, -1, h.iova, h.size));
	h.old_vaddr = (uintptr_t)e.dma_vaddr;
	fill(e.dma_vaddr, EDU_DEV_BUF_USABLE, seed);
	ASSERT_EQ(0, edu_dma(&e, EDU_DMA_TO_DEVICE, 0, 0, HALF, true));
	fill((uint8_t *)e.dma_vaddr + 16384, EDU_DEV_BUF_USABLE - HALF, seed + 3);
	ASSERT_EQ(0, edu_write32(&e, EDU_REG_LIVENESS, h.liveness));
	kb = vm_locked_kb();
	TH_LOG("owner %d: VmLck %ld kB with the window mapped", getpid(), kb);
	EXPECT_EQ((long)(h.size / 1024), kb);

	/* Its interrupt fires at once, before the handover. */
	ASSERT_EQ(0, edu_factorial_start(&e, h.fact_n, true));
	ASSERT_EQ(0, edu_dma_invalidate_vaddr(&e));
	/*
	 * In flight across the handover: ~100 ms from now the device reads
	 * the window through the IOMMU and raises its MSI, when this process
	 * has let go of everything (or is gone).
	 */
	ASSERT_EQ(0, edu_dma_start(&e, EDU_DMA_TO_DEVICE, 16384, HALF,
				   EDU_DEV_BUF_USABLE - HALF, true));

	fds[FD_CONTAINER] = e.container_fd;
	fds[FD_GROUP] = e.group_fd;
	fds[FD_DEVICE] = e.device_fd;
	fds[FD_IRQ] = e.irq_fd;
	fds[FD_MEMFD] = e.memfd;
	ASSERT_EQ(0, send_fds(sock, &h, fds));
	edu_close(&e);
}

/*
 * The successor: forked before the owner opened anything, it closes what
 * it inherited and gets the device only from the SCM_RIGHTS message.
 * Runs ASSERTs in a forked copy of the test: a failure exits with 1.
 */
static void successor(struct __test_metadata *_metadata, int sock, int go)
{
	uint8_t *nw, *reserve;
	struct handover h;
	struct edu e;
	uint32_t v, st, res;
	int fds[NR_FDS], cnt, n, left;
	long kb0, kb1;
	int64_t t0;
	size_t first;
	char c;

	close_all_but(sock, go);
	if (go >= 0)
		ASSERT_EQ(1, read(go, &c, 1));
	ASSERT_EQ(0, recv_fds(sock, &h, fds, 30000));

	/* Keep the owner's old address taken: the buffer moves. */
	reserve = mmap((void *)(uintptr_t)h.old_vaddr, h.size, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	nw = mmap(NULL, h.size, PROT_READ | PROT_WRITE, MAP_SHARED,
		  fds[FD_MEMFD], 0);
	ASSERT_NE(MAP_FAILED, (void *)nw);
	ASSERT_NE(h.old_vaddr, (uint64_t)(uintptr_t)nw);
	TH_LOG("successor %d: window moves from %#" PRIx64 " to %p", getpid(),
	       h.old_vaddr, nw);
	/* The same memory object. */
	EXPECT_EQ((size_t)0, mismatches(nw, EDU_DEV_BUF_USABLE, h.seed, &first));

	kb0 = vm_locked_kb();
	ASSERT_EQ(0, edu_init_from_fds(&e, fds[FD_CONTAINER], fds[FD_GROUP],
				       fds[FD_DEVICE], fds[FD_IRQ], h.iova,
				       h.size, nw));
	/* Not reset: the liveness register still holds the owner's value. */
	ASSERT_EQ(0, edu_read32(&e, EDU_REG_LIVENESS, &v));
	EXPECT_EQ(~h.liveness, v);

	ASSERT_EQ(0, edu_dma_update_vaddr(&e, nw));
	kb1 = vm_locked_kb();
	TH_LOG("successor: VmLck %ld kB -> %ld kB after MAP_DMA(FLAG_VADDR)",
	       kb0, kb1);
	EXPECT_EQ((long)(h.size / 1024), kb1 - kb0);

	/*
	 * Both interrupts raised across the handover were counted: the
	 * factorial's and the DMA's, which came with no process holding the
	 * eventfd when the owner had exited.
	 */
	ASSERT_EQ(0, edu_dma_wait(&e, EDU_DMA_TIMEOUT_MS));
	t0 = ms_now();
	for (cnt = 0; cnt < 2; cnt += n) {
		left = IRQ_TIMEOUT_MS - (int)(ms_now() - t0);
		n = edu_wait_irq(&e, left > 0 ? left : 0);
		if (n < 0)
			break;
	}
	TH_LOG("successor: %d interrupt(s) counted on the eventfd", cnt);
	EXPECT_EQ(2, cnt);
	ASSERT_EQ(0, edu_irq_status(&e, &st));
	EXPECT_EQ((uint32_t)(EDU_IRQ_FACT | EDU_IRQ_DMA), st);
	ASSERT_EQ(0, edu_factorial_result(&e, 1000, &res));
	EXPECT_EQ(fact32(h.fact_n), res);
	ASSERT_EQ(0, edu_irq_ack(&e, EDU_IRQ_FACT | EDU_IRQ_DMA));

	/*
	 * Device buffer kept (no reset): its first half from the owner's
	 * DMA, its second from the one that ran during the handover.
	 */
	memset(nw + 8192, 0, EDU_DEV_BUF_USABLE);
	ASSERT_EQ(0, edu_dma(&e, EDU_DMA_FROM_DEVICE, 8192, 0, EDU_DEV_BUF_USABLE,
			     true));
	EXPECT_EQ((size_t)0, mismatches(nw + 8192, HALF, h.seed, &first));
	EXPECT_EQ((size_t)0, mismatches(nw + 8192 + HALF,
					EDU_DEV_BUF_USABLE - HALF, h.seed + 3,
					&first));
	/* And both ways with new data, at the new vaddr. */
	dma_roundtrip(_metadata, &e, 16384, 24576, 0, EDU_DEV_BUF_USABLE,
		      h.seed + 1, true);
	dma_roundtrip(_metadata, &e, 32768, 40960, 100, 1000, h.seed + 2, false);

	/* A new factorial with interrupt, now owned here. */
	ASSERT_EQ(0, edu_factorial_start(&e, 5, true));
	EXPECT_EQ(1, edu_wait_irq(&e, IRQ_TIMEOUT_MS));
	ASSERT_EQ(0, edu_factorial_result(&e, 1000, &res));
	EXPECT_EQ(120u, res);
	ASSERT_EQ(0, edu_irq_ack(&e, EDU_IRQ_FACT));

	edu_close(&e);
	close(fds[FD_MEMFD]);
	munmap(nw, h.size);
	if (reserve != MAP_FAILED)
		munmap(reserve, h.size);
	fflush(stdout);
	_exit(TEST_FAILED() ? 1 : 0);
}

static void wait_child(struct __test_metadata *_metadata, pid_t pid,
		       const char *what)
{
	int st;

	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		TH_LOG("%s: %s %d", what, WIFEXITED(st) ? "exit" : "signal",
		       WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
	EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

/* The owner (this process) stays alive while the successor takes over. */
TEST_TIMEOUT(successor_scm_rights, 90)
{
	uint32_t seed = (uint32_t)getpid() * 131u;
	int sv[2];
	pid_t pid;
	long kb;

	if (!have_edu())
		SKIP(return, "CPRHOLD_EDU/CPRHOLD_VFIO_GROUP not set");
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0)
		successor(_metadata, sv[1], -1);
	close(sv[1]);

	owner_handover(_metadata, sv[0], seed);
	wait_child(_metadata, pid, "successor");
	/* The locked-memory charge moved to the successor with the vaddr. */
	kb = vm_locked_kb();
	TH_LOG("owner after the handover: VmLck %ld kB", kb);
	EXPECT_EQ(0L, kb);
	close(sv[0]);
}

/*
 * The owner exits before the successor picks the fds up: in between they
 * exist only in flight in the socket (as they will in a cprhold session),
 * the group stays held, and the owner's last DMA runs and raises its MSI
 * with no process holding any of them.
 */
TEST_TIMEOUT(successor_after_owner_exit, 90)
{
	uint32_t seed = (uint32_t)getpid() * 137u;
	int sv[2], go[2];
	pid_t spid, opid;
	char path[64];

	if (!have_edu())
		SKIP(return, "CPRHOLD_EDU/CPRHOLD_VFIO_GROUP not set");
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv));
	ASSERT_EQ(0, pipe2(go, O_CLOEXEC));
	spid = fork();
	ASSERT_GE(spid, 0);
	if (spid == 0)
		successor(_metadata, sv[1], go[0]);
	close(sv[1]);
	close(go[0]);

	opid = fork();
	ASSERT_GE(opid, 0);
	if (opid == 0) {
		close(go[1]);
		owner_handover(_metadata, sv[0], seed);
		fflush(stdout);
		_exit(TEST_FAILED() ? 1 : 0);
	}
	close(sv[0]);
	wait_child(_metadata, opid, "owner");

	/* Nobody has the fds open, yet the group is taken. */
	group_path(path, sizeof(path));
	EXPECT_ERRNO(EBUSY, open(path, O_RDWR | O_CLOEXEC));
	/* Let the owner's last DMA (~100 ms) finish before anyone looks. */
	usleep(300 * 1000);

	ASSERT_EQ(1, write(go[1], "g", 1));
	close(go[1]);
	wait_child(_metadata, spid, "successor");
}

TEST_HARNESS_MAIN
