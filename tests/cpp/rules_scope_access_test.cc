// SPDX-License-Identifier: Apache-2.0
// Rule matrix, scope, data, access, the live decision and audit: LC-SCOPE-1, LC-DATA-1, LC-ACC-1,
// LC-ACC-2, LC-LIVE-1, LC-AUD-1. For each rule a scenario where it holds and one where it is
// broken, with the verdict, its evidence positions and the gate's answer.
#include <doctest/doctest.h>

#include "compliance_fixture.h"

using namespace consent;
using namespace consent::testing;

namespace {

const TimePoint kRecAt = T0() + seconds(11);
const TimePoint kEndAt = T0() + seconds(120);
const TimePoint kJudge = T0() + seconds(200);

uint64_t RecordingC1(ComplianceWorld& w) {
  w.Baseline();
  w.CompliantCallStart();
  return w.StartRecording("c1", "rec1", kRecAt);
}

}  // namespace

// ---- LC-SCOPE-1 (not part of LC-LIVE-1) -----------------------------------------------------

TEST_CASE("LC-SCOPE-1 holds for an audio-only recording") {
  ComplianceWorld w;
  RecordingC1(w);
  w.EndCall("c1", kEndAt);
  CHECK(RuleOf(VerdictsOf(*w.Engine(kJudge), "c1", kJudge), "LC-SCOPE-1").verdict == Verdict::kOk);
}

TEST_CASE("LC-SCOPE-1 is broken by a screen capture coupled with the audio recording") {
  ComplianceWorld w;
  RecordingC1(w);
  const uint64_t screen = w.ScreenCapture("c1", "scr1", "rec1", kRecAt + seconds(1));
  w.EndCall("c1", kEndAt);
  auto c = w.Engine(kJudge);
  const RuleVerdict r = RuleOf(VerdictsOf(*c, "c1", kJudge), "LC-SCOPE-1");
  CHECK(r.verdict == Verdict::kViolated);
  CHECK_MESSAGE(Contains(r.evidence, screen), Positions(r.evidence));
  CHECK_FALSE(Denies(c->gate().DecideAt("c1", {}, kRecAt + seconds(2)), "LC-SCOPE-1"));
}

TEST_CASE("LC-SCOPE-1 is broken by a recording that captures the screen track") {
  ComplianceWorld w;
  w.Baseline();
  w.CompliantCallStart();
  const uint64_t rec = w.StartRecording("c1", "rec1", kRecAt, {v1::TRACK_CALLER, v1::TRACK_AGENT, v1::TRACK_SCREEN});
  w.EndCall("c1", kEndAt);
  const RuleVerdict r = RuleOf(VerdictsOf(*w.Engine(kJudge), "c1", kJudge), "LC-SCOPE-1");
  CHECK(r.verdict == Verdict::kViolated);
  CHECK(Contains(r.evidence, rec));
}

// ---- LC-DATA-1 ------------------------------------------------------------------------------

TEST_CASE("LC-DATA-1 holds when capture pauses within 2 s of a payment-card segment") {
  ComplianceWorld w;
  RecordingC1(w);
  const TimePoint seg_at = T0() + seconds(30);
  const uint64_t seg = w.SegmentStart("c1", "s1", seg_at);
  {
    const GateDecision d = w.Engine(seg_at + milliseconds(100))->gate().Decide("c1");
    CHECK_FALSE(d.allow);
    CHECK(Contains(DenialOf(d, "LC-DATA-1").evidence, seg));
    CHECK(d.must_stop);
    CHECK(StopsFor(d, "LC-DATA-1"));
  }
  w.Pause("c1", "rec1", seg_at + milliseconds(300), milliseconds(200), v1::PAUSE_CAUSE_SENSITIVE_SEGMENT);
  w.SegmentEnd("c1", "s1", seg_at + seconds(40));
  {
    const GateDecision d = w.Engine(seg_at + seconds(41))->gate().Decide("c1");
    CHECK_MESSAGE(d.allow, Failing(d));  // the segment is over: capture may resume
  }
  w.Resume("c1", "rec1", seg_at + seconds(41));
  w.EndCall("c1", kEndAt);
  const RuleVerdict r = RuleOf(VerdictsOf(*w.Engine(kJudge), "c1", kJudge), "LC-DATA-1");
  CHECK_MESSAGE(r.verdict == Verdict::kOk, r.detail);
}

