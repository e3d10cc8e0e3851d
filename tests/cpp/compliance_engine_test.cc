// SPDX-License-Identifier: Apache-2.0
// The compliance engine as a projection: gate basics, latency, persistence, rebuild.
#include <doctest/doctest.h>

#include <thread>

#include "compliance_fixture.h"

using namespace consent;
using namespace consent::testing;

TEST_CASE("The gate allows a compliant call once the tier-1 notice is completed") {
  ComplianceWorld w;
  w.Baseline();
  w.CompliantCallStart();
  auto c = w.Engine(T0() + seconds(11));
  const GateDecision d = c->gate().Decide("c1");
  CHECK_MESSAGE(d.allow, Failing(d));
  CHECK(d.position == w.store().HeadPosition());
  CHECK_FALSE(d.must_stop);
}

TEST_CASE("The gate denies an unknown call and every failing rule of a call with nothing in place") {
  ComplianceWorld w;
  w.StartCall("c1", "nobody", T0());
  auto c = w.Engine(T0() + seconds(1));
  GateDecision unknown = c->gate().Decide("no-such-call");
  CHECK_FALSE(unknown.allow);
  CHECK(Denies(unknown, "LC-REG-1"));
  GateDecision d = c->gate().Decide("c1");
  CHECK_FALSE(d.allow);
  for (const char* rule : {"LC-REG-1", "LC-AGT-1", "LC-NOT-1", "LC-OBJ-5", "LC-PROP-1"}) {
    CHECK_MESSAGE(Denies(d, rule), rule << " missing from: " << Failing(d));
  }
}

TEST_CASE("A caller objection honoured within the budget is ok and reports its latency") {
  ComplianceWorld w;
  w.Baseline();
  w.CompliantCallStart();
  w.StartRecording("c1", "rec1", T0() + seconds(11));
  w.Object("c1", "o1", v1::PARTY_CALLER, T0() + seconds(60));
  w.Pause("c1", "rec1", T0() + seconds(60) + milliseconds(300), milliseconds(1700));  // ack at exactly 2.000 s
  w.EndCall("c1", T0() + seconds(120));
  auto c = w.Engine(T0() + seconds(200));
  auto v = c->calls().Evaluate("c1");
  REQUIRE(v.ok());
  CHECK(RuleOf(*v, "LC-OBJ-1").verdict == Verdict::kOk);
  REQUIRE(v->objections.size() == 1);
  REQUIRE(v->objections[0].pause_latency_ms.has_value());
  CHECK(*v->objections[0].pause_latency_ms == doctest::Approx(2000.0));
  CHECK(v->objections[0].honoured);
}

TEST_CASE("A caller objection acknowledged 1 ms after the budget violates LC-OBJ-1 with its evidence") {
  ComplianceWorld w;
  w.Baseline();
  w.CompliantCallStart();
  w.StartRecording("c1", "rec1", T0() + seconds(11));
  const uint64_t raised = w.Object("c1", "o1", v1::PARTY_CALLER, T0() + seconds(60));
  const uint64_t pause = w.Pause("c1", "rec1", T0() + seconds(60) + milliseconds(300), milliseconds(1701));
  w.EndCall("c1", T0() + seconds(120));
  auto c = w.Engine(T0() + seconds(200));
  auto v = c->calls().Evaluate("c1");
  REQUIRE(v.ok());
  const RuleVerdict& r = RuleOf(*v, "LC-OBJ-1");
  CHECK(r.verdict == Verdict::kViolated);
  CHECK(Contains(r.evidence, raised));
  CHECK(Contains(r.evidence, pause));
}

TEST_CASE("An objection while capturing makes the gate order a stop, and a listener hears it") {
  ComplianceWorld w;
  w.Baseline();
  w.CompliantCallStart();
  w.StartRecording("c1", "rec1", T0() + seconds(11));
  ComplianceOptions o;
  o.clock = [] { return T0() + seconds(61); };
  o.persist = false;
  auto c = Compliance::Open(&w.store(), o);
  REQUIRE(c.ok());
  std::vector<StopOrder> orders;
  (*c)->gate().OnMustStop([&](const StopOrder& s) { orders.push_back(s); });
  REQUIRE((*c)->CatchUp().ok());
  CHECK((*c)->gate().Decide("c1").allow);
  const uint64_t raised = w.Object("c1", "o1", v1::PARTY_CALLER, T0() + seconds(60));
  REQUIRE((*c)->CatchUp().ok());
  GateDecision d = (*c)->gate().Decide("c1");
  CHECK_FALSE(d.allow);
  CHECK(d.must_stop);
  CHECK(Denies(d, "LC-OBJ-1"));
  REQUIRE(orders.size() == 1);
  CHECK(orders[0].rule_id == "LC-OBJ-1");
  CHECK(orders[0].position == raised);
  CHECK(orders[0].recording_ids == std::vector<std::string>{"rec1"});
}

TEST_CASE("Rebuilding from position 1 gives the same state as folding live") {
  ComplianceWorld w;
  w.Baseline();
  ComplianceOptions o;
  o.clock = [] { return T0() + hours(1); };
  auto live = Compliance::Open(&w.store(), o);
  REQUIRE(live.ok());
  REQUIRE((*live)->StartLive().ok());
  w.CompliantCallStart();
  w.StartRecording("c1", "rec1", T0() + seconds(11));
  w.Object("c1", "o1", v1::PARTY_CALLER, T0() + seconds(60));
  w.Pause("c1", "rec1", T0() + seconds(60), milliseconds(500));
  w.Store("c1", "rec1", "primary", T0() + seconds(130));
  w.EndCall("c1", T0() + seconds(120));
  REQUIRE((*live)->WaitFor(w.store().HeadPosition(), std::chrono::seconds(10)));
  const auto live_state = (*live)->DumpState();
  (*live)->StopLive();

  auto rebuilt = w.Engine(T0() + hours(1));
  REQUIRE(rebuilt->Rebuild().ok());
  CHECK(rebuilt->DumpState() == live_state);
  CHECK(rebuilt->position() == w.store().HeadPosition());
}

