// flock(2) for the store's single-writer lock (core/store/store-lock.ts). Node has no binding for
// it, and a lock the kernel drops when the holder dies (also on SIGKILL) is the whole point: a
// lock file with a pid in it alone is stale after a crash, a lock directory even more so.
#pragma once

#include "sys_error.h"

// flock(fd, LOCK_EX | LOCK_NB): true when this open file description now holds the lock, false
// when another one holds it (EWOULDBLOCK). Never blocks. Any other failure: false with *err set
// (err->err != 0).
bool TryLockExclusive(int fd, SysError* err);
