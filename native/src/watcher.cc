#include "watcher.h"

#include <string>

#include "fanotify.h"
#include "js_options.h"

namespace {

bool IsFunctionOrUndefined(const Napi::Value& v) { return v.IsFunction() || v.IsUndefined() || v.IsNull(); }

Napi::Value Throw(Napi::Env env, const std::string& msg) {
  Napi::TypeError::New(env, msg).ThrowAsJavaScriptException();
  return env.Undefined();
}

}  // namespace

Napi::Function Watcher::Define(Napi::Env env) {
  return DefineClass(env, "Watcher",
                     {
                         InstanceMethod<&Watcher::MarkFilesystem>("markFilesystem"),
                         InstanceMethod<&Watcher::UnmarkFilesystem>("unmarkFilesystem"),
                         InstanceMethod<&Watcher::Pause>("pause"),
                         InstanceMethod<&Watcher::Resume>("resume"),
                         InstanceMethod<&Watcher::Stop>("stop"),
                         InstanceMethod<&Watcher::Stats>("stats"),
                         InstanceMethod<&Watcher::LastKmsgSeq>("lastKmsgSeq"),
                     });
}

// new Watcher({ kmsg, kmsgStart: 'end'|'oldest'|'after', afterSeq, fanotify, mounts, batchMax,
//               maxPendingBatches }, onBatch, onMountsChanged?, onError)
Watcher::Watcher(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Watcher>(info) {
  Napi::Env env = info.Env();
  // While a worker is being terminated N-API can no longer run JS: napi_wrap fails without leaving
  // a pending exception, so node-addon-api goes on constructing an object that has no reference and
  // no env, and any reference call on it (Ref()) aborts the whole process in Error::New(nullptr).
  // Nothing is open yet: give up quietly (the worker is going away).
  if (IsEmpty()) return;
  if (info.Length() < 4 || !info[0].IsObject() || !info[1].IsFunction() || !IsFunctionOrUndefined(info[2]) ||
      !info[3].IsFunction()) {
    Throw(env, "Watcher(options, onBatch, onMountsChanged, onError): bad arguments");
    return;
  }
  Napi::Object o = info[0].As<Napi::Object>();
  ReaderOptions opts;
  std::string start;
  double afterSeq = 0, batchMax = 0, maxPending = 0;
  if (!jsopt::Bool(o, "kmsg", &opts.kmsg) || !jsopt::String(o, "kmsgStart", &start) ||
      !jsopt::Number(o, "afterSeq", &afterSeq) || !jsopt::Number(o, "batchMax", &batchMax) ||
      !jsopt::Number(o, "maxPendingBatches", &maxPending) || !jsopt::Bool(o, "fanotify", &opts.fanotify)) {
    return;  // a getter threw (pending), or the environment is going away (see js_options.h)
  }
  if (start == "end") opts.kmsgStart = KmsgSource::Start::End;
  else if (start == "oldest") opts.kmsgStart = KmsgSource::Start::Oldest;
  else if (start == "after") opts.kmsgStart = KmsgSource::Start::AfterSeq;
  else {
    Throw(env, "kmsgStart must be 'end', 'oldest' or 'after'");
    return;
  }
  if (!(afterSeq >= 0) || !(batchMax >= 1 && batchMax <= 65536) || !(maxPending >= 1 && maxPending <= 65536)) {
    Throw(env, "afterSeq must be >= 0, batchMax and maxPendingBatches in [1, 65536]");
    return;
  }
  opts.afterSeq = static_cast<uint64_t>(afterSeq);
  opts.batchMax = static_cast<size_t>(batchMax);
  opts.maxPending = static_cast<size_t>(maxPending);
  opts.mounts = info[2].IsFunction();

  SysError err;
  if (!reader_.Open(opts, &err)) {
    ToJsError(env, err).ThrowAsJavaScriptException();
    return;
  }
  // The thread first, before the TSFN and the references: when the system refuses a thread (a
  // pids limit) there is nothing to undo but the fds, and JS gets a typed error, not an abort.
  if (!reader_.Spawn(&err)) {
    reader_.Stop();
    ToJsError(env, err).ThrowAsJavaScriptException();
    return;
  }
  onBatch_ = Napi::Persistent(info[1].As<Napi::Function>());
  if (info[2].IsFunction()) onMounts_ = Napi::Persistent(info[2].As<Napi::Function>());
  onError_ = Napi::Persistent(info[3].As<Napi::Function>());
  // A terminating environment refuses references too; an empty one would abort at its first use.
  if (onBatch_.IsEmpty() || onError_.IsEmpty() || (info[2].IsFunction() && onMounts_.IsEmpty())) {
    reader_.Stop();
    Throw(env, "Watcher: the JS environment refused a reference to a callback (terminating?)");
    return;
  }

  // One slot beyond maxPending is reserved for the final delivery made while stopping.
  tsfn_ = Tsfn::New(env, "fsfault-watcher", opts.maxPending + 1, 1, this, &Watcher::Finalize,
                    static_cast<void*>(nullptr));
  // The same terminating environment refuses the TSFN (again possibly without a pending exception):
  // stop the reader and do not go on with half a watcher (Finalize, which Unrefs, never runs).
  if (static_cast<napi_threadsafe_function>(tsfn_) == nullptr) {
    reader_.Stop();
    Throw(env, "Watcher: the JS environment refused the thread-safe function (terminating?)");
    return;
  }
  Ref();  // the JS object lives at least until the TSFN is finalized
  // Registered after the TSFN so it runs first at teardown (hooks run in reverse order).
  napi_add_env_cleanup_hook(env, reinterpret_cast<void (*)(void*)>(&Watcher::OnEnvTeardown), this);
  hookAdded_ = true;
  reader_.Go([this](Delivery* d) {
    napi_status s = tsfn_.NonBlockingCall(d);
    if (s == napi_ok) return Reader::SendResult::Sent;
    return s == napi_queue_full ? Reader::SendResult::Full : Reader::SendResult::Closed;
  });
  started_ = true;
}

Watcher::~Watcher() {
  if (hookAdded_) napi_remove_env_cleanup_hook(Env(), reinterpret_cast<void (*)(void*)>(&Watcher::OnEnvTeardown), this);
  reader_.Stop();
}

// A throwing callback must not be swallowed: Node would only print a deprecation warning for an
// exception left pending in a TSFN callback, so it is re-raised as an uncaught exception.
static void ReportThrown(Napi::Env env) {
  if (!env.IsExceptionPending()) return;
  Napi::Error e = env.GetAndClearPendingException();
  napi_fatal_exception(env, e.Value());
}

void Watcher::CallJs(Napi::Env env, Napi::Function, Watcher* self, Delivery* d) {
  std::unique_ptr<Delivery> owned(d);
  if (env == nullptr) return;  // the environment is going away: nothing can receive it
  Napi::HandleScope scope(env);
  // Credit first so that a throwing callback cannot stall the reader.
  self->reader_.Credit();
  if (d->mountsChanged) {
    self->reader_.ClearMountSignal();
    if (!self->onMounts_.IsEmpty()) self->onMounts_.Call({});
    ReportThrown(env);
  }
  if (!d->records.empty()) {
    Napi::Array arr = Napi::Array::New(env, d->records.size());
    for (size_t i = 0; i < d->records.size(); i++) arr.Set(static_cast<uint32_t>(i), RawItemToJs(env, d->records[i]));
    self->reader_.stats().batchesDelivered++;
    self->onBatch_.Call({arr});
    ReportThrown(env);
  }
  for (const SysError& e : d->errors) {
    self->onError_.Call({ToJsError(env, e).Value()});
    ReportThrown(env);
  }
}

void Watcher::Finalize(Napi::Env env, void*, Watcher* self) {
  // Nothing is delivered any more. Drop the strong references to the callbacks: a callback whose
  // closure reaches this watcher's JS object would otherwise keep it alive forever.
  self->onBatch_.Reset();
  self->onMounts_.Reset();
  self->onError_.Reset();
  if (self->drained_) {
    self->drained_->Resolve(env.Undefined());
    self->drained_.reset();
  }
  self->Unref();
}

void Watcher::OnEnvTeardown(Watcher* self) {
  self->hookAdded_ = false;
  self->StopThread();
}

void Watcher::StopThread() {
  if (stopped_) return;
  stopped_ = true;
  reader_.Stop();
  if (started_) tsfn_.Release();
}

Napi::Value Watcher::Mark(const Napi::CallbackInfo& info, bool add) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsString()) return Throw(env, "mountPoint must be a string");
  if (stopped_ || reader_.fanotifyFd() < 0) return Throw(env, "watcher is stopped or was created without fanotify");
  SysError err;
  if (!FanotifyMark(reader_.fanotifyFd(), add, info[0].As<Napi::String>(), &err)) {
    ToJsError(env, err).ThrowAsJavaScriptException();
  }
  return env.Undefined();
}

