// The reader thread of one watcher: poll() on {control eventfd, credit eventfd, mountinfo,
// fanotify, /dev/kmsg}, framing what it reads into batches.
//
// Backpressure: at most maxPending deliveries are in flight to JS (the TSFN queue bound). When
// that many are queued the thread keeps filling one batch up to batchMax, then stops reading the
// kernel fds, so the kernel's own overflow accounting (kmsg EPIPE, FAN_Q_OVERFLOW) records what
// is lost, and we report it from there. Nothing read is ever dropped here.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>

#include <pthread.h>
#include <vector>

#include "kmsg.h"
#include "records.h"
#include "sys_error.h"

struct ReaderOptions {
  bool kmsg = false;
  KmsgSource::Start kmsgStart = KmsgSource::Start::End;
  uint64_t afterSeq = 0;
  bool fanotify = false;
  bool mounts = false;
  size_t batchMax = 256;
  size_t maxPending = 16;
};

struct ReaderStats {
  // kmsgRecordsRead: every record read from /dev/kmsg after the start point, delivered or rejected (a
  // malformed read has no seq: the next record's gap counts it in kmsgLostRecords). With
  // kmsgLostRecords it accounts for every sequence number the reader passed:
  // read + lost = lastKmsgSeq - start seq, exactly (bench/kmsg-flood, test/kernel/native-kmsg).
  std::atomic<uint64_t> kmsgRecordsRead{0};
  std::atomic<uint64_t> kmsgRecords{0}, kmsgRejectedFacility{0}, kmsgLostRecords{0}, kmsgOverruns{0},
      fanotifyEvents{0}, fanotifyOverflows{0}, batchesDelivered{0}, backpressureWaits{0}, readErrors{0};
};

class Reader {
 public:
  enum class SendResult { Sent, Full, Closed };
  // Called on the reader thread; takes ownership of the delivery only when it returns Sent.
  using Send = std::function<SendResult(Delivery*)>;

  Reader() = default;
  ~Reader();
  Reader(const Reader&) = delete;
  Reader& operator=(const Reader&) = delete;

  // Opens every fd on the calling (JS) thread so that setup errors are thrown synchronously.
  bool Open(const ReaderOptions& opts, SysError* err);
  // Creates the thread, which waits for Go() (or Stop()) before it reads anything. False (err set)
  // when the system refuses a new thread (EAGAIN under a pids limit): the caller has built nothing
  // yet that must be undone. pthread_create, not std::thread: std::thread reports that failure as
  // a C++ exception, which must never cross into N-API.
  bool Spawn(SysError* err);
  // Lets the spawned thread run, delivering through send.
  void Go(Send send);
  // Pause returns once the thread has stopped reading kmsg and fanotify.
  void Pause();
  void Resume();
  // Joins the thread and closes every fd. Idempotent.
  void Stop();

  // JS thread: one delivery has been handled.
  void Credit();
  // JS thread: the mount signal was taken; the next change may signal again.
  void ClearMountSignal() { mountSignalPending_.store(false); }

  // JS thread only. The fd stays open until Stop() (after the join): the reader thread never
  // closes it, so a mark can never reach a number the kernel has handed to another file.
  int fanotifyFd() const { return fanFailed_.load() ? -1 : fanFd_; }
  int64_t lastKmsgSeq() const { return lastKmsgSeq_.load(); }
  ReaderStats& stats() { return stats_; }
  bool stopped() const { return closed_; }

 private:
  void Run();
  void Wake();
  void CloseAll();
  void ReadKmsg(std::vector<RawItem>* batch);
  void ReadFanotify(std::vector<RawItem>* batch);
  void TakeFanCarry(std::vector<RawItem>* batch, size_t limit);
  // Sends the batch, pending errors and the mount signal as one delivery; false if it could not.
  bool Flush(std::vector<RawItem>* batch, bool last);

  ReaderOptions opts_;
  Send send_;
  KmsgSource kmsg_;
  bool kmsgOpen_ = false;
  int fanFd_ = -1;
  int mountFd_ = -1;
  int controlFd_ = -1;
  int creditFd_ = -1;
  pthread_t thread_{};
  bool joinable_ = false;
  bool closed_ = false;
  // Set by the reader thread when reading fanotify failed: it stops polling the fd (and JS stops
  // marking), the fd itself is closed by Stop() on the JS thread.
  std::atomic<bool> fanFailed_{false};

  std::atomic<bool> stop_{false};
  std::mutex goMu_;
  std::condition_variable goCv_;
  bool go_ = false;  // guarded by goMu_
  std::atomic<bool> paused_{false};
  std::mutex pauseMu_;
  std::condition_variable pauseCv_;
  bool pauseAck_ = false;  // guarded by pauseMu_

  std::atomic<size_t> inFlight_{0};
  std::atomic<bool> mountSignalPending_{false};
  std::atomic<int64_t> lastKmsgSeq_{-1};
  ReaderStats stats_;

  // Reader-thread state.
  bool mountsDirty_ = false;
  bool blocked_ = false;
  bool jsGone_ = false;  // the TSFN refused a call because the environment is closing
  std::vector<SysError> errors_;
  std::vector<FanEvent> fanCarry_;  // events of the last fanotify read that did not fit the batch
  size_t fanCarryPos_ = 0;
  int64_t fanCarryReadAt_ = 0;
};
