// A failed system call as data: the reader thread records these, the JS thread turns them into
// Error objects. Keeping the conversion here means every JS-visible error has the same shape:
// .code (core/errors.ts code), .errno (name), .syscall and, when relevant, .path.
#pragma once

#include <napi.h>

#include <string>

struct SysError {
  std::string syscall;
  int err = 0;
  std::string path;
  // The capability that the call needs; when set and err is EPERM/EACCES the JS code becomes
  // PRIVILEGE_MISSING instead of NATIVE_SYSCALL.
  std::string capability;
};

// "EIO", "ESTALE", ... ("E<n>" for numbers glibc does not name).
std::string ErrnoName(int err);

Napi::Error ToJsError(Napi::Env env, const SysError& e);

// Fills *out from errno and returns false, so call sites read `return Fail(...)`.
bool Fail(SysError* out, const char* syscall, const std::string& path, const char* capability = "");
