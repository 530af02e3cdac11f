// Entry point of the fsfault addon: argument checking and exports only.
#include <napi.h>

#include <cmath>
#include <string>
#include <vector>

#include "async_call.h"
#include "fanotify.h"
#include "file_lock.h"
#include "healthmon_monitor.h"
#include "handles.h"
#include "kmsg.h"
#include "mounts.h"
#include "records.h"
#include "sd_notify.h"
#include "watcher.h"
#include "xfs_healthmon.h"
#include "btrfs_ioctl.h"
#include "xfs_ioctl.h"

namespace {

Napi::Value TypeError(Napi::Env env, const char* msg) {
  Napi::TypeError::New(env, msg).ThrowAsJavaScriptException();
  return env.Undefined();
}

Napi::Value Raise(Napi::Env env, const SysError& err) {
  ToJsError(env, err).ThrowAsJavaScriptException();
  return env.Undefined();
}

bool IsUint(const Napi::Value& v, double max) {
  if (!v.IsNumber()) return false;
  const double d = v.As<Napi::Number>().DoubleValue();
  return d >= 0 && d <= max && std::floor(d) == d;
}

Napi::Value AbiVersion(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), 1); }

// statfsFsid(path) -> '0123456789abcdef'
Napi::Value StatfsFsidJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsString()) return TypeError(env, "statfsFsid(path: string)");
  std::string fsid;
  SysError err;
  if (!StatfsFsid(info[0].As<Napi::String>(), &fsid, &err)) return Raise(env, err);
  return Napi::String::New(env, fsid);
}

// uniqueMountId(path) -> number | null (null: the kernel has no unique mount ids)
Napi::Value UniqueMountIdJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsString()) return TypeError(env, "uniqueMountId(path: string)");
  uint64_t id = 0;
  SysError err;
  if (!UniqueMountId(info[0].As<Napi::String>(), &id, &err)) return Raise(env, err);
  if (id == 0) return env.Null();
  return Napi::Number::New(env, static_cast<double>(id));
}

// flockExclusive(fd) -> true (locked by this fd) | false (another process holds it); throws on
// any other failure (EBADF, ENOLCK, ...).
Napi::Value FlockExclusiveJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !IsUint(info[0], 2147483647.0)) return TypeError(env, "flockExclusive(fd: int)");
  SysError err;
  const bool locked = TryLockExclusive(info[0].As<Napi::Number>().Int32Value(), &err);
  if (err.err != 0) return Raise(env, err);
  return Napi::Boolean::New(env, locked);
}

// sdNotify(socketPath, state) -> undefined; throws NATIVE_SYSCALL on failure (see sd_notify.h).
Napi::Value SdNotifyJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsString() || !info[1].IsString()) return TypeError(env, "sdNotify(socketPath: string, state: string)");
  SysError err;
  if (!SdNotify(info[0].As<Napi::String>(), info[1].As<Napi::String>(), &err)) return Raise(env, err);
  return env.Undefined();
}

// nameToHandle(path) -> { handleType, handleHex, mountId }
Napi::Value NameToHandleJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsString()) return TypeError(env, "nameToHandle(path: string)");
  HandleInfo h;
  SysError err;
  if (!NameToHandle(info[0].As<Napi::String>(), &h, &err)) return Raise(env, err);
  Napi::Object o = Napi::Object::New(env);
  o.Set("handleType", h.handleType);
  o.Set("handleHex", h.handleHex);
  o.Set("mountId", h.mountId);
  return o;
}

