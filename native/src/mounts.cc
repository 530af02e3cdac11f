#include "mounts.h"

#include <fcntl.h>
#include <sys/vfs.h>

#include "fanotify.h"

bool StatfsFsid(const std::string& path, std::string* fsid, SysError* err) {
  struct statfs st;
  if (statfs(path.c_str(), &st) < 0) return Fail(err, "statfs", path);
  *fsid = FsidHex(static_cast<uint32_t>(st.f_fsid.__val[0]), static_cast<uint32_t>(st.f_fsid.__val[1]));
  return true;
}

int OpenMountWatch(SysError* err) {
  int fd = open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC);
  if (fd < 0) Fail(err, "open", "/proc/self/mountinfo");
  return fd;
}
