#include "records.h"

#include <time.h>

namespace {

Napi::Object LossToJs(Napi::Env env, const LossItem& loss, int64_t readAtUs) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("source", "loss");
  o.Set("origin", loss.origin);
  o.Set("reason", loss.reason);
  o.Set("count", static_cast<double>(loss.count));
  o.Set("device", env.Null());
  o.Set("readAtUs", static_cast<double>(readAtUs));
  return o;
}

Napi::Object FanToJs(Napi::Env env, const FanEvent& ev, int64_t readAtUs) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("source", "fanotify");
  o.Set("mask", static_cast<double>(ev.mask));
  o.Set("fsid", ev.fsid);
  o.Set("error", ev.error);
  o.Set("errorCount", ev.errorCount);
  o.Set("handleType", ev.handleType);
  o.Set("handle", ev.handleHex);
  o.Set("pid", ev.pid);
  o.Set("readAtUs", static_cast<double>(readAtUs));
  return o;
}

}  // namespace

int64_t RealtimeUs() {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000;
}

Napi::Object KmsgToJs(Napi::Env env, const KmsgParsed& rec, int64_t readAtUs) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("source", "kmsg");
  o.Set("seq", static_cast<double>(rec.seq));
  o.Set("facility", rec.facility);
  o.Set("level", rec.level);
  o.Set("tsUsec", static_cast<double>(rec.tsUsec));
  o.Set("readAtUs", static_cast<double>(readAtUs));
  o.Set("flags", rec.flags);
  o.Set("text", rec.text);
  Napi::Object dict = Napi::Object::New(env);
  for (const auto& kv : rec.dict) dict.Set(kv.first, kv.second);
  o.Set("dict", dict);
  return o;
}

Napi::Value RawItemToJs(Napi::Env env, const RawItem& item) {
  if (const auto* k = std::get_if<KmsgParsed>(&item.body)) return KmsgToJs(env, *k, item.readAtUs);
  if (const auto* f = std::get_if<FanEvent>(&item.body)) {
    switch (f->kind) {
      case FanEvent::Kind::FsError:
        return FanToJs(env, *f, item.readAtUs);
      case FanEvent::Kind::Overflow:
        return LossToJs(env, {"fanotify", "fanotify-overflow", 1}, item.readAtUs);
      case FanEvent::Kind::Malformed:
        return LossToJs(env, {"fanotify", "fanotify-malformed", 1}, item.readAtUs);
    }
  }
  return LossToJs(env, std::get<LossItem>(item.body), item.readAtUs);
}