// resolveHandle(mountPoint, handleType, handleBytes: Buffer) -> { path } | { error: 'ESTALE' }
Napi::Value ResolveHandleJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 3 || !info[0].IsString() || !info[1].IsNumber() || !info[2].IsBuffer()) {
    return TypeError(env, "resolveHandle(mountPoint: string, handleType: number, handle: Buffer)");
  }
  Napi::Buffer<char> buf = info[2].As<Napi::Buffer<char>>();
  std::string path;
  SysError err;
  Napi::Object o = Napi::Object::New(env);
  if (ResolveHandle(info[0].As<Napi::String>(), info[1].As<Napi::Number>().Int32Value(),
                    std::string(buf.Data(), buf.Length()), &path, &err)) {
    o.Set("path", path);
  } else {
    o.Set("error", ErrnoName(err.err));
    o.Set("syscall", err.syscall);
  }
  return o;
}

Napi::Object FsGeometryToJs(Napi::Env env, const XfsFsGeometry& g) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("blocksize", g.blocksize);
  o.Set("agblocks", g.agblocks);
  o.Set("agcount", g.agcount);
  o.Set("datablocks", static_cast<double>(g.datablocks));
  o.Set("logblocks", g.logblocks);
  o.Set("sectsize", g.sectsize);
  o.Set("inodesize", g.inodesize);
  o.Set("sick", g.sick);
  o.Set("checked", g.checked);
  o.Set("uuid", g.uuid);
  return o;
}

Napi::Object AgGeometryToJs(Napi::Env env, const XfsAgGeometry& g) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("agno", g.agno);
  o.Set("length", g.length);
  o.Set("freeblks", g.freeblks);
  o.Set("icount", g.icount);
  o.Set("ifree", g.ifree);
  o.Set("sick", g.sick);
  o.Set("checked", g.checked);
  return o;
}

Napi::Value XfsFsGeometryJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsString()) return TypeError(env, "xfsFsGeometry(mountPoint: string)");
  XfsFsGeometry g;
  SysError err;
  if (!XfsFsGeometryOf(info[0].As<Napi::String>(), &g, &err)) return Raise(env, err);
  return FsGeometryToJs(env, g);
}

Napi::Value XfsAgGeometryJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsString() || !IsUint(info[1], 4294967295.0)) {
    return TypeError(env, "xfsAgGeometry(mountPoint: string, agno: uint32)");
  }
  XfsAgGeometry g;
  SysError err;
  if (!XfsAgGeometryOf(info[0].As<Napi::String>(), info[1].As<Napi::Number>().Uint32Value(), &g, &err)) {
    return Raise(env, err);
  }
  return AgGeometryToJs(env, g);
}

// ---- the same calls off the JS thread (async_call.h): each returns a promise ----

// resolveHandleAsync(mountPoint, handleType, handle: Buffer) -> Promise<{ path } | { error, syscall }>
Napi::Value ResolveHandleAsyncJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 3 || !info[0].IsString() || !info[1].IsNumber() || !info[2].IsBuffer()) {
    return TypeError(env, "resolveHandleAsync(mountPoint: string, handleType: number, handle: Buffer)");
  }
  // Copied now: the pool thread must not touch JS values.
  const std::string mnt = info[0].As<Napi::String>();
  const int type = info[1].As<Napi::Number>().Int32Value();
  Napi::Buffer<char> buf = info[2].As<Napi::Buffer<char>>();
  const std::string bytes(buf.Data(), buf.Length());
  return AsyncCall<std::string>::Run(
      env, "fsfault-resolve-handle",
      [mnt, type, bytes](std::string* path, SysError* err) { return ResolveHandle(mnt, type, bytes, path, err); },
      [](Napi::Env e, bool ok, const std::string& path, const SysError& err, bool*) -> Napi::Value {
        Napi::Object o = Napi::Object::New(e);
        if (ok) {
          o.Set("path", path);
        } else {
          o.Set("error", ErrnoName(err.err));
          o.Set("syscall", err.syscall);
        }
        return o;
      });
}

Napi::Value XfsFsGeometryAsyncJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsString()) return TypeError(env, "xfsFsGeometryAsync(mountPoint: string)");
  const std::string mnt = info[0].As<Napi::String>();
  return AsyncCall<XfsFsGeometry>::Run(
      env, "fsfault-xfs-fsgeometry", [mnt](XfsFsGeometry* g, SysError* err) { return XfsFsGeometryOf(mnt, g, err); },
      [](Napi::Env e, bool ok, const XfsFsGeometry& g, const SysError& err, bool* reject) -> Napi::Value {
        if (ok) return FsGeometryToJs(e, g);
        *reject = true;
        return ToJsError(e, err).Value();
      });
}

Napi::Value XfsAgGeometryAsyncJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsString() || !IsUint(info[1], 4294967295.0)) {
    return TypeError(env, "xfsAgGeometryAsync(mountPoint: string, agno: uint32)");
  }
  const std::string mnt = info[0].As<Napi::String>();
  const uint32_t agno = info[1].As<Napi::Number>().Uint32Value();
  return AsyncCall<XfsAgGeometry>::Run(
      env, "fsfault-xfs-aggeometry",
      [mnt, agno](XfsAgGeometry* g, SysError* err) { return XfsAgGeometryOf(mnt, agno, g, err); },
      [](Napi::Env e, bool ok, const XfsAgGeometry& g, const SysError& err, bool* reject) -> Napi::Value {
        if (ok) return AgGeometryToJs(e, g);
        *reject = true;
        return ToJsError(e, err).Value();
      });
}

// btrfsDevStatsAsync(mountPoint) -> Promise<{ devid, writeErrs, readErrs, flushErrs, corruptionErrs, generationErrs, items }[]>
Napi::Value BtrfsDevStatsAsyncJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsString()) return TypeError(env, "btrfsDevStatsAsync(mountPoint: string)");
  const std::string mnt = info[0].As<Napi::String>();
  return AsyncCall<std::vector<BtrfsDevStats>>::Run(
      env, "fsfault-btrfs-devstats",
      [mnt](std::vector<BtrfsDevStats>* v, SysError* err) { return BtrfsDevStatsOf(mnt, v, err); },
      [](Napi::Env e, bool ok, const std::vector<BtrfsDevStats>& v, const SysError& err, bool* reject) -> Napi::Value {
        if (!ok) {
          *reject = true;
          return ToJsError(e, err).Value();
        }
        static const char* const kNames[5] = {"writeErrs", "readErrs", "flushErrs", "corruptionErrs", "generationErrs"};
        Napi::Array a = Napi::Array::New(e, v.size());
        for (size_t i = 0; i < v.size(); i++) {
          Napi::Object o = Napi::Object::New(e);
          o.Set("devid", static_cast<double>(v[i].devid));
          // Counters beyond 2^53 lose precision as JS numbers; a disk never gets there.
          for (uint32_t k = 0; k < 5; k++) o.Set(kNames[k], static_cast<double>(v[i].values[k]));
          o.Set("items", v[i].items);
          a.Set(static_cast<uint32_t>(i), o);
        }
        return a;
      });
}

Napi::Value XfsBulkstatHealthJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsString() || !IsUint(info[1], 9007199254740991.0)) {
    return TypeError(env, "xfsBulkstatHealth(mountPoint: string, ino: safe integer)");
  }
  XfsInodeHealth h;
  SysError err;
  if (!XfsBulkstatHealthOf(info[0].As<Napi::String>(), static_cast<uint64_t>(info[1].As<Napi::Number>().DoubleValue()),
                           &h, &err)) {
    return Raise(env, err);
  }
  Napi::Object o = Napi::Object::New(env);
  o.Set("sick", h.sick);
  o.Set("checked", h.checked);
  return o;
}

// parseKmsgForTest(raw) -> KmsgRecord (readAtUs 0) | null: the reader thread's parser, exposed so
// a unit test can hold it against native/kmsg-parse.ts.
Napi::Value ParseKmsgForTest(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsString()) return TypeError(env, "parseKmsgForTest(raw: string)");
  const std::string raw = info[0].As<Napi::String>();
  KmsgParsed rec;
  if (!ParseKmsgRecord(raw.data(), raw.size(), &rec)) return env.Null();
  return KmsgToJs(env, rec, 0);
}

