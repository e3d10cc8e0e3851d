// SPDX-License-Identifier: Apache-2.0
// bench_store: throughput of consent::EventStore beside a raw RocksDB baseline on the same
// event bytes, measured in the same run.
//
//   bench_store [--seconds S] [--events N] [--only a,b] [--json] [--strict] ...  (--help)
//
// Measurements (in temporary directories under $TMPDIR or /tmp, removed at exit):
//   append_1 / append_8 / append_64
//       Append() of 1 / 8 / 64 events per call, sync=false, to stream "call-<k>" with k rotating
//       over --streams streams (default 1000), expected revision kAnyRevision; a fresh store.
//       Baseline: raw DB::Put (1 event) or one WriteBatch of 8 / 64 Puts per call, sync=false,
//       key = u64be(sequence number), value = the same serialized Event bytes; a fresh DB, run
//       after the store is closed (so that neither side's flushes and compactions overlap the
//       other's timing).
//   append_sync_t1
//       single-event Append() with sync=true from one thread. Baseline: raw DB::Put, sync=true.
//   append_sync_t8
//       single-event Append() with sync=true from 8 threads, each on its own streams.
//       Baseline: append_sync_t1 (the ratio is the group-commit speed-up). The table also shows
//       raw RocksDB with 8 syncing threads, for what the disk and RocksDB's own grouping allow.
//       fsync latency drifts, so these four run interleaved in rounds on one store and one DB.
//   read_all
//       ScanAll() over the whole compacted log (the store parses each Event). Baseline: raw
//       iteration of a DB holding the same serialized events + Event::ParseFromArray of each
//       value. Passes alternate between the two.
//
// Every event is built before timing starts (with stream_id set to its stream, which Append
// accepts, so the baseline bytes carry it too). Each measurement warms up first (and, unless
// --events is given, uses the warm-up rate to pick a count that takes about --seconds), then
// times the store and the baseline on the same events. Besides wall-clock events/s, the table
// shows process CPU time per event on each side: on a shared machine it is the steadier number.
//
// Exit status: 0 (also when a target is missed, unless --strict: then 2), 1 on error, 130 when
// interrupted.

#include <fcntl.h>
#include <getopt.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cerrno>
#include <csignal>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <latch>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include <google/protobuf/stubs/common.h>
#include <rocksdb/cache.h>
#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/table.h>
#include <rocksdb/version.h>
#include <rocksdb/write_batch.h>

#include "bench_util.h"
#include "consent/event_id.h"
#include "consent/event_store.h"
#include "consent/v1/event.pb.h"

#ifndef CONSENT_BENCH_BUILD_TYPE
#define CONSENT_BENCH_BUILD_TYPE "unknown"
#endif

namespace {

namespace fs = std::filesystem;
using consent::Event;
using namespace consent::bench;

// ---- Errors, interruption, temp dir ----------------------------------------------------------

// ---- Configuration ---------------------------------------------------------------------------

const char* const kAllNames[] = {"append_1",       "append_8",       "append_64",
                                 "append_sync_t1", "append_sync_t8", "read_all"};

struct Config {
  double seconds = 2.0;      // timed part of each side of each measurement
  size_t events = 0;         // 0: calibrate from the warm-up
  size_t streams = 1000;     // streams the appends rotate over
  size_t payload_bytes = 200;
  size_t read_events = 100000;  // events in the read_all log when --events is not given
  size_t sync_threads = 8;
  bool json = false;
  bool strict = false;
  std::set<std::string> only;  // empty: all

