// SPDX-License-Identifier: Apache-2.0
// Rule matrix, objections: LC-OBJ-1..5. For each rule a scenario where it holds and one where it
// is broken, with the verdict, its evidence positions and the gate's answer.
#include <doctest/doctest.h>

#include "compliance_fixture.h"

using namespace consent;
using namespace consent::testing;

namespace {

const TimePoint kRecAt = T0() + seconds(11);
const TimePoint kObjAt = T0() + seconds(60);
const TimePoint kEndAt = T0() + seconds(120);
const TimePoint kJudge = T0() + seconds(200);

// c1 recorded on caller and agent tracks from kRecAt; returns the RecordingStarted position.
uint64_t RecordingC1(ComplianceWorld& w) {
  w.Baseline();
  w.CompliantCallStart();
  return w.StartRecording("c1", "rec1", kRecAt);
}

}  // namespace

// ---- LC-OBJ-1 -------------------------------------------------------------------------------

TEST_CASE("LC-OBJ-1 holds when every track stops within 2 s of the caller's objection, acknowledged") {
  ComplianceWorld w;
  RecordingC1(w);
  const uint64_t raised = w.Object("c1", "o1", v1::PARTY_CALLER, kObjAt);
  {
    const GateDecision d = w.Engine(kObjAt + milliseconds(100))->gate().Decide("c1");
    CHECK_FALSE(d.allow);
    CHECK(Contains(DenialOf(d, "LC-OBJ-1").evidence, raised));
    CHECK(d.must_stop);
    CHECK(StopsFor(d, "LC-OBJ-1"));
  }
  w.Pause("c1", "rec1", kObjAt + milliseconds(500), milliseconds(300));
  w.EndCall("c1", kEndAt);
  auto c = w.Engine(kJudge);
  const CallVerdicts v = VerdictsOf(*c, "c1", kJudge);
  const RuleVerdict& r = RuleOf(v, "LC-OBJ-1");
  CHECK_MESSAGE(r.verdict == Verdict::kOk, r.detail);
  CHECK(r.evidence.empty());
  REQUIRE(v.objections.size() == 1);
  CHECK(v.objections[0].honoured);
  CHECK(v.objections[0].capture_running);
  REQUIRE(v.objections[0].pause_latency_ms.has_value());
  CHECK(*v.objections[0].pause_latency_ms == doctest::Approx(800.0));
  // The objection stands: the gate still refuses, without ordering a stop (capture is paused).
  const GateDecision later = c->gate().DecideAt("c1", {}, kObjAt + seconds(5));
  CHECK(Denies(later, "LC-OBJ-1"));
  CHECK_FALSE(later.must_stop);
}

TEST_CASE("LC-OBJ-1 is broken when capture runs on after the caller's objection until the call ends") {
  ComplianceWorld w;
  const uint64_t rec = RecordingC1(w);
  const uint64_t raised = w.Object("c1", "o1", v1::PARTY_CALLER, kObjAt);
  w.EndCall("c1", kEndAt);
  auto c = w.Engine(kJudge);
  CHECK(Contains(DenialOf(c->gate().DecideAt("c1", {}, kObjAt + seconds(1)), "LC-OBJ-1").evidence, raised));
  const CallVerdicts v = VerdictsOf(*c, "c1", kJudge);
  const RuleVerdict& r = RuleOf(v, "LC-OBJ-1");
  CHECK(r.verdict == Verdict::kViolated);
  CHECK_MESSAGE(Contains(r.evidence, raised), Positions(r.evidence));
  CHECK_MESSAGE(Contains(r.evidence, rec), Positions(r.evidence));
  REQUIRE(v.objections.size() == 1);
  CHECK_FALSE(v.objections[0].honoured);
}

TEST_CASE("LC-OBJ-1 is unverified when the platform never acknowledged the pause") {
  ComplianceWorld w;
  RecordingC1(w);
  const uint64_t raised = w.Object("c1", "o1", v1::PARTY_CALLER, kObjAt);
  const uint64_t pause = w.Pause("c1", "rec1", kObjAt + milliseconds(500), std::nullopt);
  w.EndCall("c1", kEndAt);
  const CallVerdicts v = VerdictsOf(*w.Engine(kJudge), "c1", kJudge);
  const RuleVerdict& r = RuleOf(v, "LC-OBJ-1");
  CHECK(r.verdict == Verdict::kUnverified);
  CHECK(Contains(r.evidence, raised));
  CHECK(Contains(r.evidence, pause));
  REQUIRE(v.objections.size() == 1);
  CHECK_FALSE(v.objections[0].pause_latency_ms.has_value());
}

