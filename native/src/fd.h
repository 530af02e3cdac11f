// Closes a file descriptor when it goes out of scope, so every early return of a syscall sequence
// releases it. Shared by the files that open a path for a few ioctls or handle calls.
#pragma once

#include <unistd.h>

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};