  double warmup() const { return std::clamp(seconds * 0.15, 0.1, 0.5); }
  // A run that exceeds this is cut short (the baseline then uses the count actually done).
  double cap() const { return std::max(seconds * 4, seconds + 5); }
  bool Wants(const std::string& name) const { return only.empty() || only.count(name) > 0; }
};

void Usage(FILE* out) {
  std::fprintf(out,
               "usage: bench_store [options]\n"
               "  --seconds S   timed part of each measurement, per side (default 2)\n"
               "  --events N    events per measurement instead of calibrating from the warm-up\n"
               "                (read_all: events in the log; default 100000)\n"
               "  --streams K   streams the appends rotate over (default 1000)\n"
               "  --payload B   AnnotationAdded payload size in bytes (default 200)\n"
               "  --only LIST   comma-separated subset of: append_1,append_8,append_64,\n"
               "                append_sync_t1,append_sync_t8,read_all\n"
               "  --json        print a JSON list on stdout (the table goes to stderr)\n"
               "  --strict      exit with status 2 when a target is missed\n"
               "  --help\n");
}

std::optional<Config> ParseArgs(int argc, char** argv) {
  Config c;
  enum { kSeconds = 1000, kEvents, kStreams, kPayload, kOnly, kJson, kStrict, kHelp };
  static const option kOpts[] = {
      {"seconds", required_argument, nullptr, kSeconds},
      {"events", required_argument, nullptr, kEvents},
      {"streams", required_argument, nullptr, kStreams},
      {"payload", required_argument, nullptr, kPayload},
      {"only", required_argument, nullptr, kOnly},
      {"json", no_argument, nullptr, kJson},
      {"strict", no_argument, nullptr, kStrict},
      {"help", no_argument, nullptr, kHelp},
      {nullptr, 0, nullptr, 0},
  };
  int opt;
  while ((opt = getopt_long(argc, argv, "", kOpts, nullptr)) != -1) {
    switch (opt) {
      case kSeconds: c.seconds = ParseDouble(optarg, "--seconds"); break;
      case kEvents: c.events = ParseSize(optarg, "--events"); break;
      case kStreams: c.streams = ParseSize(optarg, "--streams"); break;
      case kPayload: c.payload_bytes = ParseSize(optarg, "--payload"); break;
      case kOnly: {
        std::stringstream ss(optarg);
        std::string name;
        while (std::getline(ss, name, ',')) {
          if (name.empty()) continue;
          if (std::find(std::begin(kAllNames), std::end(kAllNames), name) == std::end(kAllNames)) {
            throw BenchError("unknown measurement in --only: " + name);
          }
          c.only.insert(name);
        }
        break;
      }
      case kJson: c.json = true; break;
      case kStrict: c.strict = true; break;
      case kHelp: Usage(stdout); return std::nullopt;
      default: Usage(stderr); throw BenchError("bad arguments");
    }
  }
  if (optind < argc) {
    Usage(stderr);
    throw BenchError(std::string("unexpected argument: ") + argv[optind]);
  }
  if (c.streams < c.sync_threads) c.streams = c.sync_threads;
  // append_sync_t8 is reported against append_sync_t1.
  if (!c.only.empty() && c.only.count("append_sync_t8")) c.only.insert("append_sync_t1");
  return c;
}

// ---- Event construction ----------------------------------------------------------------------

// Builds realistic events: 16-byte UUIDv7 id, stream_id, occur_time, correlation id (the call's
// UUID), causation id (hex id of the previous event), actor, and an AnnotationAdded payload of
// exactly `payload_bytes` serialized bytes with varied text (so compression does not flatter).
class EventMaker {
 public:
  EventMaker(const std::vector<std::string>& streams, size_t payload_bytes)
      : streams_(streams), base_time_(std::chrono::system_clock::now()) {
    correlation_.reserve(streams.size());
    for (size_t i = 0; i < streams.size(); ++i) {
      correlation_.push_back(consent::EventIdToString(consent::NewEventId()));
    }
    for (int i = 0; i < 64; ++i) {
      char b[32];
      std::snprintf(b, sizeof b, "agent-%04x", (i * 2654435761U) & 0xFFFF);
      agents_.emplace_back(b);
    }
    // Solve for the text length that makes AnnotationAdded exactly payload_bytes long.
    consent::v1::AnnotationAdded probe;
    AddTags(&probe, 0);
    const size_t fixed = probe.ByteSizeLong();
    text_len_ = 0;
    for (size_t len = payload_bytes; len > 0; --len) {
      size_t varint = 1;
      for (size_t v = len; v >= 128; v >>= 7) ++varint;
      if (fixed + 1 + varint + len <= payload_bytes) {
        text_len_ = len;
        break;
      }
    }
  }

  Event Make(size_t stream_index) {
    Event e;
    std::string id = consent::NewEventId();
    e.set_stream_id(streams_[stream_index]);
    *e.mutable_occur_time() =
        consent::ToTimestamp(base_time_ + std::chrono::microseconds(1500 * seq_));
    e.set_correlation_id(correlation_[stream_index]);
    if (!prev_id_.empty()) e.set_causation_id(consent::ToHex(prev_id_));
    consent::v1::Actor* actor = e.mutable_actor();
    actor->set_principal_ref(agents_[seq_ % agents_.size()]);
    actor->set_role((seq_ % 11) == 0 ? "supervisor" : "agent");
    actor->set_system("acd-gateway/4.2");
    consent::v1::AnnotationAdded* note = e.mutable_annotation_added();
    AddTags(note, seq_);
    note->set_text(Text());
    prev_id_ = id;
    e.set_event_id(std::move(id));
    ++seq_;
    return e;
  }

 private:
  static void AddTags(consent::v1::AnnotationAdded* note, uint64_t seq) {
    static const char* const kTags[] = {"qa-sample", "callback", "escalated", "billing"};
    note->add_tags("reviewed");
    note->add_tags(kTags[seq % 4]);
  }

  uint64_t Next() {
    rng_ ^= rng_ << 13;
    rng_ ^= rng_ >> 7;
    rng_ ^= rng_ << 17;
    return rng_;
  }

