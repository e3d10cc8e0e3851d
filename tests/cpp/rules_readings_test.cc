// SPDX-License-Identifier: Apache-2.0
// The precise readings of RULES.md, one test each: thresholds, clocks, sampling, agent
// objections, withdrawal, capability, unknown facts, not applicable, notice versions, purges
// and transfers.
#include <doctest/doctest.h>

#include "compliance_fixture.h"

using namespace consent;
using namespace consent::testing;

namespace {

const TimePoint kRecAt = T0() + seconds(11);
const TimePoint kObjAt = T0() + seconds(60);
const TimePoint kEndAt = T0() + seconds(120);
const TimePoint kJudge = T0() + seconds(200);

uint64_t RecordingC1(ComplianceWorld& w) {
  w.Baseline();
  w.CompliantCallStart();
  return w.StartRecording("c1", "rec1", kRecAt);
}

// The objection o1 by `party` on c1 at kObjAt, honoured at once, and c1 stored after its end.
// Returns the RecordingStored position.
uint64_t ObjectedAndStored(ComplianceWorld& w, v1::Party party = v1::PARTY_CALLER) {
  RecordingC1(w);
  w.Object("c1", "o1", party, kObjAt);
  w.Pause("c1", "rec1", kObjAt + milliseconds(300), milliseconds(200));
  w.EndCall("c1", kEndAt);
  return w.Store("c1", "rec1", "primary", kEndAt + seconds(10));
}

}  // namespace

// ---- Thresholds are inclusive; latency to the last track -------------------------------------

TEST_CASE("A pause acknowledged at exactly 2.000 s after the objection is on time") {
  ComplianceWorld w;
  RecordingC1(w);
  w.Object("c1", "o1", v1::PARTY_CALLER, kObjAt);
  w.Pause("c1", "rec1", kObjAt + milliseconds(1500), milliseconds(500));
  w.EndCall("c1", kEndAt);
  const CallVerdicts v = VerdictsOf(*w.Engine(kJudge), "c1", kJudge);
  CHECK_MESSAGE(RuleOf(v, "LC-OBJ-1").verdict == Verdict::kOk, RuleOf(v, "LC-OBJ-1").detail);
  REQUIRE(v.objections.size() == 1);
  REQUIRE(v.objections[0].pause_latency_ms.has_value());
  CHECK(*v.objections[0].pause_latency_ms == doctest::Approx(2000.0));
  CHECK(v.objections[0].honoured);
}

TEST_CASE("A pause acknowledged 1 ms after the 2 s budget is late") {
  ComplianceWorld w;
  RecordingC1(w);
  const uint64_t raised = w.Object("c1", "o1", v1::PARTY_CALLER, kObjAt);
  const uint64_t pause = w.Pause("c1", "rec1", kObjAt + milliseconds(1500), milliseconds(501));
  w.EndCall("c1", kEndAt);
  const CallVerdicts v = VerdictsOf(*w.Engine(kJudge), "c1", kJudge);
  const RuleVerdict& r = RuleOf(v, "LC-OBJ-1");
  CHECK(r.verdict == Verdict::kViolated);
  CHECK(Contains(r.evidence, raised));
  CHECK(Contains(r.evidence, pause));
  REQUIRE(v.objections.size() == 1);
  CHECK_FALSE(v.objections[0].honoured);
}

TEST_CASE("Pause latency runs to the acknowledgement of the last recorded track paused or stopped") {
  ComplianceWorld w;
  RecordingC1(w);
  const uint64_t raised = w.Object("c1", "o1", v1::PARTY_CALLER, kObjAt);
  // The caller's track stops quickly; the agent's track is paused later.
  w.Pause("c1", "rec1", kObjAt + milliseconds(100), milliseconds(100), v1::PAUSE_CAUSE_OBJECTION, /*stop=*/true,
          {v1::TRACK_CALLER});
  uint64_t agent_pause = 0;
  double expected_ms = 0;
  Verdict expected = Verdict::kOk;
  SUBCASE("the agent's track acknowledged at exactly 2.000 s") {
    agent_pause = w.Pause("c1", "rec1", kObjAt + milliseconds(1000), milliseconds(1000),
                          v1::PAUSE_CAUSE_OBJECTION, false, {v1::TRACK_AGENT});
    expected_ms = 2000;
  }
  SUBCASE("the agent's track acknowledged at 2.001 s") {
    agent_pause = w.Pause("c1", "rec1", kObjAt + milliseconds(1000), milliseconds(1001),
                          v1::PAUSE_CAUSE_OBJECTION, false, {v1::TRACK_AGENT});
    expected_ms = 2001;
    expected = Verdict::kViolated;
  }
  w.EndCall("c1", kEndAt);
  const CallVerdicts v = VerdictsOf(*w.Engine(kJudge), "c1", kJudge);
  const RuleVerdict& r = RuleOf(v, "LC-OBJ-1");
  CHECK_MESSAGE(r.verdict == expected, r.detail);
  REQUIRE(v.objections.size() == 1);
  REQUIRE(v.objections[0].pause_latency_ms.has_value());
  CHECK(*v.objections[0].pause_latency_ms == doctest::Approx(expected_ms));
  if (expected == Verdict::kViolated) {
    CHECK(Contains(r.evidence, raised));
    CHECK(Contains(r.evidence, agent_pause));
  }
}

