/*
 * slowdisk: a FUSE filesystem (libfuse3) exposing one file, /disk.img, backed by a host image
 * file, whose reads of chosen byte ranges are delayed or fail with EIO. A loop device on
 * <mnt>/disk.img is then a block device that is slow or failing exactly where a test wants:
 * real block-layer I/O, no device-mapper needed. Used by test/helpers/slow-disk.ts (its API and
 * README entry in test/README.md).
 *
 * Control: write lines to <mnt>/control (one command per write):
 *   delay START LEN MS   reads overlapping [START, START+LEN) sleep MS milliseconds first
 *   eio START LEN COUNT  the next COUNT reads overlapping the range fail with EIO (-1: all)
 *   clear                drop every rule
 * Reading <mnt>/control returns counters: "reads N delayed N failed N".
 *
 * Opened with direct_io so every read reaches this process (no FUSE page cache in between).
 * Multithreaded (fuse_main default): a delayed read does not hold up the others.
 *
 * Build: cc -O2 -Wall slowdisk.c $(pkg-config --cflags --libs fuse3) -o slowdisk
 * Run:   slowdisk BACKING_IMAGE MOUNTPOINT   (foreground; unmount with fusermount3 -u)
 */
#define FUSE_USE_VERSION 31
#include <errno.h>
#include <fcntl.h>
#include <fuse.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAX_RULES 64

struct rule {
  int kind; /* 1 delay, 2 eio */
  long long start, len;
  long long ms;    /* delay */
  long long count; /* eio: remaining, -1 forever */
};

static int backing = -1;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static struct rule rules[MAX_RULES];
static int nrules = 0;
static long long nreads = 0, ndelayed = 0, nfailed = 0;

static int overlaps(const struct rule *r, long long off, long long size) {
  return off < r->start + r->len && r->start < off + size;
}

static int sd_getattr(const char *path, struct stat *st, struct fuse_file_info *fi) {
  (void)fi;
  memset(st, 0, sizeof *st);
  if (strcmp(path, "/") == 0) {
    st->st_mode = S_IFDIR | 0755;
    st->st_nlink = 2;
    return 0;
  }
  if (strcmp(path, "/disk.img") == 0) {
    struct stat b;
    if (fstat(backing, &b) < 0) return -errno;
    st->st_mode = S_IFREG | 0600;
    st->st_nlink = 1;
    st->st_size = b.st_size;
    return 0;
  }
  if (strcmp(path, "/control") == 0) {
    st->st_mode = S_IFREG | 0600;
    st->st_nlink = 1;
    st->st_size = 4096;
    return 0;
  }
  return -ENOENT;
}

static int sd_readdir(const char *path, void *buf, fuse_fill_dir_t fill, off_t off, struct fuse_file_info *fi,
                      enum fuse_readdir_flags flags) {
  (void)off, (void)fi, (void)flags;
  if (strcmp(path, "/") != 0) return -ENOENT;
  fill(buf, ".", NULL, 0, 0);
  fill(buf, "..", NULL, 0, 0);
  fill(buf, "disk.img", NULL, 0, 0);
  fill(buf, "control", NULL, 0, 0);
  return 0;
}

static int sd_open(const char *path, struct fuse_file_info *fi) {
  if (strcmp(path, "/disk.img") != 0 && strcmp(path, "/control") != 0) return -ENOENT;
  fi->direct_io = 1;
  return 0;
}

static int sd_truncate(const char *path, off_t size, struct fuse_file_info *fi) {
  (void)size, (void)fi;
  return strcmp(path, "/control") == 0 ? 0 : -EPERM;
}

static int sd_read(const char *path, char *buf, size_t size, off_t off, struct fuse_file_info *fi) {
  (void)fi;
  if (strcmp(path, "/control") == 0) {
    char text[128];
    pthread_mutex_lock(&mu);
    int n = snprintf(text, sizeof text, "reads %lld delayed %lld failed %lld\n", nreads, ndelayed, nfailed);
    pthread_mutex_unlock(&mu);
    if (off >= n) return 0;
    if ((size_t)(n - off) < size) size = (size_t)(n - off);
    memcpy(buf, text + off, size);
    return (int)size;
  }
  long long delay = 0;
  int fail = 0;
  pthread_mutex_lock(&mu);
  nreads++;
  for (int i = 0; i < nrules; i++) {
    struct rule *r = &rules[i];
    if (!overlaps(r, off, (long long)size)) continue;
    if (r->kind == 2 && r->count != 0) {
      fail = 1;
      if (r->count > 0) r->count--;
    } else if (r->kind == 1 && r->ms > delay) {
      delay = r->ms;
    }
  }
  if (fail) nfailed++;
  else if (delay) ndelayed++;
  pthread_mutex_unlock(&mu);
  if (fail) return -EIO;
  if (delay) {
    struct timespec ts = {delay / 1000, (delay % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR) {
    }
  }
  ssize_t n = pread(backing, buf, size, off);
  return n < 0 ? -errno : (int)n;
}

static int control(const char *line) {
  struct rule r = {0};
  if (strncmp(line, "clear", 5) == 0) {
    pthread_mutex_lock(&mu);
    nrules = 0;
    pthread_mutex_unlock(&mu);
    return 0;
  }
  if (sscanf(line, "delay %lld %lld %lld", &r.start, &r.len, &r.ms) == 3) r.kind = 1;
  else if (sscanf(line, "eio %lld %lld %lld", &r.start, &r.len, &r.count) == 3) r.kind = 2;
  else return -EINVAL;
  if (r.start < 0 || r.len <= 0) return -EINVAL;
  pthread_mutex_lock(&mu);
  int ok = nrules < MAX_RULES;
  if (ok) rules[nrules++] = r;
  pthread_mutex_unlock(&mu);
  return ok ? 0 : -ENOSPC;
}

static int sd_write(const char *path, const char *buf, size_t size, off_t off, struct fuse_file_info *fi) {
  (void)fi;
  if (strcmp(path, "/control") == 0) {
    char line[256];
    size_t n = size < sizeof line - 1 ? size : sizeof line - 1;
    memcpy(line, buf, n);
    line[n] = '\0';
    int rc = control(line);
    return rc < 0 ? rc : (int)size;
  }
  if (strcmp(path, "/disk.img") != 0) return -ENOENT;
  ssize_t n = pwrite(backing, buf, size, off);
  return n < 0 ? -errno : (int)n;
}

static int sd_fsync(const char *path, int datasync, struct fuse_file_info *fi) {
  (void)path, (void)fi;
  return (datasync ? fdatasync(backing) : fsync(backing)) < 0 ? -errno : 0;
}

static const struct fuse_operations ops = {
    .getattr = sd_getattr,
    .readdir = sd_readdir,
    .open = sd_open,
    .read = sd_read,
    .write = sd_write,
    .truncate = sd_truncate,
    .fsync = sd_fsync,
};

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: slowdisk BACKING_IMAGE MOUNTPOINT\n");
    return 2;
  }
  backing = open(argv[1], O_RDWR | O_CLOEXEC);
  if (backing < 0) {
    perror(argv[1]);
    return 1;
  }
  /* foreground, allow_other not needed (root), default multithreaded loop */
  char *fargs[] = {argv[0], "-f", "-o", "fsname=slowdisk,default_permissions", argv[2], NULL};
  return fuse_main(5, fargs, &ops, NULL);
}