  std::string Text() {
    static const char* const kWords[] = {
        "customer", "asked",    "about",   "the",      "invoice",  "dated",   "last",
        "month",    "agent",    "offered", "a",        "callback", "after",   "checking",
        "account",  "status",   "no",      "personal", "data",     "noted",   "transfer",
        "to",       "billing",  "queue",   "resolved", "on",       "first",   "contact",
        "follow",   "up",       "needed",  "within",   "two",      "days",    "quality",
        "review",   "requested", "by",     "team",     "lead",     "script",  "deviation"};
    constexpr size_t kWordCount = sizeof kWords / sizeof kWords[0];
    std::string s;
    s.reserve(text_len_ + 16);
    while (s.size() < text_len_) {
      if (!s.empty()) s.push_back(' ');
      s.append(kWords[Next() % kWordCount]);
      if ((Next() & 7) == 0) s.append(std::to_string(Next() % 10000));
    }
    s.resize(text_len_);
    return s;
  }

  const std::vector<std::string>& streams_;
  std::chrono::system_clock::time_point base_time_;
  std::vector<std::string> correlation_;
  std::vector<std::string> agents_;
  std::string prev_id_;
  size_t text_len_ = 0;
  uint64_t seq_ = 0;
  uint64_t rng_ = 0x9E3779B97F4A7C15ULL;
};

// Events grouped as Append calls, plus their serialized bytes for the baseline.
struct Pool {
  std::vector<std::vector<Event>> calls;  // each moved into one Append
  std::vector<uint32_t> stream_of_call;   // index into the stream names
  std::vector<std::string> bytes;         // serialized events, in append order
  size_t events() const { return bytes.size(); }
};

// `calls` calls of `batch` events; call i goes to stream pick(i).
Pool BuildPool(EventMaker& maker, size_t calls, size_t batch,
               const std::function<size_t(size_t)>& pick) {
  Pool p;
  p.calls.resize(calls);
  p.stream_of_call.resize(calls);
  p.bytes.reserve(calls * batch);
  for (size_t i = 0; i < calls; ++i) {
    const size_t s = pick(i);
    p.stream_of_call[i] = static_cast<uint32_t>(s);
    p.calls[i].reserve(batch);
    for (size_t j = 0; j < batch; ++j) {
      p.calls[i].push_back(maker.Make(s));
      p.bytes.push_back(p.calls[i].back().SerializeAsString());
    }
  }
  return p;
}

// ---- The store side --------------------------------------------------------------------------

std::unique_ptr<consent::EventStore> OpenStore(const std::string& path) {
  auto s = consent::EventStore::Open(consent::StoreOptions{}, path);
  if (!s.ok()) throw BenchError("EventStore::Open(" + path + "): " + s.status().ToString());
  return std::move(*s);
}

// Appends pool.calls[0..) in order until done or `deadline`. Returns the number of calls done.
size_t StoreAppends(consent::EventStore& store, const std::vector<std::string>& streams, Pool& pool,
                    bool sync, SteadyClock::time_point deadline) {
  consent::AppendOptions opt;
  opt.sync = sync;
  const size_t check_every = sync ? 1 : 16;
  size_t i = 0;
  for (; i < pool.calls.size(); ++i) {
    if (i % check_every == 0) {
      if (SteadyClock::now() >= deadline) break;
      CheckInterrupted();
    }
    auto r = store.Append(streams[pool.stream_of_call[i]], consent::kAnyRevision,
                          std::move(pool.calls[i]), opt);
    if (!r.ok()) throw BenchError("Append: " + r.status().ToString());
  }
  return i;
}

// ---- The raw RocksDB side --------------------------------------------------------------------

struct RawDb {
  explicit RawDb(const std::string& path) {
    rocksdb::Options o;
    o.create_if_missing = true;
    rocksdb::BlockBasedTableOptions t;
    t.block_cache = rocksdb::NewLRUCache(consent::StoreOptions{}.block_cache_bytes);
    o.table_factory.reset(rocksdb::NewBlockBasedTableFactory(t));
    rocksdb::DB* raw = nullptr;
    rocksdb::Status s = rocksdb::DB::Open(o, path, &raw);
    if (!s.ok()) throw BenchError("rocksdb::DB::Open(" + path + "): " + s.ToString());
    db.reset(raw);
  }
  ~RawDb() {
    if (db) db->Close().PermitUncheckedError();
  }
  RawDb(const RawDb&) = delete;
  RawDb& operator=(const RawDb&) = delete;

