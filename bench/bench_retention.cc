// SPDX-License-Identifier: Apache-2.0
// bench_retention: the purge plan (consent::RetentionSchedule) over many recordings, beside a
// same-run baseline.
//
//   bench_retention [--recordings N] [--repeat K] [--json]      (--help)
//
// Set-up (in a temporary directory under $TMPDIR or /tmp, removed at exit): one registration and
// N calls, each with CallStarted, RecordingStarted and RecordingStored (one copy), started over
// 180 days so the plan holds a mix of overdue, due and scheduled purges; every 50th call has an
// objection (24 h purge) and every 7th copy is already purged with a receipt. Appended with
// AppendMulti in batches of 1000 calls, then folded into a Compliance (persist=false).
//
// Measurements (best of --repeat):
//   plan           RetentionSchedule::Plan(at, include_scheduled + include_done): every copy's
//                  obligations (retention, objection), holds, states; items sorted.
//   verdicts       RetentionSchedule::ForEach(at, kRecording): LC-RET-1 and LC-RET-4 per recording.
//   baseline       EventStore::ScanAll over the RecordingStored events (type filter), each decoded:
//                  reading the facts the plan is about once from the log.
// Rates are recordings per second; ratio = rate / baseline rate.
//
// Exit status: 0, 1 on error.

#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "bench_util.h"
#include "consent/compliance.h"
#include "consent/event_id.h"
#include "consent/event_store.h"
#include "consent/retention.h"

