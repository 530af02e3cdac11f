// XFS health ioctls (fs/xfs/libxfs/xfs_fs.h). xfslibs-dev is not a build dependency: the structs
// are stable UAPI and declared in xfs_ioctl.cc with size checks.
#pragma once

#include <cstdint>
#include <string>

#include "sys_error.h"

struct XfsFsGeometry {
  uint32_t blocksize, agblocks, agcount, logblocks, sectsize, inodesize, sick, checked;
  uint64_t datablocks;
  std::string uuid;  // canonical 8-4-4-4-12 form
};

struct XfsAgGeometry {
  uint32_t agno, length, freeblks, icount, ifree, sick, checked;
};

struct XfsInodeHealth {
  uint32_t sick, checked;
};

bool XfsFsGeometryOf(const std::string& mountPoint, XfsFsGeometry* out, SysError* err);
bool XfsAgGeometryOf(const std::string& mountPoint, uint32_t agno, XfsAgGeometry* out, SysError* err);
// One-inode XFS_IOC_BULKSTAT (CAP_SYS_ADMIN). ENOENT when ino is not an allocated inode.
bool XfsBulkstatHealthOf(const std::string& mountPoint, uint64_t ino, XfsInodeHealth* out, SysError* err);