  std::unique_ptr<rocksdb::DB> db;
  std::atomic<uint64_t> next_key{1};
};

void KeyBE(uint64_t v, char out[8]) {
  for (int i = 7; i >= 0; --i) {
    out[i] = static_cast<char>(v & 0xFF);
    v >>= 8;
  }
}

void CheckRocks(const rocksdb::Status& s, const char* what) {
  if (!s.ok()) throw BenchError(std::string(what) + ": " + s.ToString());
}

// Writes bytes[from, from + count) as calls of `batch` (Put for 1, WriteBatch otherwise) until
// done or `deadline`. Returns the number of events written.
size_t RawAppends(RawDb& raw, const std::vector<std::string>& bytes, size_t from, size_t count,
                  size_t batch, bool sync, SteadyClock::time_point deadline) {
  rocksdb::WriteOptions wo;
  wo.sync = sync;
  const size_t check_every = sync ? 1 : 16;
  size_t done = 0;
  char key[8];
  for (size_t call = 0; done < count; ++call) {
    if (call % check_every == 0) {
      if (SteadyClock::now() >= deadline) break;
      CheckInterrupted();
    }
    const size_t n = std::min(batch, count - done);
    if (batch == 1) {
      KeyBE(raw.next_key.fetch_add(1, std::memory_order_relaxed), key);
      CheckRocks(raw.db->Put(wo, rocksdb::Slice(key, 8), bytes[from + done]), "DB::Put");
    } else {
      rocksdb::WriteBatch wb;
      const uint64_t first = raw.next_key.fetch_add(n, std::memory_order_relaxed);
      for (size_t j = 0; j < n; ++j) {
        KeyBE(first + j, key);
        CheckRocks(wb.Put(rocksdb::Slice(key, 8), bytes[from + done + j]), "WriteBatch::Put");
      }
      CheckRocks(raw.db->Write(wo, &wb), "DB::Write");
    }
    done += n;
  }
  return done;
}

// ---- Results ---------------------------------------------------------------------------------

struct Row {
  std::string name;
  size_t events = 0;           // events timed, both sides
  double seconds = 0;          // store side
  double cpu_seconds = 0;      // process CPU time during the store side
  double events_per_s = 0;
  std::string baseline;        // what the baseline is
  double baseline_seconds = 0;
  double baseline_cpu_seconds = 0;
  size_t baseline_events = 0;
  double baseline_events_per_s = 0;
  double target = 0;           // minimum ratio; 0: no target
  double ratio() const {
    return baseline_events_per_s > 0 ? events_per_s / baseline_events_per_s : 0;
  }
};

struct Info {
  double raw_sync_t8_eps = 0;  // raw RocksDB, 8 syncing threads
  double raw_sync_t1_eps = 0;
};

void Progress(const Config& cfg, const char* fmt, ...) __attribute__((format(printf, 2, 3)));
void Progress(const Config&, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  std::vfprintf(stderr, fmt, ap);
  va_end(ap);
  std::fflush(stderr);
}

// How many events to time: --events, or what the warm-up rate does in cfg.seconds.
size_t PlanEvents(const Config& cfg, double warm_rate, size_t batch, size_t lo, size_t hi) {
  size_t n = cfg.events;
  if (n == 0) {
    n = static_cast<size_t>(warm_rate * cfg.seconds);
    n = std::clamp(n, lo, hi);
  }
  return std::max(batch, n / batch * batch);
}

// ---- append_1 / append_8 / append_64 ---------------------------------------------------------

Row MeasureAppend(const Config& cfg, const TempDir& tmp, const std::vector<std::string>& streams,
                  size_t batch) {
  Row row;
  row.name = "append_" + std::to_string(batch);
  row.baseline = batch == 1 ? "raw DB::Put" : "raw WriteBatch of " + std::to_string(batch);
  Progress(cfg, "%-15s", row.name.c_str());
  EventMaker maker(streams, cfg.payload_bytes);
  size_t call_no = 0;
  auto pick = [&](size_t) { return call_no++ % streams.size(); };

  // Store: warm up (and calibrate), then time. The two sides run one after the other, each
  // alone: a concurrent side's flushes and compactions would compete for the two cores.
  Pool warm = BuildPool(maker, std::max<size_t>(1, 30000 / batch), batch, pick);
  Pool pool;
  {
    auto store = OpenStore(tmp.Sub(row.name + "-store"));
    auto t0 = SteadyClock::now();
    size_t calls = StoreAppends(*store, streams, warm, false, After(cfg.warmup()));
    double warm_rate = static_cast<double>(calls * batch) / Secs(SteadyClock::now() - t0);
    size_t n = PlanEvents(cfg, warm_rate, batch, 2000, 3000000);
    pool = BuildPool(maker, n / batch, batch, pick);
    Progress(cfg, " store: %zu events...", pool.events());
    Stopwatch sw;
    calls = StoreAppends(*store, streams, pool, false, After(cfg.cap()));
    const Span e = sw.Elapsed();
    row.seconds = e.wall;
    row.cpu_seconds = e.cpu;
    row.events = calls * batch;
    row.events_per_s = static_cast<double>(row.events) / row.seconds;
  }
  SyncFs(tmp.path());

  // Baseline: same warm-up bytes, then the same timed bytes.
  {
    RawDb raw(tmp.Sub(row.name + "-raw"));
    RawAppends(raw, warm.bytes, 0, warm.events(), batch, false, After(cfg.warmup()));
    Progress(cfg, " baseline...");
    Stopwatch sw;
    row.baseline_events = RawAppends(raw, pool.bytes, 0, row.events, batch, false,
                                     SteadyClock::time_point::max());
    const Span e = sw.Elapsed();
    row.baseline_seconds = e.wall;
    row.baseline_cpu_seconds = e.cpu;
    row.baseline_events_per_s = static_cast<double>(row.baseline_events) / e.wall;
  }
  SyncFs(tmp.path());
  Progress(cfg, " done\n");
  return row;
}

// ---- append_sync_t1 / append_sync_t8 ---------------------------------------------------------
//
// fsync latency on a shared machine drifts by several times within seconds, so the two sync
// workloads and their raw counterparts run in one store / one raw DB, in alternating chunks
// (store t1, raw t1, store t8, raw t8, repeated kSyncRounds times): a drift then hits all four
// alike instead of deciding the ratios.

constexpr size_t kSyncRounds = 4;

// Runs fn(thread_index) on `threads` threads started together; returns the wall time from the
// common start to the last finish.
double RunThreads(size_t threads, const std::function<void(size_t)>& fn) {
  std::latch ready(static_cast<std::ptrdiff_t>(threads));
  std::latch go(1);
  std::vector<std::thread> ts;
  std::vector<std::string> errors(threads);
  ts.reserve(threads);
  for (size_t t = 0; t < threads; ++t) {
    ts.emplace_back([&, t] {
      ready.count_down();
      go.wait();
      try {
        fn(t);
      } catch (const std::exception& e) {
        errors[t] = e.what();
      }
    });
  }
  ready.wait();
  auto t0 = SteadyClock::now();
  go.count_down();
  for (auto& th : ts) th.join();
  double secs = Secs(SteadyClock::now() - t0);
  for (const auto& e : errors) {
    if (!e.empty()) throw BenchError(e);
  }
  return secs;
}

struct Timed {
  std::vector<size_t> done;  // events per thread
  double seconds = 0;
  double cpu = 0;
  size_t total() const {
    size_t n = 0;
    for (size_t d : done) n += d;
    return n;
  }
};

// Single-event sync appends, pools[t] on thread t, until done or `seconds` have passed.
Timed StoreSyncRun(consent::EventStore& store, const std::vector<std::string>& streams,
                   std::vector<Pool>& pools, double seconds) {
  Timed r;
  r.done.assign(pools.size(), 0);
  const auto deadline = After(seconds);
  const double cpu0 = CpuSecs();
  r.seconds = RunThreads(pools.size(), [&](size_t t) {
    r.done[t] = StoreAppends(store, streams, pools[t], true, deadline);
  });
  r.cpu = CpuSecs() - cpu0;
  return r;
}

// The same bytes as raw DB::Put with sync=true: the first counts[t] events of pools[t].
Timed RawSyncRun(RawDb& raw, const std::vector<Pool>& pools, const std::vector<size_t>& counts,
                 double seconds) {
  Timed r;
  r.done.assign(pools.size(), 0);
  const auto deadline = After(seconds);
  const double cpu0 = CpuSecs();
  r.seconds = RunThreads(pools.size(), [&](size_t t) {
    r.done[t] = RawAppends(raw, pools[t].bytes, 0, counts[t], 1, true, deadline);
  });
  r.cpu = CpuSecs() - cpu0;
  return r;
}

struct SyncTotals {
  size_t events = 0;
  double seconds = 0;
  double cpu = 0;
  void Add(const Timed& t) {
    events += t.total();
    seconds += t.seconds;
    cpu += t.cpu;
  }
  double rate() const { return seconds > 0 ? static_cast<double>(events) / seconds : 0; }
};

// Returns the append_sync_t1 row, and the append_sync_tN row when `with_t8`.
std::vector<Row> MeasureSync(const Config& cfg, const TempDir& tmp,
                             const std::vector<std::string>& streams, bool with_t8, Info* info) {
  const size_t T = cfg.sync_threads;
  const size_t per_thread_streams = streams.size() / T;
  Progress(cfg, "%-15s", with_t8 ? "append_sync_t*" : "append_sync_t1");
  EventMaker maker(streams, cfg.payload_bytes);
  size_t t1_calls = 0;
  std::vector<size_t> tn_calls(T, 0);
  auto pick_t1 = [&](size_t) { return t1_calls++ % streams.size(); };
  auto pick_for = [&](size_t t) {
    return [&, t](size_t) { return t * per_thread_streams + tn_calls[t]++ % per_thread_streams; };
  };
  // Pools built in the order they will be appended, so event ids stay time-ordered.
  auto build_t1 = [&](size_t events) {
    std::vector<Pool> v;
    v.push_back(BuildPool(maker, events, 1, pick_t1));
    return v;
  };
  auto build_tn = [&](size_t events) {
    std::vector<Pool> v;
    for (size_t t = 0; t < T; ++t) {
      v.push_back(BuildPool(maker, std::max<size_t>(1, events / T), 1, pick_for(t)));
    }
    return v;
  };
  auto counts = [](const std::vector<Pool>& v) {
    std::vector<size_t> c;
    for (const Pool& p : v) c.push_back(p.events());
    return c;
  };

  auto store = OpenStore(tmp.Sub("sync-store"));
  RawDb raw(tmp.Sub("sync-raw"));

  // Warm-up and calibration, each workload on each side.
  std::vector<Pool> warm1 = build_t1(20000);
  std::vector<Pool> warmn;
  if (with_t8) warmn = build_tn(40000);
  Timed w1 = StoreSyncRun(*store, streams, warm1, cfg.warmup());
  RawSyncRun(raw, warm1, counts(warm1), cfg.warmup());
  Timed wn;
  if (with_t8) {
    wn = StoreSyncRun(*store, streams, warmn, cfg.warmup());
    RawSyncRun(raw, warmn, counts(warmn), cfg.warmup());
  }
  warm1.clear();
  warmn.clear();

  const size_t n1 = PlanEvents(cfg, static_cast<double>(w1.total()) / w1.seconds, kSyncRounds,
                               200, 400000);
  const size_t nn = with_t8 ? PlanEvents(cfg, static_cast<double>(wn.total()) / wn.seconds,
                                         kSyncRounds * T, 200, 800000)
                            : 0;
  std::vector<std::vector<Pool>> chunks1, chunksn;
  for (size_t c = 0; c < kSyncRounds; ++c) {
    chunks1.push_back(build_t1(n1 / kSyncRounds));
    if (with_t8) chunksn.push_back(build_tn(nn / kSyncRounds));
  }
  Progress(cfg, " %zu + %zu events in %zu rounds...", n1, nn, kSyncRounds);

  SyncTotals s1, r1, sn, rn;
  const double cap = cfg.cap() / kSyncRounds;
  for (size_t c = 0; c < kSyncRounds; ++c) {
    Timed s = StoreSyncRun(*store, streams, chunks1[c], cap);
    s1.Add(s);
    r1.Add(RawSyncRun(raw, chunks1[c], s.done, 1e9));
    if (with_t8) {
      s = StoreSyncRun(*store, streams, chunksn[c], cap);
      sn.Add(s);
      rn.Add(RawSyncRun(raw, chunksn[c], s.done, 1e9));
    }
  }

  std::vector<Row> rows;
  Row t1;
  t1.name = "append_sync_t1";
  t1.baseline = "raw DB::Put sync";
  t1.events = s1.events;
  t1.seconds = s1.seconds;
  t1.cpu_seconds = s1.cpu;
  t1.events_per_s = s1.rate();
  t1.baseline_events = r1.events;
  t1.baseline_seconds = r1.seconds;
  t1.baseline_cpu_seconds = r1.cpu;
  t1.baseline_events_per_s = r1.rate();
  info->raw_sync_t1_eps = r1.rate();
  rows.push_back(t1);
  if (with_t8) {
    Row tn;
    tn.name = "append_sync_t" + std::to_string(T);
    tn.baseline = "append_sync_t1";
    tn.target = 5.0;
    tn.events = sn.events;
    tn.seconds = sn.seconds;
    tn.cpu_seconds = sn.cpu;
    tn.events_per_s = sn.rate();
    tn.baseline_events = t1.events;
    tn.baseline_seconds = t1.seconds;
    tn.baseline_cpu_seconds = t1.cpu_seconds;
    tn.baseline_events_per_s = t1.events_per_s;
    info->raw_sync_t8_eps = rn.rate();
    rows.push_back(tn);
  }
  Progress(cfg, " done\n");
  return rows;
}

// ---- read_all --------------------------------------------------------------------------------

Row MeasureReadAll(const Config& cfg, const TempDir& tmp, const std::vector<std::string>& streams) {
  Row row;
  row.name = "read_all";
  row.baseline = "raw iterate + ParseFromArray";
  row.target = 0.6;
  const size_t n = cfg.events ? cfg.events : cfg.read_events;
  Progress(cfg, "%-15s building a log of %zu events...", row.name.c_str(), n);
  EventMaker maker(streams, cfg.payload_bytes);
  size_t call_no = 0;
  // The log as calls write it: batches of up to 8 events per call stream.
  constexpr size_t kBatch = 8;
  Pool pool = BuildPool(maker, (n + kBatch - 1) / kBatch, kBatch,
                        [&](size_t) { return call_no++ % streams.size(); });
  // Trim the last call so the log holds exactly n events.
  const size_t extra = pool.events() - n;
  pool.calls.back().resize(kBatch - extra);
  pool.bytes.resize(n);

  auto store = OpenStore(tmp.Sub("read_all-store"));
  StoreAppends(*store, streams, pool, false, SteadyClock::time_point::max());
  if (store->HeadPosition() != n) throw BenchError("read_all: store head is not the log size");
  consent::Status cs = store->CompactAll();
  if (!cs.ok()) throw BenchError("CompactAll: " + cs.ToString());

  RawDb raw(tmp.Sub("read_all-raw"));
  RawAppends(raw, pool.bytes, 0, n, kBatch, false, SteadyClock::time_point::max());
  CheckRocks(raw.db->Flush(rocksdb::FlushOptions()), "DB::Flush");
  CheckRocks(raw.db->CompactRange(rocksdb::CompactRangeOptions(), nullptr, nullptr),
             "DB::CompactRange");
  pool = Pool();  // free the events before reading

  // Both visitors touch the same fields so that neither read is optimised away.
  uint64_t sink = 0;
  auto store_scan = [&] {
    size_t seen = 0;
    consent::Status st = store->ScanAll(consent::ReadAllOptions{}, [&](const Event& e) {
      sink += static_cast<uint64_t>(e.occur_time().seconds()) + e.annotation_added().text().size();
      ++seen;
      return true;
    });
    if (!st.ok()) throw BenchError("ScanAll: " + st.ToString());
    if (seen != n) throw BenchError("ScanAll visited " + std::to_string(seen) + " events");
    CheckInterrupted();
  };
  Event parsed;
  auto raw_scan = [&] {
    size_t seen = 0;
    std::unique_ptr<rocksdb::Iterator> it(raw.db->NewIterator(rocksdb::ReadOptions()));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      rocksdb::Slice v = it->value();
      if (!parsed.ParseFromArray(v.data(), static_cast<int>(v.size()))) {
        throw BenchError("ParseFromArray failed");
      }
      sink += static_cast<uint64_t>(parsed.occur_time().seconds()) +
              parsed.annotation_added().text().size();
      ++seen;
    }
    CheckRocks(it->status(), "Iterator");
    if (seen != n) throw BenchError("raw scan visited " + std::to_string(seen) + " events");
    CheckInterrupted();
  };

