#include "mounts.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/vfs.h>

#include "fanotify.h"

bool StatfsFsid(const std::string& path, std::string* fsid, SysError* err) {
  struct statfs st;
  if (statfs(path.c_str(), &st) < 0) return Fail(err, "statfs", path);
  *fsid = FsidHex(static_cast<uint32_t>(st.f_fsid.__val[0]), static_cast<uint32_t>(st.f_fsid.__val[1]));
  return true;
}

bool UniqueMountId(const std::string& path, uint64_t* id, SysError* err) {
  // Not in the userspace headers of this toolchain yet (include/uapi/linux/stat.h, 6.8).
  constexpr unsigned kStatxMntIdUnique = 0x00004000U;
  struct statx stx;
  if (statx(AT_FDCWD, path.c_str(), AT_STATX_DONT_SYNC | AT_NO_AUTOMOUNT, kStatxMntIdUnique, &stx) < 0) {
    return Fail(err, "statx", path);
  }
  *id = (stx.stx_mask & kStatxMntIdUnique) ? stx.stx_mnt_id : 0;
  return true;
}

int OpenMountWatch(SysError* err) {
  int fd = open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC);
  if (fd < 0) Fail(err, "open", "/proc/self/mountinfo");
  return fd;
}
