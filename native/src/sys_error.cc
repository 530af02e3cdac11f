#include "sys_error.h"

#include <errno.h>
#include <string.h>

std::string ErrnoName(int err) {
  const char* name = strerrorname_np(err);
  if (name != nullptr) return name;
  return "E" + std::to_string(err);
}

bool Fail(SysError* out, const char* syscall, const std::string& path, const char* capability) {
  out->err = errno;
  out->syscall = syscall;
  out->path = path;
  out->capability = capability;
  return false;
}

Napi::Error ToJsError(Napi::Env env, const SysError& e) {
  const bool privilege = !e.capability.empty() && (e.err == EPERM || e.err == EACCES);
  std::string msg = e.syscall;
  if (!e.path.empty()) msg += "(" + e.path + ")";
  msg += " failed: " + ErrnoName(e.err) + " (" + strerror(e.err) + ")";
  if (privilege) msg += "; it needs " + e.capability;
  Napi::Error err = Napi::Error::New(env, msg);
  Napi::Object obj = err.Value();
  obj.Set("code", privilege ? "PRIVILEGE_MISSING" : "NATIVE_SYSCALL");
  obj.Set("errno", ErrnoName(e.err));
  obj.Set("syscall", e.syscall);
  if (!e.path.empty()) obj.Set("path", e.path);
  if (privilege) obj.Set("capability", e.capability);
  return err;
}
