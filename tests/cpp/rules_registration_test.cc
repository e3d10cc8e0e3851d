// SPDX-License-Identifier: Apache-2.0
// Rule matrix, registration and governance: LC-REG-1..3 (gate rules) and LC-GOV-1..3 (judged at
// capture, not part of LC-LIVE-1). For each rule a scenario where it holds and one where it is
// broken, with the verdict, its evidence positions and the gate's answer.
#include <doctest/doctest.h>

#include "compliance_fixture.h"

using namespace consent;
using namespace consent::testing;

namespace {

const TimePoint kRecAt = T0() + seconds(11);   // capture begins (notice completed at T0+10s)
const TimePoint kJudge = T0() + seconds(200);  // verdicts judged after the call

// c1 of a1 started at T0 with its notice; returns nothing: the gate is asked before capture.
void StartC1(ComplianceWorld& w) { w.CompliantCallStart("c1"); }

// Capture of c1 at kRecAt and the end of the call; returns the RecordingStarted position.
uint64_t RecordC1(ComplianceWorld& w) {
  const uint64_t rec = w.StartRecording("c1", "rec1", kRecAt);
  w.EndCall("c1", T0() + seconds(120));
  return rec;
}

}  // namespace

// ---- LC-REG-1 -------------------------------------------------------------------------------

TEST_CASE("LC-REG-1 holds when an active, complete registration covers the recorded call") {
  ComplianceWorld w;
  w.Baseline();
  StartC1(w);
  const GateDecision d = w.Engine(kRecAt)->gate().Decide("c1");
  CHECK_MESSAGE(d.allow, Failing(d));
  RecordC1(w);
  const CallVerdicts v = VerdictsOf(*w.Engine(kJudge), "c1", kJudge);
  CHECK(v.recorded);
  CHECK(RuleOf(v, "LC-REG-1").verdict == Verdict::kOk);
  CHECK(RuleOf(v, "LC-REG-1").evidence.empty());
}

TEST_CASE("LC-REG-1 is broken by recording under a registration without a controller") {
  ComplianceWorld w;
  auto details = w.Details();
  details.clear_controller();
  ComplianceWorld::BaselineOptions o;
  o.details = details;
  const auto p = w.BaselineWith(o);
  StartC1(w);
  const GateDecision d = w.Engine(kRecAt)->gate().Decide("c1");
  CHECK_FALSE(d.allow);
  const RuleVerdict& deny = DenialOf(d, "LC-REG-1");
  CHECK(deny.verdict == Verdict::kViolated);
  CHECK_MESSAGE(Contains(deny.evidence, p.registration), Positions(deny.evidence));
  const uint64_t rec = RecordC1(w);
  const CallVerdicts v = VerdictsOf(*w.Engine(kJudge), "c1", kJudge);
  const RuleVerdict& r = RuleOf(v, "LC-REG-1");
  CHECK(r.verdict == Verdict::kViolated);
  CHECK_MESSAGE(Contains(r.evidence, p.registration), Positions(r.evidence));
  CHECK_MESSAGE(Contains(r.evidence, rec), Positions(r.evidence));
}

TEST_CASE("LC-REG-1 is broken by recording after the registration ended") {
  ComplianceWorld w;
  w.Baseline();
  const uint64_t ended = w.EndRegistration(T0() - hours(1));
  StartC1(w);
  const GateDecision d = w.Engine(kRecAt)->gate().Decide("c1");
  CHECK_FALSE(d.allow);
  CHECK(Contains(DenialOf(d, "LC-REG-1").evidence, ended));
  const uint64_t rec = RecordC1(w);
  const CallVerdicts v = VerdictsOf(*w.Engine(kJudge), "c1", kJudge);
  const RuleVerdict& r = RuleOf(v, "LC-REG-1");
  CHECK(r.verdict == Verdict::kViolated);
  CHECK_MESSAGE(Contains(r.evidence, ended), Positions(r.evidence));
  CHECK_MESSAGE(Contains(r.evidence, rec), Positions(r.evidence));
}