// parseFanotifyForTest(buf) -> records (readAtUs 0): the reader's event parser, for unit tests
// with hand-built buffers (unknown records, any order, truncation).
Napi::Value ParseFanotifyForTest(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsBuffer()) return TypeError(env, "parseFanotifyForTest(buf: Buffer)");
  Napi::Buffer<char> buf = info[0].As<Napi::Buffer<char>>();
  std::vector<FanEvent> events;
  ParseFanotifyEvents(buf.Data(), buf.Length(), &events);
  Napi::Array out = Napi::Array::New(env, events.size());
  for (size_t i = 0; i < events.size(); i++) out.Set(static_cast<uint32_t>(i), RawItemToJs(env, {0, events[i]}));
  return out;
}

// parseXfsHealthmonForTest(buf) -> { events, consumed }: the monitor thread's record parser, for
// byte-exact fixtures and the fuzzer (events in the same shape XfsHealthMonitor delivers).
Napi::Value ParseXfsHealthmonForTest(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsBuffer()) return TypeError(env, "parseXfsHealthmonForTest(buf: Buffer)");
  Napi::Buffer<uint8_t> buf = info[0].As<Napi::Buffer<uint8_t>>();
  std::vector<HealthmonEvent> events;
  const size_t consumed = ParseHealthmonEvents(buf.Data(), buf.Length(), &events);
  Napi::Array arr = Napi::Array::New(env, events.size());
  for (size_t i = 0; i < events.size(); i++) arr.Set(static_cast<uint32_t>(i), HealthmonEventToJs(env, events[i]));
  Napi::Object o = Napi::Object::New(env);
  o.Set("events", arr);
  o.Set("consumed", static_cast<double>(consumed));
  return o;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("abiVersion", Napi::Function::New(env, AbiVersion));
  exports.Set("statfsFsid", Napi::Function::New(env, StatfsFsidJs));
  exports.Set("uniqueMountId", Napi::Function::New(env, UniqueMountIdJs));
  exports.Set("flockExclusive", Napi::Function::New(env, FlockExclusiveJs));
  exports.Set("sdNotify", Napi::Function::New(env, SdNotifyJs));
  exports.Set("nameToHandle", Napi::Function::New(env, NameToHandleJs));
  exports.Set("resolveHandle", Napi::Function::New(env, ResolveHandleJs));
  exports.Set("xfsFsGeometry", Napi::Function::New(env, XfsFsGeometryJs));
  exports.Set("xfsAgGeometry", Napi::Function::New(env, XfsAgGeometryJs));
  exports.Set("xfsBulkstatHealth", Napi::Function::New(env, XfsBulkstatHealthJs));
  exports.Set("resolveHandleAsync", Napi::Function::New(env, ResolveHandleAsyncJs));
  exports.Set("xfsFsGeometryAsync", Napi::Function::New(env, XfsFsGeometryAsyncJs));
  exports.Set("xfsAgGeometryAsync", Napi::Function::New(env, XfsAgGeometryAsyncJs));
  exports.Set("btrfsDevStatsAsync", Napi::Function::New(env, BtrfsDevStatsAsyncJs));
  exports.Set("parseKmsgForTest", Napi::Function::New(env, ParseKmsgForTest));
  exports.Set("parseFanotifyForTest", Napi::Function::New(env, ParseFanotifyForTest));
  exports.Set("parseXfsHealthmonForTest", Napi::Function::New(env, ParseXfsHealthmonForTest));
  exports.Set("Watcher", Watcher::Define(env));
  exports.Set("XfsHealthMonitor", XfsHealthMonitor::Define(env));
  return exports;
}

}  // namespace

NODE_API_MODULE(fsfault_native, Init)
