// SPDX-License-Identifier: GPL-2.0
/*
 * vfio_handover_test - a VFIO device (QEMU's edu, bound to vfio-pci) handed
 * from one containerized VMM to its successor through a cprhold session,
 * and kept working: no reset, no lost interrupt, DMA through the same IOVA
 * mapping.  See Documentation/userspace-api/vfio-handover.rst.
 *
 * Each test runs two real containers (lib/container.c) that get
 * /dev/cprhold, /dev/vfio/vfio and /dev/vfio/<group> bind-mounted, the
 * nodes owned by the kvm group their root maps to outside:
 *
 *  A, the old VMM, opens container, group and device itself, sets up the
 *  type1 IOMMU, DMA-maps a memfd, wires MSI to an eventfd, leaves state in
 *  the device (its DMA buffer, the liveness and factorial registers, a
 *  factorial interrupt it never reads), invalidates the DMA vaddr
 *  (VFIO_DMA_UNMAP_FLAG_VADDR), parks the five fds, seals, lets go of
 *  everything and, as its very last act, starts a DMA whose completion MSI
 *  therefore arrives when no process holds the eventfd.
 *
 *  B, the new VMM, claims with the secret (passed in shared memory), gets
 *  the same files back and takes over.  The tests:
 *   - handover_across_containers: the correct successor (new vaddr with
 *     VFIO_DMA_MAP_FLAG_VADDR, every interrupt counted, device state kept,
 *     DMA both ways, finish; then nothing is left behind);
 *   - parked_group_open_is_ebusy: while parked, a second process (on the
 *     host, and in a third container that may open the node) gets the
 *     kernel's EBUSY for the group; destroying the session frees it;
 *   - successor_forgets_vaddr_update: the caller's error - what works and
 *     what breaks when the successor never updates the vaddr, and how it
 *     can still recover;
 *   - successor_exits_with_vaddr_invalid: such a successor finishes and
 *     exits: the container is released cleanly, nothing is left behind;
 *   - owner_skips_vaddr_invalidate: the owner parks without invalidating;
 *     the successor invalidates and updates itself;
 *   - vaddr_update_is_charged_to_successor: the update moves the pinned
 *     memory's RLIMIT_MEMLOCK charge into the successor and fails with
 *     ENOMEM if that does not fit; the kernel does not check that the new
 *     vaddr maps the same memory.
 *
 * Needs $CPRHOLD_EDU and $CPRHOLD_VFIO_GROUP (scripts/vm-init).  The
 * "attach another group" measurement borrows the VM's own virtio-rng
 * device (rebinding it to vfio-pci for the test and back; not the one
 * vm-init bound to vfio-pci, $CPRHOLD_VIO, which later tests use); without
 * one that part is reported as skipped in the log.
 */
#include <dirent.h>
#include <inttypes.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <linux/pci_regs.h>
#include <linux/vfio.h>

#include "lib/ch.h"
#include "lib/container.h"
#include "lib/edu.h"
#include "lib/harness.h"
#include "lib/util.h"

#define IOVA		EDU_DEFAULT_IOVA
#define WIN		EDU_DEFAULT_DMA_SIZE
#define USABLE		EDU_DEV_BUF_USABLE
#define HALF		2048		/* of the device buffer */
#define INFLIGHT_OFF	16384		/* window offset the last DMA reads */
#define FACT_N		12
#define IRQ_TIMEOUT_MS	5000
#define CT_UID		100000		/* both VMMs: the same tenant */

enum { TOK_CONTAINER = 1, TOK_GROUP, TOK_DEVICE, TOK_IRQ, TOK_RAM, NR_TOK = 5 };

/* Between the test and its containers (MAP_SHARED, inherited by clone). */
struct shared {
	char name[CPRHOLD_NAME_MAX];
	uint8_t secret[CPRHOLD_SECRET_SIZE];
	uint64_t old_vaddr;		/* where A mapped the window */
	uint32_t seed;
	uint32_t liveness;		/* what A wrote to the register */
	long msi_base;			/* vfio-msi count, nothing pending */
	long msi_pre_dma;		/* after the factorial MSI, before the DMA */
	int owner_done;			/* A got to the end */
	int successor_done;
	uint64_t t_dma_start_ms;
	uint64_t t_let_go_ms;
	long msi_let_go;		/* right after A let go of everything */
	int skip_invalidate;		/* A parks with the vaddr still valid */
	char group2[64];		/* "" or /dev/vfio/<g2> for B */
};

static struct shared *shm;
static struct __test_metadata *g_md;	/* for ASSERTs in the containers */
static bool in_container;		/* teardown: host side only */

/* ---- small helpers ---- */

static bool have_edu(void)
{
	const char *bdf = getenv("CPRHOLD_EDU");
	const char *grp = getenv("CPRHOLD_VFIO_GROUP");

	return bdf && *bdf && grp && *grp;
}

static uint64_t ms_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

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

/* Byte by byte: the number of mismatches, the first one in *first. */
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

static size_t count_not(const uint8_t *buf, size_t len, uint8_t v)
{
	size_t i, n = 0;

	for (i = 0; i < len; i++)
		n += buf[i] != v;
	return n;
}

static uint32_t fact32(uint32_t n)
{
	uint32_t r = 1;

	while (n > 0)
		r *= n--;
	return r;
}

/* mm->locked_vm of this process in kB (VmLck), -1 if not found. */
static long vm_locked_kb(void)
{
	char line[256];
	long kb = -1;
	FILE *f = fopen("/proc/self/status", "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmLck: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

/*
 * How many times the kernel handled the edu's MSI: the per-CPU counts of
 * its "vfio-msi[0](<bdf>)" line in /proc/interrupts (global, also seen
 * from a container's own procfs).  -1 if there is no such line (MSI not
 * enabled).  Each handled MSI signals the eventfd once.
 */
static long msi_count(void)
{
	char want[96], line[1024], *p, *end;
	long sum = -1, v;
	FILE *f = fopen("/proc/interrupts", "re");

	if (!f)
		return -1;
	snprintf(want, sizeof(want), "vfio-msi[0](%s)", getenv("CPRHOLD_EDU"));
	while (fgets(line, sizeof(line), f)) {
		if (!strstr(line, want) || !(p = strchr(line, ':')))
			continue;
		for (sum = 0, p++;; p = end) {
			v = strtol(p, &end, 10);
			if (end == p)
				break;
			sum += v;
		}
		break;
	}
	fclose(f);
	return sum;
}

/* Poll until msi_count() >= @want; the last count seen. */
static long wait_msi(long want, int timeout_ms)
{
	uint64_t end = ms_now() + timeout_ms;
	long n;

	while ((n = msi_count()) >= 0 && n < want && ms_now() < end)
		usleep(5000);
	return n;
}

/* fds open in this process beyond 0-2. */
static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	int n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d))) {
		int fd = atoi(de->d_name);

		if (de->d_name[0] != '.' && fd > 2 && fd != dirfd(d))
			n++;
	}
	closedir(d);
	return n;
}