TEST_CASE("LC-REG-1 is broken by live listening after the registration ended") {
  ComplianceWorld w;
  w.Baseline();
  const uint64_t ended = w.EndRegistration(T0() - hours(1));
  StartC1(w);
  const uint64_t listen = w.LiveListen("c1", "u-trainer", "trainer", v1::PURPOSE_TRAINING, kRecAt);
  w.EndCall("c1", T0() + seconds(120));
  const CallVerdicts v = VerdictsOf(*w.Engine(kJudge), "c1", kJudge);
  CHECK(v.recorded);
  const RuleVerdict& r = RuleOf(v, "LC-REG-1");
  CHECK(r.verdict == Verdict::kViolated);
  CHECK_MESSAGE(Contains(r.evidence, ended), Positions(r.evidence));
  CHECK_MESSAGE(Contains(r.evidence, listen), Positions(r.evidence));
}

// ---- LC-REG-2 -------------------------------------------------------------------------------

TEST_CASE("LC-REG-2 holds for contract evidence declared with a legal text reference") {
  ComplianceWorld w;
  auto details = w.Details();
  auto* contract = details.add_purposes();
  contract->set_purpose(v1::PURPOSE_CONTRACT_EVIDENCE);
  contract->set_legal_text_ref("Code monetaire et financier, art. L. 533-10");
  ComplianceWorld::BaselineOptions o;
  o.details = details;
  w.BaselineWith(o);
  StartC1(w);
  const GateDecision d = w.Engine(kRecAt)->gate().Decide("c1");
  CHECK_MESSAGE(d.allow, Failing(d));
  RecordC1(w);
  const CallVerdicts v = VerdictsOf(*w.Engine(kJudge), "c1", kJudge);
  CHECK(RuleOf(v, "LC-REG-2").verdict == Verdict::kOk);
}

TEST_CASE("LC-REG-2 is broken by recording everything against abusive callers") {
  ComplianceWorld w;
  auto details = w.Details();
  auto* other = details.add_purposes();
  other->set_purpose(v1::PURPOSE_OTHER);
  other->set_description("recording everything against abusive callers");
  ComplianceWorld::BaselineOptions o;
  o.details = details;
  const auto p = w.BaselineWith(o);
  StartC1(w);
  const GateDecision d = w.Engine(kRecAt)->gate().Decide("c1");
  CHECK_FALSE(d.allow);
  CHECK(Contains(DenialOf(d, "LC-REG-2").evidence, p.registration));
  const uint64_t rec = RecordC1(w);
  const CallVerdicts v = VerdictsOf(*w.Engine(kJudge), "c1", kJudge);
  const RuleVerdict& r = RuleOf(v, "LC-REG-2");
  CHECK(r.verdict == Verdict::kViolated);
  CHECK_MESSAGE(Contains(r.evidence, p.registration), Positions(r.evidence));
  CHECK_MESSAGE(Contains(r.evidence, rec), Positions(r.evidence));
}

TEST_CASE("LC-REG-2 is broken by contract evidence without a legal text reference") {
  ComplianceWorld w;
  auto details = w.Details();
  details.add_purposes()->set_purpose(v1::PURPOSE_CONTRACT_EVIDENCE);
  ComplianceWorld::BaselineOptions o;
  o.details = details;
  const auto p = w.BaselineWith(o);
  StartC1(w);
  const GateDecision d = w.Engine(kRecAt)->gate().Decide("c1");
  CHECK_FALSE(d.allow);
  CHECK(Contains(DenialOf(d, "LC-REG-2").evidence, p.registration));
  const uint64_t rec = RecordC1(w);
  const CallVerdicts v = VerdictsOf(*w.Engine(kJudge), "c1", kJudge);
  const RuleVerdict& r = RuleOf(v, "LC-REG-2");
  CHECK(r.verdict == Verdict::kViolated);
  CHECK(Contains(r.evidence, p.registration));
  CHECK(Contains(r.evidence, rec));
}

// ---- LC-REG-3 -------------------------------------------------------------------------------

