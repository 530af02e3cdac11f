// The JS Watcher object: owns one Reader and the one bounded ThreadSafeFunction that carries its
// deliveries to the JS thread. Arguments arrive already normalised by native/watcher.ts.
#pragma once

#include <napi.h>

#include <memory>

#include "reader.h"

class Watcher : public Napi::ObjectWrap<Watcher> {
 public:
  static Napi::Function Define(Napi::Env env);

  explicit Watcher(const Napi::CallbackInfo& info);
  ~Watcher() override;

 private:
  static void CallJs(Napi::Env env, Napi::Function unused, Watcher* self, Delivery* d);
  static void Finalize(Napi::Env env, void* unused, Watcher* self);
  static void OnEnvTeardown(Watcher* self);
  using Tsfn = Napi::TypedThreadSafeFunction<Watcher, Delivery, &Watcher::CallJs>;

  Napi::Value MarkFilesystem(const Napi::CallbackInfo& info);
  Napi::Value UnmarkFilesystem(const Napi::CallbackInfo& info);
  Napi::Value Mark(const Napi::CallbackInfo& info, bool add);
  Napi::Value Pause(const Napi::CallbackInfo& info);
  Napi::Value Resume(const Napi::CallbackInfo& info);
  Napi::Value Stop(const Napi::CallbackInfo& info);
  Napi::Value Stats(const Napi::CallbackInfo& info);
  Napi::Value LastKmsgSeq(const Napi::CallbackInfo& info);

  void StopThread();

  Reader reader_;
  Tsfn tsfn_;
  bool started_ = false;
  bool stopped_ = false;
  bool hookAdded_ = false;
  Napi::FunctionReference onBatch_, onMounts_, onError_;
  std::unique_ptr<Napi::Promise::Deferred> drained_;
};