/* Lines of /proc/self/maps that mention @what. */
static int count_maps(const char *what)
{
	return count_lines_with("/proc/self/maps", what);
}

static int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, s, strlen(s)) != (ssize_t)strlen(s))
		ret = -errno;
	close(fd);
	return ret;
}

/* The session @name as an administrator sees it (CPRHOLD_LIST_SESSIONS). */
static int find_session(int ctl, const char *name,
			struct cprhold_session_info *out)
{
	struct cprhold_session_info infos[16];
	struct cprhold_list_sessions l;
	uint64_t cursor = 0;
	uint32_t i;

	for (;;) {
		memset(&l, 0, sizeof(l));
		l.size = sizeof(l);
		l.count = 16;
		l.info_size = sizeof(infos[0]);
		l.sessions = (uintptr_t)infos;
		l.cursor = cursor;
		if (ioctl(ctl, CPRHOLD_LIST_SESSIONS, &l))
			return -errno;
		if (!l.count)
			return -ENOENT;
		for (i = 0; i < l.count; i++) {
			if (!strcmp(infos[i].name, name)) {
				*out = infos[i];
				return 0;
			}
		}
		cursor = l.cursor;
	}
}

/* ---- device nodes handed to the containers ---- */

struct node {
	char path[64];
	struct stat st;		/* as it was before the test */
	bool changed;
};

/*
 * Make a node usable by the containers as a runtime would (libvirt gives
 * /dev/vfio/<group> to the VM's user): group kvm, mode 0660.  Nodes that
 * are already world read-write (the container node is 0666) stay so.
 */
static int node_prepare(struct node *n, const char *path, gid_t kvm)
{
	snprintf(n->path, sizeof(n->path), "%s", path);
	if (stat(path, &n->st))
		return -errno;
	if ((n->st.st_mode & 0666) == 0666)
		return 0;
	if (chown(path, 0, kvm) || chmod(path, 0660))
		return -errno;
	n->changed = true;
	return 0;
}

static void node_restore(struct node *n)
{
	if (!n->changed)
		return;
	if (chown(n->path, n->st.st_uid, n->st.st_gid) == 0)
		chmod(n->path, n->st.st_mode & 07777);
	n->changed = false;
}

/*
 * A second IOMMU group, to measure what attaching a group to a container
 * with an invalid vaddr does: the VM's virtio-rng, alone in its group,
 * rebound to vfio-pci for the test and given back afterwards.
 */
struct group2 {
	char bdf[32];
	char driver[64];	/* its driver before, "" if none */
	char path[64];		/* /dev/vfio/<n> */
	bool bound;
	struct node node;
};

static int link_base(const char *path, char *buf, size_t len)
{
	char target[256];
	ssize_t n = readlink(path, target, sizeof(target) - 1);

	if (n < 0)
		return -errno;
	target[n] = '\0';
	snprintf(buf, len, "%.63s", strrchr(target, '/') ? strrchr(target, '/') + 1
						      : target);
	return 0;
}

static int group2_find(struct group2 *g)
{
	char path[256], v[32], grp[32];
	struct dirent *de, *ge;
	int ret = -ENODEV;
	DIR *d = opendir("/sys/bus/pci/devices");
	const char *vio = getenv("CPRHOLD_VIO");

	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		DIR *gd;
		int n = 0;

		/* Not the virtio-rng vm-init bound for the QEMU tests */
		if (de->d_name[0] == '.' || (vio && !strcmp(de->d_name, vio)))
			continue;
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%.64s/vendor",
			 de->d_name);
		if (read_file_str(path, v, sizeof(v)) || strcmp(v, "0x1af4"))
			continue;
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%.64s/device",
			 de->d_name);
		if (read_file_str(path, v, sizeof(v)) ||
		    (strcmp(v, "0x1005") && strcmp(v, "0x1044")))
			continue;
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%.64s/iommu_group",
			 de->d_name);
		if (link_base(path, grp, sizeof(grp)))
			continue;
		/* Alone in its group: binding it takes nothing else along. */
		snprintf(path, sizeof(path), "/sys/kernel/iommu_groups/%s/devices",
			 grp);
		gd = opendir(path);
		if (!gd)
			continue;
		while ((ge = readdir(gd)) != NULL)
			n += ge->d_name[0] != '.';
		closedir(gd);
		if (n != 1)
			continue;
		snprintf(path, sizeof(path), "/sys/kernel/iommu_groups/%s/devices",
			 grp);
		gd = opendir(path);
		while (gd && (ge = readdir(gd)) != NULL)
			if (ge->d_name[0] != '.')
				snprintf(g->bdf, sizeof(g->bdf), "%.31s", ge->d_name);
		if (gd)
			closedir(gd);
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver",
			 g->bdf);
		if (link_base(path, g->driver, sizeof(g->driver)))
			g->driver[0] = '\0';
		snprintf(g->path, sizeof(g->path), "/dev/vfio/%s", grp);
		ret = 0;
		break;
	}
	closedir(d);
	return ret;
}

static int group2_bind(struct group2 *g, gid_t kvm)
{
	char path[256];
	int ret;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver_override",
		 g->bdf);
	ret = write_str(path, "vfio-pci");
	if (ret)
		return ret;
	g->bound = true;	/* from here on, group2_restore() undoes it */
	if (g->driver[0]) {
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver/unbind",
			 g->bdf);
		ret = write_str(path, g->bdf);
		if (ret)
			return ret;
	}
	ret = write_str("/sys/bus/pci/drivers_probe", g->bdf);
	if (ret)
		return ret;
	if (!wait_for_path(g->path, 5000))
		return -ENODEV;
	return node_prepare(&g->node, g->path, kvm);
}

static void group2_restore(struct group2 *g)
{
	char path[256], drv[64] = "";
	int i;

	if (!g->bound)
		return;
	node_restore(&g->node);
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver", g->bdf);
	if (!link_base(path, drv, sizeof(drv)) && !strcmp(drv, "vfio-pci"))
		write_str("/sys/bus/pci/drivers/vfio-pci/unbind", g->bdf);
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver_override",
		 g->bdf);
	write_str(path, "\n");
	write_str("/sys/bus/pci/drivers_probe", g->bdf);
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver", g->bdf);
	for (i = 0; i < 500 && g->driver[0]; i++) {
		if (!link_base(path, drv, sizeof(drv)) && !strcmp(drv, g->driver))
			break;
		usleep(10000);
	}
	g->bound = false;
}

/* ---- the old VMM, in container A ---- */

/*
 * Open, set up and use the device; park everything; let go.  Runs as pid
 * 1 of its container; ASSERTs end the container with status 1.
 */