TEST_CASE("LC-DATA-1 is broken when capture runs through a payment-card segment") {
  ComplianceWorld w;
  const uint64_t rec = RecordingC1(w);
  const uint64_t seg = w.SegmentStart("c1", "s1", T0() + seconds(30));
  w.SegmentEnd("c1", "s1", T0() + seconds(70));
  w.EndCall("c1", kEndAt);
  const RuleVerdict r = RuleOf(VerdictsOf(*w.Engine(kJudge), "c1", kJudge), "LC-DATA-1");
  CHECK(r.verdict == Verdict::kViolated);
  CHECK_MESSAGE(Contains(r.evidence, seg), Positions(r.evidence));
  CHECK_MESSAGE(Contains(r.evidence, rec), Positions(r.evidence));
}

TEST_CASE("LC-DATA-1 is broken by starting capture during a payment-card segment") {
  ComplianceWorld w;
  w.Baseline();
  w.CompliantCallStart();
  const uint64_t seg = w.SegmentStart("c1", "s1", T0() + seconds(10) + milliseconds(500));
  CHECK(Contains(DenialOf(w.Engine(kRecAt)->gate().Decide("c1"), "LC-DATA-1").evidence, seg));
  const uint64_t rec = w.StartRecording("c1", "rec1", kRecAt);
  w.EndCall("c1", kEndAt);
  const RuleVerdict r = RuleOf(VerdictsOf(*w.Engine(kJudge), "c1", kJudge), "LC-DATA-1");
  CHECK(r.verdict == Verdict::kViolated);
  CHECK(Contains(r.evidence, seg));
  CHECK(Contains(r.evidence, rec));
}

// ---- LC-ACC-1 (not part of LC-LIVE-1) -------------------------------------------------------

TEST_CASE("LC-ACC-1 holds for playback by a declared recipient and a refused, recorded stranger") {
  ComplianceWorld w;
  RecordingC1(w);
  w.EndCall("c1", kEndAt);
  w.Access("c1", "rec1", "u-trainer", "trainer", v1::ACCESS_ACTION_PLAYBACK, v1::PURPOSE_TRAINING, T0() + hours(1));
  w.Refuse("c1", "rec1", "u-mkt", "marketing", v1::ACCESS_ACTION_DOWNLOAD, v1::PURPOSE_TRAINING, T0() + hours(2));
  auto c = w.Engine(T0() + hours(3));
  const RuleVerdict r = RuleOf(VerdictsOf(*c, "c1", T0() + hours(3)), "LC-ACC-1");
  CHECK_MESSAGE(r.verdict == Verdict::kOk, r.detail);
  const AgentSummary s = AgentOf(*c, "a1", T0() + hours(3));
  CHECK(s.accesses == 2);
  CHECK(s.accesses_refused == 1);
  CHECK(s.accesses_unlawful == 0);
}

TEST_CASE("LC-ACC-1 is broken by a download by a role that is not a declared recipient") {
  ComplianceWorld w;
  RecordingC1(w);
  w.EndCall("c1", kEndAt);
  const uint64_t access =
      w.Access("c1", "rec1", "u-mkt", "marketing", v1::ACCESS_ACTION_DOWNLOAD, v1::PURPOSE_TRAINING, T0() + hours(1));
  auto c = w.Engine(T0() + hours(3));
  const RuleVerdict r = RuleOf(VerdictsOf(*c, "c1", T0() + hours(3)), "LC-ACC-1");
  CHECK(r.verdict == Verdict::kViolated);
  CHECK_MESSAGE(Contains(r.evidence, access), Positions(r.evidence));
  CHECK(AgentOf(*c, "a1", T0() + hours(3)).accesses_unlawful == 1);
}