  // Warm-up: one full pass each (fills the block caches).
  store_scan();
  raw_scan();
  // Alternating passes (store, raw, store, raw ...) so that drift hits both sides alike.
  Progress(cfg, " timing...");
  size_t passes = 0;
  Span store_time, raw_time;
  do {
    Stopwatch sw;
    store_scan();
    store_time += sw.Elapsed();
    Stopwatch sw2;
    raw_scan();
    raw_time += sw2.Elapsed();
    ++passes;
  } while (store_time.wall < cfg.seconds);
  row.seconds = store_time.wall;
  row.cpu_seconds = store_time.cpu;
  row.baseline_seconds = raw_time.wall;
  row.baseline_cpu_seconds = raw_time.cpu;
  row.baseline_events = passes * n;
  row.events = passes * n;
  row.events_per_s = static_cast<double>(row.events) / row.seconds;
  row.baseline_events_per_s = static_cast<double>(row.events) / row.baseline_seconds;
  if (sink == 42) Progress(cfg, " ");  // keeps `sink` observable
  Progress(cfg, " done (%zu passes)\n", passes);
  return row;
}

// ---- Output ----------------------------------------------------------------------------------

std::string Target(const Row& r) {
  if (r.target <= 0) return "-";
  char b[32];
  std::snprintf(b, sizeof b, ">= %.2f", r.target);
  return b;
}