static int ct_owner(void *arg)
{
	struct __test_metadata *_metadata = g_md;
	struct cprhold_entry ent[NR_TOK];
	uint32_t st = 0;
	uint64_t cmd = 0, t0;
	struct edu e;
	uint8_t *buf;
	int ctl, sfd;

	(void)arg;
	in_container = true;
	/* A container's process does not inherit the test's fds. */
	close_range(3, ~0U, 0);
	ASSERT_EQ(1, getpid());

	/* The VMM opens the nodes passed into its container itself. */
	ASSERT_EQ(0, edu_open(&e, NULL, -1, IOVA, WIN));
	buf = e.dma_vaddr;
	shm->old_vaddr = (uintptr_t)buf;

	/* State in the device: the first half of its buffer, liveness. */
	fill(buf, USABLE, shm->seed);
	ASSERT_EQ(0, edu_dma(&e, EDU_DMA_TO_DEVICE, 0, 0, HALF, true));
	fill(buf + INFLIGHT_OFF, USABLE - HALF, shm->seed + 3);
	ASSERT_EQ(0, edu_write32(&e, EDU_REG_LIVENESS, shm->liveness));
	/* Quiet: nothing pending in the device or the eventfd. */
	ASSERT_EQ(0, edu_irq_ack(&e, ~0U));
	ASSERT_EQ(-ETIMEDOUT, edu_wait_irq(&e, 0));
	shm->msi_base = msi_count();
	ASSERT_GE(shm->msi_base, 1);

	/*
	 * A factorial with interrupt.  Its MSI is counted on the eventfd,
	 * which this process never reads again: the successor must find it.
	 * Wait until it was delivered, so that the last DMA's MSI is the
	 * only one that can come later (and cannot merge with this one).
	 */
	ASSERT_EQ(0, edu_factorial_start(&e, FACT_N, true));
	t0 = ms_now();
	for (;;) {
		ASSERT_EQ(0, edu_irq_status(&e, &st));
		if ((st & EDU_IRQ_FACT) || ms_now() - t0 > IRQ_TIMEOUT_MS)
			break;
		usleep(1000);
	}
	ASSERT_TRUE(st & EDU_IRQ_FACT);
	shm->msi_pre_dma = wait_msi(shm->msi_base + 1, IRQ_TIMEOUT_MS);
	ASSERT_EQ(shm->msi_base + 1, shm->msi_pre_dma);

	/* The window's vaddr is this process's: forget it. */
	if (!shm->skip_invalidate)
		ASSERT_EQ(0, edu_dma_invalidate_vaddr(&e));

	ctl = ch_open();
	ASSERT_GE(ctl, 0);
	sfd = ch_create_ex(ctl, shm->name, CPRHOLD_CREATE_SAME_KUID, 0,
			   shm->secret);
	ASSERT_GE(sfd, 0);
	ch_entry(&ent[0], e.container_fd, TOK_CONTAINER, "vfio-container");
	ch_entry(&ent[1], e.group_fd, TOK_GROUP, "vfio-group");
	ch_entry(&ent[2], e.device_fd, TOK_DEVICE, "edu");
	ch_entry(&ent[3], e.irq_fd, TOK_IRQ, "edu-msi0");
	ch_entry(&ent[4], e.memfd, TOK_RAM, "dma-window");
	ent[4].flags = CPRHOLD_ENTRY_ADDR;
	ent[4].addr = (uintptr_t)buf;
	ASSERT_EQ(0, ch_park(sfd, ent, NR_TOK));
	EXPECT_EQ((uint32_t)CPRHOLD_ENTRY_VFIO_CONTAINER, ent[0].type);
	EXPECT_EQ((uint32_t)CPRHOLD_ENTRY_VFIO_GROUP, ent[1].type);
	EXPECT_EQ((uint32_t)CPRHOLD_ENTRY_VFIO_DEVICE, ent[2].type);
	EXPECT_EQ((uint32_t)CPRHOLD_ENTRY_EVENTFD, ent[3].type);
	EXPECT_EQ((uint32_t)CPRHOLD_ENTRY_MEMFD, ent[4].type);
	EXPECT_EQ((uint64_t)WIN, (uint64_t)ent[4].data.mem.size);
	ASSERT_EQ(0, ch_seal(sfd));

	/*
	 * Let go of everything but the device fd and its BAR0 mapping: the
	 * session fd, the eventfd, the memfd and its mapping, group and
	 * container.
	 */
	close(sfd);
	close(ctl);
	close(e.irq_fd);
	close(e.memfd);
	close(e.group_fd);
	close(e.container_fd);
	e.irq_fd = e.memfd = e.group_fd = e.container_fd = -1;
	ASSERT_EQ(0, edu_unmap_buffer(&e));

	/*
	 * Last act: a DMA with interrupt (~100 ms in QEMU's edu).  It reads
	 * the window through the IOMMU while nobody maps it, and its MSI is
	 * raised after the device clears RUN - which it has not done when
	 * this process drops its last reference below.
	 */
	ASSERT_EQ(0, edu_dma_start(&e, EDU_DMA_TO_DEVICE, INFLIGHT_OFF, HALF,
				   USABLE - HALF, true));
	shm->t_dma_start_ms = ms_now();
	ASSERT_EQ(0, edu_read64(&e, EDU_REG_DMA_CMD, &cmd));
	munmap((void *)e.bar0, e.bar0_size);
	e.bar0 = NULL;
	close(e.device_fd);
	e.device_fd = -1;
	shm->t_let_go_ms = ms_now();
	shm->msi_let_go = msi_count();
	/* RUN was still set when the device fd was the only thing left. */
	ASSERT_TRUE(cmd & EDU_DMA_CMD_RUN);
	/* And its MSI had not come yet when nothing was left at all. */
	EXPECT_EQ(shm->msi_pre_dma, shm->msi_let_go);

	/* Nothing of the device, its memory or the session is left here. */
	EXPECT_EQ(0, count_fds());
	EXPECT_EQ(0, count_maps("[vfio-device]"));
	EXPECT_EQ(0, count_maps("edu-dma"));
	shm->owner_done = 1;
	fflush(stdout);
	return TEST_FAILED() ? 1 : 0;
}

/* ---- the new VMM, in container B ---- */

struct succ {
	int ctl, sfd, memfd;
	struct edu e;
	uint8_t *nw;		/* the window, mapped here */
	void *reserve;		/* keeps the old address taken */
};

/*
 * Claim and retrieve; map the memfd at a new address; adopt the VFIO fds.
 * Checks on the way that the group is exclusively held, that the session
 * holds what A parked, and that the device was not reset.  Does not touch
 * the IOMMU (the vaddr is still invalid).
 */