TEST_CASE("LC-OBJ-1 is unverified when only the agent's desktop acknowledged the pause") {
  ComplianceWorld w;
  RecordingC1(w);
  const uint64_t raised = w.Object("c1", "o1", v1::PARTY_CALLER, kObjAt);
  const uint64_t pause = w.Pause("c1", "rec1", kObjAt + milliseconds(500), milliseconds(100), v1::PAUSE_CAUSE_OBJECTION,
                                 false, {v1::TRACK_CALLER, v1::TRACK_AGENT}, v1::ACK_SOURCE_AGENT_DESKTOP);
  w.EndCall("c1", kEndAt);
  const RuleVerdict r = RuleOf(VerdictsOf(*w.Engine(kJudge), "c1", kJudge), "LC-OBJ-1");
  CHECK(r.verdict == Verdict::kUnverified);
  CHECK(Contains(r.evidence, raised));
  CHECK(Contains(r.evidence, pause));
}

TEST_CASE("LC-OBJ-1 is broken when only the caller's track is paused and the agent's keeps capturing") {
  ComplianceWorld w;
  const uint64_t rec = RecordingC1(w);
  const uint64_t raised = w.Object("c1", "o1", v1::PARTY_CALLER, kObjAt);
  w.Pause("c1", "rec1", kObjAt + milliseconds(200), milliseconds(100), v1::PAUSE_CAUSE_OBJECTION, false,
          {v1::TRACK_CALLER});
  w.EndCall("c1", kEndAt);
  const RuleVerdict r = RuleOf(VerdictsOf(*w.Engine(kJudge), "c1", kJudge), "LC-OBJ-1");
  CHECK(r.verdict == Verdict::kViolated);
  CHECK(Contains(r.evidence, raised));
  CHECK(Contains(r.evidence, rec));
}

// ---- LC-OBJ-2 -------------------------------------------------------------------------------

TEST_CASE("LC-OBJ-2 holds when capture stops within 2 s of the agent's objection") {
  ComplianceWorld w;
  RecordingC1(w);
  const uint64_t raised = w.Object("c1", "o1", v1::PARTY_AGENT, kObjAt);
  {
    const GateDecision d = w.Engine(kObjAt + milliseconds(100))->gate().Decide("c1");
    CHECK_FALSE(d.allow);
    CHECK(Contains(DenialOf(d, "LC-OBJ-2").evidence, raised));
    CHECK(StopsFor(d, "LC-OBJ-2"));
  }
  w.Pause("c1", "rec1", kObjAt + milliseconds(400), milliseconds(600));
  w.EndCall("c1", kEndAt);
  const CallVerdicts v = VerdictsOf(*w.Engine(kJudge), "c1", kJudge);
  CHECK_MESSAGE(RuleOf(v, "LC-OBJ-2").verdict == Verdict::kOk, RuleOf(v, "LC-OBJ-2").detail);
  CHECK(RuleOf(v, "LC-OBJ-1").verdict == Verdict::kNotApplicable);  // no caller objection
  REQUIRE(v.objections.size() == 1);
  CHECK(v.objections[0].party == v1::PARTY_AGENT);
  CHECK(v.objections[0].honoured);
}

TEST_CASE("LC-OBJ-2 is broken when capture stops 3 s after the agent's objection") {
  ComplianceWorld w;
  RecordingC1(w);
  const uint64_t raised = w.Object("c1", "o1", v1::PARTY_AGENT, kObjAt);
  const uint64_t pause = w.Pause("c1", "rec1", kObjAt + seconds(3), milliseconds(100));
  w.EndCall("c1", kEndAt);
  const RuleVerdict r = RuleOf(VerdictsOf(*w.Engine(kJudge), "c1", kJudge), "LC-OBJ-2");
  CHECK(r.verdict == Verdict::kViolated);
  CHECK_MESSAGE(Contains(r.evidence, raised), Positions(r.evidence));
  CHECK_MESSAGE(Contains(r.evidence, pause), Positions(r.evidence));
}

// ---- LC-OBJ-3 -------------------------------------------------------------------------------

