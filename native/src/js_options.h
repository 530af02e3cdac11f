// Reading a JS options object in a constructor without ever chaining on a failed N-API call.
//
// Why: while a worker is being terminated, every N-API call that may run JS (napi_get_property,
// napi_coerce_*, napi_wrap) fails *without* leaving a pending exception. node-addon-api then
// returns default-constructed values that carry no env, and the next call on one of them
// (`o.Get("x").ToNumber()`) reaches Error::New(nullptr), which aborts the whole process with
// "FATAL ERROR: Error::New napi_get_last_error_info" (seen on Node 20 and 24). Each step here is
// checked; a false return means "give up constructing": either an exception is pending (a getter
// threw) or the environment is going away and nothing can receive an error.
#pragma once

#include <napi.h>

#include <string>

namespace jsopt {

inline bool Bool(const Napi::Object& o, const char* key, bool* out) {
  Napi::Value v = o.Get(key);
  if (v.IsEmpty()) return false;
  Napi::Boolean b = v.ToBoolean();
  if (b.IsEmpty()) return false;
  *out = b.Value();
  return true;
}

inline bool Number(const Napi::Object& o, const char* key, double* out) {
  Napi::Value v = o.Get(key);
  if (v.IsEmpty()) return false;
  Napi::Number n = v.ToNumber();
  if (n.IsEmpty()) return false;
  *out = n.DoubleValue();
  return true;
}

inline bool String(const Napi::Object& o, const char* key, std::string* out) {
  Napi::Value v = o.Get(key);
  if (v.IsEmpty()) return false;
  Napi::String s = v.ToString();
  if (s.IsEmpty()) return false;
  *out = s.Utf8Value();
  return true;
}

// The value itself (possibly undefined); false when the read failed.
inline bool Value(const Napi::Object& o, const char* key, Napi::Value* out) {
  *out = o.Get(key);
  return !out->IsEmpty();
}

}  // namespace jsopt
