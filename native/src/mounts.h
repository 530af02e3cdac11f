// Mount-related kernel interfaces: statfs fsids (the key fanotify events carry) and the
// /proc/self/mountinfo descriptor whose POLLPRI says "the mount table changed". Parsing the
// table itself is done in TypeScript (native/mount-table.ts).
#pragma once

#include <string>

#include "sys_error.h"

// statfs(path).f_fsid as 16 hex digits: val[0] as %08x, then val[1] as %08x.
bool StatfsFsid(const std::string& path, std::string* fsid, SysError* err);

// An fd on /proc/self/mountinfo to poll for POLLPRI; -1 on error. poll() itself consumes the
// change, so the fd never needs to be read.
int OpenMountWatch(SysError* err);