TEST_CASE("The same 2 s budget applies after a private flag") {
  ComplianceWorld w;
  RecordingC1(w);
  const uint64_t flag = w.FlagPrivate("c1", kObjAt);
  uint64_t stop = 0;
  Verdict expected = Verdict::kOk;
  SUBCASE("stopped and acknowledged at exactly 2.000 s") {
    stop = w.Pause("c1", "rec1", kObjAt + milliseconds(1200), milliseconds(800), v1::PAUSE_CAUSE_PRIVATE_FLAG, true);
  }
  SUBCASE("stopped and acknowledged at 2.001 s") {
    stop = w.Pause("c1", "rec1", kObjAt + milliseconds(1200), milliseconds(801), v1::PAUSE_CAUSE_PRIVATE_FLAG, true);
    expected = Verdict::kViolated;
  }
  w.EndCall("c1", kEndAt);
  const RuleVerdict r = RuleOf(VerdictsOf(*w.Engine(kJudge), "c1", kJudge), "LC-PRIV-1");
  CHECK_MESSAGE(r.verdict == expected, r.detail);
  if (expected == Verdict::kViolated) {
    CHECK(Contains(r.evidence, flag));
    CHECK(Contains(r.evidence, stop));
  }
}

// ---- Clocks start at the triggering fact -----------------------------------------------------

TEST_CASE("The 24 h purge after an objection counts from the objection: on time at exactly 24 h, late 1 ms after") {
  ComplianceWorld w;
  const uint64_t stored = ObjectedAndStored(w);
  uint64_t purged = 0;
  Verdict expected = Verdict::kOk;
  SUBCASE("purged at exactly 24 h") { purged = w.Purge("c1", "rec1", "primary", kObjAt + hours(24)); }
  SUBCASE("purged at 24 h + 1 ms") {
    // Still within 24 h of the storage or the call's end: the clock is the objection's.
    purged = w.Purge("c1", "rec1", "primary", kObjAt + hours(24) + milliseconds(1));
    expected = Verdict::kViolated;
  }
  const RuleVerdict r = RuleOf(VerdictsOf(*w.Engine(T0() + hours(72)), "c1", T0() + hours(72)), "LC-OBJ-4");
  CHECK_MESSAGE(r.verdict == expected, r.detail);
  if (expected == Verdict::kViolated) {
    CHECK(Contains(r.evidence, stored));
    CHECK(Contains(r.evidence, purged));
  }
}

TEST_CASE("The 24 h purge after a private flag counts from the flag: on time at exactly 24 h, late 1 ms after") {
  ComplianceWorld w;
  RecordingC1(w);
  w.FlagPrivate("c1", kObjAt);
  w.Pause("c1", "rec1", kObjAt + milliseconds(300), milliseconds(200), v1::PAUSE_CAUSE_PRIVATE_FLAG, true);
  w.EndCall("c1", kEndAt);
  const uint64_t stored = w.Store("c1", "rec1", "primary", kEndAt + seconds(10));
  uint64_t purged = 0;
  Verdict expected = Verdict::kOk;
  SUBCASE("purged at exactly 24 h") { purged = w.Purge("c1", "rec1", "primary", kObjAt + hours(24)); }
  SUBCASE("purged at 24 h + 1 ms") {
    purged = w.Purge("c1", "rec1", "primary", kObjAt + hours(24) + milliseconds(1));
    expected = Verdict::kViolated;
  }
  const RuleVerdict r = RuleOf(VerdictsOf(*w.Engine(T0() + hours(72)), "c1", T0() + hours(72)), "LC-PRIV-1");
  CHECK_MESSAGE(r.verdict == expected, r.detail);
  if (expected == Verdict::kViolated) {
    CHECK(Contains(r.evidence, stored));
    CHECK(Contains(r.evidence, purged));
  }
}

TEST_CASE("A purge not yet due is pending, and violated once its deadline passes without it") {
  ComplianceWorld w;
  const uint64_t stored = ObjectedAndStored(w);
  auto c = w.Engine(T0() + hours(48));
  const RuleVerdict before = RuleOf(VerdictsOf(*c, "c1", kObjAt + hours(12)), "LC-OBJ-4");
  CHECK_MESSAGE(before.verdict == Verdict::kPending, before.detail);
  const RuleVerdict at_deadline = RuleOf(VerdictsOf(*c, "c1", kObjAt + hours(24)), "LC-OBJ-4");
  CHECK_MESSAGE(at_deadline.verdict == Verdict::kPending, at_deadline.detail);
  const RuleVerdict after = RuleOf(VerdictsOf(*c, "c1", kObjAt + hours(24) + milliseconds(1)), "LC-OBJ-4");
  CHECK(after.verdict == Verdict::kViolated);
  CHECK(Contains(after.evidence, stored));
}