TEST_CASE("The engine resumes from its persisted checkpoint after a restart") {
  ComplianceWorld w;
  w.Baseline();
  w.CompliantCallStart();
  std::vector<std::pair<std::string, std::string>> first_state;
  uint64_t checkpoint = 0;
  {
    auto c = w.Engine(T0() + hours(1), /*persist=*/true);
    first_state = c->DumpState();
    checkpoint = c->position();
  }
  CHECK(*w.store().ProjectionCheckpoint("compliance") == checkpoint);
  w.StartRecording("c1", "rec1", T0() + seconds(11));
  ComplianceOptions o;
  o.clock = [] { return T0() + hours(1); };
  auto reopened = Compliance::Open(&w.store(), o);
  REQUIRE(reopened.ok());
  CHECK((*reopened)->position() == checkpoint);
  CHECK((*reopened)->DumpState() == first_state);
  auto folded = (*reopened)->CatchUp();
  REQUIRE(folded.ok());
  CHECK(*folded == 1);  // only the new event
  // And the result equals a fresh fold.
  auto fresh = w.Engine(T0() + hours(1));
  CHECK((*reopened)->DumpState() == fresh->DumpState());
}

TEST_CASE("Verdicts can be recomputed as of a past position (LC-AUD-1)") {
  ComplianceWorld w;
  w.Baseline();
  w.CompliantCallStart();
  w.StartRecording("c1", "rec1", T0() + seconds(11));
  const uint64_t before_objection = w.store().HeadPosition();
  w.Object("c1", "o1", v1::PARTY_CALLER, T0() + seconds(60));
  ComplianceOptions o;
  o.clock = [] { return T0() + seconds(59); };
  o.persist = false;
  o.to_position = before_objection;
  auto past = Compliance::Open(&w.store(), o);
  REQUIRE(past.ok());
  REQUIRE((*past)->CatchUp().ok());
  CHECK((*past)->position() == before_objection);
  CHECK((*past)->gate().Decide("c1").allow);
}

TEST_CASE("Gate decisions from many threads while events are folded stay consistent") {
  ComplianceWorld w;
  w.Baseline();
  for (int i = 0; i < 50; ++i) {
    w.StartCall("c" + std::to_string(i), "a1", T0());
  }
  ComplianceOptions o;
  o.clock = [] { return T0() + seconds(30); };
  o.persist = false;
  auto c = Compliance::Open(&w.store(), o);
  REQUIRE(c.ok());
  REQUIRE((*c)->StartLive().ok());
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> decisions{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 4; ++t) {
    readers.emplace_back([&, t] {
      while (!stop.load()) {
        GateDecision d = (*c)->gate().Decide("c" + std::to_string((decisions.load() + t) % 50));
        CHECK(d.position <= w.store().HeadPosition());
        ++decisions;
      }
    });
  }
  for (int i = 0; i < 50; ++i) w.GiveNotice("c" + std::to_string(i), T0() + seconds(10));
  REQUIRE((*c)->WaitFor(w.store().HeadPosition(), std::chrono::seconds(10)));
  stop = true;
  for (auto& r : readers) r.join();
  CHECK(decisions.load() > 0);
  CHECK_FALSE(Denies((*c)->gate().Decide("c7"), "LC-NOT-1"));
}

TEST_CASE("LC-PROP-2 warns when fewer than half the recordings of 30 days were used, and never violates") {
  ComplianceWorld w;
  w.Baseline();
  w.RecordedCall("c1", "a1", T0());
  const uint64_t unused_start = w.RecordedCall("c2", "a1", T0() + hours(1));
  w.RecordedCall("c3", "a1", T0() + hours(2));
  w.Access("c1", "rec-c1", "trainer-1", "trainer", v1::ACCESS_ACTION_PLAYBACK, v1::PURPOSE_TRAINING,
           T0() + hours(3));
  // A refused access is not use.
  w.Refuse("c3", "rec-c3", "sales-1", "sales-manager", v1::ACCESS_ACTION_DOWNLOAD, v1::PURPOSE_QUALITY,
           T0() + hours(3));
  auto c = w.Engine(T0() + hours(4));
  RecordingUse u = c->RecordingUseAt(T0() + hours(4));
  CHECK(u.recordings == 3);
  CHECK(u.used == 1);
  CHECK(u.used_share_bp == 3333);
  CHECK(u.warning);
  CHECK(u.rule.verdict == Verdict::kOk);
  CHECK(Contains(u.rule.evidence, unused_start));

  w.Access("c2", "rec-c2", "qa-1", "quality-analyst", v1::ACCESS_ACTION_PLAYBACK, v1::PURPOSE_EVALUATION,
           T0() + hours(5));
  auto later = w.Engine(T0() + hours(6));
  RecordingUse v = later->RecordingUseAt(T0() + hours(6));
  CHECK(v.used == 2);
  CHECK_FALSE(v.warning);  // 2 of 3 >= 50 %
  // 31 days later nothing is in the window any more.
  CHECK(later->RecordingUseAt(T0() + hours(24 * 31)).rule.verdict == Verdict::kNotApplicable);
}
