// Mount-related kernel interfaces: statfs fsids (the key fanotify events carry) and the
// /proc/self/mountinfo descriptor whose POLLPRI says "the mount table changed". Parsing the
// table itself is done in TypeScript (native/mount-table.ts).
#pragma once

#include <cstdint>
#include <string>

#include "sys_error.h"

// statfs(path).f_fsid as 16 hex digits: val[0] as %08x, then val[1] as %08x.
bool StatfsFsid(const std::string& path, std::string* fsid, SysError* err);

// The kernel's never-reused 64-bit mount id (statx STATX_MNT_ID_UNIQUE, Linux 6.8+), so an
// unmount and mount between two reads of the table is still seen as a new mount (mountinfo's ids
// are reused). *id = 0 when the kernel does not offer it.
bool UniqueMountId(const std::string& path, uint64_t* id, SysError* err);

// An fd on /proc/self/mountinfo to poll for POLLPRI; -1 on error. poll() itself consumes the
// change, so the fd never needs to be read.
int OpenMountWatch(SysError* err);