// ---- Sampling (LC-PROP-1) --------------------------------------------------------------------

TEST_CASE("The sampling gate allows (recorded + 1) / handled up to the share, counting the current call as handled") {
  ComplianceWorld w;
  ComplianceWorld::BaselineOptions o;
  bool allowed = true;
  SUBCASE("2 of 20 calls with the current one: exactly 10 %") { o.prior_calls = 18; }
  SUBCASE("2 of 19 calls with the current one: 10.5 %") {
    o.prior_calls = 17;
    allowed = false;
  }
  w.BaselineWith(o);
  w.RecordedCall("r0", "a1", T0() - hours(12));  // one earlier recording in the window
  w.EndCall("r0", T0() - hours(11));
  const uint64_t start = w.StartCall("c1", "a1", T0());
  w.GiveNotice("c1", T0() + seconds(10));
  auto c = w.Engine(kRecAt);
  const GateDecision d = c->gate().Decide("c1");
  const AgentSummary s = AgentOf(*c, "a1", kRecAt);
  CHECK(s.handled_calls == static_cast<uint64_t>(o.prior_calls + 2));
  CHECK(s.recorded_calls == 1);
  if (allowed) {
    CHECK_MESSAGE(d.allow, Failing(d));
  } else {
    CHECK_FALSE(d.allow);
    CHECK(Contains(DenialOf(d, "LC-PROP-1").evidence, start));
  }
}

TEST_CASE("A recording whose start broke the sampling bound violates LC-PROP-1 on its call") {
  ComplianceWorld w;
  ComplianceWorld::BaselineOptions o;
  o.prior_calls = 8;
  w.BaselineWith(o);
  // A first call recorded at 1 of 9 breaks the bound; a second one is not recorded.
  const uint64_t start = w.StartCall("c1", "a1", T0());
  w.GiveNotice("c1", T0() + seconds(10));
  const uint64_t rec = w.StartRecording("c1", "rec1", kRecAt);
  w.EndCall("c1", kEndAt);
  w.StartCall("c2", "a1", T0() + hours(1));
  w.EndCall("c2", T0() + hours(1) + seconds(60));
  auto c = w.Engine(T0() + hours(2));
  const RuleVerdict r = RuleOf(VerdictsOf(*c, "c1", T0() + hours(2)), "LC-PROP-1");
  CHECK(r.verdict == Verdict::kViolated);
  CHECK(Contains(r.evidence, rec));
  CHECK(Contains(r.evidence, start));
  // The verdict stays on the call that broke it even though the share later fell to 10 %.
  const AgentSummary s = AgentOf(*c, "a1", T0() + hours(2));
  CHECK(s.handled_calls == 10);
  CHECK(s.recorded_calls == 1);
  CHECK(AgentRuleOf(s, "LC-PROP-1").verdict == Verdict::kOk);
  CHECK(RuleOf(VerdictsOf(*c, "c2", T0() + hours(2)), "LC-PROP-1").verdict == Verdict::kNotApplicable);
}

TEST_CASE("An agent's recorded share above 5 % raises a warning, not a violation") {
  ComplianceWorld w;
  ComplianceWorld::BaselineOptions o;
  bool warn = true;
  uint32_t share_bp = 1000;
  SUBCASE("1 of 10 calls: 10 %") { o.prior_calls = 9; }
  SUBCASE("1 of 30 calls: 3.3 %") {
    o.prior_calls = 29;
    warn = false;
    share_bp = 333;
  }
  w.BaselineWith(o);
  w.CompliantCallStart();
  w.StartRecording("c1", "rec1", kRecAt);
  w.EndCall("c1", kEndAt);
  const AgentSummary s = AgentOf(*w.Engine(kJudge), "a1", kJudge);
  CHECK(s.recorded_share_bp == share_bp);
  CHECK(s.over_warn_share == warn);
  CHECK_FALSE(s.over_max_share);
  CHECK(AgentRuleOf(s, "LC-PROP-1").verdict == Verdict::kOk);
}