const char* Verdict(const Row& r) {
  if (r.target <= 0) return "-";
  return r.ratio() >= r.target ? "pass" : "MISS";
}

void PrintTable(FILE* out, const Config& cfg, const std::vector<Row>& rows, const Info& info,
                size_t event_bytes, const std::string& fs_type, const std::string& tmp_base) {
  double load[3] = {0, 0, 0};
  const int nload = ::getloadavg(load, 3);
  std::fprintf(out, "\nbench_store: consent::EventStore vs raw RocksDB on the same event bytes\n");
  std::fprintf(out, "machine: nproc=%d, build type %s, RocksDB %d.%d.%d, protobuf %d.%d.%d, "
                    "temp dirs on %s (%s), load average %.2f\n",
               Nproc(), CONSENT_BENCH_BUILD_TYPE, ROCKSDB_MAJOR, ROCKSDB_MINOR, ROCKSDB_PATCH,
               GOOGLE_PROTOBUF_VERSION / 1000000, GOOGLE_PROTOBUF_VERSION / 1000 % 1000,
               GOOGLE_PROTOBUF_VERSION % 1000, tmp_base.c_str(), fs_type.c_str(),
               nload > 0 ? load[0] : -1.0);
  std::fprintf(out,
               "events: consent.v1.Event, %zu-byte AnnotationAdded payload, id, stream_id, "
               "occur_time, correlation/causation ids, actor: %zu bytes serialized; "
               "all built before timing\n",
               cfg.payload_bytes, event_bytes);
  std::fprintf(out,
               "workload: append_N = Append(\"call-<k>\", kAnyRevision, N events), k rotating "
               "over %zu streams, sync=false;\n"
               "          append_sync_tT = Append of 1 event, sync=true, from T threads on "
               "disjoint streams;\n"
               "          read_all = ScanAll of the whole (compacted) log, each Event parsed; "
               "baselines: raw RocksDB,\n"
               "          same bytes, key u64be(seq), 64 MiB block cache, in its own dir; "
               "store and baseline time the same events\n\n",
               cfg.streams);
  std::fprintf(out, "%-15s %9s %11s %11s %7s %8s %6s  %14s %7s  %s\n", "name", "events",
               "events/s", "baseline/s", "ratio", "target", "result", "cpu us/ev s/b", "cpu rat",
               "baseline");
  for (const Row& r : rows) {
    const double cpu_store = r.events ? r.cpu_seconds * 1e6 / static_cast<double>(r.events) : 0;
    const size_t be = r.baseline_events ? r.baseline_events : r.events;
    const double cpu_base = be ? r.baseline_cpu_seconds * 1e6 / static_cast<double>(be) : 0;
    char cpu[32];
    std::snprintf(cpu, sizeof cpu, "%.2f/%.2f", cpu_store, cpu_base);
    std::fprintf(out, "%-15s %9zu %11.0f %11.0f %7.3f %8s %6s  %14s %7.3f  %s\n", r.name.c_str(),
                 r.events, r.events_per_s, r.baseline_events_per_s, r.ratio(), Target(r).c_str(),
                 Verdict(r), cpu, cpu_store > 0 ? cpu_base / cpu_store : 0, r.baseline.c_str());
  }
  std::fprintf(out,
               "(cpu us/ev: process CPU time, all threads, per event, store/baseline; cpu rat: "
               "the ratio in CPU time, robust to other load on the machine)\n");
  if (info.raw_sync_t8_eps > 0) {
    std::fprintf(out, "\nnote: raw RocksDB Put sync=true from %zu threads: %.0f events/s",
                 cfg.sync_threads, info.raw_sync_t8_eps);
    if (info.raw_sync_t1_eps > 0) {
      std::fprintf(out, " = %.2fx its 1-thread rate (%.0f/s)", info.raw_sync_t8_eps /
                   info.raw_sync_t1_eps, info.raw_sync_t1_eps);
    }
    std::fprintf(out, "\n");
  }
  std::fprintf(out, "\n");
}