TEST_CASE("LC-REG-3 holds for a longer retention that carries a legal text reference") {
  ComplianceWorld w;
  auto details = w.Details();
  details.set_recording_retention_months(24);
  details.set_recording_retention_legal_text_ref("Code de commerce, art. L. 123-22");
  ComplianceWorld::BaselineOptions o;
  o.details = details;
  w.BaselineWith(o);
  StartC1(w);
  const GateDecision d = w.Engine(kRecAt)->gate().Decide("c1");
  CHECK_MESSAGE(d.allow, Failing(d));
  RecordC1(w);
  const CallVerdicts v = VerdictsOf(*w.Engine(kJudge), "c1", kJudge);
  CHECK(RuleOf(v, "LC-REG-3").verdict == Verdict::kOk);
}

TEST_CASE("LC-REG-3 is broken by a 7-month recording retention without a legal text reference") {
  ComplianceWorld w;
  auto details = w.Details();
  details.set_recording_retention_months(7);
  ComplianceWorld::BaselineOptions o;
  o.details = details;
  const auto p = w.BaselineWith(o);
  StartC1(w);
  const GateDecision d = w.Engine(kRecAt)->gate().Decide("c1");
  CHECK_FALSE(d.allow);
  CHECK(Contains(DenialOf(d, "LC-REG-3").evidence, p.registration));
  const uint64_t rec = RecordC1(w);
  const CallVerdicts v = VerdictsOf(*w.Engine(kJudge), "c1", kJudge);
  const RuleVerdict& r = RuleOf(v, "LC-REG-3");
  CHECK(r.verdict == Verdict::kViolated);
  CHECK(Contains(r.evidence, p.registration));
  CHECK(Contains(r.evidence, rec));
}

TEST_CASE("LC-REG-3 is broken by a 13-month analysis retention without a legal text reference") {
  ComplianceWorld w;
  auto details = w.Details();
  details.set_analysis_retention_months(13);
  ComplianceWorld::BaselineOptions o;
  o.details = details;
  const auto p = w.BaselineWith(o);
  StartC1(w);
  const GateDecision d = w.Engine(kRecAt)->gate().Decide("c1");
  CHECK_FALSE(d.allow);
  CHECK(Contains(DenialOf(d, "LC-REG-3").evidence, p.registration));
  const uint64_t rec = RecordC1(w);
  const CallVerdicts v = VerdictsOf(*w.Engine(kJudge), "c1", kJudge);
  const RuleVerdict& r = RuleOf(v, "LC-REG-3");
  CHECK(r.verdict == Verdict::kViolated);
  CHECK(Contains(r.evidence, rec));
}

// ---- LC-GOV-1 -------------------------------------------------------------------------------

TEST_CASE("LC-GOV-1 holds when the staff committee was consulted before the first recording") {
  ComplianceWorld w;
  w.Baseline();
  StartC1(w);
  const GateDecision d = w.Engine(kRecAt)->gate().Decide("c1");
  CHECK_MESSAGE(d.allow, Failing(d));
  RecordC1(w);
  const CallVerdicts v = VerdictsOf(*w.Engine(kJudge), "c1", kJudge);
  CHECK(RuleOf(v, "LC-GOV-1").verdict == Verdict::kOk);
}

TEST_CASE("LC-GOV-1 is broken by recording without consulting the staff committee, which the gate does not judge") {
  ComplianceWorld w;
  ComplianceWorld::BaselineOptions o;
  o.cse = false;
  const auto p = w.BaselineWith(o);
  StartC1(w);
  const GateDecision d = w.Engine(kRecAt)->gate().Decide("c1");
  CHECK_MESSAGE(d.allow, Failing(d));  // LC-GOV-1 is not part of LC-LIVE-1
  CHECK_FALSE(Denies(d, "LC-GOV-1"));
  const uint64_t rec = RecordC1(w);
  const CallVerdicts v = VerdictsOf(*w.Engine(kJudge), "c1", kJudge);
  const RuleVerdict& r = RuleOf(v, "LC-GOV-1");
  CHECK(r.verdict == Verdict::kViolated);
  CHECK_MESSAGE(Contains(r.evidence, p.registration), Positions(r.evidence));
  CHECK_MESSAGE(Contains(r.evidence, rec), Positions(r.evidence));
}