TEST_CASE("An agent's sampling verdict at T uses the 30 days ending at T") {
  ComplianceWorld w;
  w.Baseline();  // nine calls in the ten days before T0
  w.RecordedCall("c1", "a1", T0());
  w.EndCall("c1", T0() + std::chrono::minutes(5));
  w.RecordedCall("c2", "a1", T0() + hours(1));
  w.EndCall("c2", T0() + hours(1) + std::chrono::minutes(5));
  for (int i = 0; i < 20; ++i) {
    const std::string id = "later-" + std::to_string(i);
    w.StartCall(id, "a1", T0() + hours(24 * (i + 1)));
    w.EndCall(id, T0() + hours(24 * (i + 1)) + std::chrono::minutes(5));
  }
  auto c = w.Engine(T0() + hours(24 * 40));
  const AgentSummary early = AgentOf(*c, "a1", T0() + hours(2));
  CHECK(early.handled_calls == 11);
  CHECK(early.recorded_calls == 2);
  CHECK(AgentRuleOf(early, "LC-PROP-1").verdict == Verdict::kViolated);
  const AgentSummary late = AgentOf(*c, "a1", T0() + hours(24 * 30 + 3));
  CHECK(late.handled_calls == 20);
  CHECK(late.recorded_calls == 0);
  CHECK(AgentRuleOf(late, "LC-PROP-1").verdict == Verdict::kOk);
}

// ---- Agent objections ------------------------------------------------------------------------

TEST_CASE("An agent's objection pauses capture within the budget while the decision is pending") {
  ComplianceWorld w;
  RecordingC1(w);
  const uint64_t raised = w.Object("c1", "o1", v1::PARTY_AGENT, kObjAt);
  w.Pause("c1", "rec1", kObjAt + milliseconds(900), milliseconds(1000));  // acknowledged at 1.9 s
  auto c = w.Engine(kObjAt + std::chrono::minutes(10));
  const CallVerdicts v = VerdictsOf(*c, "c1", kObjAt + std::chrono::minutes(10));
  CHECK(RuleOf(v, "LC-OBJ-2").verdict == Verdict::kOk);
  REQUIRE(v.objections.size() == 1);
  CHECK(v.objections[0].honoured);
  CHECK_FALSE(v.objections[0].overruled);
  // No decision yet: the gate keeps refusing.
  const GateDecision d = c->gate().Decide("c1");
  CHECK_FALSE(d.allow);
  CHECK(Contains(DenialOf(d, "LC-OBJ-2").evidence, raised));
}

TEST_CASE("An agent's objection overruled by a named person with a written ground allows recording again") {
  ComplianceWorld w;
  RecordingC1(w);
  w.Object("c1", "o1", v1::PARTY_AGENT, kObjAt);
  w.Pause("c1", "rec1", kObjAt + milliseconds(300), milliseconds(200));
  w.Decide("c1", "o1", v1::OBJECTION_OUTCOME_OVERRULED, "sup-1",
           "coaching plan agreed with the staff committee, minutes 2026-04", kObjAt + seconds(30));
  const GateDecision d = w.Engine(kObjAt + seconds(31))->gate().Decide("c1");
  CHECK_MESSAGE(d.allow, Failing(d));
  w.Resume("c1", "rec1", kObjAt + seconds(31));
  w.EndCall("c1", kEndAt);
  const CallVerdicts v = VerdictsOf(*w.Engine(kJudge), "c1", kJudge);
  CHECK(RuleOf(v, "LC-OBJ-2").verdict == Verdict::kOk);
  CHECK(RuleOf(v, "LC-OBJ-3").verdict == Verdict::kOk);
  REQUIRE(v.objections.size() == 1);
  CHECK(v.objections[0].overruled);
}

TEST_CASE("An agent's objection overruled without a written ground or a named person keeps recording off") {
  ComplianceWorld w;
  RecordingC1(w);
  const uint64_t raised = w.Object("c1", "o1", v1::PARTY_AGENT, kObjAt);
  w.Pause("c1", "rec1", kObjAt + milliseconds(300), milliseconds(200));
  SUBCASE("no written ground") { w.Decide("c1", "o1", v1::OBJECTION_OUTCOME_OVERRULED, "sup-1", "", kObjAt + seconds(30)); }
  SUBCASE("no named person") {
    w.Decide("c1", "o1", v1::OBJECTION_OUTCOME_OVERRULED, "", "business need", kObjAt + seconds(30));
  }
  const GateDecision d = w.Engine(kObjAt + seconds(31))->gate().Decide("c1");
  CHECK_FALSE(d.allow);
  CHECK(Contains(DenialOf(d, "LC-OBJ-2").evidence, raised));
  const uint64_t resume = w.Resume("c1", "rec1", kObjAt + seconds(31));
  w.EndCall("c1", kEndAt);
  const CallVerdicts v = VerdictsOf(*w.Engine(kJudge), "c1", kJudge);
  const RuleVerdict& r = RuleOf(v, "LC-OBJ-3");
  CHECK(r.verdict == Verdict::kViolated);
  CHECK(Contains(r.evidence, raised));
  CHECK(Contains(r.evidence, resume));
  // One fault, one rule: the pause honoured the objection, the resume breaks LC-OBJ-3 alone.
  CHECK(RuleOf(v, "LC-OBJ-2").verdict == Verdict::kOk);
  REQUIRE(v.objections.size() == 1);
  CHECK_FALSE(v.objections[0].overruled);
}

