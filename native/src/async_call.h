// One blocking system call run off the JS thread: a Napi::AsyncWorker on the libuv thread pool
// whose result settles a promise (the PromiseRunner pattern of @parcel/watcher).
//
// Why: open_by_handle_at, readlink and the XFS ioctls read the disk. On a dying disk they block
// for seconds; on the JS thread that would stop everything, including the kernel-log reader's
// deliveries. The caller (core/sources/async-limiter.ts) bounds how many run at once and stops
// waiting after a timeout; a call that is stuck in the kernel still holds its pool thread until
// the kernel returns, which is why the bound must stay below the pool size (UV_THREADPOOL_SIZE, 4).
#pragma once

#include <napi.h>

#include <functional>
#include <utility>

#include "sys_error.h"

template <typename Result>
class AsyncCall : public Napi::AsyncWorker {
 public:
  // work runs on a pool thread (no N-API there); settle runs on the JS thread and returns the
  // value to resolve with, or sets *reject to reject with it instead.
  using Work = std::function<bool(Result*, SysError*)>;
  using Settle = std::function<Napi::Value(Napi::Env, bool ok, const Result&, const SysError&, bool* reject)>;

  static Napi::Promise Run(Napi::Env env, const char* name, Work work, Settle settle) {
    auto* call = new AsyncCall(env, name, std::move(work), std::move(settle));
    Napi::Promise p = call->deferred_.Promise();
    call->Queue();  // the worker deletes itself after OnOK
    return p;
  }

 protected:
  void Execute() override { ok_ = work_(&result_, &err_); }

  void OnOK() override {
    Napi::Env env = Env();
    Napi::HandleScope scope(env);
    bool reject = false;
    Napi::Value v = settle_(env, ok_, result_, err_, &reject);
    if (reject) deferred_.Reject(v);
    else deferred_.Resolve(v);
  }

 private:
  AsyncCall(Napi::Env env, const char* name, Work work, Settle settle)
      : Napi::AsyncWorker(env, name), deferred_(Napi::Promise::Deferred::New(env)), work_(std::move(work)),
        settle_(std::move(settle)) {}

  Napi::Promise::Deferred deferred_;
  Work work_;
  Settle settle_;
  Result result_{};
  SysError err_;
  bool ok_ = false;
};
