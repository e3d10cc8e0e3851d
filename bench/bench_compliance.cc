// SPDX-License-Identifier: Apache-2.0
// bench_compliance: the compliance projections (consent::Compliance) under load, each figure
// measured beside a same-run baseline.
//
//   bench_compliance [--seconds S] [--calls N] [--agents N] [--write-rate R] [--readers 1,2]
//                    [--sim-calls N] [--only gate,replay] [--json] [--strict]   (--help)
//
// Measurements (in temporary directories under $TMPDIR or /tmp, removed at exit):
//   gate_rN (N = reader threads, default 1 and 2)
//       RecordingGate::Decide on random call ids, from N threads, for --seconds, while one writer
//       thread appends call facts (tier-1 notices, recording starts, pauses/resumes on random
//       calls; one Append per fact, sync=false) at --write-rate facts/s and the engine folds them
//       live (StartLive, persist=true: state committed as the live fold reaches the head).
//       The store holds the governance baseline (registration r1 with staff committee, DPO and
//       DPIA; tier-1/tier-2 caller notices; 8 queues able to suspend both tracks; --agents agents
//       provisioned and informed with a recording window) and --calls started calls with a
//       completed tier-1 notice, all written with AppendMulti in batches before timing; the
//       agents' handled history is those calls (--calls / --agents each, all in the 30-day window).
//       Latency: each Decide timed with steady_clock into a per-thread log-bucket histogram
//       (64 sub-buckets per power of two, <= 1.6 % error). Target: p99 <= 5 us.
//       Baseline: the same readers for the same time with the writer idle (nothing to fold);
//       ratio = decisions/s under writes / decisions/s idle.
//   replay_persist / replay_memory / replay_fresh
//       SimulateDay (--sim-calls calls, seed 42) into a fresh store, compacted; then
//       Compliance::Rebuild() — discard the state, fold from position 1 into every projection —
//       with persist=true (state + checkpoint committed every 50000 events and at the end) and,
//       for context, with persist=false (in memory only; the difference is the cost of
//       persisting), and a new persist=false engine doing Open + CatchUp (nothing to discard
//       first, as a replay to a past position; its destruction is not timed). Baseline: ScanAll
//       over the same store, every Event decoded (read-all with decode). Passes alternate
//       (persist, scan, memory, fresh) until the persist side has run --seconds.
//       Target for replay_persist: ratio >= 0.4.
//
// Besides wall-clock rates the tables show process CPU time per event (all threads) and, for the
// gate, the reader threads' own CPU time per decision: on a shared machine (other load, 2 cores
// shared by readers, writer, fold and RocksDB) these are the steadier numbers; p99.9 and max
// there mostly measure preemption.
//
// Exit status: 0 (also when a target is missed, unless --strict: then 2), 1 on error, 130 when
// interrupted.

#include <getopt.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <bit>
#include <cerrno>
#include <chrono>
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
#include <rocksdb/version.h>

#include "bench_util.h"
#include "consent/compliance.h"
#include "consent/event_id.h"
#include "consent/event_store.h"
#include "consent/simulator.h"
#include "consent/v1/event.pb.h"

#ifndef CONSENT_BENCH_BUILD_TYPE
#define CONSENT_BENCH_BUILD_TYPE "unknown"
#endif

