#include "reader.h"

#include <errno.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cstdint>
#include <utility>

#include "fanotify.h"
#include "mounts.h"

namespace {

void DrainEventfd(int fd) {
  uint64_t v;
  while (read(fd, &v, sizeof v) == static_cast<ssize_t>(sizeof v)) {
  }
}

void SignalEventfd(int fd) {
  const uint64_t one = 1;
  // EAGAIN only when the counter is near 2^64: the reader is woken either way.
  ssize_t r = write(fd, &one, sizeof one);
  (void)r;
}

}  // namespace

Reader::~Reader() { Stop(); }

bool Reader::Open(const ReaderOptions& opts, SysError* err) {
  opts_ = opts;
  controlFd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (controlFd_ < 0) return Fail(err, "eventfd", ""), CloseAll(), false;
  creditFd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (creditFd_ < 0) return Fail(err, "eventfd", ""), CloseAll(), false;
  if (opts.fanotify) {
    fanFd_ = FanotifyInit(err);
    if (fanFd_ < 0) return CloseAll(), false;
  }
  if (opts.mounts) {
    mountFd_ = OpenMountWatch(err);
    if (mountFd_ < 0) return CloseAll(), false;
  }
  if (opts.kmsg) {
    if (!kmsg_.Open(opts.kmsgStart, opts.afterSeq, err)) return CloseAll(), false;
    kmsgOpen_ = true;
    lastKmsgSeq_.store(opts.kmsgStart == KmsgSource::Start::AfterSeq ? static_cast<int64_t>(opts.afterSeq)
                                                                       : kmsg_.lastSeq());
  }
  return true;
}

bool Reader::Spawn(SysError* err) {
  const int rc = pthread_create(
      &thread_, nullptr,
      [](void* self) -> void* {
        static_cast<Reader*>(self)->Run();
        return nullptr;
      },
      this);
  if (rc != 0) {
    errno = rc;
    Fail(err, "pthread_create", "");
    return false;
  }
  joinable_ = true;
  return true;
}

void Reader::Go(Send send) {
  std::lock_guard<std::mutex> lock(goMu_);
  send_ = std::move(send);
  go_ = true;
  goCv_.notify_all();
}

void Reader::Wake() {
  if (controlFd_ >= 0) SignalEventfd(controlFd_);
}

void Reader::Pause() {
  paused_.store(true);
  if (!joinable_) return;
  std::unique_lock<std::mutex> lock(pauseMu_);
  Wake();
  pauseCv_.wait(lock, [this] { return pauseAck_; });
}

void Reader::Resume() {
  paused_.store(false);
  Wake();
}

void Reader::Stop() {
  if (closed_) return;
  closed_ = true;
  stop_.store(true);
  {
    std::lock_guard<std::mutex> lock(goMu_);
    goCv_.notify_all();  // a thread still waiting for Go() ends without reading
  }
  Wake();
  if (joinable_) {
    pthread_join(thread_, nullptr);
    joinable_ = false;
  }
  CloseAll();
}

void Reader::CloseAll() {
  kmsg_.Close();
  kmsgOpen_ = false;
  for (int* fd : {&fanFd_, &mountFd_, &controlFd_, &creditFd_}) {
    if (*fd >= 0) close(*fd);
    *fd = -1;
  }
}

void Reader::Credit() {
  if (closed_) return;
  inFlight_--;
  SignalEventfd(creditFd_);
}

void Reader::ReadKmsg(std::vector<RawItem>* batch) {
  while (batch->size() < opts_.batchMax) {
    KmsgParsed rec;
    uint64_t lost = 0;
    SysError err;
    const KmsgSource::Result r = kmsg_.Read(&rec, &lost, &err);
    const int64_t now = RealtimeUs();
    stats_.kmsgOverruns.store(kmsg_.overruns());
    switch (r) {
      case KmsgSource::Result::Again:
        return;
      case KmsgSource::Result::Record:
        stats_.kmsgRecordsRead++;
        stats_.kmsgRecords++;
        lastKmsgSeq_.store(kmsg_.lastSeq());
        batch->push_back({now, std::move(rec)});
        break;
      case KmsgSource::Result::Rejected:
        stats_.kmsgRecordsRead++;
        stats_.kmsgRejectedFacility++;
        lastKmsgSeq_.store(kmsg_.lastSeq());
        break;
      case KmsgSource::Result::Loss:
        stats_.kmsgLostRecords += lost;
        batch->push_back({now, LossItem{"kmsg", "kmsg-overrun", lost}});
        break;
      case KmsgSource::Result::Malformed:
        // Not in kmsgRecordsRead: its seq is unknown, so the next record's gap counts it as lost.
        stats_.readErrors++;
        batch->push_back({now, LossItem{"kmsg", "kmsg-malformed", 1}});
        break;
      case KmsgSource::Result::Error:
        // Not an expected condition: report it and stop polling kmsg rather than spin on it.
        stats_.readErrors++;
        errors_.push_back(err);
        kmsg_.Close();
        kmsgOpen_ = false;
        return;
    }
  }
}

void Reader::TakeFanCarry(std::vector<RawItem>* batch, size_t limit) {
  while (fanCarryPos_ < fanCarry_.size() && batch->size() < limit) {
    FanEvent& ev = fanCarry_[fanCarryPos_++];
    switch (ev.kind) {
      case FanEvent::Kind::FsError:
        stats_.fanotifyEvents++;
        break;
      case FanEvent::Kind::Overflow:
        stats_.fanotifyOverflows++;
        break;
      case FanEvent::Kind::Malformed:
        stats_.readErrors++;
        break;
    }
    batch->push_back({fanCarryReadAt_, std::move(ev)});
  }
  if (fanCarryPos_ == fanCarry_.size()) {
    fanCarry_.clear();
    fanCarryPos_ = 0;
  }
}

