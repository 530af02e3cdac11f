// The JS XfsHealthMonitor class: one detached reader thread per monitored XFS, which opens the
// monitor (XFS_IOC_HEALTH_MONITOR, off the JS thread: open() of a mount point can block on a
// failing disk), polls its fd, parses whole 64-byte records and hands them to JS through one
// ThreadSafeFunction.
//
// Bounded: at most maxQueued parsed events wait for JS (plus one read's worth, 64). Then the thread
// stops reading the monitor fd, the kernel's own queue (32 KiB) fills, and the kernel counts what
// it drops and queues a LOST record with the count: losses are reported by the kernel, not made
// here. At most one notification is in flight to JS; JS drains everything queued at once.
//
// The thread is detached and shares its state with the JS object through a shared_ptr, so stop()
// never joins (never blocks the JS thread on an open() stuck on a dying disk); the state is freed
// by whichever lets go last.
#pragma once

#include <napi.h>

#include <memory>

struct HealthmonShared;
struct HealthmonEvent;

// One decoded record as the JS object both the monitor and parseXfsHealthmonForTest deliver.
Napi::Object HealthmonEventToJs(Napi::Env env, const HealthmonEvent& e);

class XfsHealthMonitor : public Napi::ObjectWrap<XfsHealthMonitor> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit XfsHealthMonitor(const Napi::CallbackInfo& info);
  ~XfsHealthMonitor() override;

 private:
  Napi::Value Stop(const Napi::CallbackInfo& info);
  Napi::Value Stats(const Napi::CallbackInfo& info);
  static void OnEnvTeardown(XfsHealthMonitor* self);

  std::shared_ptr<HealthmonShared> shared_;
  bool hookAdded_ = false;
};
