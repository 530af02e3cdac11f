#include "xfs_healthmon.h"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace {

// struct xfs_health_monitor (the ioctl argument): flags, format, 23 bytes of zeroes.
struct xfs_health_monitor {
  uint64_t flags;
  uint8_t format;
  uint8_t pad[23];
};
static_assert(sizeof(xfs_health_monitor) == 32, "xfs_health_monitor is 32 bytes");

constexpr uint64_t XFS_HEALTH_MONITOR_VERBOSE = 1ULL << 0;
constexpr uint8_t XFS_HEALTH_MONITOR_FMT_V0 = 0;
#define XFS_IOC_HEALTH_MONITOR _IOW('X', 68, struct xfs_health_monitor)
static_assert(XFS_IOC_HEALTH_MONITOR == 0x40205844, "_IOW('X', 68, 32 bytes)");

struct xfs_health_monitor_lost {
  uint64_t count;
};
struct xfs_health_monitor_fs {
  uint32_t mask;  // XFS_FSOP_GEOM_SICK_*
};
struct xfs_health_monitor_group {
  uint32_t mask;  // XFS_AG_GEOM_SICK_* / XFS_RTGROUP_GEOM_SICK_*
  uint32_t gno;
};
struct xfs_health_monitor_inode {
  uint32_t mask;  // XFS_BS_SICK_*
  uint32_t gen;
  uint64_t ino;
};
struct xfs_health_monitor_shutdown {
  uint32_t reasons;  // XFS_HEALTH_SHUTDOWN_*
};
struct xfs_health_monitor_media {
  uint64_t daddr;    // 512-byte sectors
  uint64_t bbcount;  // 512-byte sectors
};
struct xfs_health_monitor_filerange {
  uint64_t pos, len, ino;
  uint32_t gen;
  uint32_t error;  // positive errno
};
struct xfs_health_monitor_event {
  uint32_t domain;
  uint32_t type;
  uint64_t time_ns;  // CLOCK_REALTIME (coarse), ns since the epoch
  union {
    xfs_health_monitor_lost lost;
    xfs_health_monitor_fs fs;
    xfs_health_monitor_group group;
    xfs_health_monitor_inode inode;
    xfs_health_monitor_shutdown shutdown;
    xfs_health_monitor_media media;
    xfs_health_monitor_filerange filerange;
  } e;
  uint64_t pad[2];
};
static_assert(sizeof(xfs_health_monitor_event) == kHealthmonEventSize, "xfs_health_monitor_event is 64 bytes");
static_assert(offsetof(xfs_health_monitor_event, domain) == 0, "domain at +0");
static_assert(offsetof(xfs_health_monitor_event, type) == 4, "type at +4");
static_assert(offsetof(xfs_health_monitor_event, time_ns) == 8, "time_ns at +8");
static_assert(offsetof(xfs_health_monitor_event, e) == 16, "union at +16");
static_assert(sizeof(xfs_health_monitor_filerange) == 32, "filerange (the largest member) is 32 bytes");
static_assert(offsetof(xfs_health_monitor_event, pad) == 48, "pad at +48");
static_assert(offsetof(xfs_health_monitor_inode, ino) == 8, "inode.ino at +24 of the event");
static_assert(offsetof(xfs_health_monitor_filerange, gen) == 24 && offsetof(xfs_health_monitor_filerange, error) == 28,
              "filerange.gen at +40, .error at +44 of the event");

// XFS_HEALTH_MONITOR_DOMAIN_* (index = value).
const char* const kDomains[] = {"mount", "fs", "ag", "inode", "rtgroup", "datadev", "rtdev", "logdev", "filerange"};
// XFS_HEALTH_MONITOR_TYPE_* (index = value).
const char* const kTypes[] = {"running", "lost",       "unmount", "sick",     "corrupt",  "healthy", "shutdown",
                              "media_error", "bufread", "bufwrite", "dioread", "diowrite", "datalost"};
