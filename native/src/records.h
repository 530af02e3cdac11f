// What the reader thread hands to the JS thread, and its conversion to the raw-record objects of
// core/model/raw-record.ts (KmsgRecord, FanotifyRecord, LossRecord).
#pragma once

#include <napi.h>

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "fanotify.h"
#include "kmsg.h"
#include "sys_error.h"

struct LossItem {
  const char* origin;  // 'kmsg' | 'fanotify'
  const char* reason;  // 'kmsg-overrun', 'fanotify-overflow', ...
  uint64_t count;
};

struct RawItem {
  int64_t readAtUs;
  std::variant<KmsgParsed, FanEvent, LossItem> body;
};

// One TSFN call: a batch of records, plus the coalesced mount-table signal and any read failures.
struct Delivery {
  std::vector<RawItem> records;
  bool mountsChanged = false;
  std::vector<SysError> errors;
};

Napi::Object KmsgToJs(Napi::Env env, const KmsgParsed& rec, int64_t readAtUs);
Napi::Value RawItemToJs(Napi::Env env, const RawItem& item);

int64_t RealtimeUs();
