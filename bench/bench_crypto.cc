// SPDX-License-Identifier: Apache-2.0
// bench_crypto: what the subject directory (crypto-shredding) costs per event, beside plain
// EventStore operations on events of the same size, measured in the same run.
//
//   bench_crypto [--subjects N] [--erasures N] [--json]   (--help)
//
// Measurements (temporary directories under $TMPDIR or /tmp, removed at exit; sync=false
// everywhere so that fsync latency does not hide the CPU cost):
//   seal_new       SealIdentity() of N new subjects: a new random key, wrapped by the master key
//                  and written in the batch of the SubjectIdentitySealed event.
//                  Baseline: Append(kNoStream) of the same SubjectIdentitySealed bytes (sealed
//                  once beforehand) to the same "subject-<ref>" streams, in a fresh store.
//   seal_existing  SealIdentity() again on each subject (key unwrapped, identity sealed).
//                  Baseline: Append(kAnyRevision) of the same bytes, same streams.
//   lookup         Lookup() of each subject (read the stream, unwrap the key, open the identity).
//                  Baseline: ReadStream() of the same stream.
//   unseal         Unseal() of a 64-byte value sealed with Seal(). Baseline: ReadEvent() of one
//                  event (what a reader does to fetch the field it would unseal).
//   erase          EraseSubject() including the scrub (flush of every column family, forced
//                  compaction of the keys column family, checks), on a store of N subjects.
//                  Baseline: CompactAll() of the same store (the scrub's flush + compaction
//                  applied to every column family).
// Columns: microseconds per operation (wall), baseline, ratio = cost / baseline cost (1.00: no
// extra cost), and process CPU microseconds per operation on each side.
//
// Exit status: 0, 1 on error, 130 when interrupted.

#include <getopt.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <google/protobuf/stubs/common.h>
#include <rocksdb/version.h>

#include "bench_util.h"
#include "consent/event_id.h"
#include "consent/event_store.h"
#include "consent/subject_directory.h"

#ifndef CONSENT_BENCH_BUILD_TYPE
#define CONSENT_BENCH_BUILD_TYPE "unknown"
#endif

