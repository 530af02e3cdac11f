#include "btrfs_ioctl.h"

#include <fcntl.h>
#include <linux/btrfs.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstring>

#include "fd.h"

// The layouts the plugin README documents; a header that disagrees fails the build.
static_assert(sizeof(btrfs_ioctl_get_dev_stats) == 1032, "btrfs_ioctl_get_dev_stats is 1032 bytes (1 KiB + 8)");
static_assert(offsetof(btrfs_ioctl_get_dev_stats, values) == 24, "values at +24");
static_assert(BTRFS_DEV_STAT_VALUES_MAX == 5, "five device stats");
static_assert(sizeof(btrfs_ioctl_fs_info_args) == 1024, "btrfs_ioctl_fs_info_args is 1 KiB");

bool BtrfsDevStatsOf(const std::string& mountPoint, std::vector<BtrfsDevStats>* out, SysError* err) {
  Fd fd(open(mountPoint.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0) return Fail(err, "open", mountPoint);
  btrfs_ioctl_fs_info_args info;
  memset(&info, 0, sizeof info);
  if (ioctl(fd.get(), BTRFS_IOC_FS_INFO, &info) < 0) return Fail(err, "ioctl(BTRFS_IOC_FS_INFO)", mountPoint);
  const uint64_t maxId = info.max_id < kMaxBtrfsDevices ? info.max_id : kMaxBtrfsDevices;
  out->clear();
  for (uint64_t devid = 1; devid <= maxId; devid++) {
    btrfs_ioctl_get_dev_stats s;
    memset(&s, 0, sizeof s);
    s.devid = devid;
    s.nr_items = BTRFS_DEV_STAT_VALUES_MAX;
    s.flags = 0;  // not BTRFS_DEV_STATS_RESET: reading must never clear the counters
    if (ioctl(fd.get(), BTRFS_IOC_GET_DEV_STATS, &s) < 0) {
      if (errno == ENODEV) continue;
      return Fail(err, "ioctl(BTRFS_IOC_GET_DEV_STATS)", mountPoint);
    }
    BtrfsDevStats d;
    d.devid = devid;
    const uint64_t kMax = BTRFS_DEV_STAT_VALUES_MAX;
    d.items = static_cast<uint32_t>(s.nr_items < kMax ? s.nr_items : kMax);
    for (uint32_t i = 0; i < 5; i++) d.values[i] = i < d.items ? s.values[i] : 0;
    out->push_back(d);
  }
  return true;
}
