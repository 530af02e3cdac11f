/*
 * bench/kmsg-flood helpers, compiled by kmsg-flood.ts with cc (-O2). Two modes:
 *
 *   kmsg-flood read TOKEN      the baseline: a bare poll()+read() loop on /dev/kmsg from its end.
 *                              Prints "ready" once positioned. Counts the records after the start
 *                              marker ("kmsg-flood start TOKEN") up to and including the end marker
 *                              ("kmsg-flood end TOKEN"), and the ones it lost (sequence gaps, EPIPE),
 *                              then prints "start S end E read R lost L overruns O" and exits.
 *   kmsg-flood write N TOKEN   the flood: N records written to /dev/kmsg as fast as it can
 *                              (level 7: never printed on the console).
 *
 * Every syscall is checked; a failure prints "kmsg-flood: <call>: <error>" and exits 1.
 * Record grammar (Documentation/ABI/testing/dev-kmsg): "prefix,seq,ts_usec,flags[,...];text\n".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void die(const char *call) {
  fprintf(stderr, "kmsg-flood: %s: %s\n", call, strerror(errno));
  exit(1);
}

static int bare_read(const char *token) {
  int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) die("open /dev/kmsg");
  if (lseek(fd, 0, SEEK_END) < 0) die("lseek");
  char start_mark[128], end_mark[128];
  snprintf(start_mark, sizeof start_mark, "kmsg-flood start %s", token);
  snprintf(end_mark, sizeof end_mark, "kmsg-flood end %s", token);
  printf("ready\n");
  fflush(stdout);

  static char buf[8192];
  int64_t start = -1, next = -1;
  uint64_t read_n = 0, lost = 0, overruns = 0;
  struct pollfd p = {fd, POLLIN, 0};
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf - 1);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EPIPE) {  // overrun: the next read returns the oldest record; its seq gives the gap
        overruns++;
        continue;
      }
      if (errno != EAGAIN) die("read");
      if (poll(&p, 1, -1) < 0 && errno != EINTR) die("poll");
      continue;
    }
    buf[n] = '\0';
    const char *comma = memchr(buf, ',', (size_t)n);
    if (comma == NULL) continue;
    int64_t seq = strtoll(comma + 1, NULL, 10);
    const char *text = memchr(buf, ';', (size_t)n);
    if (start < 0) {
      if (text != NULL && strstr(text, start_mark) != NULL) {
        start = seq;
        next = seq + 1;
        printf("start %lld\n", (long long)seq);
        fflush(stdout);
      }
      continue;
    }
    if (seq > next) lost += (uint64_t)(seq - next);
    next = seq + 1;
    read_n++;
    if (text != NULL && strstr(text, end_mark) != NULL) {
      printf("start %lld end %lld read %llu lost %llu overruns %llu\n", (long long)start, (long long)seq,
             (unsigned long long)read_n, (unsigned long long)lost, (unsigned long long)overruns);
      return 0;
    }
  }
}

static int flood(long count, const char *token) {
  int fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);
  if (fd < 0) die("open /dev/kmsg");
  char line[256];
  for (long i = 0; i < count; i++) {
    int len = snprintf(line, sizeof line, "<7>kmsg-flood %s %ld xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n", token, i);
    if (write(fd, line, (size_t)len) != len) die("write /dev/kmsg");
  }
  if (close(fd) < 0) die("close");
  return 0;
}

int main(int argc, char **argv) {
  if (argc == 3 && strcmp(argv[1], "read") == 0) return bare_read(argv[2]);
  if (argc == 4 && strcmp(argv[1], "write") == 0) return flood(strtol(argv[2], NULL, 10), argv[3]);
  fprintf(stderr, "usage: kmsg-flood read TOKEN | kmsg-flood write N TOKEN\n");
  return 2;
}
