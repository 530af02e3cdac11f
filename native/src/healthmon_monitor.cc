#include "healthmon_monitor.h"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cmath>
#include <mutex>
#include <string>
#include <vector>

#include "js_options.h"
#include "records.h"
#include "sys_error.h"
#include "xfs_healthmon.h"

struct HealthmonShared;
namespace {
void CallJs(Napi::Env env, Napi::Function, std::shared_ptr<HealthmonShared>* ctx, void*);
void FinalizeTsfn(Napi::Env env, void*, std::shared_ptr<HealthmonShared>* ctx);
using Tsfn = Napi::TypedThreadSafeFunction<std::shared_ptr<HealthmonShared>, void, &CallJs>;
}  // namespace

struct HealthmonShared {
  // Set at construction, read-only after.
  std::string mountPoint;  // empty: read testFd instead (the test seam: a pipe of records)
  int testFd = -1;
  bool verbose = false;
  size_t maxQueued = 1024;
  int controlFd = -1;  // eventfd: stop, or "JS drained the queue"
  Tsfn tsfn;

  std::atomic<bool> stop{false};
  std::atomic<uint64_t> records{0}, reads{0}, backpressureWaits{0};

  std::mutex mu;  // guards everything below
  bool opened = false, openedTaken = false;
  bool ended = false, endTaken = false;
  bool hasError = false;
  SysError error;
  std::vector<HealthmonEvent> pending;
  bool notifyPending = false;

  // JS thread only.
  Napi::FunctionReference onOpen, onEvents, onEnd;

  ~HealthmonShared() {
    if (controlFd >= 0) close(controlFd);
  }
  void Wake() {
    const uint64_t one = 1;
    ssize_t n;
    do n = write(controlFd, &one, sizeof one);
    while (n < 0 && errno == EINTR);
    // EAGAIN: the counter is already non-zero, the thread will wake anyway.
  }
};

namespace {

// Reader thread: asks JS to drain, unless a request is already on its way. False when the
// environment is closing (nothing can receive the events any more).
bool Notify(HealthmonShared* s) {
  {
    std::lock_guard<std::mutex> lock(s->mu);
    if (s->notifyPending) return true;
    s->notifyPending = true;
  }
  return s->tsfn.NonBlockingCall() == napi_ok;
}

void Finish(HealthmonShared* s, const SysError* err) {
  {
    std::lock_guard<std::mutex> lock(s->mu);
    s->ended = true;
    if (err) {
      s->hasError = true;
      s->error = *err;
    }
  }
  Notify(s);
}

void Run(std::shared_ptr<HealthmonShared> s) {
  SysError err;
  int fd;
  if (!s->mountPoint.empty()) {
    fd = OpenHealthMonitor(s->mountPoint, s->verbose, &err);
  } else {
    fd = fcntl(s->testFd, F_DUPFD_CLOEXEC, 0);
    if (fd < 0 || fcntl(fd, F_SETFL, O_NONBLOCK) < 0) {
      Fail(&err, "fcntl", "");
      if (fd >= 0) close(fd);
      fd = -1;
    }
  }
  if (fd < 0) {
    Finish(s.get(), &err);
    s->tsfn.Release();
    return;
  }
  {
    std::lock_guard<std::mutex> lock(s->mu);
    s->opened = true;
  }
  bool alive = Notify(s.get());

  constexpr size_t kBuf = kHealthmonEventSize * 64;
  std::vector<uint8_t> buf(kBuf);
  size_t carry = 0;  // bytes of a record the last read() stopped inside
  bool failed = false;
  while (alive && !s->stop.load()) {
    size_t queued;
    {
      std::lock_guard<std::mutex> lock(s->mu);
      queued = s->pending.size();
    }
    const bool full = queued >= s->maxQueued;
    if (full) s->backpressureWaits++;
    pollfd pfds[2] = {{s->controlFd, POLLIN, 0}, {full ? -1 : fd, POLLIN, 0}};
    int r = poll(pfds, 2, -1);
    if (r < 0) {
      if (errno == EINTR) continue;
      Fail(&err, "poll", s->mountPoint);
      failed = true;
      break;
    }
    if (pfds[0].revents & POLLIN) {
      uint64_t v;
      if (read(s->controlFd, &v, sizeof v) < 0 && errno != EAGAIN && errno != EINTR) {
        Fail(&err, "read(eventfd)", "");
        failed = true;
        break;
      }
      if (s->stop.load()) break;
    }
    if (pfds[1].revents == 0) continue;
    ssize_t n = read(fd, buf.data() + carry, kBuf - carry);
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) continue;
      Fail(&err, "read", s->mountPoint);
      failed = true;
      break;
    }
    s->reads++;
    if (n == 0) break;  // EOF: the filesystem was unmounted (after the UNMOUNT record) or detached
    const size_t have = carry + static_cast<size_t>(n);
    std::vector<HealthmonEvent> events;
    const size_t used = ParseHealthmonEvents(buf.data(), have, &events);
    carry = have - used;
    if (carry) std::copy(buf.begin() + used, buf.begin() + have, buf.begin());
    if (events.empty()) continue;
    s->records += events.size();
    {
      std::lock_guard<std::mutex> lock(s->mu);
      for (auto& e : events) s->pending.push_back(std::move(e));
    }
    alive = Notify(s.get());
  }
  close(fd);
  if (alive) {
    if (!failed && carry != 0) {
      // The stream ended inside a record: the kernel never does that, so say so.
      err = SysError{"read", EPROTO, s->mountPoint, ""};
      failed = true;
    }
    Finish(s.get(), failed ? &err : nullptr);
  }
  s->tsfn.Release();
}