static void succ_take(struct __test_metadata *_metadata, struct succ *s)
{
	uint64_t tokens[NR_TOK] = {
		TOK_CONTAINER, TOK_GROUP, TOK_DEVICE, TOK_IRQ, TOK_RAM,
	};
	struct cprhold_entry out[8];
	struct cprhold_list l = {
		.size = sizeof(l), .count = 8, .entry_size = sizeof(out[0]),
		.entries = (uintptr_t)out,
	};
	struct cprhold_session_info info;
	char path[64];
	uint16_t cmd;
	uint32_t v;
	size_t first;
	int fds[NR_TOK], fd;

	memset(s, 0, sizeof(*s));
	edu_init(&s->e);
	s->ctl = s->sfd = s->memfd = -1;
	in_container = true;
	close_range(3, ~0U, 0);
	ASSERT_EQ(1, getpid());

	/*
	 * The group is parked, nobody has it open, and still: the kernel's
	 * own single-open rule (the node is ours to open: not EACCES).
	 */
	snprintf(path, sizeof(path), "/dev/vfio/%s",
		 getenv("CPRHOLD_VFIO_GROUP"));
	ASSERT_EQ(0, access(path, R_OK | W_OK));
	EXPECT_ERRNO(EBUSY, open(path, O_RDWR | O_CLOEXEC));
	/* The container node is not exclusive. */
	fd = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	EXPECT_GE(fd, 0);
	if (fd >= 0)
		close(fd);

	s->ctl = ch_open();
	ASSERT_GE(s->ctl, 0);
	s->sfd = ch_claim(s->ctl, shm->name, shm->secret);
	ASSERT_GE(s->sfd, 0);
	ASSERT_EQ(0, ch_info(s->sfd, &info));
	EXPECT_EQ((uint32_t)CPRHOLD_STATE_CLAIMED, info.state);
	EXPECT_EQ((uint32_t)NR_TOK, info.nr_entries);
	EXPECT_EQ((uint64_t)WIN, (uint64_t)info.mem_bytes);

	/* What the kernel says it holds, before taking anything. */
	ASSERT_EQ(0, ioctl(s->sfd, CPRHOLD_LIST, &l));
	ASSERT_EQ((uint32_t)NR_TOK, l.count);
	EXPECT_EQ((uint32_t)CPRHOLD_ENTRY_VFIO_CONTAINER, out[0].type);
	EXPECT_EQ((uint32_t)CPRHOLD_ENTRY_VFIO_GROUP, out[1].type);
	EXPECT_EQ((uint32_t)CPRHOLD_ENTRY_VFIO_DEVICE, out[2].type);
	EXPECT_EQ((uint32_t)CPRHOLD_ENTRY_EVENTFD, out[3].type);
	EXPECT_EQ((uint32_t)CPRHOLD_ENTRY_MEMFD, out[4].type);
	EXPECT_EQ((uint32_t)CPRHOLD_ENTRY_ADDR, out[4].flags);
	EXPECT_EQ(shm->old_vaddr, (uint64_t)out[4].addr);
	EXPECT_STREQ("dma-window", out[4].label);

	ASSERT_EQ(0, ch_retrieve(s->sfd, tokens, fds, NR_TOK));
	s->memfd = fds[4];

	/*
	 * A new address for the window: the old one is kept taken, as
	 * anything else in the new process could have it.
	 */
	s->reserve = mmap((void *)(uintptr_t)shm->old_vaddr, WIN, PROT_NONE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
			  -1, 0);
	s->nw = mmap(NULL, WIN, PROT_READ | PROT_WRITE, MAP_SHARED, s->memfd, 0);
	ASSERT_NE(MAP_FAILED, (void *)s->nw);
	ASSERT_NE(shm->old_vaddr, (uint64_t)(uintptr_t)s->nw);
	TH_LOG("successor: window moves from %#" PRIx64 " to %p",
	       shm->old_vaddr, s->nw);
	/* The same memory: what A wrote is there. */
	EXPECT_EQ((size_t)0, mismatches(s->nw, USABLE, shm->seed, &first));
	EXPECT_EQ((size_t)0, mismatches(s->nw + INFLIGHT_OFF, USABLE - HALF,
					shm->seed + 3, &first));

	ASSERT_EQ(0, edu_init_from_fds(&s->e, fds[0], fds[1], fds[2], fds[3],
				       IOVA, WIN, s->nw));
	/* Never reset: bus mastering and the liveness register as A left them. */
	ASSERT_EQ(0, edu_cfg_read16(&s->e, PCI_COMMAND, &cmd));
	EXPECT_TRUE(cmd & PCI_COMMAND_MASTER);
	ASSERT_EQ(0, edu_read32(&s->e, EDU_REG_LIVENESS, &v));
	EXPECT_EQ(~shm->liveness, v);
	/* MSI still wired by vfio-pci (a released device loses it). */
	EXPECT_GE(msi_count(), shm->msi_pre_dma);
}

/*
 * The interrupts raised across the handover: the factorial's (before A
 * let go, never read by A) and the last DMA's (after).  Both are on the
 * eventfd, one count per MSI the kernel handled: none lost.
 */
static void succ_collect_irqs(struct __test_metadata *_metadata,
			      struct succ *s)
{
	uint32_t st = 0, res;
	uint64_t t0 = ms_now();
	long msi;
	int n, total = 0;

	ASSERT_EQ(0, edu_dma_wait(&s->e, EDU_DMA_TIMEOUT_MS));
	for (;;) {
		ASSERT_EQ(0, edu_irq_status(&s->e, &st));
		if ((st & EDU_IRQ_FACT && st & EDU_IRQ_DMA) ||
		    ms_now() - t0 > IRQ_TIMEOUT_MS)
			break;
		usleep(1000);
	}
	EXPECT_EQ((uint32_t)(EDU_IRQ_FACT | EDU_IRQ_DMA), st);
	for (;;) {
		n = edu_wait_irq(&s->e, 200);
		if (n > 0) {
			total += n;
			continue;
		}
		ASSERT_EQ(-ETIMEDOUT, n);
		msi = msi_count();
		if (total >= msi - shm->msi_base || ms_now() - t0 > IRQ_TIMEOUT_MS)
			break;
	}
	TH_LOG("successor: %d interrupt(s) on the eventfd, %ld MSI(s) handled "
	       "since the owner's baseline", total, msi - shm->msi_base);
	EXPECT_EQ(2, total);
	EXPECT_EQ(msi - shm->msi_base, (long)total);
	/* The factorial result register: A's computation, kept. */
	ASSERT_EQ(0, edu_factorial_result(&s->e, 1000, &res));
	EXPECT_EQ(fact32(FACT_N), res);
	ASSERT_EQ(0, edu_irq_ack(&s->e, EDU_IRQ_FACT | EDU_IRQ_DMA));
	ASSERT_EQ(0, edu_irq_status(&s->e, &st));
	EXPECT_EQ(0u, st);
}

/*
 * The device buffer read back through the IOMMU into the memfd at window
 * offset @off: its first half from A's DMA before the handover, the rest
 * from the DMA that ran in the gap.
 */
static void succ_check_dev_buffer(struct __test_metadata *_metadata,
				  struct succ *s, uint64_t off)
{
	size_t first;
	uint32_t head;