TEST_CASE("LC-ACC-1 is broken by a playback for a purpose that is not registered") {
  ComplianceWorld w;
  RecordingC1(w);
  w.EndCall("c1", kEndAt);
  const uint64_t access =
      w.Access("c1", "rec1", "u-trainer", "trainer", v1::ACCESS_ACTION_PLAYBACK, v1::PURPOSE_QUALITY, T0() + hours(1));
  const RuleVerdict r = RuleOf(VerdictsOf(*w.Engine(T0() + hours(3)), "c1", T0() + hours(3)), "LC-ACC-1");
  CHECK(r.verdict == Verdict::kViolated);
  CHECK(Contains(r.evidence, access));
}

TEST_CASE("LC-ACC-1 is broken by live listening by a role that is not a declared recipient") {
  ComplianceWorld w;
  w.Baseline();
  w.CompliantCallStart();
  const uint64_t listen = w.LiveListen("c1", "u-boss", "sales-manager", v1::PURPOSE_EVALUATION, kRecAt);
  w.EndCall("c1", kEndAt);
  const CallVerdicts v = VerdictsOf(*w.Engine(kJudge), "c1", kJudge);
  CHECK(v.recorded);
  const RuleVerdict& r = RuleOf(v, "LC-ACC-1");
  CHECK(r.verdict == Verdict::kViolated);
  CHECK(Contains(r.evidence, listen));
}

// ---- LC-ACC-2 -------------------------------------------------------------------------------

TEST_CASE("LC-ACC-2 holds when every access says who, what, when and why") {
  ComplianceWorld w;
  RecordingC1(w);
  w.EndCall("c1", kEndAt);
  w.Access("c1", "rec1", "u-qa", "quality-analyst", v1::ACCESS_ACTION_EXPORT, v1::PURPOSE_EVALUATION, T0() + hours(1));
  const RuleVerdict r = RuleOf(VerdictsOf(*w.Engine(T0() + hours(3)), "c1", T0() + hours(3)), "LC-ACC-2");
  CHECK_MESSAGE(r.verdict == Verdict::kOk, r.detail);
}

TEST_CASE("LC-ACC-2 is broken by an access logged without saying whether it was a playback, download or export") {
  ComplianceWorld w;
  RecordingC1(w);
  w.EndCall("c1", kEndAt);
  const uint64_t access = w.Access("c1", "rec1", "u-trainer", "trainer", v1::ACCESS_ACTION_UNSPECIFIED,
                                   v1::PURPOSE_TRAINING, T0() + hours(1));
  const CallVerdicts v = VerdictsOf(*w.Engine(T0() + hours(3)), "c1", T0() + hours(3));
  const RuleVerdict& r = RuleOf(v, "LC-ACC-2");
  CHECK(r.verdict == Verdict::kViolated);
  CHECK_MESSAGE(Contains(r.evidence, access), Positions(r.evidence));
  CHECK(RuleOf(v, "LC-ACC-1").verdict == Verdict::kOk);  // a declared recipient, a registered purpose
}

// ---- LC-LIVE-1 ------------------------------------------------------------------------------

TEST_CASE("LC-LIVE-1 allows a compliant call with no failing rule and reports its position") {
  ComplianceWorld w;
  w.Baseline();
  w.CompliantCallStart();
  auto c = w.Engine(kRecAt);
  const GateDecision d = c->gate().Decide("c1");
  CHECK_MESSAGE(d.allow, Failing(d));
  CHECK(d.failing.empty());
  CHECK(d.position == w.store().HeadPosition());
  CHECK(d.position == c->position());
}

