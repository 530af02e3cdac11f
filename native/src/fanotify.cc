#include "fanotify.h"

#include <fcntl.h>
#include <sys/fanotify.h>

#include <cstdio>
#include <cstring>

namespace {

constexpr uint8_t kInfoFid = 1;    // FAN_EVENT_INFO_TYPE_FID
constexpr uint8_t kInfoError = 5;  // FAN_EVENT_INFO_TYPE_ERROR
constexpr uint64_t kFsError = 0x8000;
constexpr uint64_t kOverflow = 0x4000;
constexpr size_t kMetaLen = 24;

template <typename T>
T Load(const char* p) {
  T v;
  memcpy(&v, p, sizeof v);  // records are 4-aligned only; avoid unaligned typed access
  return v;
}

// Returns false when the event lacks what a FAN_FS_ERROR must carry.
bool ParseInfoRecords(const char* p, const char* end, FanEvent* ev) {
  bool haveFid = false;
  bool haveError = false;
  while (end - p >= 4) {
    const uint8_t type = Load<uint8_t>(p);
    const uint16_t len = Load<uint16_t>(p + 2);
    if (len < 4 || len > end - p) return false;
    if (type == kInfoFid && len >= 20) {
      const uint32_t handleBytes = Load<uint32_t>(p + 12);
      if (20 + static_cast<size_t>(handleBytes) > len) return false;
      ev->fsid = FsidHex(Load<uint32_t>(p + 4), Load<uint32_t>(p + 8));
      ev->handleType = Load<int32_t>(p + 16);
      ev->handleHex = HexBytes(reinterpret_cast<const unsigned char*>(p + 20), handleBytes);
      haveFid = true;
    } else if (type == kInfoError && len >= 12) {
      ev->error = Load<int32_t>(p + 4);
      ev->errorCount = Load<uint32_t>(p + 8);
      haveError = true;
    }
    p += len;
  }
  return haveFid && haveError;
}

}  // namespace

std::string HexBytes(const unsigned char* p, size_t n) {
  static const char kDigits[] = "0123456789abcdef";
  std::string out(n * 2, '0');
  for (size_t i = 0; i < n; i++) {
    out[2 * i] = kDigits[p[i] >> 4];
    out[2 * i + 1] = kDigits[p[i] & 15];
  }
  return out;
}

std::string FsidHex(uint32_t val0, uint32_t val1) {
  char buf[17];
  snprintf(buf, sizeof buf, "%08x%08x", val0, val1);
  return buf;
}

int FanotifyInit(SysError* err) {
  int fd = fanotify_init(FAN_CLASS_NOTIF | FAN_REPORT_FID | FAN_NONBLOCK | FAN_CLOEXEC, O_RDONLY);
  if (fd < 0) Fail(err, "fanotify_init", "", "CAP_SYS_ADMIN");
  return fd;
}

bool FanotifyMark(int fd, bool add, const std::string& path, SysError* err) {
  const unsigned flags = (add ? FAN_MARK_ADD : FAN_MARK_REMOVE) | FAN_MARK_FILESYSTEM;
  if (fanotify_mark(fd, flags, kFsError, AT_FDCWD, path.c_str()) < 0) {
    return Fail(err, "fanotify_mark", path, "CAP_SYS_ADMIN");
  }
  return true;
}

void ParseFanotifyEvents(const char* buf, size_t len, std::vector<FanEvent>* out) {
  const char* p = buf;
  const char* end = buf + len;
  while (static_cast<size_t>(end - p) >= kMetaLen) {
    const uint32_t eventLen = Load<uint32_t>(p);
    const uint16_t metaLen = Load<uint16_t>(p + 6);
    FanEvent ev;
    if (eventLen < kMetaLen || eventLen > static_cast<size_t>(end - p) || metaLen < kMetaLen || metaLen > eventLen) {
      // The kernel never splits events across reads; a bad length means we cannot find the next one.
      out->push_back(ev);
      return;
    }
    ev.mask = Load<uint64_t>(p + 8);
    ev.pid = Load<int32_t>(p + 20);
    if (ev.mask & kOverflow) {
      ev.kind = FanEvent::Kind::Overflow;
    } else if ((ev.mask & kFsError) && ParseInfoRecords(p + metaLen, p + eventLen, &ev)) {
      ev.kind = FanEvent::Kind::FsError;
    }
    out->push_back(ev);
    p += eventLen;
  }
  if (p != end) out->push_back(FanEvent());
}
