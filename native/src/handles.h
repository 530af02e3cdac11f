// File handles: name_to_handle_at (used by tests and to key inodes) and open_by_handle_at, which
// turns a fanotify FID back into a path (needs CAP_DAC_READ_SEARCH).
#pragma once

#include <string>

#include "sys_error.h"

struct HandleInfo {
  int handleType = 0;
  std::string handleHex;
  int mountId = 0;
};

bool NameToHandle(const std::string& path, HandleInfo* out, SysError* err);

// On success *path is the resolved path; otherwise err->err says why (ESTALE: inode gone or
// unreadable). bytes are the raw f_handle bytes.
bool ResolveHandle(const std::string& mountPoint, int handleType, const std::string& bytes, std::string* path,
                   SysError* err);
