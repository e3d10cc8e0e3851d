// SPDX-License-Identifier: Apache-2.0
// consent::SimulateDay: reproducible, recorded only through the Ledger, honest about what it did.

#include "consent/simulator.h"

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "consent/compliance.h"
#include "consent/event_store.h"
#include "consent/ledger.h"
#include "test_util.h"

namespace consent {
namespace {

using testing::TempDir;

// A store whose record times come from a counter, so that two stores written the same way hold
// the same bytes (record_time is part of every event and of the hash chain).
std::unique_ptr<EventStore> OpenCountingStore(const std::string& path) {
  StoreOptions options;
  auto ticks = std::make_shared<std::atomic<int64_t>>(0);
  options.clock = [ticks] {
    return TimePoint(std::chrono::seconds(1800000000)) + std::chrono::microseconds(++*ticks);
  };
  options.sync = false;
  return testing::OpenStore(path, options);
}

std::vector<Event> ReadAllEvents(const EventStore& store) {
  auto events = store.ReadAll();
  REQUIRE_MESSAGE(events.ok(), events.status().ToString());
  return std::move(events).value();
}

SimulationSummary Simulate(EventStore* store, SimulationOptions options) {
  auto summary = SimulateDay(store, options);
  REQUIRE_MESSAGE(summary.ok(), summary.status().ToString());
  return *summary;
}

SimulationOptions Small(uint32_t calls = 300) {
  SimulationOptions o;
  o.calls = calls;
  return o;
}

TEST_CASE("SimulateDay with the same seed writes byte-identical logs into fresh stores") {
  TempDir dir;
  auto a = OpenCountingStore(dir.sub("a"));
  auto b = OpenCountingStore(dir.sub("b"));
  SimulationSummary sa = Simulate(a.get(), Small(400));
  SimulationSummary sb = Simulate(b.get(), Small(400));
  CHECK(sa.events == sb.events);
  CHECK(sa.recordings == sb.recordings);

  const std::vector<Event> ea = ReadAllEvents(*a);
  const std::vector<Event> eb = ReadAllEvents(*b);
  REQUIRE(ea.size() == eb.size());
  REQUIRE(ea.size() == sa.events);
  for (size_t i = 0; i < ea.size(); ++i) {
    INFO("position " << i + 1);
    REQUIRE(ea[i].SerializeAsString() == eb[i].SerializeAsString());
  }
  auto stats_a = a->Stats();
  auto stats_b = b->Stats();
  REQUIRE(stats_a.ok());
  REQUIRE(stats_b.ok());
  CHECK(stats_a->head_hash_hex == stats_b->head_hash_hex);
}

TEST_CASE("SimulateDay with another seed plays another day") {
  TempDir dir;
  auto a = OpenCountingStore(dir.sub("a"));
  auto b = OpenCountingStore(dir.sub("b"));
  Simulate(a.get(), Small(200));
  SimulationOptions other = Small(200);
  other.seed = 7;
  Simulate(b.get(), other);
  auto stats_a = a->Stats();
  auto stats_b = b->Stats();
  REQUIRE(stats_a.ok());
  REQUIRE(stats_b.ok());
  CHECK(stats_a->head_hash_hex != stats_b->head_hash_hex);
}

TEST_CASE("SimulateDay records every fact through the Ledger, in the stream the Ledger names") {
  TempDir dir;
  auto store = OpenCountingStore(dir.sub("s"));
  Simulate(store.get(), Small(300));
  std::set<std::string> ids;
  for (const Event& e : ReadAllEvents(*store)) {
    auto stream = StreamForFact(e);
    REQUIRE_MESSAGE(stream.ok(), stream.status().ToString());
    CHECK(*stream == e.stream_id());
    CHECK(e.event_id().size() == kEventIdSize);
    CHECK((static_cast<unsigned char>(e.event_id()[6]) >> 4) == 7);  // UUIDv7-looking
    CHECK(ids.insert(e.event_id()).second);
  }
}

TEST_CASE("SimulateDay's summary matches the events it appended") {
  TempDir dir;
  auto store = OpenCountingStore(dir.sub("s"));
  SimulationSummary s = Simulate(store.get(), Small(1500));

  std::map<std::string, uint64_t> by_type;
  std::set<std::string> recorded_calls;
  uint64_t without_gate = 0, sampled = 0;
  for (const Event& e : ReadAllEvents(*store)) {
    ++by_type[std::string(PayloadTypeName(e))];
    if (e.has_recording_started()) {
      recorded_calls.insert(e.recording_started().call_id());
      if (e.recording_started().gate_position() == 0) ++without_gate;
      if (e.recording_started().trigger() == v1::RECORDING_TRIGGER_SAMPLED) {
        ++sampled;
        // The sampler records only after the gate allowed it, and says at which position.
        CHECK(e.recording_started().gate_position() > 0);
        CHECK(e.recording_started().gate_position() < e.position());
      }
    }
    if (e.has_live_listen_started()) recorded_calls.insert(e.live_listen_started().call_id());
  }
  CHECK(s.events == store->HeadPosition());
  CHECK(s.first_position == 1);
  CHECK(s.last_position == store->HeadPosition());
  CHECK(s.calls == 1500);
  CHECK(by_type["CallStarted"] == s.calls);
  CHECK(by_type["CallEnded"] == s.calls);
  CHECK(by_type["RecordingStarted"] == s.recordings);
  CHECK(by_type["PrivateCallFlagged"] == s.private_calls);
  CHECK(by_type["CallTransferred"] == s.transfers);
  CHECK(by_type["LiveListenStarted"] == s.live_listens);
  CHECK(by_type["RecordingAccessed"] == s.accesses);
  CHECK(by_type["AccessRefused"] == s.refused_accesses);
  CHECK(by_type["ObjectionRaised"] >= s.objections_caller + s.objections_agent);
  CHECK(recorded_calls.size() == s.recorded_calls);
  CHECK(without_gate == s.recordings_without_gate);
  CHECK(sampled == s.gate_allowed);
  CHECK(by_type["ProcessingRegistered"] == 1);

  // The day has both lawful and unlawful behaviour to show.
  CHECK(s.gate_asked > s.gate_allowed);
  CHECK(s.gate_allowed > 0);
  CHECK(s.recordings_without_gate > 0);
  CHECK(s.refused_accesses > 0);
  CHECK(s.objections_caller > 0);
  CHECK(s.objections_agent > 0);
  CHECK(by_type["RecordingStored"] >= s.recordings);
  CHECK(by_type["SensitiveSegmentStarted"] > 0);
  CHECK(by_type["ObjectionWithdrawn"] > 0);
  CHECK(by_type["ObjectionDecided"] > 0);
  CHECK(by_type["CapabilityProbed"] > 0);

  // Calls arrive over the working day that starts at the default first day.
  CHECK(s.day_start == SimulatedFirstDay());
  ReadAllOptions only_calls;
  only_calls.filter.types = {"CallStarted"};
  auto first_call = store->ReadAll(only_calls);
  REQUIRE(first_call.ok());
  for (const Event& e : *first_call) {
    const TimePoint t = FromTimestamp(e.occur_time());
    CHECK(t >= s.day_start);
    CHECK(t < s.day_start + std::chrono::hours(16));
  }
}

// Independent counts of the evaluation and retention facts of a log.
struct RetentionCounts {
  std::map<std::string, uint64_t> by_type;
  uint64_t self_evaluations = 0, long_free_text = 0, method_v2 = 0, without_receipt = 0, late = 0,
           decisions_on_self_only = 0;
};

RetentionCounts CountRetention(const std::vector<Event>& events) {
  RetentionCounts n;
  std::map<std::string, bool> self_docs;      // document_id -> self-evaluation
  std::map<std::string, TimePoint> triggers;  // objection id or call id -> when
  for (const Event& e : events) {
    ++n.by_type[std::string(PayloadTypeName(e))];
    const TimePoint t = FromTimestamp(e.occur_time());
    if (e.has_objection_raised()) triggers[e.objection_raised().objection_id()] = t;
    if (e.has_private_call_flagged()) triggers[e.private_call_flagged().call_id()] = t;
    if (e.has_analysis_document_created()) {
      const auto& c = e.analysis_document_created().content();
      const bool self = c.kind() == v1::ANALYSIS_DOCUMENT_KIND_SELF_EVALUATION;
      self_docs[e.analysis_document_created().document_id()] = self;
      if (self) ++n.self_evaluations;
      if (c.free_text().size() > 500) ++n.long_free_text;
      if (c.evaluation_method_version() == 2) ++n.method_v2;
    }
    if (e.has_decision_recorded()) {
      const auto& d = e.decision_recorded();
      if (d.other_input_refs().empty() && d.document_ids_size() == 1 &&
          self_docs[d.document_ids(0)]) {
        ++n.decisions_on_self_only;
      }
    }
    if (e.has_recording_purged()) {
      const auto& p = e.recording_purged();
      if (p.content_hash().empty() || p.storage_receipt().empty()) ++n.without_receipt;
      auto it = triggers.find(p.cause_ref());
      REQUIRE(it != triggers.end());
      if (t - it->second > std::chrono::hours(24)) ++n.late;
    }
  }
  return n;
}

TEST_CASE("SimulateDay records evaluations, surveys, purges, a hold and subject requests") {
  TempDir dir;
  auto store = OpenCountingStore(dir.sub("s"));
  const SimulationSummary s = Simulate(store.get(), Small(1500));
  RetentionCounts n = CountRetention(ReadAllEvents(*store));

  CHECK(n.by_type["EvaluationMethodPublished"] == 2);
  CHECK(n.by_type["AnalysisDocumentCreated"] == s.documents);
  CHECK(n.self_evaluations == s.self_evaluations);
  CHECK(n.by_type["DecisionRecorded"] == s.decisions);
  CHECK(n.by_type["SurveyAnswered"] == s.survey_answers);
  CHECK(n.by_type["CauseAttributed"] == s.cause_attributions);
  CHECK(n.by_type["DerivedArtefactCreated"] == s.artefacts);
  CHECK(n.by_type["RecordingPurged"] == s.purges);
  CHECK(n.without_receipt == s.purges_without_receipt);
  CHECK(n.late == s.purges_late);
  CHECK(n.by_type["LegalHoldPlaced"] == s.legal_holds);
  CHECK(n.by_type["SubjectRequestReceived"] == s.subject_requests);

  // The day holds each case the rules judge.
  CHECK(s.documents > s.self_evaluations);
  CHECK(s.self_evaluations > 0);
  CHECK(n.long_free_text > 0);
  CHECK(n.method_v2 > 0);
  CHECK(s.decisions > 1);
  CHECK(n.decisions_on_self_only == 1);
  CHECK(s.survey_answers > s.cause_attributions);
  CHECK(s.cause_attributions > 0);
  CHECK(s.artefacts > 0);
  CHECK(s.purges > s.purges_late);
  CHECK(s.purges_late > 0);
  CHECK(s.purges_without_receipt >= 1);  // the first purge's copies (one or two)
  CHECK(s.purges_without_receipt <= 2);
  CHECK(s.legal_holds == 1);
  CHECK(s.subject_requests == 3);
  CHECK(n.by_type["SubjectRequestExtended"] == 1);
  CHECK(n.by_type["SubjectRequestFulfilled"] == 2);
  CHECK(n.by_type["LegalHoldPlaced"] == 1);
}

TEST_CASE("SimulateDay leaves evaluations, surveys and retention out when told to") {
  TempDir dir;
  auto store = OpenCountingStore(dir.sub("s"));
  SimulationOptions o = Small(300);
  o.evaluations = false;
  o.surveys = false;
  o.retention = false;
  const SimulationSummary s = Simulate(store.get(), o);
  RetentionCounts n = CountRetention(ReadAllEvents(*store));
  CHECK(n.by_type["EvaluationMethodPublished"] == 1);
  for (const char* type :
       {"AnalysisDocumentCreated", "DecisionRecorded", "SurveyAnswered", "CauseAttributed",
        "DerivedArtefactCreated", "RecordingPurged", "LegalHoldPlaced", "SubjectRequestReceived"}) {
    CAPTURE(type);
    CHECK(n.by_type[type] == 0);
  }
  CHECK(s.documents + s.survey_answers + s.purges + s.artefacts + s.subject_requests == 0);

  // The calls play the same with or without them.
  TempDir dir2;
  auto full = OpenCountingStore(dir2.sub("s"));
  const SimulationSummary f = Simulate(full.get(), Small(300));
  CHECK(f.calls == s.calls);
  CHECK(f.recordings == s.recordings);
  CHECK(f.gate_allowed == s.gate_allowed);
  CHECK(f.objections_caller == s.objections_caller);
  CHECK(f.accesses == s.accesses);
  CHECK(f.refused_accesses == s.refused_accesses);
}

TEST_CASE("SimulateDay on a store that holds events plays the next day and skips the setup") {
  TempDir dir;
  auto store = OpenCountingStore(dir.sub("s"));
  SimulationSummary day1 = Simulate(store.get(), Small(200));
  CHECK_FALSE(day1.continued);
  SimulationSummary day2 = Simulate(store.get(), Small(200));
  CHECK(day2.continued);
  CHECK(day2.day_start == day1.day_start + std::chrono::hours(24));
  CHECK(day2.first_position == day1.last_position + 1);

  uint64_t registrations = 0, provisions = 0, calls = 0;
  std::set<std::string> call_ids;
  for (const Event& e : ReadAllEvents(*store)) {
    if (e.has_processing_registered()) ++registrations;
    if (e.has_agent_provisioned()) ++provisions;
    if (e.has_call_started()) {
      ++calls;
      call_ids.insert(e.call_started().call_id());
    }
  }
  CHECK(registrations == 1);
  CHECK(provisions == 40);  // the same agents work both days
  CHECK(calls == 400);
  CHECK(call_ids.size() == 400);
}

TEST_CASE("SimulateDay plays ten seeds of 2000 calls through the Ledger without a refused fact") {
  // Every fact goes through the Ledger, which refuses impossible ones (an acknowledgement
  // before its command): a day that completes wrote only facts the Ledger accepts.
  for (uint64_t seed = 1; seed <= 10; ++seed) {
    CAPTURE(seed);
    TempDir dir;
    auto store = OpenCountingStore(dir.sub("s"));
    SimulationOptions o = Small(2000);
    o.seed = seed;
    o.evaluations = false;
    o.surveys = false;
    const SimulationSummary s = Simulate(store.get(), o);
    CHECK(s.calls == 2000);
    CHECK(store->HeadPosition() == s.last_position);
  }
}

TEST_CASE("SimulateDay refuses options out of range and appends nothing") {
  TempDir dir;
  auto store = OpenCountingStore(dir.sub("s"));
  SimulationOptions o = Small();
  o.agents = 3;
  auto r = SimulateDay(store.get(), o);
  CHECK(r.status().code() == StatusCode::kInvalidArgument);
  o = Small();
  o.calls = 0;
  r = SimulateDay(store.get(), o);
  CHECK(r.status().code() == StatusCode::kInvalidArgument);
  CHECK(SimulateDay(nullptr, Small()).status().code() == StatusCode::kInvalidArgument);
  CHECK(store->HeadPosition() == 0);
}

TEST_CASE("SimulateDay reports progress in calls and events") {
  TempDir dir;
  auto store = OpenCountingStore(dir.sub("s"));
  SimulationOptions o = Small(250);
  o.progress_every = 100;
  std::vector<std::pair<uint64_t, uint64_t>> seen;
  o.progress = [&](uint64_t events, uint64_t calls) { seen.emplace_back(events, calls); };
  SimulationSummary s = Simulate(store.get(), o);
  REQUIRE(seen.size() == 3);  // 100, 200, and the end
  CHECK(seen[0].second == 100);
  CHECK(seen[1].second == 200);
  CHECK(seen[2] == std::make_pair(s.events, uint64_t{250}));
  CHECK(seen[0].first < seen[1].first);
}

}  // namespace
}  // namespace consent