TEST_CASE("LC-OBJ-3 holds when capture resumes only after the caller withdrew the objection") {
  ComplianceWorld w;
  RecordingC1(w);
  w.Object("c1", "o1", v1::PARTY_CALLER, kObjAt);
  w.Pause("c1", "rec1", kObjAt + milliseconds(500), milliseconds(300));
  w.Withdraw("c1", "o1", v1::PARTY_CALLER, kObjAt + seconds(20));
  const GateDecision d = w.Engine(kObjAt + seconds(21))->gate().Decide("c1");
  CHECK_MESSAGE(d.allow, Failing(d));
  w.Resume("c1", "rec1", kObjAt + seconds(21));
  w.EndCall("c1", kEndAt);
  const CallVerdicts v = VerdictsOf(*w.Engine(kJudge), "c1", kJudge);
  CHECK(RuleOf(v, "LC-OBJ-3").verdict == Verdict::kOk);
  CHECK(RuleOf(v, "LC-OBJ-1").verdict == Verdict::kOk);
  REQUIRE(v.objections.size() == 1);
  CHECK(v.objections[0].withdrawn);
}

TEST_CASE("LC-OBJ-3 is broken by resuming capture after an objection nobody withdrew") {
  ComplianceWorld w;
  RecordingC1(w);
  const uint64_t raised = w.Object("c1", "o1", v1::PARTY_CALLER, kObjAt);
  w.Pause("c1", "rec1", kObjAt + milliseconds(500), milliseconds(300));
  const GateDecision d = w.Engine(kObjAt + seconds(21))->gate().Decide("c1");
  CHECK_FALSE(d.allow);
  CHECK(Contains(DenialOf(d, "LC-OBJ-3").evidence, raised));
  const uint64_t resume = w.Resume("c1", "rec1", kObjAt + seconds(21));
  w.EndCall("c1", kEndAt);
  const RuleVerdict r = RuleOf(VerdictsOf(*w.Engine(kJudge), "c1", kJudge), "LC-OBJ-3");
  CHECK(r.verdict == Verdict::kViolated);
  CHECK_MESSAGE(Contains(r.evidence, raised), Positions(r.evidence));
  CHECK_MESSAGE(Contains(r.evidence, resume), Positions(r.evidence));
}

TEST_CASE("LC-OBJ-3 is broken by starting a new recording after the objection") {
  ComplianceWorld w;
  RecordingC1(w);
  const uint64_t raised = w.Object("c1", "o1", v1::PARTY_CALLER, kObjAt);
  w.Pause("c1", "rec1", kObjAt + milliseconds(500), milliseconds(300), v1::PAUSE_CAUSE_OBJECTION, /*stop=*/true);
  const uint64_t rec2 = w.StartRecording("c1", "rec2", kObjAt + seconds(30));
  w.EndCall("c1", kEndAt);
  const RuleVerdict r = RuleOf(VerdictsOf(*w.Engine(kJudge), "c1", kJudge), "LC-OBJ-3");
  CHECK(r.verdict == Verdict::kViolated);
  CHECK(Contains(r.evidence, raised));
  CHECK(Contains(r.evidence, rec2));
}

// ---- LC-OBJ-4 -------------------------------------------------------------------------------

TEST_CASE("LC-OBJ-4 holds when media captured before the objection is purged within 24 h") {
  ComplianceWorld w;
  RecordingC1(w);
  w.Object("c1", "o1", v1::PARTY_CALLER, kObjAt);
  w.Pause("c1", "rec1", kObjAt + milliseconds(500), milliseconds(300));
  w.EndCall("c1", kEndAt);
  w.Store("c1", "rec1", "primary", kEndAt + seconds(10));
  w.Purge("c1", "rec1", "primary", kObjAt + hours(3));
  const RuleVerdict r = RuleOf(VerdictsOf(*w.Engine(T0() + hours(48)), "c1", T0() + hours(48)), "LC-OBJ-4");
  CHECK_MESSAGE(r.verdict == Verdict::kOk, r.detail);
}

TEST_CASE("LC-OBJ-4 holds when the media is kept with a logged overriding ground") {
  ComplianceWorld w;
  RecordingC1(w);
  w.Object("c1", "o1", v1::PARTY_CALLER, kObjAt);
  w.Pause("c1", "rec1", kObjAt + milliseconds(500), milliseconds(300));
  w.EndCall("c1", kEndAt);
  w.Store("c1", "rec1", "primary", kEndAt + seconds(10));
  w.Override("rec1", "o1", "pending litigation with the caller, case 2026-17", kObjAt + hours(1));
  const RuleVerdict r = RuleOf(VerdictsOf(*w.Engine(T0() + hours(48)), "c1", T0() + hours(48)), "LC-OBJ-4");
  CHECK_MESSAGE(r.verdict == Verdict::kOk, r.detail);
}

