#include "handles.h"

#include <fcntl.h>
#include <limits.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "fanotify.h"
#include "fd.h"

namespace {

constexpr size_t kMaxHandle = 128;  // MAX_HANDLE_SZ

// struct file_handle has a flexible array member; build it in an aligned byte buffer.
struct HandleBuf {
  alignas(struct file_handle) unsigned char bytes[sizeof(struct file_handle) + kMaxHandle];
  struct file_handle* get() { return reinterpret_cast<struct file_handle*>(bytes); }
};

}  // namespace

bool NameToHandle(const std::string& path, HandleInfo* out, SysError* err) {
  HandleBuf hb;
  struct file_handle* fh = hb.get();
  fh->handle_bytes = kMaxHandle;
  int mountId = 0;
  if (name_to_handle_at(AT_FDCWD, path.c_str(), fh, &mountId, 0) < 0) return Fail(err, "name_to_handle_at", path);
  out->handleType = fh->handle_type;
  out->handleHex = HexBytes(fh->f_handle, fh->handle_bytes);
  out->mountId = mountId;
  return true;
}

bool ResolveHandle(const std::string& mountPoint, int handleType, const std::string& bytes, std::string* path,
                   SysError* err) {
  if (bytes.size() > kMaxHandle) {
    errno = EINVAL;
    return Fail(err, "open_by_handle_at", mountPoint);
  }
  Fd mountFd(open(mountPoint.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (mountFd.get() < 0) return Fail(err, "open", mountPoint);
  HandleBuf hb;
  struct file_handle* fh = hb.get();
  fh->handle_bytes = static_cast<unsigned>(bytes.size());
  fh->handle_type = handleType;
  memcpy(fh->f_handle, bytes.data(), bytes.size());
  Fd fd(open_by_handle_at(mountFd.get(), fh, O_PATH | O_CLOEXEC));
  if (fd.get() < 0) return Fail(err, "open_by_handle_at", mountPoint, "CAP_DAC_READ_SEARCH");
  const std::string link = "/proc/self/fd/" + std::to_string(fd.get());
  char target[PATH_MAX];
  ssize_t n = readlink(link.c_str(), target, sizeof target);
  if (n < 0) return Fail(err, "readlink", link);
  if (static_cast<size_t>(n) == sizeof target) {
    errno = ENAMETOOLONG;
    return Fail(err, "readlink", link);
  }
  path->assign(target, static_cast<size_t>(n));
  return true;
}