Napi::Value Watcher::MarkFilesystem(const Napi::CallbackInfo& info) { return Mark(info, true); }
Napi::Value Watcher::UnmarkFilesystem(const Napi::CallbackInfo& info) { return Mark(info, false); }

Napi::Value Watcher::Pause(const Napi::CallbackInfo& info) {
  if (!stopped_) reader_.Pause();
  return info.Env().Undefined();
}

Napi::Value Watcher::Resume(const Napi::CallbackInfo& info) {
  if (!stopped_) reader_.Resume();
  return info.Env().Undefined();
}

// Joins the thread and closes every fd now; the returned promise resolves once every delivery
// already handed to the TSFN (including the final one) has reached JS.
Napi::Value Watcher::Stop(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!stopped_) {
    drained_ = std::make_unique<Napi::Promise::Deferred>(env);
    StopThread();
  }
  if (drained_) return drained_->Promise();
  Napi::Promise::Deferred done(env);
  done.Resolve(env.Undefined());
  return done.Promise();
}

Napi::Value Watcher::Stats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ReaderStats& s = reader_.stats();
  Napi::Object o = Napi::Object::New(env);
  o.Set("kmsgRecordsRead", static_cast<double>(s.kmsgRecordsRead.load()));
  o.Set("kmsgRecords", static_cast<double>(s.kmsgRecords.load()));
  o.Set("kmsgRejectedFacility", static_cast<double>(s.kmsgRejectedFacility.load()));
  o.Set("kmsgLostRecords", static_cast<double>(s.kmsgLostRecords.load()));
  o.Set("kmsgOverruns", static_cast<double>(s.kmsgOverruns.load()));
  o.Set("fanotifyEvents", static_cast<double>(s.fanotifyEvents.load()));
  o.Set("fanotifyOverflows", static_cast<double>(s.fanotifyOverflows.load()));
  o.Set("batchesDelivered", static_cast<double>(s.batchesDelivered.load()));
  o.Set("backpressureWaits", static_cast<double>(s.backpressureWaits.load()));
  o.Set("readErrors", static_cast<double>(s.readErrors.load()));
  return o;
}

Napi::Value Watcher::LastKmsgSeq(const Napi::CallbackInfo& info) {
  const int64_t seq = reader_.lastKmsgSeq();
  if (seq < 0) return info.Env().Null();
  return Napi::Number::New(info.Env(), static_cast<double>(seq));
}
