// Linux 7.0 XFS health monitor (XFS_IOC_HEALTH_MONITOR): the record parser and the open call.
// The layout and numbers are those of the merged fs/xfs/libxfs/xfs_fs.h (written out in
// native/README.md, "XFS health monitor"); xfs_healthmon.cc declares the structs locally and
// static_asserts every offset, as xfs_ioctl.cc does for the 6.x ioctls.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "sys_error.h"

// One decoded struct xfs_health_monitor_event. Names come from the header's constants; a number
// this build does not know (a newer kernel) is kept as "domain<N>" / "type<N>", never dropped.
struct HealthmonEvent {
  std::string domain;
  std::string type;
  uint64_t timeNs = 0;
  // Union members, filled according to the domain (and type for the mount domain); the others
  // stay absent (has* false) so JS sees null, not a misleading 0.
  bool hasMask = false, hasGroup = false, hasIno = false, hasGen = false, hasMedia = false, hasRange = false,
       hasErrno = false, hasLost = false;
  uint32_t mask = 0, group = 0, gen = 0, errnum = 0;
  uint64_t ino = 0, daddr = 0, bbcount = 0, pos = 0, len = 0, lostCount = 0;
};

constexpr size_t kHealthmonEventSize = 64;

// Parses the whole records at the start of buf; returns the bytes consumed (a multiple of 64).
// The rest (a record the kernel has not finished copying: read() may stop inside one when the
// caller's buffer is not a multiple of 64) is the caller's to carry over.
size_t ParseHealthmonEvents(const uint8_t* buf, size_t len, std::vector<HealthmonEvent>* out);

// Opens the mount point (it must be the filesystem's root directory: the kernel answers EPERM
// for any other inode) and issues XFS_IOC_HEALTH_MONITOR, format V0. Returns the monitor fd
// (O_CLOEXEC, made O_NONBLOCK here) or -1 with err set: ENOTTY/EINVAL on kernels without the
// ioctl (6.x), EEXIST when another monitor (xfs_healer) holds this filesystem's only slot, EPERM
// without CAP_SYS_ADMIN in the initial user namespace. Blocks on a failing disk: call it off the
// JS thread.
int OpenHealthMonitor(const std::string& mountPoint, bool verbose, SysError* err);
