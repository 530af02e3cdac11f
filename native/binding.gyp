{
  "targets": [
    {
      "target_name": "fsfault_native",
      "sources": [
        "src/addon.cc",
        "src/btrfs_ioctl.cc",
        "src/fanotify.cc",
        "src/file_lock.cc",
        "src/handles.cc",
        "src/healthmon_monitor.cc",
        "src/kmsg.cc",
        "src/mounts.cc",
        "src/reader.cc",
        "src/records.cc",
        "src/sd_notify.cc",
        "src/sys_error.cc",
        "src/watcher.cc",
        "src/xfs_healthmon.cc",
        "src/xfs_ioctl.cc"
      ],
      "defines": [
        "NAPI_VERSION=8",
        "NAPI_DISABLE_CPP_EXCEPTIONS",
        "NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS"
      ],
      "cflags!": [
        "-fno-exceptions"
      ],
      "cflags_cc!": [
        "-fno-exceptions"
      ],
      "cflags": [
        "-Wall",
        "-Wextra",
        "-Werror=return-type"
      ],
      "cflags_cc": [
        "-isystem",
        "<!(node -p \"require('path').dirname(require.resolve('node-addon-api/package.json'))\")",
        "-Wall",
        "-Wextra",
        "-Wshadow",
        "-Werror=return-type",
        "-std=c++17",
        "-pthread"
      ],
      "ldflags": [
        "-pthread"
      ]
    }
  ]
}