TEST_CASE("LC-OBJ-4 is broken when media captured before the objection is still there after 24 h") {
  ComplianceWorld w;
  RecordingC1(w);
  w.Object("c1", "o1", v1::PARTY_CALLER, kObjAt);
  w.Pause("c1", "rec1", kObjAt + milliseconds(500), milliseconds(300));
  w.EndCall("c1", kEndAt);
  const uint64_t stored = w.Store("c1", "rec1", "primary", kEndAt + seconds(10));
  auto c = w.Engine(T0() + hours(48));
  const RuleVerdict r = RuleOf(VerdictsOf(*c, "c1", T0() + hours(48)), "LC-OBJ-4");
  CHECK(r.verdict == Verdict::kViolated);
  CHECK_MESSAGE(Contains(r.evidence, stored), Positions(r.evidence));
  CHECK_FALSE(Denies(c->gate().DecideAt("c1", {}, kObjAt + seconds(10)), "LC-OBJ-4"));  // not in LC-LIVE-1
}

TEST_CASE("LC-OBJ-4 is broken by a purge without a receipt") {
  ComplianceWorld w;
  RecordingC1(w);
  w.Object("c1", "o1", v1::PARTY_CALLER, kObjAt);
  w.Pause("c1", "rec1", kObjAt + milliseconds(500), milliseconds(300));
  w.EndCall("c1", kEndAt);
  const uint64_t stored = w.Store("c1", "rec1", "primary", kEndAt + seconds(10));
  w.Purge("c1", "rec1", "primary", kObjAt + hours(3), /*receipt=*/false);
  const RuleVerdict r = RuleOf(VerdictsOf(*w.Engine(T0() + hours(48)), "c1", T0() + hours(48)), "LC-OBJ-4");
  CHECK(r.verdict == Verdict::kViolated);
  CHECK(Contains(r.evidence, stored));
}

// ---- LC-OBJ-5 -------------------------------------------------------------------------------

TEST_CASE("LC-OBJ-5 holds for a queue that declares it can suspend every recorded track") {
  ComplianceWorld w;
  w.Baseline();
  w.CompliantCallStart();
  const GateDecision d = w.Engine(kRecAt)->gate().Decide("c1");
  CHECK_MESSAGE(d.allow, Failing(d));
  w.StartRecording("c1", "rec1", kRecAt);
  w.EndCall("c1", kEndAt);
  CHECK(RuleOf(VerdictsOf(*w.Engine(kJudge), "c1", kJudge), "LC-OBJ-5").verdict == Verdict::kOk);
}

TEST_CASE("LC-OBJ-5 is broken by recording on a queue that declares it cannot suspend capture") {
  ComplianceWorld w;
  ComplianceWorld::BaselineOptions o;
  o.queue_suspend = false;
  const auto p = w.BaselineWith(o);
  w.CompliantCallStart();
  const GateDecision d = w.Engine(kRecAt)->gate().Decide("c1");
  CHECK_FALSE(d.allow);
  const RuleVerdict& deny = DenialOf(d, "LC-OBJ-5");
  CHECK(deny.verdict == Verdict::kViolated);
  CHECK(Contains(deny.evidence, p.queue));
  const uint64_t rec = w.StartRecording("c1", "rec1", kRecAt);
  w.EndCall("c1", kEndAt);
  const RuleVerdict r = RuleOf(VerdictsOf(*w.Engine(kJudge), "c1", kJudge), "LC-OBJ-5");
  CHECK(r.verdict == Verdict::kViolated);
  CHECK_MESSAGE(Contains(r.evidence, p.queue), Positions(r.evidence));
  CHECK_MESSAGE(Contains(r.evidence, rec), Positions(r.evidence));
}

TEST_CASE("LC-OBJ-5 is broken by recording after the latest suspend probe failed") {
  ComplianceWorld w;
  w.Baseline();
  w.Probe("q1", true, T0() - hours(30));
  const uint64_t probe = w.Probe("q1", false, T0() - hours(2));
  w.CompliantCallStart();
  const GateDecision d = w.Engine(kRecAt)->gate().Decide("c1");
  CHECK_FALSE(d.allow);
  CHECK(Contains(DenialOf(d, "LC-OBJ-5").evidence, probe));
  const uint64_t rec = w.StartRecording("c1", "rec1", kRecAt);
  w.EndCall("c1", kEndAt);
  const RuleVerdict r = RuleOf(VerdictsOf(*w.Engine(kJudge), "c1", kJudge), "LC-OBJ-5");
  CHECK(r.verdict == Verdict::kViolated);
  CHECK(Contains(r.evidence, probe));
  CHECK(Contains(r.evidence, rec));
}
