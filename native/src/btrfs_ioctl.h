// btrfs device error counters by ioctl (linux/btrfs.h, stable UAPI): the fallback for kernels
// without /sys/fs/btrfs/<uuid>/devinfo/<devid>/error_stats (before 5.14). Layout in
// plugins/btrfs/README.md.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sys_error.h"

struct BtrfsDevStats {
  uint64_t devid;
  // BTRFS_DEV_STAT_WRITE_ERRS .. GENERATION_ERRS, in that order; only the first `items` are valid.
  uint64_t values[5];
  uint32_t items;
};

// BTRFS_IOC_FS_INFO for max_id, then BTRFS_IOC_GET_DEV_STATS (no reset) for devid 1..max_id,
// skipping ids with no device (ENODEV: removed or replaced devices leave holes). At most
// kMaxBtrfsDevices devices: a corrupt max_id cannot make this loop for ever.
constexpr uint64_t kMaxBtrfsDevices = 4096;
bool BtrfsDevStatsOf(const std::string& mountPoint, std::vector<BtrfsDevStats>* out, SysError* err);