void* ThreadMain(void* arg) {
  auto* owned = static_cast<std::shared_ptr<HealthmonShared>*>(arg);
  std::shared_ptr<HealthmonShared> s = std::move(*owned);
  delete owned;
  Run(std::move(s));
  return nullptr;
}

Napi::Value Num(Napi::Env env, bool has, double v) { return has ? Napi::Number::New(env, v) : env.Null(); }

}  // namespace

Napi::Object HealthmonEventToJs(Napi::Env env, const HealthmonEvent& e) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("domain", e.domain);
  o.Set("type", e.type);
  // ns since the epoch exceeds 2^53: µs (exact, < 2^53 until the year 2255) for the record, and
  // the exact ns as a BigInt for whoever needs it.
  o.Set("timeUs", Napi::Number::New(env, static_cast<double>(e.timeNs / 1000)));
  o.Set("timeNs", Napi::BigInt::New(env, static_cast<uint64_t>(e.timeNs)));
  o.Set("mask", Num(env, e.hasMask, e.mask));
  o.Set("group", Num(env, e.hasGroup, e.group));
  o.Set("ino", Num(env, e.hasIno, static_cast<double>(e.ino)));
  o.Set("gen", Num(env, e.hasGen, e.gen));
  o.Set("daddr", Num(env, e.hasMedia, static_cast<double>(e.daddr)));
  o.Set("sectors", Num(env, e.hasMedia, static_cast<double>(e.bbcount)));
  o.Set("pos", Num(env, e.hasRange, static_cast<double>(e.pos)));
  o.Set("bytes", Num(env, e.hasRange, static_cast<double>(e.len)));
  o.Set("errno", Num(env, e.hasErrno, e.errnum));
  o.Set("lostCount", Num(env, e.hasLost, static_cast<double>(e.lostCount)));
  return o;
}

namespace {

void ReportThrown(Napi::Env env) {
  if (!env.IsExceptionPending()) return;
  Napi::Error e = env.GetAndClearPendingException();
  napi_fatal_exception(env, e.Value());
}

void CallJs(Napi::Env env, Napi::Function, std::shared_ptr<HealthmonShared>* ctx, void*) {
  if (env == nullptr) return;
  HealthmonShared* s = ctx->get();
  Napi::HandleScope scope(env);
  std::vector<HealthmonEvent> events;
  bool open = false, end = false, hasError = false;
  SysError error;
  {
    std::lock_guard<std::mutex> lock(s->mu);
    s->notifyPending = false;
    events.swap(s->pending);
    if (s->opened && !s->openedTaken) open = s->openedTaken = true;
    if (s->ended && !s->endTaken) {
      end = s->endTaken = true;
      hasError = s->hasError;
      error = s->error;
    }
  }
  if (!events.empty()) s->Wake();  // room again: a thread held back by maxQueued may read on
  if (open && !s->onOpen.IsEmpty()) {
    s->onOpen.Call({});
    ReportThrown(env);
  }
  if (!events.empty() && !s->onEvents.IsEmpty()) {
    Napi::Array arr = Napi::Array::New(env, events.size());
    for (size_t i = 0; i < events.size(); i++) arr.Set(static_cast<uint32_t>(i), HealthmonEventToJs(env, events[i]));
    s->onEvents.Call({arr});
    ReportThrown(env);
  }
  if (end && !s->onEnd.IsEmpty()) {
    s->onEnd.Call({hasError ? ToJsError(env, error).Value() : env.Null()});
    ReportThrown(env);
  }
}

void FinalizeTsfn(Napi::Env, void*, std::shared_ptr<HealthmonShared>* ctx) {
  // Nothing is delivered any more: drop the callbacks (their closures may hold the JS object).
  (*ctx)->onOpen.Reset();
  (*ctx)->onEvents.Reset();
  (*ctx)->onEnd.Reset();
  delete ctx;
}

Napi::Value Throw(Napi::Env env, const char* msg) {
  Napi::TypeError::New(env, msg).ThrowAsJavaScriptException();
  return env.Undefined();
}

}  // namespace

Napi::Function XfsHealthMonitor::Define(Napi::Env env) {
  return DefineClass(env, "XfsHealthMonitor",
                     {InstanceMethod<&XfsHealthMonitor::Stop>("stop"), InstanceMethod<&XfsHealthMonitor::Stats>("stats")});
}

