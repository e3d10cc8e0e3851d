// SPDX-License-Identifier: Apache-2.0
// Scaffolding shared by the benchmarks: errors and Ctrl-C, wall and CPU time, a temp dir that
// removes itself, machine facts, argument parsing. Benchmarks only; never installed.
#ifndef CONSENT_BENCH_BENCH_UTIL_H_
#define CONSENT_BENCH_BENCH_UTIL_H_

#include <fcntl.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace consent::bench {

using SteadyClock = std::chrono::steady_clock;

struct BenchError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

inline std::atomic<bool> g_interrupted{false};

// Signal handler: asks the running measurement to stop (CheckInterrupted throws).
inline void OnSignal(int) { g_interrupted.store(true, std::memory_order_relaxed); }

inline void CheckInterrupted() {
  if (g_interrupted.load(std::memory_order_relaxed)) throw BenchError("interrupted");
}

inline double Secs(SteadyClock::duration d) { return std::chrono::duration<double>(d).count(); }

inline SteadyClock::time_point After(double seconds) {
  return SteadyClock::now() +
         std::chrono::duration_cast<SteadyClock::duration>(std::chrono::duration<double>(seconds));
}

// CPU time of the whole process (all threads, RocksDB's background threads included). Unlike
// wall time it does not count time taken by other processes on a shared machine.
inline double CpuSecs() {
  rusage ru{};
  ::getrusage(RUSAGE_SELF, &ru);
  auto tv = [](const timeval& t) { return static_cast<double>(t.tv_sec) + 1e-6 * static_cast<double>(t.tv_usec); };
  return tv(ru.ru_utime) + tv(ru.ru_stime);
}

struct Span {
  double wall = 0;
  double cpu = 0;
  Span& operator+=(const Span& o) {
    wall += o.wall;
    cpu += o.cpu;
    return *this;
  }
};

class Stopwatch {
 public:
  Stopwatch() : wall0_(SteadyClock::now()), cpu0_(CpuSecs()) {}
  Span Elapsed() const { return Span{Secs(SteadyClock::now() - wall0_), CpuSecs() - cpu0_}; }

 private:
  SteadyClock::time_point wall0_;
  double cpu0_;
};

// Writes back every dirty page of the file system holding `path`, so that one side's pending
// writeback does not slow down the side timed after it.
inline void SyncFs(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::syncfs(fd);
  ::close(fd);
}

// Creates $TMPDIR/<prefix>.XXXXXX (or /tmp/...) and removes it with everything inside.
class TempDir {
 public:
  explicit TempDir(const std::string& prefix) {
    const char* base = std::getenv("TMPDIR");
    std::string tmpl = std::string(base && *base ? base : "/tmp") + "/" + prefix + ".XXXXXX";
    std::vector<char> buf(tmpl.begin(), tmpl.end());
    buf.push_back('\0');
    if (::mkdtemp(buf.data()) == nullptr) {
      throw BenchError("mkdtemp(" + tmpl + "): " + std::strerror(errno));
    }
    path_ = buf.data();
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  // A fresh sub-directory path (not created: the store and RocksDB create their own).
  std::string Sub(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

inline std::string FsTypeName(const std::string& path) {
  struct statfs st {};
  if (::statfs(path.c_str(), &st) != 0) return "?";
  switch (static_cast<unsigned long>(st.f_type)) {
    case 0xEF53UL: return "ext4";
    case 0x01021994UL: return "tmpfs";
    case 0x58465342UL: return "xfs";
    case 0x9123683EUL: return "btrfs";
    case 0x794C7630UL: return "overlayfs";
    case 0x6969UL: return "nfs";
    default: {
      char b[32];
      std::snprintf(b, sizeof b, "fs 0x%lx", static_cast<unsigned long>(st.f_type));
      return b;
    }
  }
}

inline int Nproc() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (::sched_getaffinity(0, sizeof set, &set) == 0) return CPU_COUNT(&set);
  return static_cast<int>(std::thread::hardware_concurrency());
}

inline double ParseDouble(const char* s, const char* what) {
  char* end = nullptr;
  double v = std::strtod(s, &end);
  if (end == s || *end != '\0' || !(v > 0)) throw BenchError(std::string("bad ") + what + ": " + s);
  return v;
}

inline size_t ParseSize(const char* s, const char* what) {
  char* end = nullptr;
  unsigned long long v = std::strtoull(s, &end, 10);
  if (end == s || *end != '\0' || v == 0) throw BenchError(std::string("bad ") + what + ": " + s);
  return static_cast<size_t>(v);
}

}  // namespace consent::bench

#endif  // CONSENT_BENCH_BENCH_UTIL_H_