void PrintJson(const std::vector<Row>& rows) {
  std::printf("[\n");
  for (size_t i = 0; i < rows.size(); ++i) {
    const Row& r = rows[i];
    std::printf("  {\"name\": \"%s\", \"events_per_s\": %.1f, \"baseline_events_per_s\": %.1f, "
                "\"ratio\": %.4f}%s\n",
                r.name.c_str(), r.events_per_s, r.baseline_events_per_s, r.ratio(),
                i + 1 < rows.size() ? "," : "");
  }
  std::printf("]\n");
}

int Run(const Config& cfg) {
  std::vector<std::string> streams;
  streams.reserve(cfg.streams);
  for (size_t k = 0; k < cfg.streams; ++k) streams.push_back("call-" + std::to_string(k));

  size_t event_bytes;
  {
    EventMaker probe(streams, cfg.payload_bytes);
    event_bytes = probe.Make(0).ByteSizeLong();
  }

  TempDir tmp("bench_store");
  const std::string fs_type = FsTypeName(tmp.path());
  Progress(cfg, "bench_store: %.1f s per measurement and side, temp dir %s (%s)\n", cfg.seconds,
           tmp.path().c_str(), fs_type.c_str());

  std::vector<Row> rows;
  Info info;
  for (size_t batch : {size_t{1}, size_t{8}, size_t{64}}) {
    if (!cfg.Wants("append_" + std::to_string(batch))) continue;
    Row r = MeasureAppend(cfg, tmp, streams, batch);
    if (batch == 1) r.target = 0.5;
    if (batch == 64) r.target = 0.35;
    rows.push_back(std::move(r));
  }
  if (cfg.Wants("append_sync_t1")) {
    for (Row& r : MeasureSync(cfg, tmp, streams, cfg.Wants("append_sync_t8"), &info)) {
      rows.push_back(std::move(r));
    }
  }
  if (cfg.Wants("read_all")) rows.push_back(MeasureReadAll(cfg, tmp, streams));

  fs::path base = fs::path(tmp.path()).parent_path();
  PrintTable(cfg.json ? stderr : stdout, cfg, rows, info, event_bytes, fs_type, base.string());
  if (cfg.json) PrintJson(rows);
  std::fflush(stdout);

  bool missed = false;
  for (const Row& r : rows) missed |= (r.target > 0 && r.ratio() < r.target);
  return (cfg.strict && missed) ? 2 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  GOOGLE_PROTOBUF_VERIFY_VERSION;
  struct sigaction sa {};
  sa.sa_handler = OnSignal;
  sa.sa_flags = SA_RESETHAND;  // a second Ctrl-C kills at once
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  try {
    std::optional<Config> cfg = ParseArgs(argc, argv);
    if (!cfg) return 0;
    return Run(*cfg);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "\nbench_store: error: %s\n", e.what());
    return g_interrupted.load() ? 130 : 1;
  }
}
