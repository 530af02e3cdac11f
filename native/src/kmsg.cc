#include "kmsg.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstring>
#include <utility>

namespace {

int HexVal(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// \xHH → byte; any other backslash stays as it is (the kernel always writes \x5c for '\').
std::string Unescape(const char* s, size_t n) {
  std::string out;
  out.reserve(n);
  for (size_t i = 0; i < n; i++) {
    if (s[i] == '\\' && i + 3 < n && s[i + 1] == 'x' && HexVal(s[i + 2]) >= 0 && HexVal(s[i + 3]) >= 0) {
      out.push_back(static_cast<char>(HexVal(s[i + 2]) * 16 + HexVal(s[i + 3])));
      i += 3;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

bool ParseDecimal(const char* s, size_t n, uint64_t* out) {
  if (n == 0 || n > 19) return false;
  uint64_t v = 0;
  for (size_t i = 0; i < n; i++) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + static_cast<uint64_t>(s[i] - '0');
  }
  *out = v;
  return true;
}

}  // namespace

bool ParseKmsgRecord(const char* buf, size_t len, KmsgParsed* out, bool kernelBodyOnly) {
  const char* semi = static_cast<const char*>(memchr(buf, ';', len));
  if (semi == nullptr) return false;
  const size_t headerLen = static_cast<size_t>(semi - buf);
  if (memchr(buf, '\n', headerLen) != nullptr) return false;

  // Header fields: the first four are fixed, later ones (caller=...) are ignored.
  const char* fields[4];
  size_t lens[4];
  size_t nfields = 0;
  size_t start = 0;
  for (size_t i = 0; i <= headerLen && nfields < 4; i++) {
    if (i == headerLen || buf[i] == ',') {
      fields[nfields] = buf + start;
      lens[nfields] = i - start;
      nfields++;
      start = i + 1;
    }
  }
  if (nfields < 4) return false;
  uint64_t prefix = 0;
  if (!ParseDecimal(fields[0], lens[0], &prefix) || !ParseDecimal(fields[1], lens[1], &out->seq) ||
      !ParseDecimal(fields[2], lens[2], &out->tsUsec) || prefix > 0xffffffffu) {
    return false;
  }
  out->facility = static_cast<int>(prefix >> 3);
  out->level = static_cast<int>(prefix & 7);
  out->flags.assign(fields[3], lens[3]);
  if (kernelBodyOnly && out->facility != 0) {
    out->text.clear();
    out->dict.clear();
    return true;
  }

  const char* body = semi + 1;
  const char* end = buf + len;
  const char* nl = static_cast<const char*>(memchr(body, '\n', static_cast<size_t>(end - body)));
  const char* textEnd = nl != nullptr ? nl : end;
  out->text = Unescape(body, static_cast<size_t>(textEnd - body));
  out->dict.clear();
  // Dictionary lines: " KEY=value", one per line; anything else after the text is not ours.
  const char* line = nl != nullptr ? nl + 1 : end;
  while (line < end) {
    const char* lineEnd = static_cast<const char*>(memchr(line, '\n', static_cast<size_t>(end - line)));
    if (lineEnd == nullptr) lineEnd = end;
    if (*line == ' ') {
      const char* eq = static_cast<const char*>(memchr(line + 1, '=', static_cast<size_t>(lineEnd - line - 1)));
      if (eq != nullptr && eq > line + 1) {
        out->dict.emplace_back(std::string(line + 1, eq), Unescape(eq + 1, static_cast<size_t>(lineEnd - eq - 1)));
      }
    }
    line = lineEnd + 1;
  }
  return true;
}

KmsgSource::~KmsgSource() { Close(); }

void KmsgSource::Close() {
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
}

bool KmsgSource::Open(Start start, uint64_t afterSeq, SysError* err) {
  fd_ = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd_ < 0) return Fail(err, "open", "/dev/kmsg", "CAP_SYSLOG (or kernel.dmesg_restrict=0)");
  if (start == Start::AfterSeq) {
    skipUpTo_ = static_cast<int64_t>(afterSeq);
    nextSeq_ = skipUpTo_ + 1;
    return true;
  }
  if (start == Start::Oldest) return true;
  // Start::End. lseek(SEEK_END) would not tell us the seq we start at, and without it a later
  // overrun could not be counted exactly. Read through what is in the ring instead (at most a few
  // thousand records); the bound only matters against a writer flooding faster than we read.
  for (int i = 0; i < 100000; i++) {
    ssize_t n = read(fd_, buf_, kBufSize);
    if (n < 0) {
      if (errno == EAGAIN) return true;
      if (errno == EPIPE || errno == EINTR) continue;
      Fail(err, "read", "/dev/kmsg");
      Close();
      return false;
    }
    KmsgParsed rec;
    if (ParseKmsgRecord(buf_, static_cast<size_t>(n), &rec, true)) {
      nextSeq_ = static_cast<int64_t>(rec.seq) + 1;
      lastSeq_ = static_cast<int64_t>(rec.seq);
    }
  }
  if (lseek(fd_, 0, SEEK_END) < 0) {
    Fail(err, "lseek", "/dev/kmsg");
    Close();
    return false;
  }
  nextSeq_ = -1;
  lastSeq_ = -1;
  unknownStart_ = true;
  return true;
}

KmsgSource::Result KmsgSource::Read(KmsgParsed* rec, uint64_t* lost, SysError* err) {
  for (;;) {
    if (pending_) {
      pending_ = false;
      *rec = std::move(pendingRec_);
    } else {
      ssize_t n = read(fd_, buf_, kBufSize);
      if (n < 0) {
        if (errno == EAGAIN) return Result::Again;
        if (errno == EINTR) continue;
        if (errno == EPIPE) {
          // The cursor jumped to the oldest record; the next record's seq tells how many we missed.
          overrun_ = true;
          overruns_++;
          continue;
        }
        Fail(err, "read", "/dev/kmsg");
        return Result::Error;
      }
      if (!ParseKmsgRecord(buf_, static_cast<size_t>(n), rec, true)) return Result::Malformed;
      const int64_t seq = static_cast<int64_t>(rec->seq);
      uint64_t gap = 0;
      if (nextSeq_ >= 0 && seq > nextSeq_) gap = static_cast<uint64_t>(seq - nextSeq_);
      else if (nextSeq_ < 0 && overrun_ && unknownStart_) gap = 1;  // start seq unknown: "at least one"
      overrun_ = false;
      nextSeq_ = seq + 1;
      if (gap > 0) {
        pendingRec_ = *rec;
        pending_ = true;
        *lost = gap;
        return Result::Loss;
      }
    }
    const int64_t seq = static_cast<int64_t>(rec->seq);
    if (seq <= skipUpTo_) continue;
    lastSeq_ = seq;
    return rec->facility == 0 ? Result::Record : Result::Rejected;
  }
}