namespace consent::bench {
namespace {

struct Config {
  size_t subjects = 5000;
  size_t erasures = 20;
  bool json = false;
};

struct Row {
  std::string name;
  size_t ops = 0;
  Span store;
  Span baseline;
  size_t baseline_ops = 0;
  double us() const { return ops ? store.wall * 1e6 / static_cast<double>(ops) : 0; }
  double base_us() const {
    return baseline_ops ? baseline.wall * 1e6 / static_cast<double>(baseline_ops) : 0;
  }
  double cpu_us() const { return ops ? store.cpu * 1e6 / static_cast<double>(ops) : 0; }
  double base_cpu_us() const {
    return baseline_ops ? baseline.cpu * 1e6 / static_cast<double>(baseline_ops) : 0;
  }
  double ratio() const { return base_us() > 0 ? us() / base_us() : 0; }
};

template <typename T>
T Must(StatusOr<T> s, const char* what) {
  if (!s.ok()) throw BenchError(std::string(what) + ": " + s.status().ToString());
  return std::move(s).value();
}
void Must(const Status& s, const char* what) {
  if (!s.ok()) throw BenchError(std::string(what) + ": " + s.ToString());
}

std::unique_ptr<EventStore> NewStore(const std::string& path) {
  StoreOptions o;
  o.sync = false;
  return Must(EventStore::Open(o, path), "open store");
}

std::string Ref(size_t i) { return "caller-" + std::to_string(i); }

Identity IdentityOf(size_t i) {
  return Identity{"+33 6 12 34 " + std::to_string(10 + i % 90) + " " + std::to_string(10 + i / 90 % 90),
                  "Subject Number " + std::to_string(i), "note for subject " + std::to_string(i)};
}

std::optional<Config> ParseArgs(int argc, char** argv) {
  Config c;
  enum { kSubjects = 1, kErasures, kJson, kHelp };
  static const option kLong[] = {{"subjects", required_argument, nullptr, kSubjects},
                                 {"erasures", required_argument, nullptr, kErasures},
                                 {"json", no_argument, nullptr, kJson},
                                 {"help", no_argument, nullptr, kHelp},
                                 {nullptr, 0, nullptr, 0}};
  int opt;
  while ((opt = getopt_long(argc, argv, "", kLong, nullptr)) != -1) {
    switch (opt) {
      case kSubjects: c.subjects = ParseSize(optarg, "--subjects"); break;
      case kErasures: c.erasures = ParseSize(optarg, "--erasures"); break;
      case kJson: c.json = true; break;
      case kHelp:
        std::printf("usage: bench_crypto [--subjects N (5000)] [--erasures N (20)] [--json]\n");
        return std::nullopt;
      default: throw BenchError("bad arguments (see --help)");
    }
  }
  if (c.erasures > c.subjects) throw BenchError("--erasures must not exceed --subjects");
  return c;
}

int Run(const Config& cfg) {
  TempDir tmp("bench_crypto");
  const MasterKey master = MasterKey::Generate();
  std::vector<Row> rows;
  const size_t n = cfg.subjects;
  std::fprintf(stderr, "bench_crypto: %zu subjects, %zu erasures, temp dir %s (%s)\n", n,
               cfg.erasures, tmp.path().c_str(), FsTypeName(tmp.path()).c_str());

  // Crypto side.
  auto store = NewStore(tmp.Sub("dir"));
  auto dir = Must(SubjectDirectory::Open(store.get(), master), "open directory");
  Row seal_new, seal_existing, lookup, unseal, erase;
  seal_new.name = "seal_new";
  seal_existing.name = "seal_existing";
  lookup.name = "lookup";
  unseal.name = "unseal";
  erase.name = "erase";
  {
    Stopwatch w;
    for (size_t i = 0; i < n; ++i) {
      CheckInterrupted();
      Must(dir->SealIdentity(Ref(i), v1::PARTY_CALLER, IdentityOf(i)), "SealIdentity");
    }
    seal_new.store = w.Elapsed();
    seal_new.ops = n;
  }
  {
    Stopwatch w;
    for (size_t i = 0; i < n; ++i) Must(dir->SealIdentity(Ref(i), v1::PARTY_CALLER, IdentityOf(i + 1)), "SealIdentity");
    seal_existing.store = w.Elapsed();
    seal_existing.ops = n;
  }
  {
    Stopwatch w;
    for (size_t i = 0; i < n; ++i) Must(dir->Lookup(Ref(i)), "Lookup");
    lookup.store = w.Elapsed();
    lookup.ops = n;
  }
  std::vector<SealedValue> values;
  values.reserve(n);
  for (size_t i = 0; i < n; ++i) values.push_back(Must(dir->Seal(Ref(i), std::string(64, 'v')), "Seal"));
  {
    Stopwatch w;
    for (size_t i = 0; i < n; ++i) Must(dir->Unseal(Ref(i), values[i]), "Unseal");
    unseal.store = w.Elapsed();
    unseal.ops = n;
  }
  // The sealed events of the first pass, as the baseline's bytes.
  std::vector<Event> sealed_events;
  sealed_events.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    Event e = Must(store->ReadEvent(i + 1), "ReadEvent");
    e.clear_stream_revision();
    e.clear_position();
    e.clear_record_time();
    e.clear_stream_id();
    sealed_events.push_back(std::move(e));
  }
  {
    Stopwatch w;
    for (size_t i = 0; i < n; ++i) Must(store->ReadStream(SubjectStream(Ref(i))), "ReadStream");
    lookup.baseline = w.Elapsed();
    lookup.baseline_ops = n;
  }
  {
    Stopwatch w;
    for (size_t i = 0; i < n; ++i) Must(store->ReadEvent(1 + (i * 7919) % store->HeadPosition()), "ReadEvent");
    unseal.baseline = w.Elapsed();
    unseal.baseline_ops = n;
  }
  {
    Stopwatch w;
    for (size_t i = 0; i < cfg.erasures; ++i) Must(dir->EraseSubject(Ref(i * (n / cfg.erasures))), "EraseSubject");
    erase.store = w.Elapsed();
    erase.ops = cfg.erasures;
  }
  {
    Stopwatch w;
    for (size_t i = 0; i < cfg.erasures; ++i) {
      Must(store->Append("call-" + std::to_string(i), kAnyRevision,
                         {[&] {
                           Event e = sealed_events[i];
                           e.set_event_id(NewEventId());
                           return e;
                         }()}),
           "Append");
      Must(store->CompactAll(), "CompactAll");
    }
    erase.baseline = w.Elapsed();
    erase.baseline_ops = cfg.erasures;
  }
  dir.reset();
  store.reset();

