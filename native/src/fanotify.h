// fanotify FAN_FS_ERROR: one notification group with FID reporting, filesystem marks, and the
// parser for what read() returns (include/uapi/linux/fanotify.h):
//   event   = fanotify_event_metadata (24 bytes: event_len u32, vers u8, reserved u8,
//             metadata_len u16, mask u64, fd s32, pid s32) followed by info records
//   record  = header (info_type u8, pad u8, len u16) + body; order is not guaranteed
//   FID (1) = fsid (2 x u32) + file_handle (handle_bytes u32, handle_type s32, f_handle[])
//   ERROR (5) = error s32, error_count u32
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sys_error.h"

struct FanEvent {
  enum class Kind { FsError, Overflow, Malformed };
  Kind kind = Kind::Malformed;
  uint64_t mask = 0;
  std::string fsid;  // 16 hex digits, same form as StatfsFsid
  int32_t error = 0;
  uint32_t errorCount = 0;
  int32_t handleType = 0;
  std::string handleHex;
  int32_t pid = 0;
};

// fanotify_init(FAN_CLASS_NOTIF | FAN_REPORT_FID | FAN_NONBLOCK | FAN_CLOEXEC, O_RDONLY); -1 on error.
int FanotifyInit(SysError* err);

// Add or remove the FAN_FS_ERROR filesystem mark of the filesystem mounted at path.
bool FanotifyMark(int fd, bool add, const std::string& path, SysError* err);

// Parses one read()'s worth of events, appending to *out. Unknown info records are skipped; an
// event without its mandatory records (or a truncated one) becomes Kind::Malformed.
void ParseFanotifyEvents(const char* buf, size_t len, std::vector<FanEvent>* out);

std::string HexBytes(const unsigned char* p, size_t n);
std::string FsidHex(uint32_t val0, uint32_t val1);