TEST_CASE("LC-GOV-1 is broken by a consultation that comes only after the first recording") {
  ComplianceWorld w;
  ComplianceWorld::BaselineOptions o;
  o.cse = false;
  w.BaselineWith(o);
  StartC1(w);
  const uint64_t rec = RecordC1(w);
  w.Cse(1, T0() + hours(1));
  const CallVerdicts v = VerdictsOf(*w.Engine(T0() + hours(2)), "c1", T0() + hours(2));
  const RuleVerdict& r = RuleOf(v, "LC-GOV-1");
  CHECK(r.verdict == Verdict::kViolated);
  CHECK(Contains(r.evidence, rec));
}

TEST_CASE("LC-GOV-1 is broken by recording under a new registration version the committee never saw") {
  ComplianceWorld w;
  w.Baseline();
  auto details = w.Details();
  details.mutable_policy()->set_pause_budget_ms(1500);
  *details.mutable_valid_from_time() = ToTimestamp(T0() - hours(24));
  const uint64_t amended = w.Amend(details, 2, {v1::REGISTRATION_ASPECT_POLICY}, T0() - hours(24));
  w.Dpo(2, T0() - hours(23));
  w.Inform("a1", 2, true, T0() - hours(22));
  StartC1(w);
  const GateDecision d = w.Engine(kRecAt)->gate().Decide("c1");
  CHECK_MESSAGE(d.allow, Failing(d));
  const uint64_t rec = RecordC1(w);
  const CallVerdicts v = VerdictsOf(*w.Engine(kJudge), "c1", kJudge);
  const RuleVerdict& r = RuleOf(v, "LC-GOV-1");
  CHECK(r.verdict == Verdict::kViolated);
  CHECK_MESSAGE(Contains(r.evidence, amended), Positions(r.evidence));
  CHECK(Contains(r.evidence, rec));
}

// ---- LC-GOV-2 -------------------------------------------------------------------------------

TEST_CASE("LC-GOV-2 is broken by recording without consulting the appointed DPO") {
  ComplianceWorld w;
  ComplianceWorld::BaselineOptions o;
  o.dpo = false;
  const auto p = w.BaselineWith(o);
  StartC1(w);
  const GateDecision d = w.Engine(kRecAt)->gate().Decide("c1");
  CHECK_MESSAGE(d.allow, Failing(d));  // not part of LC-LIVE-1
  const uint64_t rec = RecordC1(w);
  const CallVerdicts v = VerdictsOf(*w.Engine(kJudge), "c1", kJudge);
  const RuleVerdict& r = RuleOf(v, "LC-GOV-2");
  CHECK(r.verdict == Verdict::kViolated);
  CHECK(Contains(r.evidence, p.registration));
  CHECK(Contains(r.evidence, rec));
}

// ---- LC-GOV-3 -------------------------------------------------------------------------------

TEST_CASE("LC-GOV-3 holds when a DPIA reference is recorded") {
  ComplianceWorld w;
  w.Baseline();
  StartC1(w);
  RecordC1(w);
  const CallVerdicts v = VerdictsOf(*w.Engine(kJudge), "c1", kJudge);
  CHECK(RuleOf(v, "LC-GOV-3").verdict == Verdict::kOk);
}

TEST_CASE("LC-GOV-3 is broken by recording without any DPIA reference") {
  ComplianceWorld w;
  ComplianceWorld::BaselineOptions o;
  o.dpia = false;
  const auto p = w.BaselineWith(o);
  StartC1(w);
  const GateDecision d = w.Engine(kRecAt)->gate().Decide("c1");
  CHECK_MESSAGE(d.allow, Failing(d));  // not part of LC-LIVE-1
  const uint64_t rec = RecordC1(w);
  const CallVerdicts v = VerdictsOf(*w.Engine(kJudge), "c1", kJudge);
  const RuleVerdict& r = RuleOf(v, "LC-GOV-3");
  CHECK(r.verdict == Verdict::kViolated);
  CHECK(Contains(r.evidence, p.registration));
  CHECK(Contains(r.evidence, rec));
}