  // Baseline side: the same event bytes appended plainly, in a fresh store.
  auto plain = NewStore(tmp.Sub("plain"));
  {
    Stopwatch w;
    for (size_t i = 0; i < n; ++i) {
      Event e = sealed_events[i];
      Must(plain->Append(SubjectStream(Ref(i)), kNoStream, {std::move(e)}), "Append");
    }
    seal_new.baseline = w.Elapsed();
    seal_new.baseline_ops = n;
  }
  {
    Stopwatch w;
    for (size_t i = 0; i < n; ++i) {
      Event e = sealed_events[i];
      e.set_event_id(NewEventId());
      Must(plain->Append(SubjectStream(Ref(i)), kAnyRevision, {std::move(e)}), "Append");
    }
    seal_existing.baseline = w.Elapsed();
    seal_existing.baseline_ops = n;
  }
  rows = {seal_new, seal_existing, lookup, unseal, erase};

  FILE* out = cfg.json ? stderr : stdout;
  double load[3] = {0, 0, 0};
  const int nload = ::getloadavg(load, 3);
  std::fprintf(out, "\nbench_crypto: SubjectDirectory vs plain EventStore operations on the same event bytes\n");
  std::fprintf(out, "machine: nproc=%d, build type %s, RocksDB %d.%d.%d, load average %.2f; event: %zu bytes serialized\n",
               Nproc(), CONSENT_BENCH_BUILD_TYPE, ROCKSDB_MAJOR, ROCKSDB_MINOR, ROCKSDB_PATCH,
               nload > 0 ? load[0] : -1.0, sealed_events.empty() ? size_t{0} : sealed_events[0].ByteSizeLong());
  std::fprintf(out, "%-14s %8s %12s %12s %7s %14s  %s\n", "name", "ops", "us/op", "baseline us", "ratio",
               "cpu us s/b", "baseline");
  const char* baselines[] = {"Append kNoStream, same bytes", "Append kAnyRevision, same bytes",
                             "ReadStream of the same stream", "ReadEvent", "Append 1 + CompactAll"};
  for (size_t i = 0; i < rows.size(); ++i) {
    const Row& r = rows[i];
    char cpu[40];
    std::snprintf(cpu, sizeof cpu, "%.1f/%.1f", r.cpu_us(), r.base_cpu_us());
    std::fprintf(out, "%-14s %8zu %12.2f %12.2f %7.2f %14s  %s\n", r.name.c_str(), r.ops, r.us(),
                 r.base_us(), r.ratio(), cpu, baselines[i]);
  }
  std::fprintf(out, "\n");
  if (cfg.json) {
    std::printf("[\n");
    for (size_t i = 0; i < rows.size(); ++i) {
      const Row& r = rows[i];
      std::printf("  {\"name\": \"%s\", \"ops\": %zu, \"us_per_op\": %.3f, \"baseline_us_per_op\": %.3f, "
                  "\"ratio\": %.4f, \"cpu_us_per_op\": %.3f, \"baseline_cpu_us_per_op\": %.3f}%s\n",
                  r.name.c_str(), r.ops, r.us(), r.base_us(), r.ratio(), r.cpu_us(), r.base_cpu_us(),
                  i + 1 < rows.size() ? "," : "");
    }
    std::printf("]\n");
  }
  std::fflush(stdout);
  return 0;
}

}  // namespace
}  // namespace consent::bench

int main(int argc, char** argv) {
  using namespace consent::bench;
  GOOGLE_PROTOBUF_VERIFY_VERSION;
  struct sigaction sa {};
  sa.sa_handler = OnSignal;
  sa.sa_flags = SA_RESETHAND;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  try {
    std::optional<Config> cfg = ParseArgs(argc, argv);
    if (!cfg) return 0;
    return Run(*cfg);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "\nbench_crypto: error: %s\n", e.what());
    return g_interrupted.load() ? 130 : 1;
  }
}