TEST_CASE("A standing agent objection made in writing covers the agent's later calls until withdrawn or overruled") {
  ComplianceWorld w;
  w.Baseline();
  const uint64_t standing = w.ObjectStanding("a1", "so1", T0() - hours(24));
  w.CompliantCallStart("c1");
  {
    auto c = w.Engine(kRecAt);
    const GateDecision d = c->gate().Decide("c1");
    CHECK_FALSE(d.allow);
    CHECK(Contains(DenialOf(d, "LC-OBJ-2").evidence, standing));
    CHECK(AgentOf(*c, "a1", kRecAt).objection_active);
  }
  bool lifted = true;
  SUBCASE("withdrawn by the agent") { w.WithdrawStanding("a1", "so1", T0() + hours(1)); }
  SUBCASE("overruled by a named person with a written ground") {
    w.DecideStanding("a1", "so1", v1::OBJECTION_OUTCOME_OVERRULED, "sup-1", "regulated advice line, AMF rule 2026-3",
                     T0() + hours(1));
  }
  SUBCASE("overruled without a written ground") {
    w.DecideStanding("a1", "so1", v1::OBJECTION_OUTCOME_OVERRULED, "sup-1", "", T0() + hours(1));
    lifted = false;
  }
  SUBCASE("upheld") {
    w.DecideStanding("a1", "so1", v1::OBJECTION_OUTCOME_UPHELD, "sup-1", "agreed", T0() + hours(1));
    lifted = false;
  }
  w.EndCall("c1", T0() + std::chrono::minutes(5));
  w.StartCall("c2", "a1", T0() + hours(2));
  w.GiveNotice("c2", T0() + hours(2) + seconds(10));
  auto c = w.Engine(T0() + hours(2) + seconds(11));
  const GateDecision d = c->gate().Decide("c2");
  CHECK(AgentOf(*c, "a1", T0() + hours(2) + seconds(11)).objection_active == !lifted);
  if (lifted) {
    CHECK_MESSAGE(d.allow, Failing(d));
  } else {
    CHECK_FALSE(d.allow);
    CHECK(Contains(DenialOf(d, "LC-OBJ-2").evidence, standing));
  }
}

TEST_CASE("Recording a call covered by a standing agent objection violates LC-OBJ-2 on that call") {
  ComplianceWorld w;
  w.Baseline();
  const uint64_t standing = w.ObjectStanding("a1", "so1", T0() - hours(24));
  w.CompliantCallStart("c1");
  const uint64_t rec = w.StartRecording("c1", "rec1", kRecAt);
  w.EndCall("c1", kEndAt);
  const RuleVerdict r = RuleOf(VerdictsOf(*w.Engine(kJudge), "c1", kJudge), "LC-OBJ-2");
  CHECK(r.verdict == Verdict::kViolated);
  CHECK(Contains(r.evidence, standing));
  CHECK(Contains(r.evidence, rec));
}

// ---- Withdrawal ------------------------------------------------------------------------------

TEST_CASE("A caller's objection withdrawn by the agent is ignored, and the resume that follows breaks LC-OBJ-3") {
  ComplianceWorld w;
  RecordingC1(w);
  const uint64_t raised = w.Object("c1", "o1", v1::PARTY_CALLER, kObjAt);
  w.Pause("c1", "rec1", kObjAt + milliseconds(300), milliseconds(200));
  w.Withdraw("c1", "o1", v1::PARTY_AGENT, kObjAt + seconds(20));
  const GateDecision d = w.Engine(kObjAt + seconds(21))->gate().Decide("c1");
  CHECK_FALSE(d.allow);
  CHECK(Contains(DenialOf(d, "LC-OBJ-3").evidence, raised));
  CHECK(Contains(DenialOf(d, "LC-OBJ-1").evidence, raised));
  const uint64_t resume = w.Resume("c1", "rec1", kObjAt + seconds(21));
  w.EndCall("c1", kEndAt);
  const CallVerdicts v = VerdictsOf(*w.Engine(kJudge), "c1", kJudge);
  REQUIRE(v.objections.size() == 1);
  CHECK_FALSE(v.objections[0].withdrawn);
  const RuleVerdict& r = RuleOf(v, "LC-OBJ-3");
  CHECK(r.verdict == Verdict::kViolated);
  CHECK_MESSAGE(Contains(r.evidence, raised), Positions(r.evidence));
  CHECK_MESSAGE(Contains(r.evidence, resume), Positions(r.evidence));
}