	memset(s->nw + off, 0, USABLE);
	ASSERT_EQ(0, edu_dma(&s->e, EDU_DMA_FROM_DEVICE, off, 0, USABLE, true));
	memcpy(&head, s->nw + off, sizeof(head));
	TH_LOG("successor: device buffer at %#x starts with %#010x", EDU_DEV_BUF_ADDR,
	       head);
	EXPECT_EQ((size_t)0, mismatches(s->nw + off, HALF, shm->seed, &first));
	EXPECT_EQ((size_t)0, mismatches(s->nw + off + HALF, USABLE - HALF,
					shm->seed + 3, &first));
}

/* RAM -> device -> RAM through the window, checked byte by byte. */
static void roundtrip(struct __test_metadata *_metadata, struct edu *e,
		      uint8_t *win, uint64_t src, uint64_t dst, uint32_t dev_off,
		      uint32_t len, uint32_t seed, bool irq)
{
	size_t bad, first;

	fill(win + src, len, seed);
	memset(win + dst, 0, len);
	ASSERT_EQ(0, edu_dma(e, EDU_DMA_TO_DEVICE, src, dev_off, len, irq));
	ASSERT_EQ(0, edu_dma(e, EDU_DMA_FROM_DEVICE, dst, dev_off, len, irq));
	bad = mismatches(win + dst, len, seed, &first);
	if (bad)
		TH_LOG("%zu of %u bytes differ, first at %zu", bad, len, first);
	EXPECT_EQ((size_t)0, bad);
}

static void succ_end(struct __test_metadata *_metadata, struct succ *s)
{
	ASSERT_EQ(0, ch_finish(s->sfd));
	EXPECT_EQ(CPRHOLD_STATE_FINISHED, ch_state(s->sfd));
	edu_close(&s->e);
	close(s->memfd);
	munmap(s->nw, WIN);
	if (s->reserve != MAP_FAILED)
		munmap(s->reserve, WIN);
	close(s->sfd);
	close(s->ctl);
	shm->successor_done = 1;
	fflush(stdout);
}

/* The correct successor. */
static int ct_successor(void *arg)
{
	struct __test_metadata *_metadata = g_md;
	struct succ s;
	uint32_t res;
	long kb0, kb1;

	(void)arg;
	succ_take(_metadata, &s);

	/* The window's new vaddr; the locked-memory charge comes along. */
	kb0 = vm_locked_kb();
	ASSERT_EQ(0, edu_dma_update_vaddr(&s.e, s.nw));
	kb1 = vm_locked_kb();
	TH_LOG("successor: VmLck %ld kB -> %ld kB with MAP_DMA(FLAG_VADDR)",
	       kb0, kb1);
	EXPECT_EQ((long)(WIN / 1024), kb1 - kb0);

	succ_collect_irqs(_metadata, &s);
	succ_check_dev_buffer(_metadata, &s, 8192);

	/* Both ways with new data, through the same IOVA mapping. */
	roundtrip(_metadata, &s.e, s.nw, 16384, 24576, 0, USABLE,
		  shm->seed + 1, true);
	roundtrip(_metadata, &s.e, s.nw, 32768, 40960, 100, 1000,
		  shm->seed + 2, false);
	/* Its own interrupt, through the same eventfd. */
	ASSERT_EQ(0, edu_factorial_start(&s.e, 5, true));
	EXPECT_EQ(1, edu_wait_irq(&s.e, IRQ_TIMEOUT_MS));
	ASSERT_EQ(0, edu_factorial_result(&s.e, 1000, &res));
	EXPECT_EQ(120u, res);
	ASSERT_EQ(0, edu_irq_ack(&s.e, EDU_IRQ_FACT));

	succ_end(_metadata, &s);
	return TEST_FAILED() ? 1 : 0;
}

/*
 * VFIO_GROUP_SET_CONTAINER of @g2 (another group) to @container, in a
 * child, bounded: 0 or the errno, or -ETIMEDOUT if it blocked (then the
 * child is killed).
 */
static int attach_group_bounded(const char *g2, int container, int timeout_ms)
{
	uint64_t end = ms_now() + timeout_ms;
	int gfd, st, ret;
	pid_t pid, w;

	gfd = open(g2, O_RDWR | O_CLOEXEC);
	if (gfd < 0)
		return errno;
	pid = fork();
	if (pid < 0) {
		ret = errno;
		close(gfd);
		return ret;
	}
	if (pid == 0)
		_exit(ioctl(gfd, VFIO_GROUP_SET_CONTAINER, &container) ? errno : 0);
	while ((w = waitpid(pid, &st, WNOHANG)) == 0 && ms_now() < end)
		usleep(5000);
	if (w == 0) {
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
		ret = -ETIMEDOUT;
	} else {
		ret = WIFEXITED(st) ? WEXITSTATUS(st) : -EINTR;
	}
	/* The child's attach is the file's: undo it here. */
	if (ret == 0)
		ioctl(gfd, VFIO_GROUP_UNSET_CONTAINER);
	close(gfd);
	return ret;
}

