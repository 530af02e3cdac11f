#include "file_lock.h"

#include <sys/file.h>

#include <cerrno>

bool TryLockExclusive(int fd, SysError* err) {
  for (;;) {
    if (flock(fd, LOCK_EX | LOCK_NB) == 0) return true;
    if (errno == EINTR) continue;
    if (errno == EWOULDBLOCK) return false;
    Fail(err, "flock", "");
    return false;
  }
}