TEST_CASE("Media captured before an objection the same party withdrew before the 24 h deadline need not be purged") {
  ComplianceWorld w;
  const uint64_t stored = ObjectedAndStored(w);
  Verdict expected = Verdict::kOk;
  SUBCASE("withdrawn by the caller after one hour") { w.Withdraw("c1", "o1", v1::PARTY_CALLER, kObjAt + hours(1)); }
  SUBCASE("withdrawn by the caller at exactly 24 h") { w.Withdraw("c1", "o1", v1::PARTY_CALLER, kObjAt + hours(24)); }
  SUBCASE("withdrawn by the caller 1 ms after the deadline") {
    w.Withdraw("c1", "o1", v1::PARTY_CALLER, kObjAt + hours(24) + milliseconds(1));
    expected = Verdict::kViolated;
  }
  SUBCASE("'withdrawn' by the agent") {
    w.Withdraw("c1", "o1", v1::PARTY_AGENT, kObjAt + hours(1));
    expected = Verdict::kViolated;
  }
  const RuleVerdict r = RuleOf(VerdictsOf(*w.Engine(T0() + hours(72)), "c1", T0() + hours(72)), "LC-OBJ-4");
  CHECK_MESSAGE(r.verdict == expected, r.detail);
  if (expected == Verdict::kViolated) CHECK(Contains(r.evidence, stored));
}

// ---- Capability -------------------------------------------------------------------------------

TEST_CASE("The declared suspend capability must cover every recorded track") {
  ComplianceWorld w;
  ComplianceWorld::BaselineOptions o;
  o.queue_tracks = {v1::TRACK_CALLER};
  const auto p = w.BaselineWith(o);
  w.CompliantCallStart();
  {
    auto c = w.Engine(kRecAt);
    const GateDecision both = c->gate().Decide("c1");
    CHECK_FALSE(both.allow);
    CHECK(Contains(DenialOf(both, "LC-OBJ-5").evidence, p.queue));
    const GateDecision caller_only = c->gate().Decide("c1", {v1::TRACK_CALLER});
    CHECK_MESSAGE(caller_only.allow, Failing(caller_only));
  }
  std::vector<v1::Track> tracks;
  Verdict expected = Verdict::kOk;
  SUBCASE("recording the caller's track only") { tracks = {v1::TRACK_CALLER}; }
  SUBCASE("recording the caller's and the agent's tracks") {
    tracks = {v1::TRACK_CALLER, v1::TRACK_AGENT};
    expected = Verdict::kViolated;
  }
  const uint64_t rec = w.StartRecording("c1", "rec1", kRecAt, tracks);
  w.EndCall("c1", kEndAt);
  const RuleVerdict r = RuleOf(VerdictsOf(*w.Engine(kJudge), "c1", kJudge), "LC-OBJ-5");
  CHECK_MESSAGE(r.verdict == expected, r.detail);
  if (expected == Verdict::kViolated) {
    CHECK(Contains(r.evidence, p.queue));
    CHECK(Contains(r.evidence, rec));
  }
}

TEST_CASE("A suspend probe counts only when ok and at most 24 h old") {
  ComplianceWorld w;
  w.Baseline();
  const TimePoint probed_at = T0() - hours(20);
  const uint64_t probe = w.Probe("q1", true, probed_at);
  w.StartCall("c1", "a1", T0());
  w.GiveNotice("c1", T0() + seconds(10));
  auto c = w.Engine(T0() + hours(5));
  const GateDecision at_limit = c->gate().DecideAt("c1", {}, probed_at + hours(24));
  CHECK_MESSAGE(at_limit.allow, Failing(at_limit));
  const GateDecision stale = c->gate().DecideAt("c1", {}, probed_at + hours(24) + milliseconds(1));
  CHECK_FALSE(stale.allow);
  CHECK(Contains(DenialOf(stale, "LC-OBJ-5").evidence, probe));
}

TEST_CASE("A registration's probe max age override replaces the 24 h default") {
  ComplianceWorld w;
  auto details = w.Details();
  details.mutable_policy()->set_probe_max_age_hours(48);
  ComplianceWorld::BaselineOptions o;
  o.details = details;
  w.BaselineWith(o);
  const TimePoint probed_at = T0() - hours(30);
  const uint64_t probe = w.Probe("q1", true, probed_at);
  w.CompliantCallStart();
  auto c = w.Engine(kRecAt);
  const GateDecision d = c->gate().Decide("c1");
  CHECK_MESSAGE(d.allow, Failing(d));
  const GateDecision stale = c->gate().DecideAt("c1", {}, probed_at + hours(48) + milliseconds(1));
  CHECK_FALSE(stale.allow);
  CHECK(Contains(DenialOf(stale, "LC-OBJ-5").evidence, probe));
}

// ---- Unknown facts deny; facts that may never happen are simply absent ------------------------