enum : uint32_t { D_MOUNT = 0, D_FS, D_AG, D_INODE, D_RTGROUP, D_DATADEV, D_RTDEV, D_LOGDEV, D_FILERANGE };
enum : uint32_t { T_LOST = 1, T_SHUTDOWN = 6 };

template <size_t N>
std::string NameOf(const char* const (&table)[N], uint32_t v, const char* prefix) {
  if (v < N) return table[v];
  return std::string(prefix) + std::to_string(v);
}

}  // namespace

size_t ParseHealthmonEvents(const uint8_t* buf, size_t len, std::vector<HealthmonEvent>* out) {
  size_t off = 0;
  for (; off + kHealthmonEventSize <= len; off += kHealthmonEventSize) {
    xfs_health_monitor_event raw;
    std::memcpy(&raw, buf + off, sizeof raw);  // the buffer need not be aligned
    HealthmonEvent ev;
    ev.domain = NameOf(kDomains, raw.domain, "domain");
    ev.type = NameOf(kTypes, raw.type, "type");
    ev.timeNs = raw.time_ns;
    switch (raw.domain) {
      case D_MOUNT:
        if (raw.type == T_LOST) {
          ev.hasLost = true;
          ev.lostCount = raw.e.lost.count;
        } else if (raw.type == T_SHUTDOWN) {
          ev.hasMask = true;
          ev.mask = raw.e.shutdown.reasons;
        }
        break;
      case D_FS:
        ev.hasMask = true;
        ev.mask = raw.e.fs.mask;
        break;
      case D_AG:
      case D_RTGROUP:
        ev.hasMask = ev.hasGroup = true;
        ev.mask = raw.e.group.mask;
        ev.group = raw.e.group.gno;
        break;
      case D_INODE:
        ev.hasMask = ev.hasIno = ev.hasGen = true;
        ev.mask = raw.e.inode.mask;
        ev.gen = raw.e.inode.gen;
        ev.ino = raw.e.inode.ino;
        break;
      case D_DATADEV:
      case D_RTDEV:
      case D_LOGDEV:
        ev.hasMedia = true;
        ev.daddr = raw.e.media.daddr;
        ev.bbcount = raw.e.media.bbcount;
        break;
      case D_FILERANGE:
        ev.hasRange = ev.hasIno = ev.hasGen = ev.hasErrno = true;
        ev.pos = raw.e.filerange.pos;
        ev.len = raw.e.filerange.len;
        ev.ino = raw.e.filerange.ino;
        ev.gen = raw.e.filerange.gen;
        ev.errnum = raw.e.filerange.error;
        break;
      default:
        break;  // unknown domain: names only
    }
    out->push_back(std::move(ev));
  }
  return off;
}

int OpenHealthMonitor(const std::string& mountPoint, bool verbose, SysError* err) {
  int dir = open(mountPoint.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0) {
    Fail(err, "open", mountPoint);
    return -1;
  }
  xfs_health_monitor arg;
  std::memset(&arg, 0, sizeof arg);
  arg.flags = verbose ? XFS_HEALTH_MONITOR_VERBOSE : 0;
  arg.format = XFS_HEALTH_MONITOR_FMT_V0;
  int fd;
  do fd = ioctl(dir, XFS_IOC_HEALTH_MONITOR, &arg);
  while (fd < 0 && errno == EINTR);
  if (fd < 0) {
    Fail(err, "ioctl(XFS_IOC_HEALTH_MONITOR)", mountPoint, "CAP_SYS_ADMIN");
    close(dir);
    return -1;
  }
  close(dir);  // the monitor holds no reference to the mount: do not pin it either
  int fl = fcntl(fd, F_GETFL);
  if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0) {
    Fail(err, "fcntl(O_NONBLOCK)", mountPoint);
    close(fd);
    return -1;
  }
  return fd;
}