namespace consent::bench {
namespace {

struct Config {
  size_t recordings = 1000000;
  int repeat = 3;
  bool json = false;
};

const TimePoint kStart = TimePoint(std::chrono::seconds(1772442000));  // 2026-03-02T09:00:00Z

Event Fact(TimePoint at) {
  Event e;
  e.set_event_id(NewEventId());
  *e.mutable_occur_time() = ToTimestamp(at);
  return e;
}

void Populate(EventStore* store, size_t n) {
  {
    Event e = Fact(kStart - std::chrono::hours(24 * 30));
    auto* p = e.mutable_processing_registered();
    p->set_registration_id("r1");
    p->set_registration_version(1);
    p->mutable_details()->set_controller("Bench SAS");
    p->mutable_details()->set_recording_retention_months(6);
    auto r = store->Append("registration-r1", kNoStream, {e});
    if (!r.ok()) throw BenchError(r.status().ToString());
  }
  const size_t batch = 1000;
  for (size_t base = 0; base < n; base += batch) {
    CheckInterrupted();
    std::vector<StreamAppend> appends;
    for (size_t i = base; i < std::min(n, base + batch); ++i) {
      const std::string id = "c" + std::to_string(i);
      const TimePoint t0 = kStart + std::chrono::seconds(static_cast<int64_t>(i * 180 * 86400 / n));
      StreamAppend a;
      a.stream = "call-" + id;
      a.expected_revision = kNoStream;
      Event start = Fact(t0);
      auto* cs = start.mutable_call_started();
      cs->set_call_id(id);
      cs->set_queue_id("q1");
      cs->set_agent_ref("a" + std::to_string(i % 500));
      cs->set_registration_id("r1");
      auto* caller = cs->add_participants();
      caller->set_subject_ref("caller-" + std::to_string(i % 200000));
      caller->set_party(v1::PARTY_CALLER);
      a.events.push_back(std::move(start));
      Event rec = Fact(t0 + std::chrono::seconds(5));
      rec.mutable_recording_started()->set_call_id(id);
      rec.mutable_recording_started()->set_recording_id("r" + std::to_string(i));
      rec.mutable_recording_started()->add_tracks(v1::TRACK_CALLER);
      a.events.push_back(std::move(rec));
      if (i % 50 == 0) {
        Event o = Fact(t0 + std::chrono::seconds(20));
        o.mutable_objection_raised()->set_call_id(id);
        o.mutable_objection_raised()->set_objection_id("o" + std::to_string(i));
        o.mutable_objection_raised()->set_party(v1::PARTY_CALLER);
        a.events.push_back(std::move(o));
      }
      Event stored = Fact(t0 + std::chrono::seconds(300));
      auto* s = stored.mutable_recording_stored();
      s->set_call_id(id);
      s->set_recording_id("r" + std::to_string(i));
      s->set_copy_id("k1");
      s->set_content_hash(std::string(32, static_cast<char>(i & 0x7f)));
      s->set_storage_ref("s3://bench/r" + std::to_string(i));
      a.events.push_back(std::move(stored));
      if (i % 7 == 0) {
        Event purged = Fact(t0 + std::chrono::hours(1));
        auto* p = purged.mutable_recording_purged();
        p->set_call_id(id);
        p->set_recording_id("r" + std::to_string(i));
        p->set_copy_id("k1");
        p->set_content_hash(std::string(32, static_cast<char>(i & 0x7f)));
        p->set_storage_receipt("receipt");
        p->set_reason(v1::PURGE_REASON_MANUAL);
        a.events.push_back(std::move(purged));
      }
      appends.push_back(std::move(a));
    }
    AppendOptions ao;
    ao.sync = false;
    auto r = store->AppendMulti(std::move(appends), ao);
    if (!r.ok()) throw BenchError(r.status().ToString());
  }
}

struct Row {
  std::string name;
  double seconds;
  double rate;
  double ratio;
  std::string note;
};

int Run(const Config& cfg) {
  TempDir dir("bench_retention");
  auto store = EventStore::Open({}, dir.Sub("store"));
  if (!store.ok()) throw BenchError(store.status().ToString());
  Stopwatch load;
  Populate(store->get(), cfg.recordings);
  const double load_s = load.Elapsed().wall;
  ComplianceOptions copt;
  copt.persist = false;
  const TimePoint at = AddCalendarMonths(kStart, 6) + std::chrono::hours(24 * 45);
  copt.clock = [at] { return at; };
  auto compliance = Compliance::Open(store->get(), copt);
  if (!compliance.ok()) throw BenchError(compliance.status().ToString());
  Stopwatch fold;
  auto folded = (*compliance)->CatchUp();
  if (!folded.ok()) throw BenchError(folded.status().ToString());
  const double fold_s = fold.Elapsed().wall;

  const double n = static_cast<double>(cfg.recordings);
  double plan_best = 1e30, verdict_best = 1e30, scan_best = 1e30;
  RetentionPlan plan;
  for (int k = 0; k < cfg.repeat; ++k) {
    CheckInterrupted();
    {
      Stopwatch sw;
      uint64_t seen = 0;
      ReadAllOptions ro;
      ro.filter.types = {"RecordingStored"};
      auto s = (*store)->ScanAll(ro, [&](const Event& e) {
        seen += e.recording_stored().copy_id().size() > 0;
        return true;
      });
      if (!s.ok()) throw BenchError(s.ToString());
      scan_best = std::min(scan_best, sw.Elapsed().wall);
      if (seen != cfg.recordings) throw BenchError("baseline saw " + std::to_string(seen) + " copies");
    }
    {
      PlanOptions po;
      po.include_scheduled = true;
      po.include_done = true;
      Stopwatch sw;
      plan = (*compliance)->retention().Plan(at, po);
      plan_best = std::min(plan_best, sw.Elapsed().wall);
    }
    {
      Stopwatch sw;
      uint64_t violated = 0;
      (*compliance)->retention().ForEach(at, RecordKind::kRecording, [&](const RecordVerdicts& v) {
        violated += v.rules.front().verdict == Verdict::kViolated;
        return true;
      });
      verdict_best = std::min(verdict_best, sw.Elapsed().wall);
    }
  }
  const double base_rate = n / scan_best;
  std::vector<Row> rows = {
      {"baseline_scan_stored", scan_best, base_rate, 1.0, "ScanAll(RecordingStored) + decode"},
      {"plan", plan_best, n / plan_best, (n / plan_best) / base_rate,
       std::to_string(plan.overdue) + " overdue, " + std::to_string(plan.due) + " due, " +
           std::to_string(plan.scheduled) + " scheduled, " + std::to_string(plan.done) + " done"},
      {"verdicts_recordings", verdict_best, n / verdict_best, (n / verdict_best) / base_rate, "LC-RET-1, LC-RET-4"},
  };
  std::fprintf(stderr,
               "bench_retention: %zu recordings (%zu events appended in %.1f s, folded in %.1f s), %d cores, "
               "build %s\n",
               cfg.recordings, static_cast<size_t>((*store)->HeadPosition()), load_s, fold_s, Nproc(),
               CONSENT_BENCH_BUILD_TYPE);
  std::fprintf(stderr, "%-22s %10s %16s %8s  %s\n", "measure", "seconds", "recordings/s", "ratio", "note");
  for (const Row& r : rows) {
    std::fprintf(stderr, "%-22s %10.3f %16.0f %8.2f  %s\n", r.name.c_str(), r.seconds, r.rate, r.ratio,
                 r.note.c_str());
  }
  if (cfg.json) {
    std::printf("[");
    for (size_t i = 0; i < rows.size(); ++i) {
      std::printf("%s{\"name\": \"%s\", \"seconds\": %.6f, \"recordings_per_s\": %.1f, \"ratio\": %.4f}",
                  i ? ", " : "", rows[i].name.c_str(), rows[i].seconds, rows[i].rate, rows[i].ratio);
    }
    std::printf("]\n");
  }
  return 0;
}

}  // namespace
}  // namespace consent::bench

int main(int argc, char** argv) {
  using namespace consent::bench;
  Config cfg;
  try {
    for (int i = 1; i < argc; ++i) {
      if (std::strcmp(argv[i], "--recordings") == 0 && i + 1 < argc) {
        cfg.recordings = ParseSize(argv[++i], "--recordings");
      } else if (std::strcmp(argv[i], "--repeat") == 0 && i + 1 < argc) {
        cfg.repeat = static_cast<int>(ParseSize(argv[++i], "--repeat"));
      } else if (std::strcmp(argv[i], "--json") == 0) {
        cfg.json = true;
      } else {
        std::fprintf(stderr, "usage: bench_retention [--recordings N] [--repeat K] [--json]\n");
        return std::strcmp(argv[i], "--help") == 0 ? 0 : 1;
      }
    }
    return Run(cfg);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_retention: %s\n", e.what());
    return 1;
  }
}