TEST_CASE("Missing prerequisites: with no registration the gate refuses with LC-REG-1, and recording violates it") {
  ComplianceWorld w;
  ComplianceWorld::BaselineOptions o;
  o.registration = false;
  w.BaselineWith(o);
  const uint64_t start = w.StartCall("c1", "a1", T0());
  w.GiveNotice("c1", T0() + seconds(10));
  const GateDecision d = w.Engine(kRecAt)->gate().Decide("c1");
  CHECK_FALSE(d.allow);
  const RuleVerdict& deny = DenialOf(d, "LC-REG-1");
  CHECK(deny.verdict == Verdict::kViolated);
  CHECK(Contains(deny.evidence, start));
  w.StartRecording("c1", "rec1", kRecAt);
  w.EndCall("c1", kEndAt);
  CHECK(RuleOf(VerdictsOf(*w.Engine(kJudge), "c1", kJudge), "LC-REG-1").verdict == Verdict::kViolated);
}

TEST_CASE("Unknown facts deny: with no tier-1 notice the gate refuses with LC-NOT-1") {
  ComplianceWorld w;
  w.Baseline();
  w.StartCall("c1", "a1", T0());
  const GateDecision d = w.Engine(kRecAt)->gate().Decide("c1");
  CHECK_FALSE(d.allow);
  CHECK(Denies(d, "LC-NOT-1"));
  CHECK_MESSAGE(d.failing.size() == 1, Failing(d));
}

TEST_CASE("Missing prerequisites: with no declared suspend capability the gate refuses with LC-OBJ-5, violated") {
  ComplianceWorld w;
  ComplianceWorld::BaselineOptions o;
  o.queue = false;
  w.BaselineWith(o);
  const uint64_t start = w.StartCall("c1", "a1", T0());
  w.GiveNotice("c1", T0() + seconds(10));
  const GateDecision d = w.Engine(kRecAt)->gate().Decide("c1");
  CHECK_FALSE(d.allow);
  const RuleVerdict& deny = DenialOf(d, "LC-OBJ-5");
  CHECK(deny.verdict == Verdict::kViolated);
  CHECK(Contains(deny.evidence, start));
  CHECK_MESSAGE(d.failing.size() == 1, Failing(d));
}

TEST_CASE("Unknown facts deny: with the agent never informed the gate refuses with LC-AGT-1") {
  ComplianceWorld w;
  ComplianceWorld::BaselineOptions o;
  o.inform = false;
  const auto p = w.BaselineWith(o);
  w.CompliantCallStart();
  const GateDecision d = w.Engine(kRecAt)->gate().Decide("c1");
  CHECK_FALSE(d.allow);
  CHECK(Contains(DenialOf(d, "LC-AGT-1").evidence, p.provisioned));
  CHECK_MESSAGE(d.failing.size() == 1, Failing(d));
}

TEST_CASE("With no payment segment LC-DATA-1 is not applicable and does not deny") {
  ComplianceWorld w;
  RecordingC1(w);
  w.EndCall("c1", kEndAt);
  auto c = w.Engine(kJudge);
  CHECK_FALSE(Denies(c->gate().DecideAt("c1", {}, kRecAt), "LC-DATA-1"));
  const CallVerdicts v = VerdictsOf(*c, "c1", kJudge);
  CHECK(v.recorded);
  CHECK(RuleOf(v, "LC-DATA-1").verdict == Verdict::kNotApplicable);
}

// ---- Not applicable -------------------------------------------------------------------------

TEST_CASE("On a call never recorded the notice and objection rules are not applicable") {
  ComplianceWorld w;
  w.Baseline();
  w.StartCall("c1", "a1", T0());
  SUBCASE("with a completed notice and a caller objection") {
    w.GiveNotice("c1", T0() + seconds(10));
    w.Object("c1", "o1", v1::PARTY_CALLER, kObjAt);
  }
  SUBCASE("with an incomplete notice, a lost channel and an agent objection") {
    w.GiveNotice("c1", T0() + seconds(10), /*completed=*/false, /*pointer=*/false);
    w.ChannelLost("c1", T0() + seconds(20));
    w.Object("c1", "o1", v1::PARTY_AGENT, kObjAt);
  }
  w.EndCall("c1", kEndAt);
  const CallVerdicts v = VerdictsOf(*w.Engine(kJudge), "c1", kJudge);
  CHECK_FALSE(v.recorded);
  for (const char* rule : {"LC-NOT-1", "LC-NOT-2", "LC-NOT-3", "LC-NOT-4", "LC-OBJ-1", "LC-OBJ-2", "LC-OBJ-3",
                           "LC-OBJ-4", "LC-OBJ-5"}) {
    CHECK_MESSAGE(RuleOf(v, rule).verdict == Verdict::kNotApplicable,
                  rule << " is " << VerdictName(RuleOf(v, rule).verdict) << ": " << RuleOf(v, rule).detail);
  }
  CHECK(v.objections.size() == 1);  // the objection is still listed
}