// new XfsHealthMonitor({ mountPoint?: string, fd?: number, verbose: boolean, maxQueued: number },
//                      onOpen, onEvents, onEnd)
XfsHealthMonitor::XfsHealthMonitor(const Napi::CallbackInfo& info) : Napi::ObjectWrap<XfsHealthMonitor>(info) {
  Napi::Env env = info.Env();
  // A worker being terminated: napi_wrap failed without a pending exception and this object has no
  // reference and no env (see Watcher::Watcher). Nothing is open yet.
  if (IsEmpty()) return;
  if (info.Length() < 4 || !info[0].IsObject() || !info[1].IsFunction() || !info[2].IsFunction() || !info[3].IsFunction()) {
    Throw(env, "XfsHealthMonitor(options, onOpen, onEvents, onEnd): bad arguments");
    return;
  }
  Napi::Object o = info[0].As<Napi::Object>();
  auto s = std::make_shared<HealthmonShared>();
  Napi::Value mp, fdv;
  bool verbose = false;
  double maxQueued = 0;
  if (!jsopt::Value(o, "mountPoint", &mp) || !jsopt::Value(o, "fd", &fdv) || !jsopt::Bool(o, "verbose", &verbose) ||
      !jsopt::Number(o, "maxQueued", &maxQueued)) {
    return;  // a getter threw (pending), or the environment is going away (see js_options.h)
  }
  if (mp.IsString()) {
    s->mountPoint = mp.As<Napi::String>();
    if (s->mountPoint.empty()) {
      Throw(env, "mountPoint must not be empty");
      return;
    }
  } else if (fdv.IsNumber()) {
    const double d = fdv.As<Napi::Number>().DoubleValue();
    if (!(d >= 0 && d < 1 << 30) || std::floor(d) != d) {
      Throw(env, "fd must be a non-negative integer");
      return;
    }
    s->testFd = static_cast<int>(d);
  } else {
    Throw(env, "options need mountPoint (string) or fd (number)");
    return;
  }
  s->verbose = verbose;
  if (!(maxQueued >= 1 && maxQueued <= 1 << 20)) {
    Throw(env, "maxQueued must be in [1, 1048576]");
    return;
  }
  s->maxQueued = static_cast<size_t>(maxQueued);
  s->controlFd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (s->controlFd < 0) {
    SysError err;
    Fail(&err, "eventfd", "");
    ToJsError(env, err).ThrowAsJavaScriptException();
    return;
  }
  s->onOpen = Napi::Persistent(info[1].As<Napi::Function>());
  s->onEvents = Napi::Persistent(info[2].As<Napi::Function>());
  s->onEnd = Napi::Persistent(info[3].As<Napi::Function>());
  if (s->onOpen.IsEmpty() || s->onEvents.IsEmpty() || s->onEnd.IsEmpty()) {
    Throw(env, "XfsHealthMonitor: the JS environment refused a reference to a callback (terminating?)");
    return;  // ~HealthmonShared closes controlFd
  }
  auto* tsfnContext = new std::shared_ptr<HealthmonShared>(s);
  s->tsfn = Tsfn::New(env, "fsfault-xfs-healthmon", 0, 1, tsfnContext, &FinalizeTsfn, static_cast<void*>(nullptr));
  if (static_cast<napi_threadsafe_function>(s->tsfn) == nullptr) {
    delete tsfnContext;
    Throw(env, "XfsHealthMonitor: the JS environment refused the thread-safe function (terminating?)");
    return;
  }

  pthread_t t;
  auto* arg = new std::shared_ptr<HealthmonShared>(s);
  int rc = pthread_create(&t, nullptr, &ThreadMain, arg);
  if (rc != 0) {
    delete arg;
    s->tsfn.Release();
    SysError err{"pthread_create", rc, "", ""};
    ToJsError(env, err).ThrowAsJavaScriptException();
    return;
  }
  pthread_detach(t);
  shared_ = s;
  napi_add_env_cleanup_hook(env, reinterpret_cast<void (*)(void*)>(&XfsHealthMonitor::OnEnvTeardown), this);
  hookAdded_ = true;
}

XfsHealthMonitor::~XfsHealthMonitor() {
  if (hookAdded_) napi_remove_env_cleanup_hook(Env(), reinterpret_cast<void (*)(void*)>(&XfsHealthMonitor::OnEnvTeardown), this);
  if (shared_) {
    shared_->stop.store(true);
    shared_->Wake();
  }
}

void XfsHealthMonitor::OnEnvTeardown(XfsHealthMonitor* self) {
  self->hookAdded_ = false;
  if (self->shared_) {
    self->shared_->stop.store(true);
    self->shared_->Wake();
  }
}

// Asks the thread to close the monitor and end; returns at once. onEnd(null) follows unless the
// thread is still inside the open (then onOpen/onEnd follow when it returns).
Napi::Value XfsHealthMonitor::Stop(const Napi::CallbackInfo& info) {
  if (shared_) {
    shared_->stop.store(true);
    shared_->Wake();
  }
  return info.Env().Undefined();
}

Napi::Value XfsHealthMonitor::Stats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  if (!shared_) return o;
  o.Set("records", static_cast<double>(shared_->records.load()));
  o.Set("reads", static_cast<double>(shared_->reads.load()));
  o.Set("backpressureWaits", static_cast<double>(shared_->backpressureWaits.load()));
  return o;
}