TEST_CASE("LC-LIVE-1 denies with every failing rule at once, each with its evidence") {
  ComplianceWorld w;
  w.Baseline();
  w.StartCall("c1", "a1", T0());  // no notice
  const uint64_t raised = w.Object("c1", "o1", v1::PARTY_CALLER, T0() + seconds(5));
  const uint64_t seg = w.SegmentStart("c1", "s1", T0() + seconds(6));
  const uint64_t flag = w.FlagPrivate("c1", T0() + seconds(7));
  auto c = w.Engine(T0() + seconds(8));
  const GateDecision d = c->gate().Decide("c1");
  CHECK_FALSE(d.allow);
  CHECK(d.position == w.store().HeadPosition());
  CHECK(Denies(d, "LC-NOT-1"));
  CHECK(Contains(DenialOf(d, "LC-OBJ-1").evidence, raised));
  CHECK(Contains(DenialOf(d, "LC-OBJ-3").evidence, raised));
  CHECK(Contains(DenialOf(d, "LC-DATA-1").evidence, seg));
  CHECK(Contains(DenialOf(d, "LC-PRIV-1").evidence, flag));
  CHECK(d.failing.size() == 5);
  CHECK_FALSE(d.must_stop);  // nothing is capturing
  // The same question asked before those facts existed: only the missing notice denies.
  const GateDecision earlier = c->gate().DecideAt("c1", {}, T0() + seconds(4));
  CHECK_FALSE(earlier.allow);
  CHECK_MESSAGE(earlier.failing.size() == 1, Failing(earlier));
  CHECK(Denies(earlier, "LC-NOT-1"));
}

// ---- LC-AUD-1 -------------------------------------------------------------------------------

TEST_CASE("LC-AUD-1 the chain verifies and every verdict is recomputed from the log up to a position") {
  ComplianceWorld w;
  RecordingC1(w);
  const uint64_t raised = w.Object("c1", "o1", v1::PARTY_CALLER, T0() + seconds(60));
  const uint64_t before_pause = w.store().HeadPosition();
  const uint64_t pause = w.Pause("c1", "rec1", T0() + seconds(60) + milliseconds(500), milliseconds(2000));
  w.EndCall("c1", kEndAt);

  auto verify = w.store().Verify();
  REQUIRE_MESSAGE(verify.ok(), verify.status().ToString());
  CHECK(verify->events_checked == w.store().HeadPosition());

  // As of the objection, within the budget: no verdict yet.
  ComplianceOptions o;
  o.clock = [] { return T0() + seconds(61); };
  o.persist = false;
  o.to_position = before_pause;
  auto past = Compliance::Open(&w.store(), o);
  REQUIRE(past.ok());
  REQUIRE((*past)->CatchUp().ok());
  CHECK((*past)->position() == before_pause);
  const CallVerdicts then = VerdictsOf(**past, "c1", T0() + seconds(61));
  CHECK(RuleOf(then, "LC-OBJ-1").verdict == Verdict::kPending);

  // With the late acknowledgement folded: violated, citing it.
  auto now = w.Engine(kJudge);
  const RuleVerdict r = RuleOf(VerdictsOf(*now, "c1", kJudge), "LC-OBJ-1");
  CHECK(r.verdict == Verdict::kViolated);
  CHECK(Contains(r.evidence, raised));
  CHECK(Contains(r.evidence, pause));

  // A second fold of the same log gives the same verdicts, evidence included.
  auto again = w.Engine(kJudge);
  const CallVerdicts a = VerdictsOf(*now, "c1", kJudge);
  const CallVerdicts b = VerdictsOf(*again, "c1", kJudge);
  REQUIRE(a.rules.size() == b.rules.size());
  for (size_t i = 0; i < a.rules.size(); ++i) {
    CHECK(a.rules[i].rule_id == b.rules[i].rule_id);
    CHECK(a.rules[i].verdict == b.rules[i].verdict);
    CHECK(a.rules[i].evidence == b.rules[i].evidence);
  }
  CHECK(now->DumpState() == again->DumpState());
}