/* A successor that never updates the vaddr. */
static int ct_forgetful(void *arg)
{
	struct __test_metadata *_metadata = g_md;
	struct vfio_iommu_type1_dma_unmap unmap = { .argsz = sizeof(unmap) };
	struct vfio_iommu_type1_dma_map map = { .argsz = sizeof(map) };
	struct succ s;
	uint8_t *extra;
	uint64_t t0;
	size_t first;
	int ret, gfd;

	(void)arg;
	succ_take(_metadata, &s);

	/* Nothing is charged to this process: the pins are the dead owner's. */
	EXPECT_EQ(0L, vm_locked_kb());

	/*
	 * Device DMA does not need the vaddr: the IOMMU page tables and the
	 * page pins are unchanged, so everything the device does still
	 * works, both ways, in the memfd pages.
	 */
	succ_collect_irqs(_metadata, &s);
	t0 = ms_now();
	succ_check_dev_buffer(_metadata, &s, 8192);
	roundtrip(_metadata, &s.e, s.nw, 16384, 24576, 0, USABLE,
		  shm->seed + 5, true);
	TH_LOG("forgetful: DMA in both directions with the vaddr invalid: "
	       "%s, %llu ms", TEST_FAILED() ? "FAILED" : "completed",
	       (unsigned long long)(ms_now() - t0));

	/* Cannot hand over again the same way: it is invalid already. */
	unmap.flags = VFIO_DMA_UNMAP_FLAG_VADDR;
	unmap.iova = IOVA;
	unmap.size = WIN;
	EXPECT_ERRNO(EINVAL, ioctl(s.e.container_fd, VFIO_IOMMU_UNMAP_DMA,
				   &unmap));
	/* A plain map over the window: it is mapped, EEXIST. */
	map.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE;
	map.vaddr = (uintptr_t)s.nw;
	map.iova = IOVA;
	map.size = WIN;
	EXPECT_ERRNO(EEXIST, ioctl(s.e.container_fd, VFIO_IOMMU_MAP_DMA, &map));

	/* A new mapping of another range: pins from this process, works. */
	extra = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, (void *)extra);
	map.vaddr = (uintptr_t)extra;
	map.iova = IOVA + 0x100000;
	map.size = 4096;
	ret = ioctl(s.e.container_fd, VFIO_IOMMU_MAP_DMA, &map);
	TH_LOG("forgetful: MAP_DMA of another range: %s", ret ? strerror(errno) : "ok");
	EXPECT_EQ(0, ret);
	EXPECT_EQ(4L, vm_locked_kb());
	unmap.flags = 0;
	unmap.iova = map.iova;
	unmap.size = 4096;
	EXPECT_EQ(0, ioctl(s.e.container_fd, VFIO_IOMMU_UNMAP_DMA, &unmap));
	EXPECT_EQ((uint64_t)4096, (uint64_t)unmap.size);
	EXPECT_EQ(0L, vm_locked_kb());
	munmap(extra, 4096);

	/*
	 * Attaching another group needs the vaddr (the new IOMMU domain is
	 * populated by pinning through it): refused.
	 */
	if (shm->group2[0]) {
		ret = attach_group_bounded(shm->group2, s.e.container_fd, 3000);
		TH_LOG("forgetful: attaching another group: %s",
		       ret == -ETIMEDOUT ? "blocked" : ret ? strerror(ret) : "ok");
		EXPECT_EQ(EBUSY, ret);
	} else {
		TH_LOG("forgetful: no second IOMMU group: attach not measured");
	}

	/*
	 * A plain unmap of the window (no VADDR flag) is allowed: the
	 * mapping goes, the pages are unpinned (charged to nobody here).
	 */
	unmap.flags = 0;
	unmap.iova = IOVA;
	unmap.size = WIN;
	ret = ioctl(s.e.container_fd, VFIO_IOMMU_UNMAP_DMA, &unmap);
	TH_LOG("forgetful: plain UNMAP_DMA of the invalid window: %s, %llu bytes",
	       ret ? strerror(errno) : "ok", (unsigned long long)unmap.size);
	EXPECT_EQ(0, ret);
	EXPECT_EQ((uint64_t)WIN, (uint64_t)unmap.size);
	EXPECT_EQ(0L, vm_locked_kb());
	/* Now there is nothing to update. */
	EXPECT_EQ(-ENOENT, edu_dma_update_vaddr(&s.e, s.nw));

	/*
	 * Recovery without FLAG_VADDR: map the window afresh from this
	 * process's mapping of the same memfd (pins and charges here).
	 */
	map.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE;
	map.vaddr = (uintptr_t)s.nw;
	map.iova = IOVA;
	map.size = WIN;
	ASSERT_EQ(0, ioctl(s.e.container_fd, VFIO_IOMMU_MAP_DMA, &map));
	EXPECT_EQ((long)(WIN / 1024), vm_locked_kb());
	/* The device buffer still holds what went in with the vaddr invalid. */
	memset(s.nw + 49152, 0, USABLE);
	ASSERT_EQ(0, edu_dma(&s.e, EDU_DMA_FROM_DEVICE, 49152, 0, USABLE, true));
	EXPECT_EQ((size_t)0, mismatches(s.nw + 49152, USABLE, shm->seed + 5,
					&first));
	roundtrip(_metadata, &s.e, s.nw, 32768, 40960, 7, 999,
		  shm->seed + 6, false);

	/* With every vaddr valid, the other group attaches. */
	if (shm->group2[0]) {
		gfd = open(shm->group2, O_RDWR | O_CLOEXEC);
		ASSERT_GE(gfd, 0);
		EXPECT_EQ(0, ioctl(gfd, VFIO_GROUP_SET_CONTAINER, &s.e.container_fd));
		EXPECT_EQ(0, ioctl(gfd, VFIO_GROUP_UNSET_CONTAINER));
		close(gfd);
	}

	succ_end(_metadata, &s);
	return TEST_FAILED() ? 1 : 0;
}

/*
 * A successor that uses the device without the update and then finishes
 * and exits: the container is released with the vaddr still invalid.
 */
static int ct_forgetful_exit(void *arg)
{
	struct __test_metadata *_metadata = g_md;
	struct succ s;

	(void)arg;
	succ_take(_metadata, &s);
	succ_collect_irqs(_metadata, &s);
	succ_check_dev_buffer(_metadata, &s, 8192);
	roundtrip(_metadata, &s.e, s.nw, 16384, 24576, 0, USABLE,
		  shm->seed + 9, true);
	EXPECT_EQ(0L, vm_locked_kb());
	succ_end(_metadata, &s);
	return TEST_FAILED() ? 1 : 0;
}

/*
 * The update moves the pinned window's RLIMIT_MEMLOCK charge into the
 * caller (a container's root has no CAP_IPC_LOCK in the initial user
 * namespace, so its limit applies); and it trusts the caller about what
 * the new vaddr maps.
 */
static int ct_memlock(void *arg)
{
	struct __test_metadata *_metadata = g_md;
	struct rlimit old, low;
	struct succ s;
	uint8_t *anon;
	size_t first;
	int ret;

	(void)arg;
	succ_take(_metadata, &s);
	succ_collect_irqs(_metadata, &s);

	ASSERT_EQ(0, getrlimit(RLIMIT_MEMLOCK, &old));
	TH_LOG("memlock: RLIMIT_MEMLOCK %llu/%llu, window %llu kB",
	       (unsigned long long)old.rlim_cur, (unsigned long long)old.rlim_max,
	       (unsigned long long)(WIN / 1024));
	ASSERT_TRUE(old.rlim_cur == RLIM_INFINITY || old.rlim_cur >= WIN);
	low = old;
	low.rlim_cur = WIN / 2;
	ASSERT_EQ(0, setrlimit(RLIMIT_MEMLOCK, &low));
	ret = edu_dma_update_vaddr(&s.e, s.nw);
	TH_LOG("memlock: update with RLIMIT_MEMLOCK %llu: %s",
	       (unsigned long long)low.rlim_cur, ret ? strerror(-ret) : "ok");
	EXPECT_EQ(-ENOMEM, ret);
	EXPECT_EQ(0L, vm_locked_kb());
	/* Still invalid: invalidating again is EINVAL, the update can retry. */
	EXPECT_EQ(-EINVAL, edu_dma_invalidate_vaddr(&s.e));
	ASSERT_EQ(0, setrlimit(RLIMIT_MEMLOCK, &old));
	ASSERT_EQ(0, edu_dma_update_vaddr(&s.e, s.nw));
	EXPECT_EQ((long)(WIN / 1024), vm_locked_kb());

	/*
	 * A vaddr that maps other memory is accepted: the kernel keeps the
	 * pinned pages and only records the address.  The device goes on
	 * using the memfd; the process's view of "the window" is wrong.
	 */
	ASSERT_EQ(0, edu_dma_invalidate_vaddr(&s.e));
	anon = mmap(NULL, WIN, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, (void *)anon);
	memset(anon, 0x5a, WIN);
	ret = edu_dma_update_vaddr(&s.e, anon);
	TH_LOG("memlock: update to a vaddr mapping other memory: %s",
	       ret ? strerror(-ret) : "accepted");
	EXPECT_EQ(0, ret);
	fill(s.nw + 16384, USABLE, shm->seed + 7);
	ASSERT_EQ(0, edu_dma(&s.e, EDU_DMA_TO_DEVICE, 16384, 0, USABLE, true));
	ASSERT_EQ(0, edu_dma(&s.e, EDU_DMA_FROM_DEVICE, 24576, 0, USABLE, true));
	EXPECT_EQ((size_t)0, mismatches(s.nw + 24576, USABLE, shm->seed + 7,
					&first));
	EXPECT_EQ((size_t)0, count_not(anon + 24576, USABLE, 0x5a));
	/* Put right: invalidate, update with the memfd's mapping. */
	ASSERT_EQ(0, edu_dma_invalidate_vaddr(&s.e));
	ASSERT_EQ(0, edu_dma_update_vaddr(&s.e, s.nw));
	munmap(anon, WIN);
	roundtrip(_metadata, &s.e, s.nw, 32768, 40960, 0, USABLE,
		  shm->seed + 8, true);

	succ_end(_metadata, &s);
	return TEST_FAILED() ? 1 : 0;
}

