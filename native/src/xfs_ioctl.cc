#include "xfs_ioctl.h"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdio>
#include <cstring>

namespace {

struct xfs_fsop_geom {  // FSGEOMETRY v5
  uint32_t blocksize, rtextsize, agblocks, agcount, logblocks, sectsize, inodesize, imaxpct;
  uint64_t datablocks, rtblocks, rtextents, logstart;
  unsigned char uuid[16];
  uint32_t sunit, swidth;
  int32_t version;
  uint32_t flags, logsectsize, rtsectsize, dirblocksize, logsunit;
  uint32_t sick, checked;
  uint64_t reserved[17];
};
static_assert(sizeof(xfs_fsop_geom) == 256, "xfs_fsop_geom v5 is 256 bytes");
static_assert(offsetof(xfs_fsop_geom, sick) == 112, "sick at +112");

struct xfs_ag_geometry {
  uint32_t ag_number, ag_length, ag_freeblks, ag_icount, ag_ifree, ag_sick, ag_checked, ag_flags;
  uint64_t ag_reserved[12];
};
static_assert(sizeof(xfs_ag_geometry) == 128, "xfs_ag_geometry is 128 bytes");

struct xfs_bulk_ireq {
  uint64_t ino;
  uint32_t flags, icount, ocount, agno;
  uint64_t reserved[5];
};
static_assert(sizeof(xfs_bulk_ireq) == 64, "xfs_bulk_ireq is 64 bytes");

struct xfs_bulkstat {
  uint64_t bs_ino, bs_size, bs_blocks, bs_xflags;
  int64_t bs_atime, bs_mtime, bs_ctime, bs_btime;
  uint32_t bs_gen, bs_uid, bs_gid, bs_projectid;
  uint32_t bs_atime_nsec, bs_mtime_nsec, bs_ctime_nsec, bs_btime_nsec;
  uint32_t bs_blksize, bs_rdev, bs_cowextsize_blks, bs_extsize_blks;
  uint32_t bs_nlink, bs_extents, bs_aextents;
  uint16_t bs_version, bs_forkoff;
  uint16_t bs_sick, bs_checked, bs_mode, bs_pad2;
  uint64_t bs_extents64;
  uint64_t bs_pad[6];
};
static_assert(sizeof(xfs_bulkstat) == 192, "xfs_bulkstat is 192 bytes");

struct xfs_bulkstat_one_req {
  xfs_bulk_ireq hdr;
  xfs_bulkstat bulkstat[1];
};

#define XFS_IOC_AG_GEOMETRY _IOWR('X', 61, struct xfs_ag_geometry)
#define XFS_IOC_FSGEOMETRY _IOR('X', 126, struct xfs_fsop_geom)
#define XFS_IOC_BULKSTAT _IOR('X', 127, struct xfs_bulk_ireq)  // kernel: struct xfs_bulkstat_req (hdr only)

// open() of the mount point is itself the first probe: after a shutdown it fails with EIO.
int OpenMount(const std::string& mountPoint, SysError* err) {
  int fd = open(mountPoint.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) Fail(err, "open", mountPoint);
  return fd;
}

bool Ioctl(int fd, unsigned long req, void* arg, const char* name, const std::string& mountPoint, SysError* err,
           const char* capability = "") {
  int r = ioctl(fd, req, arg);
  if (r < 0) {
    Fail(err, name, mountPoint, capability);
    close(fd);
    return false;
  }
  close(fd);
  return true;
}

std::string UuidString(const unsigned char* u) {
  char buf[37];
  snprintf(buf, sizeof buf, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", u[0], u[1], u[2],
           u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13], u[14], u[15]);
  return buf;
}

}  // namespace

bool XfsFsGeometryOf(const std::string& mountPoint, XfsFsGeometry* out, SysError* err) {
  int fd = OpenMount(mountPoint, err);
  if (fd < 0) return false;
  xfs_fsop_geom g;
  memset(&g, 0, sizeof g);
  if (!Ioctl(fd, XFS_IOC_FSGEOMETRY, &g, "ioctl(XFS_IOC_FSGEOMETRY)", mountPoint, err)) return false;
  out->blocksize = g.blocksize;
  out->agblocks = g.agblocks;
  out->agcount = g.agcount;
  out->logblocks = g.logblocks;
  out->sectsize = g.sectsize;
  out->inodesize = g.inodesize;
  out->sick = g.sick;
  out->checked = g.checked;
  out->datablocks = g.datablocks;
  out->uuid = UuidString(g.uuid);
  return true;
}

bool XfsAgGeometryOf(const std::string& mountPoint, uint32_t agno, XfsAgGeometry* out, SysError* err) {
  int fd = OpenMount(mountPoint, err);
  if (fd < 0) return false;
  xfs_ag_geometry g;
  memset(&g, 0, sizeof g);
  g.ag_number = agno;
  if (!Ioctl(fd, XFS_IOC_AG_GEOMETRY, &g, "ioctl(XFS_IOC_AG_GEOMETRY)", mountPoint, err)) return false;
  *out = {g.ag_number, g.ag_length, g.ag_freeblks, g.ag_icount, g.ag_ifree, g.ag_sick, g.ag_checked};
  return true;
}

bool XfsBulkstatHealthOf(const std::string& mountPoint, uint64_t ino, XfsInodeHealth* out, SysError* err) {
  int fd = OpenMount(mountPoint, err);
  if (fd < 0) return false;
  xfs_bulkstat_one_req req;
  memset(&req, 0, sizeof req);
  req.hdr.ino = ino;
  req.hdr.icount = 1;
  if (!Ioctl(fd, XFS_IOC_BULKSTAT, &req, "ioctl(XFS_IOC_BULKSTAT)", mountPoint, err, "CAP_SYS_ADMIN")) return false;
  // Bulkstat returns the first allocated inode at or after ino.
  if (req.hdr.ocount != 1 || req.bulkstat[0].bs_ino != ino) {
    errno = ENOENT;
    return Fail(err, "ioctl(XFS_IOC_BULKSTAT)", mountPoint);
  }
  out->sick = req.bulkstat[0].bs_sick;
  out->checked = req.bulkstat[0].bs_checked;
  return true;
}