namespace {

namespace fs = std::filesystem;
namespace v1 = consent::v1;
using consent::Event;
using consent::TimePoint;
using namespace consent::bench;
using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::seconds;

// ---- Errors, interruption, temp dir, machine ------------------------------------------------

void Check(const consent::Status& s, const std::string& what) {
  if (!s.ok()) throw BenchError(what + ": " + s.ToString());
}

double Secs(SteadyClock::duration d) { return std::chrono::duration<double>(d).count(); }

double LoadAverage() {
  double load[3] = {0, 0, 0};
  return ::getloadavg(load, 3) > 0 ? load[0] : -1.0;
}

void Progress(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
void Progress(const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  std::vfprintf(stderr, fmt, ap);
  va_end(ap);
  std::fflush(stderr);
}

// ---- Configuration ---------------------------------------------------------------------------

struct Config {
  double seconds = 3.0;          // each gate phase; replay: minimum time of the persist side
  size_t calls = 100000;         // active calls in the gate store
  size_t agents = 200;           // informed agents in the gate store
  double write_rate = 2000;      // facts/s appended during the gate measurement
  std::vector<size_t> readers = {1, 2};
  uint32_t sim_calls = 20000;    // calls of the simulated day replayed
  bool json = false;
  bool strict = false;
  std::set<std::string> only;    // "gate", "replay"; empty: both

  bool Wants(const std::string& name) const { return only.empty() || only.count(name) > 0; }
};

void Usage(FILE* out) {
  std::fprintf(out,
               "usage: bench_compliance [options]\n"
               "  --seconds S      each gate phase (idle and under writes, per reader count);\n"
               "                   replay: minimum time of the persist side (default 3)\n"
               "  --calls N        active calls in the gate store (default 100000)\n"
               "  --agents N       informed agents in the gate store (default 200)\n"
               "  --write-rate R   facts/s the writer appends during the gate phases (default 2000)\n"
               "  --readers LIST   comma-separated reader thread counts (default 1,2)\n"
               "  --sim-calls N    calls of the simulated day replayed (default 20000)\n"
               "  --only LIST      gate, replay (default both)\n"
               "  --json           print a JSON list on stdout (the table goes to stderr)\n"
               "  --strict         exit with status 2 when a target is missed\n"
               "  --help\n");
}

std::vector<std::string> SplitList(const char* s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ',')) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

std::optional<Config> ParseArgs(int argc, char** argv) {
  Config c;
  enum { kSeconds = 1000, kCalls, kAgents, kWriteRate, kReaders, kSimCalls, kOnly, kJson, kStrict, kHelp };
  static const option kOpts[] = {
      {"seconds", required_argument, nullptr, kSeconds},
      {"calls", required_argument, nullptr, kCalls},
      {"agents", required_argument, nullptr, kAgents},
      {"write-rate", required_argument, nullptr, kWriteRate},
      {"readers", required_argument, nullptr, kReaders},
      {"sim-calls", required_argument, nullptr, kSimCalls},
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
      case kCalls: c.calls = ParseSize(optarg, "--calls"); break;
      case kAgents: c.agents = ParseSize(optarg, "--agents"); break;
      case kWriteRate: c.write_rate = ParseDouble(optarg, "--write-rate"); break;
      case kReaders: {
        c.readers.clear();
        for (const std::string& r : SplitList(optarg)) {
          const size_t n = ParseSize(r.c_str(), "--readers");
          if (n > 64) throw BenchError("--readers: at most 64 threads");
          c.readers.push_back(n);
        }
        if (c.readers.empty()) throw BenchError("--readers: empty list");
        break;
      }
      case kSimCalls: {
        const size_t n = ParseSize(optarg, "--sim-calls");
        if (n > 10'000'000) throw BenchError("--sim-calls: at most 10000000");
        c.sim_calls = static_cast<uint32_t>(n);
        break;
      }
      case kOnly:
        for (const std::string& name : SplitList(optarg)) {
          if (name != "gate" && name != "replay") throw BenchError("unknown measurement in --only: " + name);
          c.only.insert(name);
        }
        break;
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
  return c;
}

// ---- Latency histogram -----------------------------------------------------------------------

// HDR-like: exact below 128 ns, then 64 linear sub-buckets per power of two (relative error
// <= 1/64). Recording is a few instructions and never allocates.
class LatencyHistogram {
 public:
  static constexpr int kSubBits = 6;
  static constexpr uint64_t kSub = uint64_t{1} << kSubBits;  // 64
  static constexpr uint64_t kLinear = kSub * 2;              // 128
  static constexpr size_t kBuckets = kLinear + (64 - 7) * kSub;

  LatencyHistogram() : counts_(kBuckets, 0) {}

  void Add(uint64_t ns) {
    ++counts_[Index(ns)];
    ++total_;
    max_ = std::max(max_, ns);
    sum_ += ns;
  }
  void Merge(const LatencyHistogram& o) {
    for (size_t i = 0; i < kBuckets; ++i) counts_[i] += o.counts_[i];
    total_ += o.total_;
    max_ = std::max(max_, o.max_);
    sum_ += o.sum_;
  }
  uint64_t total() const { return total_; }
  double mean_ns() const { return total_ ? static_cast<double>(sum_) / static_cast<double>(total_) : 0; }
  uint64_t max_ns() const { return max_; }
  // The value below which a fraction q of the samples lie (bucket midpoint).
  double Percentile(double q) const {
    if (total_ == 0) return 0;
    const uint64_t rank = std::max<uint64_t>(1, static_cast<uint64_t>(q * static_cast<double>(total_) + 0.999999));
    uint64_t seen = 0;
    for (size_t i = 0; i < kBuckets; ++i) {
      seen += counts_[i];
      if (seen >= rank) return std::min(Mid(i), static_cast<double>(max_));
    }
    return static_cast<double>(max_);
  }

 private:
  static size_t Index(uint64_t v) {
    if (v < kLinear) return static_cast<size_t>(v);
    const int e = std::bit_width(v) - 1;  // >= 7
    const uint64_t sub = (v >> (e - kSubBits)) & (kSub - 1);
    return static_cast<size_t>(kLinear + static_cast<uint64_t>(e - 7) * kSub + sub);
  }
  static double Mid(size_t i) {
    if (i < kLinear) return static_cast<double>(i);
    const uint64_t e = 7 + (i - kLinear) / kSub;
    const uint64_t sub = (i - kLinear) % kSub;
    const uint64_t width = uint64_t{1} << (e - kSubBits);
    return static_cast<double>((kSub + sub) * width) + static_cast<double>(width) / 2;
  }

  std::vector<uint64_t> counts_;
  uint64_t total_ = 0;
  uint64_t max_ = 0;
  uint64_t sum_ = 0;
};

// Cost of one steady_clock::now() pair, the timer's share of each measured Decide: the best
// of 200 batches of 1000 pairs (a preempted batch does not count).
double TimerOverheadNs() {
  constexpr int kBatches = 200;
  constexpr int kPairs = 1000;
  uint64_t sink = 0;
  double best = 1e9;
  for (int b = 0; b < kBatches; ++b) {
    const auto t0 = SteadyClock::now();
    for (int i = 0; i < kPairs; ++i) {
      const auto x = SteadyClock::now();
      const auto y = SteadyClock::now();
      sink += static_cast<uint64_t>((y - x).count());
    }
    best = std::min(best, std::chrono::duration<double, std::nano>(SteadyClock::now() - t0).count() / kPairs);
  }
  return sink == 1 ? best + 0 : best;
}

// CPU time of the calling thread.
double ThreadCpuSecs() {
  timespec ts {};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

// ---- Domain facts ----------------------------------------------------------------------------
//
// The shapes of tests/cpp/compliance_fixture.h: registration r1 (training and evaluation,
// legitimate interests, 6/12 months), notices n-short / n-full, queues able to suspend both
// tracks, agents provisioned and informed of every item with an evaluation method and a window.

TimePoint T0() { return TimePoint(seconds(1772442000)); }  // 2026-03-02T09:00:00Z
constexpr const char* kPointer = "https://example.test/privacy/calls";
constexpr size_t kQueues = 8;

Event Fact(TimePoint at) {
  Event e;
  e.set_event_id(consent::NewEventId());
  *e.mutable_occur_time() = consent::ToTimestamp(at);
  return e;
}

std::string AgentRef(size_t i) { return "agent-" + std::to_string(i); }
std::string QueueId(size_t i) { return "q" + std::to_string(i); }
std::string CallId(size_t i) {
  char b[32];
  std::snprintf(b, sizeof b, "c%07zu", i);
  return b;
}

std::vector<consent::StreamAppend> Governance() {
  const TimePoint reg_at = T0() - hours(24 * 60);
  const TimePoint gov_at = T0() - hours(24 * 59);
  const TimePoint pub_at = T0() - hours(24 * 58);
  std::vector<consent::StreamAppend> out;

  consent::StreamAppend reg{"registration-r1", consent::kNoStream, {}};
  {
    Event e = Fact(reg_at);
    auto* p = e.mutable_processing_registered();
    p->set_registration_id("r1");
    p->set_registration_version(1);
    v1::ProcessingDetails* d = p->mutable_details();
    d->set_controller("Example Contact SAS");
    d->set_dpo_appointed(true);
    d->set_dpo_contact("dpo@example.test");
    d->add_purposes()->set_purpose(v1::PURPOSE_TRAINING);
    d->add_purposes()->set_purpose(v1::PURPOSE_EVALUATION);
    d->set_legal_basis(v1::LEGAL_BASIS_LEGITIMATE_INTERESTS);
    d->add_recipient_roles("trainer");
    d->add_recipient_roles("quality-analyst");
    d->set_recording_retention_months(6);
    d->set_analysis_retention_months(12);
    *d->mutable_valid_from_time() = consent::ToTimestamp(reg_at);
    reg.events.push_back(std::move(e));
  }
  {
    Event e = Fact(gov_at);
    e.mutable_cse_consulted()->set_registration_id("r1");
    e.mutable_cse_consulted()->set_registration_version(1);
    e.mutable_cse_consulted()->set_opinion(v1::CSE_OPINION_FAVOURABLE);
    reg.events.push_back(std::move(e));
  }
  {
    Event e = Fact(gov_at);
    e.mutable_dpo_consulted()->set_registration_id("r1");
    e.mutable_dpo_consulted()->set_registration_version(1);
    reg.events.push_back(std::move(e));
  }
  {
    Event e = Fact(gov_at);
    e.mutable_dpia_recorded()->set_registration_id("r1");
    e.mutable_dpia_recorded()->set_registration_version(1);
    e.mutable_dpia_recorded()->set_dpia_ref("DPIA-2026-01");
    reg.events.push_back(std::move(e));
  }
  out.push_back(std::move(reg));

  for (bool full : {false, true}) {
    consent::StreamAppend n{full ? "notice-n-full" : "notice-n-short", consent::kNoStream, {}};
    Event e = Fact(pub_at);
    auto* p = e.mutable_notice_published();
    p->set_notice_id(full ? "n-full" : "n-short");
    p->set_notice_version(1);
    p->set_registration_id("r1");
    p->set_registration_version(1);
    p->set_audience(v1::PARTY_CALLER);
    if (full) {
      p->set_tier(v1::NOTICE_TIER_FULL);
      for (int i = 1; i <= 9; ++i) p->add_items(static_cast<v1::NoticeItem>(i));
      p->set_pointer(kPointer);
    } else {
      p->set_tier(v1::NOTICE_TIER_SHORT);
      p->add_items(v1::NOTICE_ITEM_EXISTENCE);
      p->add_items(v1::NOTICE_ITEM_PURPOSES);
      p->add_items(v1::NOTICE_ITEM_RIGHT_TO_OBJECT);
    }
    n.events.push_back(std::move(e));
    out.push_back(std::move(n));
  }

  for (size_t q = 0; q < kQueues; ++q) {
    consent::StreamAppend s{"queue-" + QueueId(q), consent::kNoStream, {}};
    Event e = Fact(pub_at);
    auto* p = e.mutable_capability_declared();
    p->set_queue_id(QueueId(q));
    p->set_suspend_supported(true);
    p->add_tracks(v1::TRACK_CALLER);
    p->add_tracks(v1::TRACK_AGENT);
    s.events.push_back(std::move(e));
    out.push_back(std::move(s));
  }
  return out;
}

consent::StreamAppend AgentFacts(size_t i) {
  const std::string ref = AgentRef(i);
  consent::StreamAppend s{"agent-" + ref, consent::kNoStream, {}};
  {
    Event e = Fact(T0() - hours(24 * 57));
    auto* p = e.mutable_agent_provisioned();
    p->set_agent_ref(ref);
    p->set_team_id("team-" + std::to_string(i % 10));
    p->set_site_id("site-1");
    s.events.push_back(std::move(e));
  }
  {
    Event e = Fact(T0() - hours(24 * 56));
    auto* p = e.mutable_agent_informed();
    p->set_agent_ref(ref);
    p->set_registration_id("r1");
    p->set_registration_version(1);
    for (int k = 1; k <= 10; ++k) p->add_items(static_cast<v1::NoticeItem>(k));
    p->set_evaluation_method_id("m1");
    auto* w = p->add_announced_windows();
    *w->mutable_start_time() = consent::ToTimestamp(T0() - hours(24 * 40));
    *w->mutable_end_time() = consent::ToTimestamp(T0() + hours(24 * 40));
    s.events.push_back(std::move(e));
  }
  return s;
}

Event NoticeGiven(const std::string& call, TimePoint end) {
  Event e = Fact(end);
  auto* p = e.mutable_notice_given();
  p->set_call_id(call);
  p->set_audience(v1::PARTY_CALLER);
  p->set_tier(v1::NOTICE_TIER_SHORT);
  p->set_notice_id("n-short");
  p->set_notice_version(1);
  p->set_method(v1::NOTICE_METHOD_IVR_PROMPT);
  *p->mutable_start_time() = consent::ToTimestamp(end - seconds(8));
  *p->mutable_end_time() = consent::ToTimestamp(end);
  p->add_items(v1::NOTICE_ITEM_EXISTENCE);
  p->add_items(v1::NOTICE_ITEM_PURPOSES);
  p->add_items(v1::NOTICE_ITEM_RIGHT_TO_OBJECT);
  p->set_completed(true);
  p->set_pointer_offered(true);
  p->set_pointer(kPointer);
  return e;
}

// Call i: started at T0 + i * 18 ms (100,000 calls arrive over 30 minutes) on agent i % agents,
// queue i % 8, with a completed tier-1 notice 10 s later.
consent::StreamAppend CallFacts(size_t i, size_t agents) {
  const std::string id = CallId(i);
  const TimePoint at = T0() + milliseconds(18 * static_cast<int64_t>(i));
  consent::StreamAppend s{"call-" + id, consent::kNoStream, {}};
  {
    Event e = Fact(at);
    auto* p = e.mutable_call_started();
    p->set_call_id(id);
    p->set_direction(v1::CALL_DIRECTION_INBOUND);
    p->set_queue_id(QueueId(i % kQueues));
    p->set_site_id("site-1");
    p->set_agent_ref(AgentRef(i % agents));
    p->set_registration_id("r1");
    auto* caller = p->add_participants();
    caller->set_subject_ref("caller-" + id);
    caller->set_party(v1::PARTY_CALLER);
    s.events.push_back(std::move(e));
  }
  s.events.push_back(NoticeGiven(id, at + seconds(10)));
  return s;
}

// ---- Results ---------------------------------------------------------------------------------

struct Row {
  std::string name;
  bool decisions = false;        // rate is decisions/s (gate) rather than events/s (replay)
  uint64_t count = 0;            // decisions or events timed
  double seconds = 0;
  double cpu_seconds = 0;
  double rate = 0;
  std::string baseline;
  uint64_t baseline_count = 0;
  double baseline_seconds = 0;
  double baseline_cpu_seconds = 0;
  double baseline_rate = 0;
  // Gate only.
  double p50_us = 0, p99_us = 0, p999_us = 0, max_us = 0, mean_us = 0;
  double baseline_p50_us = 0, baseline_p99_us = 0, baseline_p999_us = 0;
  double appends_per_s = 0;       // writer rate achieved during the timed phase
  uint64_t fold_lag_end = 0;      // head - folded position when the phase ended
  double catchup_ms = 0;          // time the live fold then needed to reach the head
  double allow_share = 0;         // share of decisions that allowed recording
  double reader_cpu_us = 0;       // reader threads' own CPU time per decision
  double baseline_reader_cpu_us = 0;
  size_t readers = 0;
  // Targets: gate p99 (us, lower is better) or replay ratio (higher is better).
  double target_p99_us = 0;
  double target_ratio = 0;

  double ratio() const { return baseline_rate > 0 ? rate / baseline_rate : 0; }
  bool has_target() const { return target_p99_us > 0 || target_ratio > 0; }
  bool pass() const {
    if (target_p99_us > 0) return p99_us <= target_p99_us;
    if (target_ratio > 0) return ratio() >= target_ratio;
    return true;
  }
};

struct Info {
  // gate store
  uint64_t gate_events = 0;
  double gate_write_s = 0;
  double gate_catchup_s = 0;
  double timer_ns = 0;
  std::string gate_sample;  // first decision, for the record
  // replay store
  uint64_t replay_events = 0;
  uint64_t replay_calls = 0;
  uint64_t replay_recordings = 0;
  double sim_s = 0;
  bool simulated = false;
  uint64_t state_entries = 0;  // persisted state after a replay
  uint64_t state_bytes = 0;
};

// ---- Gate ------------------------------------------------------------------------------------

std::unique_ptr<consent::EventStore> OpenStore(const std::string& path) {
  consent::StoreOptions o;
  o.sync = false;
  auto s = consent::EventStore::Open(o, path);
  if (!s.ok()) throw BenchError("EventStore::Open(" + path + "): " + s.status().ToString());
  return std::move(*s);
}

void AppendMulti(consent::EventStore& store, std::vector<consent::StreamAppend> batch) {
  consent::AppendOptions ao;
  ao.sync = false;
  auto r = store.AppendMulti(std::move(batch), ao);
  if (!r.ok()) throw BenchError("AppendMulti: " + r.status().ToString());
}

// xorshift64*: cheap enough not to show in a 1-us measurement.
class FastRng {
 public:
  explicit FastRng(uint64_t seed) : s_(seed ? seed : 0x9E3779B97F4A7C15ULL) {}
  uint64_t Next() {
    s_ ^= s_ >> 12;
    s_ ^= s_ << 25;
    s_ ^= s_ >> 27;
    return s_ * 0x2545F4914F6CDD1DULL;
  }
  size_t Index(size_t n) { return static_cast<size_t>(Next() % n); }

 private:
  uint64_t s_;
};

// Appends call facts on random calls at a steady rate: tier-1 notices (35 %), recording starts
// (30 %), and pauses or resumes (35 %: a capturing recording it started is paused, a paused one
// resumed). Facts are dated
// T0 + 1 h + 1 ms per fact, after every call start and before the engine's "now".
class CallWriter {
 public:
  CallWriter(consent::EventStore* store, size_t calls) : store_(store), calls_(calls), rng_(0xC0FFEE) {}

  // Appends until `stop`; returns {facts appended, seconds}.
  std::pair<uint64_t, double> Run(const std::atomic<bool>& stop, double rate) {
    consent::AppendOptions ao;
    ao.sync = false;
    const auto interval = std::chrono::duration_cast<SteadyClock::duration>(std::chrono::duration<double>(1.0 / rate));
    const auto t0 = SteadyClock::now();
    auto next = t0;
    uint64_t n = 0;
    while (!stop.load(std::memory_order_relaxed)) {
      const auto now = SteadyClock::now();
      if (now < next) {
        std::this_thread::sleep_until(next);
        continue;
      }
      std::string stream;
      Event e = NextFact(&stream);
      std::vector<Event> events;
      events.push_back(std::move(e));
      auto r = store_->Append(stream, consent::kAnyRevision, std::move(events), ao);
      if (!r.ok()) throw BenchError("writer Append: " + r.status().ToString());
      ++n;
      next += interval;
    }
    return {n, Secs(SteadyClock::now() - t0)};
  }

 private:
  struct Rec {
    uint32_t call;
    uint32_t serial;
    bool paused;
  };

  Event NextFact(std::string* stream) {
    const TimePoint at = T0() + hours(1) + milliseconds(static_cast<int64_t>(seq_++));
    const uint64_t r = rng_.Next() % 100;
    if (r < 35) {
      const size_t call = rng_.Index(calls_);
      *stream = "call-" + CallId(call);
      return NoticeGiven(CallId(call), at);
    }
    if (r < 65 || recs_.empty()) return StartRecording(at, stream);
    // Pause a capturing recording, resume a paused one.
    Rec& rec = recs_[rng_.Index(recs_.size())];
    const std::string call = CallId(rec.call);
    const std::string rec_id = "rec-" + call + "-" + std::to_string(rec.serial);
    *stream = "call-" + call;
    Event e = Fact(at);
    if (!rec.paused) {
      auto* p = e.mutable_recording_paused();
      p->set_call_id(call);
      p->set_recording_id(rec_id);
      p->add_tracks(v1::TRACK_CALLER);
      p->add_tracks(v1::TRACK_AGENT);
      p->set_cause(v1::PAUSE_CAUSE_MANUAL);
      *p->mutable_command_time() = consent::ToTimestamp(at);
      *p->mutable_ack_time() = consent::ToTimestamp(at + milliseconds(300));
      p->set_ack_source(v1::ACK_SOURCE_PLATFORM);
      rec.paused = true;
    } else {
      auto* p = e.mutable_recording_resumed();
      p->set_call_id(call);
      p->set_recording_id(rec_id);
      p->add_tracks(v1::TRACK_CALLER);
      p->add_tracks(v1::TRACK_AGENT);
      p->set_cause(v1::RESUME_CAUSE_MANUAL);
      *p->mutable_command_time() = consent::ToTimestamp(at);
      *p->mutable_ack_time() = consent::ToTimestamp(at + milliseconds(100));
      p->set_ack_source(v1::ACK_SOURCE_PLATFORM);
      rec.paused = false;
    }
    return e;
  }

  Event StartRecording(TimePoint at, std::string* stream) {
    const size_t call = rng_.Index(calls_);
    const uint32_t serial = serial_++;
    const std::string id = CallId(call);
    *stream = "call-" + id;
    Event e = Fact(at);
    auto* p = e.mutable_recording_started();
    p->set_call_id(id);
    p->set_recording_id("rec-" + id + "-" + std::to_string(serial));
    p->add_tracks(v1::TRACK_CALLER);
    p->add_tracks(v1::TRACK_AGENT);
    p->set_trigger(v1::RECORDING_TRIGGER_SAMPLED);
    recs_.push_back(Rec{static_cast<uint32_t>(call), serial, false});
    return e;
  }

  consent::EventStore* store_;
  size_t calls_;
  FastRng rng_;
  uint64_t seq_ = 0;
  uint32_t serial_ = 0;
  std::vector<Rec> recs_;
};

struct ReaderResult {
  LatencyHistogram hist;
  uint64_t decisions = 0;
  uint64_t allowed = 0;
  double cpu = 0;  // the reader thread's own CPU time
};

struct Phase {
  LatencyHistogram hist;
  uint64_t decisions = 0;
  uint64_t allowed = 0;
  double reader_cpu = 0;
  Span time;
  uint64_t appended = 0;
  double append_seconds = 0;
};

// Runs `readers` Decide loops (and the writer when `write`) for `secs` seconds.
Phase RunGatePhase(const consent::Compliance& compliance, const std::vector<std::string>& ids, size_t readers,
                   CallWriter* writer, double write_rate, double secs, uint64_t seed) {
  std::atomic<bool> stop{false};
  std::latch ready(static_cast<std::ptrdiff_t>(readers + (writer ? 1 : 0)));
  std::latch go(1);
  std::vector<ReaderResult> results(readers);
  std::vector<std::string> errors(readers + 1);
  std::vector<std::thread> threads;
  std::pair<uint64_t, double> written{0, 0};
  for (size_t t = 0; t < readers; ++t) {
    threads.emplace_back([&, t] {
      ReaderResult& res = results[t];
      FastRng rng(seed * 7919 + t + 1);
      const consent::RecordingGate& gate = compliance.gate();
      ready.count_down();
      go.wait();
      try {
        const double cpu0 = ThreadCpuSecs();
        while (!stop.load(std::memory_order_relaxed)) {
          const std::string& id = ids[rng.Index(ids.size())];
          const auto a = SteadyClock::now();
          const consent::GateDecision d = gate.Decide(id);
          const auto b = SteadyClock::now();
          res.hist.Add(static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(b - a).count()));
          ++res.decisions;
          res.allowed += d.allow ? 1 : 0;
        }
        res.cpu = ThreadCpuSecs() - cpu0;
      } catch (const std::exception& e) {
        errors[t] = e.what();
      }
    });
  }
  if (writer != nullptr) {
    threads.emplace_back([&] {
      ready.count_down();
      go.wait();
      try {
        written = writer->Run(stop, write_rate);
      } catch (const std::exception& e) {
        errors[readers] = e.what();
        stop.store(true);
      }
    });
  }
  ready.wait();
  Stopwatch sw;
  go.count_down();
  const auto deadline = SteadyClock::now() + std::chrono::duration_cast<SteadyClock::duration>(
                                                 std::chrono::duration<double>(secs));
  while (SteadyClock::now() < deadline && !stop.load() && !g_interrupted.load()) {
    std::this_thread::sleep_for(milliseconds(10));
  }
  stop.store(true);
  for (auto& th : threads) th.join();
  Phase p;
  p.time = sw.Elapsed();
  for (const auto& e : errors) {
    if (!e.empty()) throw BenchError(e);
  }
  CheckInterrupted();
  for (const ReaderResult& r : results) {
    p.hist.Merge(r.hist);
    p.decisions += r.decisions;
    p.allowed += r.allowed;
    p.reader_cpu += r.cpu;
  }
  p.appended = written.first;
  p.append_seconds = written.second;
  return p;
}

std::string DescribeDecision(const consent::GateDecision& d) {
  if (d.allow) return "allow";
  std::string s = "deny:";
  for (const auto& f : d.failing) s += " " + f.rule_id + " (" + f.detail + ")";
  return s;
}

std::vector<Row> MeasureGate(const Config& cfg, const TempDir& tmp, Info* info) {
  Progress("gate: building a store with %zu agents and %zu started calls...", cfg.agents, cfg.calls);
  auto store = OpenStore(tmp.Sub("gate-store"));
  {
    Stopwatch sw;
    AppendMulti(*store, Governance());
    std::vector<consent::StreamAppend> batch;
    for (size_t i = 0; i < cfg.agents; ++i) {
      batch.push_back(AgentFacts(i));
      if (batch.size() == 500) AppendMulti(*store, std::exchange(batch, {}));
    }
    if (!batch.empty()) AppendMulti(*store, std::exchange(batch, {}));
    for (size_t i = 0; i < cfg.calls; ++i) {
      batch.push_back(CallFacts(i, cfg.agents));
      if (batch.size() == 1000) {
        AppendMulti(*store, std::exchange(batch, {}));
        CheckInterrupted();
      }
    }
    if (!batch.empty()) AppendMulti(*store, std::exchange(batch, {}));
    info->gate_events = store->HeadPosition();
    info->gate_write_s = sw.Elapsed().wall;
  }
  Progress(" %llu events in %.1f s; folding...", static_cast<unsigned long long>(info->gate_events),
           info->gate_write_s);

  consent::ComplianceOptions co;
  const TimePoint now = T0() + hours(2);
  co.clock = [now] { return now; };
  co.persist = true;
  auto opened = consent::Compliance::Open(store.get(), co);
  if (!opened.ok()) throw BenchError("Compliance::Open: " + opened.status().ToString());
  std::unique_ptr<consent::Compliance> compliance = std::move(opened).value();
  {
    Stopwatch sw;
    auto folded = compliance->CatchUp();
    if (!folded.ok()) throw BenchError("CatchUp: " + folded.status().ToString());
    info->gate_catchup_s = sw.Elapsed().wall;
  }
  Check(compliance->StartLive(), "StartLive");
  if (compliance->calls().size() != cfg.calls) {
    throw BenchError("the engine knows " + std::to_string(compliance->calls().size()) + " calls, expected " +
                     std::to_string(cfg.calls));
  }
  info->gate_sample = DescribeDecision(compliance->gate().Decide(CallId(0)));
  Progress(" %.1f s; first decision: %s\n", info->gate_catchup_s, info->gate_sample.c_str());

  std::vector<std::string> ids;
  ids.reserve(cfg.calls);
  for (size_t i = 0; i < cfg.calls; ++i) ids.push_back(CallId(i));

  // Warm-up: a short phase of each kind (page faults, caches, the live subscription).
  CallWriter writer(store.get(), cfg.calls);
  const double warm = std::clamp(cfg.seconds * 0.1, 0.2, 1.0);
  RunGatePhase(*compliance, ids, cfg.readers.back(), &writer, cfg.write_rate, warm, 1);

  std::vector<Row> rows;
  uint64_t seed = 2;
  for (size_t readers : cfg.readers) {
    Row row;
    row.name = "gate_r" + std::to_string(readers);
    row.decisions = true;
    row.readers = readers;
    row.baseline = "same readers, writer idle";
    row.target_p99_us = 5.0;
    Progress("%-15s idle...", row.name.c_str());
    // Let the live fold finish the warm-up's facts before the idle phase.
    compliance->WaitFor(store->HeadPosition(), std::chrono::seconds(30));
    const Phase idle = RunGatePhase(*compliance, ids, readers, nullptr, 0, cfg.seconds, seed++);
    Progress(" under writes...");
    const Phase busy = RunGatePhase(*compliance, ids, readers, &writer, cfg.write_rate, cfg.seconds, seed++);
    const uint64_t head = store->HeadPosition();
    const uint64_t folded = compliance->position();
    row.fold_lag_end = head > folded ? head - folded : 0;
    {
      const auto t0 = SteadyClock::now();
      if (!compliance->WaitFor(head, std::chrono::seconds(60))) throw BenchError("live fold did not reach the head");
      row.catchup_ms = Secs(SteadyClock::now() - t0) * 1e3;
    }
    Check(compliance->live_status(), "live fold");

    row.count = busy.decisions;
    row.seconds = busy.time.wall;
    row.cpu_seconds = busy.time.cpu;
    row.rate = static_cast<double>(busy.decisions) / busy.time.wall;
    row.p50_us = busy.hist.Percentile(0.50) / 1e3;
    row.p99_us = busy.hist.Percentile(0.99) / 1e3;
    row.p999_us = busy.hist.Percentile(0.999) / 1e3;
    row.max_us = static_cast<double>(busy.hist.max_ns()) / 1e3;
    row.mean_us = busy.hist.mean_ns() / 1e3;
    row.appends_per_s = busy.append_seconds > 0 ? static_cast<double>(busy.appended) / busy.append_seconds : 0;
    row.allow_share = busy.decisions ? static_cast<double>(busy.allowed) / static_cast<double>(busy.decisions) : 0;
    row.reader_cpu_us = busy.reader_cpu * 1e6 / static_cast<double>(std::max<uint64_t>(busy.decisions, 1));
    row.baseline_reader_cpu_us = idle.reader_cpu * 1e6 / static_cast<double>(std::max<uint64_t>(idle.decisions, 1));
    row.baseline_count = idle.decisions;
    row.baseline_seconds = idle.time.wall;
    row.baseline_cpu_seconds = idle.time.cpu;
    row.baseline_rate = static_cast<double>(idle.decisions) / idle.time.wall;
    row.baseline_p50_us = idle.hist.Percentile(0.50) / 1e3;
    row.baseline_p99_us = idle.hist.Percentile(0.99) / 1e3;
    row.baseline_p999_us = idle.hist.Percentile(0.999) / 1e3;
    Progress(" done\n");
    rows.push_back(row);
  }
  compliance->StopLive();
  return rows;
}

// ---- Replay ----------------------------------------------------------------------------------

std::vector<Row> MeasureReplay(const Config& cfg, const TempDir& tmp, Info* info) {
  Progress("replay: simulating a day of %u calls...", cfg.sim_calls);
  auto store = OpenStore(tmp.Sub("replay-store"));
  consent::SimulationOptions so;
  so.seed = 42;
  so.calls = cfg.sim_calls;
  so.sync = false;
  so.progress_every = 1000;
  so.progress = [](uint64_t, uint64_t) { CheckInterrupted(); };
  Stopwatch sim;
  auto summary = consent::SimulateDay(store.get(), so);
  if (!summary.ok()) throw BenchError("SimulateDay: " + summary.status().ToString());
  info->sim_s = sim.Elapsed().wall;
  info->simulated = true;
  info->replay_calls = summary->calls;
  info->replay_recordings = summary->recordings;
  Check(store->CompactAll(), "CompactAll");
  const uint64_t n = store->HeadPosition();
  info->replay_events = n;
  Progress(" %llu events in %.1f s;", static_cast<unsigned long long>(n), info->sim_s);

  const TimePoint now = summary->last_event + hours(1);
  auto open = [&](bool persist) {
    consent::ComplianceOptions co;
    co.clock = [now] { return now; };
    co.persist = persist;
    auto c = consent::Compliance::Open(store.get(), co);
    if (!c.ok()) throw BenchError("Compliance::Open: " + c.status().ToString());
    return std::move(c).value();
  };
  std::unique_ptr<consent::Compliance> persisted = open(true);
  std::unique_ptr<consent::Compliance> memory = open(false);

  auto rebuild = [&](consent::Compliance& c) {
    auto folded = c.Rebuild();
    if (!folded.ok()) throw BenchError("Rebuild: " + folded.status().ToString());
    if (*folded != n) throw BenchError("Rebuild folded " + std::to_string(*folded) + " of " + std::to_string(n));
    CheckInterrupted();
  };
  uint64_t sink = 0;
  auto scan = [&] {
    uint64_t seen = 0;
    consent::Status st = store->ScanAll(consent::ReadAllOptions{}, [&](const Event& e) {
      sink += static_cast<uint64_t>(e.occur_time().seconds()) + static_cast<uint64_t>(e.payload_case());
      ++seen;
      return true;
    });
    Check(st, "ScanAll");
    if (seen != n) throw BenchError("ScanAll visited " + std::to_string(seen) + " events");
    CheckInterrupted();
  };

  // Warm-up: one pass each (block cache, allocator).
  Progress(" warm-up...");
  rebuild(*persisted);
  scan();
  rebuild(*memory);
  for (const auto& [key, value] : persisted->DumpState()) {
    ++info->state_entries;
    info->state_bytes += key.size() + value.size();
  }
  // A fresh in-memory engine folding the whole log (what a replay to a past position does):
  // nothing to discard first. Its destruction is not timed.
  auto fresh = [&] {
    Stopwatch sw;
    std::unique_ptr<consent::Compliance> c = open(false);
    auto folded = c->CatchUp();
    if (!folded.ok()) throw BenchError("CatchUp: " + folded.status().ToString());
    if (*folded != n) throw BenchError("CatchUp folded " + std::to_string(*folded) + " of " + std::to_string(n));
    const Span e = sw.Elapsed();
    c.reset();
    CheckInterrupted();
    return e;
  };
  fresh();

  Progress(" timing...");
  Span t_persist, t_scan, t_memory, t_fresh;
  size_t passes = 0;
  do {
    {
      Stopwatch sw;
      rebuild(*persisted);
      t_persist += sw.Elapsed();
    }
    {
      Stopwatch sw;
      scan();
      t_scan += sw.Elapsed();
    }
    {
      Stopwatch sw;
      rebuild(*memory);
      t_memory += sw.Elapsed();
    }
    t_fresh += fresh();
    ++passes;
  } while (t_persist.wall < cfg.seconds || passes < 2);
  if (sink == 42) Progress(" ");  // keeps `sink` observable
  Progress(" done (%zu passes)\n", passes);

  const uint64_t total = passes * n;
  auto make = [&](const std::string& name, const Span& t) {
    Row r;
    r.name = name;
    r.count = total;
    r.seconds = t.wall;
    r.cpu_seconds = t.cpu;
    r.rate = static_cast<double>(total) / t.wall;
    r.baseline = "ScanAll + decode";
    r.baseline_count = total;
    r.baseline_seconds = t_scan.wall;
    r.baseline_cpu_seconds = t_scan.cpu;
    r.baseline_rate = static_cast<double>(total) / t_scan.wall;
    return r;
  };
  std::vector<Row> rows;
  Row p = make("replay_persist", t_persist);
  p.target_ratio = 0.4;
  rows.push_back(p);
  rows.push_back(make("replay_memory", t_memory));
  rows.push_back(make("replay_fresh", t_fresh));
  return rows;
}

// ---- Output ----------------------------------------------------------------------------------

std::string TargetText(const Row& r) {
  char b[32];
  if (r.target_p99_us > 0) std::snprintf(b, sizeof b, "p99<=%.0fus", r.target_p99_us);
  else if (r.target_ratio > 0) std::snprintf(b, sizeof b, ">= %.2f", r.target_ratio);
  else return "-";
  return b;
}

void PrintTable(FILE* out, const Config& cfg, const std::vector<Row>& rows, const Info& info,
                const std::string& tmp_base, const std::string& fs_type, double load_start) {
  std::fprintf(out, "\nbench_compliance: consent::Compliance (RecordingGate, live fold, replay)\n");
  std::fprintf(out,
               "machine: nproc=%d, build type %s, RocksDB %d.%d.%d, protobuf %d.%d.%d, temp dirs on %s (%s), "
               "load average %.2f at start, %.2f at end\n",
               Nproc(), CONSENT_BENCH_BUILD_TYPE, ROCKSDB_MAJOR, ROCKSDB_MINOR, ROCKSDB_PATCH,
               GOOGLE_PROTOBUF_VERSION / 1000000, GOOGLE_PROTOBUF_VERSION / 1000 % 1000,
               GOOGLE_PROTOBUF_VERSION % 1000, tmp_base.c_str(), fs_type.c_str(), load_start, LoadAverage());
  if (info.gate_events) {
    std::fprintf(out,
                 "gate: %zu active calls (tier-1 notice given), %zu informed agents, %zu queues; %llu events "
                 "written with AppendMulti in %.1f s, folded (CatchUp, persist=true) in %.1f s;\n"
                 "      live fold (StartLive) on; writer: 1 thread, one Append per fact, sync=false, target "
                 "%.0f facts/s\n"
                 "      (35 %% tier-1 notices, 30 %% recording starts, 35 %% pauses/resumes, random calls);\n"
                 "      readers: Decide(random call id), %s threads, %.1f s per phase; the machine has %d cores: "
                 "readers,\n"
                 "      writer, the fold's subscription thread and RocksDB's threads share them. "
                 "steady_clock pair: %.0f ns (included).\n"
                 "      first decision: %s\n",
                 cfg.calls, cfg.agents, kQueues, static_cast<unsigned long long>(info.gate_events),
                 info.gate_write_s, info.gate_catchup_s, cfg.write_rate,
                 [&] {
                   std::string s;
                   for (size_t r : cfg.readers) s += (s.empty() ? "" : "/") + std::to_string(r);
                   return s;
                 }().c_str(),
                 cfg.seconds, Nproc(), info.timer_ns, info.gate_sample.c_str());
  }
  if (info.simulated) {
    std::fprintf(out,
                 "replay: SimulateDay(seed 42, %u calls): %llu events (%llu calls, %llu recordings) in %.1f s, "
                 "compacted; state: %llu entries, %.1f MB;\n"
                 "        replay_persist / replay_memory = Rebuild() with persist=true / false: discard the "
                 "state, fold from position 1\n"
                 "        (persist=true commits every 50000 events and at the end); replay_fresh = a new "
                 "engine, persist=false,\n"
                 "        Open + CatchUp (nothing to discard; destruction not timed); baseline: ScanAll, each "
                 "Event decoded\n",
                 cfg.sim_calls, static_cast<unsigned long long>(info.replay_events),
                 static_cast<unsigned long long>(info.replay_calls),
                 static_cast<unsigned long long>(info.replay_recordings), info.sim_s,
                 static_cast<unsigned long long>(info.state_entries), static_cast<double>(info.state_bytes) / 1e6);
  }
  std::fprintf(out, "\n");

  bool any_gate = false;
  for (const Row& r : rows) any_gate |= r.decisions;
  if (any_gate) {
    std::fprintf(out, "%-10s %11s %11s %6s %7s %7s %8s %8s %12s %9s %8s %7s %6s %11s\n", "name", "decisions/s",
                 "idle/s", "ratio", "p50 us", "p99 us", "p999 us", "max us", "idle p50/p99", "appends/s",
                 "lag end", "allow", "target", "result");
    for (const Row& r : rows) {
      if (!r.decisions) continue;
      char idle[32];
      std::snprintf(idle, sizeof idle, "%.2f/%.2f", r.baseline_p50_us, r.baseline_p99_us);
      std::fprintf(out, "%-10s %11.0f %11.0f %6.3f %7.2f %7.2f %8.2f %8.0f %12s %9.0f %8llu %6.1f%% %6s %11s\n",
                   r.name.c_str(), r.rate, r.baseline_rate, r.ratio(), r.p50_us, r.p99_us, r.p999_us, r.max_us,
                   idle, r.appends_per_s, static_cast<unsigned long long>(r.fold_lag_end), 100 * r.allow_share,
                   TargetText(r).c_str(), r.pass() ? "pass" : "MISS");
    }
    std::fprintf(out,
                 "(ratio: decisions/s under writes / idle; lag end: events appended but not yet folded when the "
                 "phase ended;\n allow: share of decisions allowing capture - denials (LC-PROP-1 once an "
                 "agent's share is used up) build detail strings)\n");
    for (const Row& r : rows) {
      if (!r.decisions) continue;
      std::fprintf(out, "  %s: reader threads' own CPU %.2f us/decision (idle: %.2f); process CPU %.2f us/decision "
                   "(all threads, incl. writer and fold); mean latency %.2f us; live fold caught up %.0f ms "
                   "after the phase\n",
                   r.name.c_str(), r.reader_cpu_us, r.baseline_reader_cpu_us,
                   r.cpu_seconds * 1e6 / static_cast<double>(std::max<uint64_t>(r.count, 1)), r.mean_us,
                   r.catchup_ms);
    }
    std::fprintf(out, "\n");
  }
  bool any_replay = false;
  for (const Row& r : rows) any_replay |= !r.decisions;
  if (any_replay) {
    std::fprintf(out, "%-15s %10s %11s %11s %7s %8s %6s  %14s %7s  %s\n", "name", "events", "events/s",
                 "baseline/s", "ratio", "target", "result", "cpu us/ev s/b", "cpu rat", "baseline");
    for (const Row& r : rows) {
      if (r.decisions) continue;
      const double cpu_s = r.count ? r.cpu_seconds * 1e6 / static_cast<double>(r.count) : 0;
      const double cpu_b = r.baseline_count ? r.baseline_cpu_seconds * 1e6 / static_cast<double>(r.baseline_count) : 0;
      char cpu[32];
      std::snprintf(cpu, sizeof cpu, "%.2f/%.2f", cpu_s, cpu_b);
      std::fprintf(out, "%-15s %10llu %11.0f %11.0f %7.3f %8s %6s  %14s %7.3f  %s\n", r.name.c_str(),
                   static_cast<unsigned long long>(r.count), r.rate, r.baseline_rate, r.ratio(),
                   TargetText(r).c_str(), r.has_target() ? (r.pass() ? "pass" : "MISS") : "-", cpu,
                   cpu_s > 0 ? cpu_b / cpu_s : 0, r.baseline.c_str());
    }
    std::fprintf(out,
                 "(cpu us/ev: process CPU time, all threads, per event, replay/baseline; cpu rat: the ratio in "
                 "CPU time, robust to other load)\n\n");
  }
}

void PrintJson(const std::vector<Row>& rows) {
  std::printf("[\n");
  for (size_t i = 0; i < rows.size(); ++i) {
    const Row& r = rows[i];
    if (r.decisions) {
      std::printf("  {\"name\": \"%s\", \"decisions_per_s\": %.1f, \"baseline\": %.1f, \"baseline_name\": \"%s\", "
                  "\"baseline_decisions_per_s\": %.1f, \"ratio\": %.4f, \"p50_us\": %.3f, \"p99_us\": %.3f, "
                  "\"p999_us\": %.3f, \"max_us\": %.1f, \"baseline_p50_us\": %.3f, \"baseline_p99_us\": %.3f, "
                  "\"reader_cpu_us\": %.3f, \"baseline_reader_cpu_us\": %.3f, \"readers\": %zu, \"appends_per_s\": %.1f, \"fold_lag_end\": %llu, \"allow_share\": %.4f, "
                  "\"target_p99_us\": %.1f, \"pass\": %s}",
                  r.name.c_str(), r.rate, r.baseline_rate, r.baseline.c_str(), r.baseline_rate, r.ratio(), r.p50_us,
                  r.p99_us,
                  r.p999_us, r.max_us, r.baseline_p50_us, r.baseline_p99_us, r.reader_cpu_us, r.baseline_reader_cpu_us,
                  r.readers, r.appends_per_s,
                  static_cast<unsigned long long>(r.fold_lag_end), r.allow_share, r.target_p99_us,
                  r.pass() ? "true" : "false");
    } else {
      std::printf("  {\"name\": \"%s\", \"events_per_s\": %.1f, \"baseline\": %.1f, \"baseline_name\": \"%s\", "
                  "\"baseline_events_per_s\": %.1f, \"ratio\": %.4f",
                  r.name.c_str(), r.rate, r.baseline_rate, r.baseline.c_str(), r.baseline_rate, r.ratio());
      if (r.target_ratio > 0) {
        std::printf(", \"target_ratio\": %.2f, \"pass\": %s", r.target_ratio, r.pass() ? "true" : "false");
      }
      std::printf("}");
    }
    std::printf("%s\n", i + 1 < rows.size() ? "," : "");
  }
  std::printf("]\n");
}

int Run(const Config& cfg) {
  TempDir tmp("bench_compliance");
  const std::string fs_type = FsTypeName(tmp.path());
  const double load_start = LoadAverage();
  Progress("bench_compliance: temp dir %s (%s), %d cores, load average %.2f\n", tmp.path().c_str(),
           fs_type.c_str(), Nproc(), load_start);

  std::vector<Row> rows;
  Info info;
  info.timer_ns = TimerOverheadNs();
  if (cfg.Wants("gate")) {
    for (Row& r : MeasureGate(cfg, tmp, &info)) rows.push_back(std::move(r));
  }
  if (cfg.Wants("replay")) {
    for (Row& r : MeasureReplay(cfg, tmp, &info)) rows.push_back(std::move(r));
  }

  const std::string base = fs::path(tmp.path()).parent_path().string();
  PrintTable(cfg.json ? stderr : stdout, cfg, rows, info, base, fs_type, load_start);
  if (cfg.json) PrintJson(rows);
  std::fflush(stdout);

  bool missed = false;
  for (const Row& r : rows) missed |= !r.pass();
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
    std::fprintf(stderr, "\nbench_compliance: error: %s\n", e.what());
    return g_interrupted.load() ? 130 : 1;
  }
}