void Reader::ReadFanotify(std::vector<RawItem>* batch) {
  // Aligned for the u64 mask; 16 KiB holds at least 80 of the largest FS_ERROR events.
  alignas(8) char buf[16384];
  while (fanCarry_.empty() && batch->size() < opts_.batchMax) {
    ssize_t n = read(fanFd_, buf, sizeof buf);
    if (n < 0) {
      if (errno == EAGAIN) return;
      if (errno == EINTR) continue;
      SysError err;
      Fail(&err, "read", "fanotify");
      stats_.readErrors++;
      errors_.push_back(err);
      fanFailed_.store(true);  // closed by Stop(), after the join (see fanotifyFd())
      return;
    }
    fanCarryReadAt_ = RealtimeUs();
    ParseFanotifyEvents(buf, static_cast<size_t>(n), &fanCarry_);
    TakeFanCarry(batch, opts_.batchMax);
  }
}

bool Reader::Flush(std::vector<RawItem>* batch, bool last) {
  bool signalMounts = false;
  if (mountsDirty_ && !mountSignalPending_.load()) signalMounts = true;
  if (batch->empty() && errors_.empty() && !signalMounts) return true;
  // The last delivery uses the one TSFN slot reserved beyond maxPending (see Watcher).
  if (!last && inFlight_.load() >= opts_.maxPending) return false;
  auto* d = new Delivery;
  d->records.swap(*batch);
  d->errors.swap(errors_);
  d->mountsChanged = signalMounts;
  if (signalMounts) mountSignalPending_.store(true);
  inFlight_++;
  const SendResult r = send_(d);
  if (r == SendResult::Sent) {
    if (signalMounts) mountsDirty_ = false;
    return true;
  }
  // Not taken: put everything back (Full) or give up because JS is going away (Closed).
  inFlight_--;
  if (signalMounts) mountSignalPending_.store(false);
  batch->swap(d->records);
  errors_.swap(d->errors);
  delete d;
  if (r == SendResult::Closed) {
    stop_.store(true);
    jsGone_ = true;
  }
  return false;
}

void Reader::Run() {
  {
    std::unique_lock<std::mutex> lock(goMu_);
    goCv_.wait(lock, [this] { return go_ || stop_.load(); });
    if (!go_) return;  // stopped before it was let go: nothing was read
  }
  std::vector<RawItem> batch;
  batch.reserve(opts_.batchMax);
  while (!stop_.load()) {
    const bool paused = paused_.load();
    {
      std::lock_guard<std::mutex> lock(pauseMu_);
      if (pauseAck_ != paused) {
        pauseAck_ = paused;
        pauseCv_.notify_all();
      }
    }
    TakeFanCarry(&batch, opts_.batchMax);
    const bool flushed = Flush(&batch, false);
    if (stop_.load()) break;
    const bool full = batch.size() >= opts_.batchMax;
    if (!flushed && full && !blocked_) stats_.backpressureWaits++;
    blocked_ = !flushed && full;
    const bool reading = !paused && !full;

    struct pollfd pfds[5];
    nfds_t n = 0;
    pfds[n++] = {controlFd_, POLLIN, 0};
    pfds[n++] = {creditFd_, POLLIN, 0};
    const nfds_t mountIdx = n;
    if (mountFd_ >= 0) pfds[n++] = {mountFd_, POLLPRI, 0};
    const nfds_t kmsgIdx = n;
    if (reading && kmsgOpen_) pfds[n++] = {kmsg_.fd(), POLLIN, 0};
    const nfds_t fanIdx = n;
    if (reading && fanFd_ >= 0 && !fanFailed_.load() && fanCarry_.empty()) pfds[n++] = {fanFd_, POLLIN, 0};

    if (poll(pfds, n, -1) < 0) {
      if (errno == EINTR) continue;
      SysError err;
      Fail(&err, "poll", "");
      stats_.readErrors++;
      errors_.push_back(err);
      break;
    }
    if (pfds[0].revents) DrainEventfd(controlFd_);
    if (pfds[1].revents) DrainEventfd(creditFd_);
    if (mountFd_ >= 0 && (pfds[mountIdx].revents & (POLLPRI | POLLERR))) mountsDirty_ = true;
    // kmsg reports an overrun as POLLERR|POLLPRI; read() then returns EPIPE, which Read counts.
    if (kmsgIdx < n && pfds[kmsgIdx].fd == kmsg_.fd() && pfds[kmsgIdx].revents) ReadKmsg(&batch);
    if (fanIdx < n && pfds[fanIdx].fd == fanFd_ && pfds[fanIdx].revents) ReadFanotify(&batch);
  }
  // Stopping: hand over everything already read, in one last delivery that may exceed batchMax
  // (by at most one fanotify read), rather than drop it.
  if (!jsGone_) {
    TakeFanCarry(&batch, SIZE_MAX);
    Flush(&batch, true);
  }
  std::lock_guard<std::mutex> lock(pauseMu_);
  pauseAck_ = true;  // a Pause() racing with stop must not wait forever
  pauseCv_.notify_all();
}
