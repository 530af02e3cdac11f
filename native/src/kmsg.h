// /dev/kmsg: record framing and sequence accounting (Documentation/ABI/testing/dev-kmsg).
//
// Record grammar, one record per read():
//   <prefix>,<seq>,<ts_usec>,<flags>[,<more fields>];<text>\n( <KEY>=<value>\n)*
// prefix = facility << 3 | level; text and values escape bytes < 0x20, >= 0x7f and '\' as \xHH.
// native/kmsg-parse.ts implements the same grammar for replay files; keep them in step.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "sys_error.h"

struct KmsgParsed {
  uint64_t seq = 0;
  int facility = 0;
  int level = 0;
  uint64_t tsUsec = 0;
  std::string flags;
  std::string text;  // un-escaped bytes, decoded as UTF-8 when handed to JS
  std::vector<std::pair<std::string, std::string>> dict;
};

// kernelBodyOnly: for a record from userspace (facility != 0) stop after the header (text and dict
// left empty). The reader rejects those records, and a userspace flood of /dev/kmsg is exactly when
// the reader must be as cheap per record as a bare read() loop: un-escaping text nobody will see
// only makes it fall behind the ring. The header checks are the same, so what is malformed is too.
bool ParseKmsgRecord(const char* buf, size_t len, KmsgParsed* out, bool kernelBodyOnly = false);

// One reader's cursor on /dev/kmsg plus what is needed to count every record it missed.
class KmsgSource {
 public:
  enum class Start { End, Oldest, AfterSeq };

  enum class Result {
    Record,     // *rec is a kernel record (facility 0)
    Rejected,   // a record from userspace (facility != 0): consumed, not delivered
    Loss,       // *lost records vanished before this read; call Read again for the record itself
    Again,      // nothing to read now
    Malformed,  // a read returned something that is not a record
    Error,      // an unexpected read failure, in *err
  };

  KmsgSource() = default;
  ~KmsgSource();
  KmsgSource(const KmsgSource&) = delete;
  KmsgSource& operator=(const KmsgSource&) = delete;

  bool Open(Start start, uint64_t afterSeq, SysError* err);
  void Close();
  int fd() const { return fd_; }

  Result Read(KmsgParsed* rec, uint64_t* lost, SysError* err);

  // Sequence number of the last record consumed (delivered or rejected); -1 when none yet.
  int64_t lastSeq() const { return lastSeq_; }
  uint64_t overruns() const { return overruns_; }

 private:
  static constexpr size_t kBufSize = 8192;  // records are <= 2048 bytes; smaller reads get EINVAL

  int fd_ = -1;
  char buf_[kBufSize];
  int64_t nextSeq_ = -1;  // the seq the next record should have; -1 while unknown
  int64_t lastSeq_ = -1;
  int64_t skipUpTo_ = -1;  // AfterSeq start: records with seq <= this were already seen
  bool overrun_ = false;   // EPIPE seen, loss not yet reported
  uint64_t overruns_ = 0;
  bool unknownStart_ = false;  // End start fell back to SEEK_END without learning the seq
  bool pending_ = false;       // pendingRec_ follows a reported loss and is not yet returned
  KmsgParsed pendingRec_;
};