/* A third container that wants the parked group. */
static int ct_intruder(void *arg)
{
	struct __test_metadata *_metadata = g_md;
	char path[64];
	int fd, err;

	(void)arg;
	in_container = true;
	close_range(3, ~0U, 0);
	snprintf(path, sizeof(path), "/dev/vfio/%s",
		 getenv("CPRHOLD_VFIO_GROUP"));
	/* Allowed by the file mode, refused by VFIO. */
	ASSERT_EQ(0, access(path, R_OK | W_OK));
	fd = open(path, O_RDWR | O_CLOEXEC);
	err = fd < 0 ? errno : 0;
	TH_LOG("intruder: open(%s) while parked: %s", path,
	       fd < 0 ? strerror(err) : "opened");
	EXPECT_EQ(-1, fd);
	EXPECT_EQ(EBUSY, err);
	/* The container node is not exclusive; without a group it is idle. */
	fd = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	EXPECT_GE(fd, 0);
	if (fd >= 0)
		close(fd);
	fflush(stdout);
	return TEST_FAILED() ? 1 : 0;
}

/* The successor of an owner that did not invalidate the vaddr. */
static int ct_late_invalidate(void *arg)
{
	struct __test_metadata *_metadata = g_md;
	struct succ s;
	int ret;

	(void)arg;
	succ_take(_metadata, &s);
	/* The old vaddr counts as valid: nothing to update. */
	ret = edu_dma_update_vaddr(&s.e, s.nw);
	TH_LOG("late: MAP_DMA(FLAG_VADDR) over the owner's valid vaddr: %s",
	       ret ? strerror(-ret) : "ok");
	EXPECT_EQ(-EINVAL, ret);
	EXPECT_EQ(0L, vm_locked_kb());
	/* The device does not care. */
	succ_collect_irqs(_metadata, &s);
	succ_check_dev_buffer(_metadata, &s, 8192);
	/* The successor invalidates, then updates: the usual state. */
	ret = edu_dma_invalidate_vaddr(&s.e);
	TH_LOG("late: UNMAP_DMA(FLAG_VADDR) by the successor: %s",
	       ret ? strerror(-ret) : "ok");
	ASSERT_EQ(0, ret);
	ASSERT_EQ(0, edu_dma_update_vaddr(&s.e, s.nw));
	EXPECT_EQ((long)(WIN / 1024), vm_locked_kb());
	roundtrip(_metadata, &s.e, s.nw, 16384, 24576, 0, USABLE,
		  shm->seed + 11, true);
	succ_end(_metadata, &s);
	return TEST_FAILED() ? 1 : 0;
}

/* ---- the test, on the host side ---- */

FIXTURE(vh) {
	gid_t kvm;
	int ctl;
	long sessions, entries, objects;
	struct node nodes[2];
	struct group2 g2;
	char group_path[64];
	const char *devs[5];
	struct ct_opts a, b;
};

FIXTURE_SETUP(vh)
{
	int fd;

	g_md = _metadata;
	self->ctl = -1;
	if (!have_edu())
		SKIP(return, "CPRHOLD_EDU/CPRHOLD_VFIO_GROUP not set");
	shm = mmap(NULL, sizeof(*shm), PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, (void *)shm);
	memset(shm, 0, sizeof(*shm));
	ch_name(shm->name, sizeof(shm->name), "vfio");
	shm->seed = (uint32_t)getpid() * 2654435761u;
	shm->liveness = shm->seed ^ 0x5aa5c33cu;

	ASSERT_EQ(0, ct_prepare_device(&self->kvm));
	snprintf(self->group_path, sizeof(self->group_path), "/dev/vfio/%s",
		 getenv("CPRHOLD_VFIO_GROUP"));
	ASSERT_EQ(0, node_prepare(&self->nodes[0], "/dev/vfio/vfio", self->kvm));
	ASSERT_EQ(0, node_prepare(&self->nodes[1], self->group_path, self->kvm));
	self->devs[0] = "/dev/vfio/vfio";
	self->devs[1] = self->group_path;

	self->ctl = ch_open();
	ASSERT_GE(self->ctl, 0);
	/* Free before the test: no leftover of an earlier one holds it. */
	fd = open(self->group_path, O_RDWR | O_CLOEXEC);
	ASSERT_GE(fd, 0);
	close(fd);
	self->sessions = ch_sysfs("sessions");
	self->entries = ch_sysfs("entries");
	self->objects = ch_sysfs("session_objects");
	ASSERT_GE(self->sessions, 0);

	self->a = (struct ct_opts){
		.host_uid = CT_UID, .host_gid = self->kvm, .userns_fd = -1,
		.hostname = "vmm-old", .devices = self->devs,
	};
	self->b = self->a;
	self->b.hostname = "vmm-new";
}

FIXTURE_TEARDOWN(vh)
{
	if (in_container)
		return;
	if (shm && shm != MAP_FAILED && shm->name[0] && self->ctl >= 0)
		ch_destroy(self->ctl, shm->name);
	group2_restore(&self->g2);
	node_restore(&self->nodes[1]);
	node_restore(&self->nodes[0]);
	if (self->ctl >= 0)
		close(self->ctl);
}

static int run_ct(const struct ct_opts *o, int (*fn)(void *))
{
	fflush(stdout);
	return ct_run(o, fn, NULL);
}