// ---- Notice versions (LC-NOT-3) -------------------------------------------------------------

TEST_CASE("An amendment changing the controller requires a notice published for the new registration version") {
  ComplianceWorld w;
  const auto p = w.BaselineWith({});
  auto details = w.Details();
  details.set_controller("Example Contact Holding SA");
  *details.mutable_valid_from_time() = ToTimestamp(T0() - hours(24));
  const uint64_t amended = w.Amend(details, 2, {v1::REGISTRATION_ASPECT_CONTROLLER}, T0() - hours(24));
  w.Governance(2, T0() - hours(23));
  w.Inform("a1", 2, true, T0() - hours(22));
  bool republished = false;
  SUBCASE("the caller hears the notice written for version 1") {}
  SUBCASE("a notice is published for version 2 and given") {
    w.PublishNotices(2, 2, T0() - hours(21));
    republished = true;
  }
  w.StartCall("c1", "a1", T0());
  const uint64_t given = republished ? w.GiveNoticeVersion("c1", T0() + seconds(10), 2)
                                     : w.GiveNotice("c1", T0() + seconds(10));
  const GateDecision d = w.Engine(kRecAt)->gate().Decide("c1");
  CHECK_MESSAGE(d.allow, Failing(d));  // LC-NOT-3 is judged on the call, not at the gate
  const uint64_t rec = w.StartRecording("c1", "rec1", kRecAt);
  w.EndCall("c1", kEndAt);
  const RuleVerdict r = RuleOf(VerdictsOf(*w.Engine(kJudge), "c1", kJudge), "LC-NOT-3");
  if (republished) {
    CHECK_MESSAGE(r.verdict == Verdict::kOk, r.detail);
  } else {
    CHECK(r.verdict == Verdict::kViolated);
    CHECK_MESSAGE(Contains(r.evidence, amended), Positions(r.evidence));
    CHECK_MESSAGE(Contains(r.evidence, given), Positions(r.evidence));
    CHECK_MESSAGE(Contains(r.evidence, p.short_notice), Positions(r.evidence));
    CHECK(Contains(r.evidence, rec));
  }
}

TEST_CASE("An amendment changing only the sampling needs no new notice") {
  ComplianceWorld w;
  w.Baseline();
  auto details = w.Details();
  details.mutable_sampling()->set_warn_share_bp(400);
  *details.mutable_valid_from_time() = ToTimestamp(T0() - hours(24));
  w.Amend(details, 2, {v1::REGISTRATION_ASPECT_SAMPLING}, T0() - hours(24));
  w.Governance(2, T0() - hours(23));
  w.Inform("a1", 2, true, T0() - hours(22));
  w.CompliantCallStart();  // the notice written for version 1
  const GateDecision d = w.Engine(kRecAt)->gate().Decide("c1");
  CHECK_MESSAGE(d.allow, Failing(d));
  w.StartRecording("c1", "rec1", kRecAt);
  w.EndCall("c1", kEndAt);
  const RuleVerdict r = RuleOf(VerdictsOf(*w.Engine(kJudge), "c1", kJudge), "LC-NOT-3");
  CHECK_MESSAGE(r.verdict == Verdict::kOk, r.detail);
}

// ---- Transfers ------------------------------------------------------------------------------

TEST_CASE("A transferred call keeps the objection: the gate denies on the new leg") {
  ComplianceWorld w;
  RecordingC1(w);
  const uint64_t raised = w.Object("c1", "o1", v1::PARTY_CALLER, kObjAt);
  w.Pause("c1", "rec1", kObjAt + milliseconds(300), milliseconds(200), v1::PAUSE_CAUSE_OBJECTION, true);
  w.Transfer("c1", "c2", kObjAt + seconds(30));
  w.EndCall("c1", kObjAt + seconds(30));
  w.StartCall("c2", "a1", kObjAt + seconds(30));
  w.GiveNotice("c2", kObjAt + seconds(40));
  const GateDecision d = w.Engine(kObjAt + seconds(41))->gate().Decide("c2");
  CHECK_FALSE(d.allow);
  CHECK(Contains(DenialOf(d, "LC-OBJ-1").evidence, raised));
  CHECK(Contains(DenialOf(d, "LC-OBJ-3").evidence, raised));
  const uint64_t rec2 = w.StartRecording("c2", "rec2", kObjAt + seconds(41));
  w.EndCall("c2", kObjAt + seconds(90));
  const CallVerdicts v = VerdictsOf(*w.Engine(kJudge), "c2", kJudge);
  const RuleVerdict& r = RuleOf(v, "LC-OBJ-3");
  CHECK(r.verdict == Verdict::kViolated);
  CHECK(Contains(r.evidence, raised));
  CHECK(Contains(r.evidence, rec2));
}