/* Run container A and check, from outside, the state of the gap. */
static void run_owner(struct __test_metadata *_metadata,
		      FIXTURE_DATA(vh) *self)
{
	struct cprhold_session_info info;
	uint64_t reaped;
	long msi, msi_reaped;

	ASSERT_EQ(0, run_ct(&self->a, ct_owner));
	reaped = ms_now();
	msi_reaped = msi_count();
	ASSERT_TRUE(shm->owner_done);
	TH_LOG("owner: let go %llu ms after starting its last DMA, reaped "
	       "%llu ms later", (unsigned long long)(shm->t_let_go_ms -
						    shm->t_dma_start_ms),
	       (unsigned long long)(reaped - shm->t_let_go_ms));
	/* Timing, not a property: said so the log shows which case ran. */
	TH_LOG("owner: the DMA's MSI came %s the owner's exit (vfio-msi %ld at "
	       "let-go, %ld at reap)", msi_reaped > shm->msi_let_go ?
	       "before" : "after", shm->msi_let_go, msi_reaped);

	/* Sealed, held by no process, claimed by nobody. */
	ASSERT_EQ(0, find_session(self->ctl, shm->name, &info));
	EXPECT_EQ((uint32_t)CPRHOLD_STATE_SEALED, info.state);
	EXPECT_EQ((uint32_t)NR_TOK, info.nr_entries);
	EXPECT_EQ(0u, info.nr_claims);
	EXPECT_EQ(0u, info.claimer_pid);
	EXPECT_EQ(self->sessions + 1, ch_sysfs("sessions"));
	EXPECT_EQ(self->entries + NR_TOK, ch_sysfs("entries"));
	/* The group stays taken: a second opener gets the kernel's EBUSY. */
	EXPECT_ERRNO(EBUSY, open(self->group_path, O_RDWR | O_CLOEXEC));

	/*
	 * The device raises the DMA's MSI now, with the owner gone and the
	 * session sealed: the kernel handles it and counts it on the parked
	 * eventfd.
	 */
	msi = wait_msi(shm->msi_pre_dma + 1, IRQ_TIMEOUT_MS);
	TH_LOG("gap: vfio-msi count %ld before the owner's last DMA, %ld now",
	       shm->msi_pre_dma, msi);
	EXPECT_EQ(shm->msi_pre_dma + 1, msi);
}

/* After the successor: nothing held, nothing leaked. */
static void check_released(struct __test_metadata *_metadata,
			   FIXTURE_DATA(vh) *self)
{
	struct cprhold_session_info info;
	uint64_t t0 = ms_now();
	int fd;

	EXPECT_EQ(-ENOENT, find_session(self->ctl, shm->name, &info));
	while ((fd = open(self->group_path, O_RDWR | O_CLOEXEC)) < 0 &&
	       errno == EBUSY && ms_now() - t0 < 5000)
		usleep(10000);
	if (fd < 0)
		TH_LOG("group still busy after %llu ms: %s",
		       (unsigned long long)(ms_now() - t0), strerror(errno));
	EXPECT_GE(fd, 0);
	if (fd >= 0)
		close(fd);
	t0 = ms_now();
	while ((ch_sysfs("sessions") != self->sessions ||
		ch_sysfs("entries") != self->entries ||
		ch_sysfs("session_objects") != self->objects) &&
	       ms_now() - t0 < 5000)
		usleep(10000);
	EXPECT_EQ(self->sessions, ch_sysfs("sessions"));
	EXPECT_EQ(self->entries, ch_sysfs("entries"));
	EXPECT_EQ(self->objects, ch_sysfs("session_objects"));
}

TEST_F_TIMEOUT(vh, handover_across_containers, 120)
{
	run_owner(_metadata, self);
	ASSERT_EQ(0, run_ct(&self->b, ct_successor));
	ASSERT_TRUE(shm->successor_done);
	check_released(_metadata, self);
}

/*
 * While the session is parked, another process - here a third container of
 * the same tenant, with the group node bind-mounted and accessible - cannot
 * open the group: the kernel's single-open rule, EBUSY, not a cprhold check.
 * Destroying the unclaimed session lets the group go.
 */
TEST_F_TIMEOUT(vh, parked_group_open_is_ebusy, 120)
{
	struct cprhold_session_info info;
	int st, fd;
	pid_t pid;

	run_owner(_metadata, self);
	/* A second process on the host, root. */
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		fd = open(self->group_path, O_RDWR | O_CLOEXEC);
		_exit(fd < 0 && errno == EBUSY ? 0 : 1);
	}
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	/* Another container. */
	self->b.hostname = "intruder";
	EXPECT_EQ(0, run_ct(&self->b, ct_intruder));
	/* Still parked, untouched. */
	ASSERT_EQ(0, find_session(self->ctl, shm->name, &info));
	EXPECT_EQ((uint32_t)CPRHOLD_STATE_SEALED, info.state);
	EXPECT_EQ(0u, info.nr_claims);

	ASSERT_EQ(0, ch_destroy(self->ctl, shm->name));
	check_released(_metadata, self);
}

TEST_F_TIMEOUT(vh, successor_forgets_vaddr_update, 120)
{
	int ret = group2_find(&self->g2);

	if (!ret) {
		ret = group2_bind(&self->g2, self->kvm);
		TH_LOG("second group: %s (%s) %s", self->g2.path, self->g2.bdf,
		       ret ? strerror(-ret) : "bound to vfio-pci");
		ASSERT_EQ(0, ret);
		snprintf(shm->group2, sizeof(shm->group2), "%s", self->g2.path);
		self->devs[2] = self->g2.path;
	}
	run_owner(_metadata, self);
	ASSERT_EQ(0, run_ct(&self->b, ct_forgetful));
	ASSERT_TRUE(shm->successor_done);
	check_released(_metadata, self);
}

TEST_F_TIMEOUT(vh, successor_exits_with_vaddr_invalid, 120)
{
	run_owner(_metadata, self);
	ASSERT_EQ(0, run_ct(&self->b, ct_forgetful_exit));
	ASSERT_TRUE(shm->successor_done);
	/* Released cleanly (the VM's dmesg check sees any kernel warning). */
	check_released(_metadata, self);
}

/*
 * The owner parks without VFIO_DMA_UNMAP_FLAG_VADDR (its vaddr, in an mm
 * that is gone, stays "valid"): the successor cannot update it directly,
 * but can invalidate it itself and then update.
 */
TEST_F_TIMEOUT(vh, owner_skips_vaddr_invalidate, 120)
{
	shm->skip_invalidate = 1;
	run_owner(_metadata, self);
	ASSERT_EQ(0, run_ct(&self->b, ct_late_invalidate));
	ASSERT_TRUE(shm->successor_done);
	check_released(_metadata, self);
}

TEST_F_TIMEOUT(vh, vaddr_update_is_charged_to_successor, 120)
{
	run_owner(_metadata, self);
	ASSERT_EQ(0, run_ct(&self->b, ct_memlock));
	ASSERT_TRUE(shm->successor_done);
	check_released(_metadata, self);
}

TEST_HARNESS_MAIN
