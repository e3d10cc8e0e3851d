// SPDX-License-Identifier: Apache-2.0
// Rule matrix, agents, private calls and proportionality: LC-AGT-1..3, LC-PRIV-1, LC-PROP-1.
// For each rule a scenario where it holds and one where it is broken, with the verdict, its
// evidence positions and the gate's answer.
#include <doctest/doctest.h>

#include "compliance_fixture.h"

using namespace consent;
using namespace consent::testing;

namespace {

const TimePoint kRecAt = T0() + seconds(11);
const TimePoint kJudge = T0() + seconds(200);

uint64_t RecordC1(ComplianceWorld& w) {
  const uint64_t rec = w.StartRecording("c1", "rec1", kRecAt);
  w.EndCall("c1", T0() + seconds(120));
  return rec;
}

}  // namespace

// ---- LC-AGT-1 -------------------------------------------------------------------------------

TEST_CASE("LC-AGT-1 holds for an agent informed of every item under the version in force") {
  ComplianceWorld w;
  w.Baseline();
  w.CompliantCallStart();
  const GateDecision d = w.Engine(kRecAt)->gate().Decide("c1");
  CHECK_MESSAGE(d.allow, Failing(d));
  RecordC1(w);
  auto c = w.Engine(kJudge);
  const CallVerdicts v = VerdictsOf(*c, "c1", kJudge);
  CHECK(RuleOf(v, "LC-AGT-1").verdict == Verdict::kOk);
  CHECK(AgentOf(*c, "a1", kJudge).informed);
}

TEST_CASE("LC-AGT-1 is broken by recording an agent informed without every item") {
  ComplianceWorld w;
  ComplianceWorld::BaselineOptions o;
  o.inform_all_items = false;
  const auto p = w.BaselineWith(o);
  w.CompliantCallStart();
  const GateDecision d = w.Engine(kRecAt)->gate().Decide("c1");
  CHECK_FALSE(d.allow);
  const RuleVerdict& deny = DenialOf(d, "LC-AGT-1");
  CHECK(Contains(deny.evidence, p.provisioned));
  CHECK(Contains(deny.evidence, p.informed));
  const uint64_t rec = RecordC1(w);
  auto c = w.Engine(kJudge);
  const CallVerdicts v = VerdictsOf(*c, "c1", kJudge);
  const RuleVerdict& r = RuleOf(v, "LC-AGT-1");
  CHECK(r.verdict == Verdict::kViolated);
  CHECK_MESSAGE(Contains(r.evidence, rec), Positions(r.evidence));
  CHECK_MESSAGE(Contains(r.evidence, p.informed), Positions(r.evidence));
  CHECK_FALSE(AgentOf(*c, "a1", kJudge).informed);
}

TEST_CASE("LC-AGT-1 is broken by recording an agent informed only under an earlier registration version") {
  ComplianceWorld w;
  const auto p = w.BaselineWith({});
  auto details = w.Details();
  details.mutable_policy()->set_pause_budget_ms(1500);
  *details.mutable_valid_from_time() = ToTimestamp(T0() - hours(24));
  w.Amend(details, 2, {v1::REGISTRATION_ASPECT_POLICY}, T0() - hours(24));
  w.Governance(2, T0() - hours(23));
  w.CompliantCallStart();
  const GateDecision d = w.Engine(kRecAt)->gate().Decide("c1");
  CHECK_FALSE(d.allow);
  CHECK(Contains(DenialOf(d, "LC-AGT-1").evidence, p.provisioned));
  const uint64_t rec = RecordC1(w);
  const CallVerdicts v = VerdictsOf(*w.Engine(kJudge), "c1", kJudge);
  const RuleVerdict& r = RuleOf(v, "LC-AGT-1");
  CHECK(r.verdict == Verdict::kViolated);
  CHECK(Contains(r.evidence, rec));
  CHECK(Contains(r.evidence, p.informed));  // the latest information, under version 1
}

// ---- LC-AGT-2 (attaches to the agent; not part of LC-LIVE-1) --------------------------------

TEST_CASE("LC-AGT-2 holds for captures inside a window announced beforehand") {
  ComplianceWorld w;
  w.Baseline();
  w.CompliantCallStart();
  const GateDecision d = w.Engine(kRecAt)->gate().Decide("c1");
  CHECK_MESSAGE(d.allow, Failing(d));
  RecordC1(w);
  const AgentSummary s = AgentOf(*w.Engine(kJudge), "a1", kJudge);
  CHECK(AgentRuleOf(s, "LC-AGT-2").verdict == Verdict::kOk);
}

TEST_CASE("LC-AGT-2 is broken by a capture outside every announced window") {
  ComplianceWorld w;
  ComplianceWorld::BaselineOptions o;
  o.inform = false;
  w.BaselineWith(o);
  w.InformWithWindow("a1", 1, T0() + hours(24), T0() + hours(48), T0() - hours(24 * 56));
  w.CompliantCallStart();
  const GateDecision d = w.Engine(kRecAt)->gate().Decide("c1");
  CHECK_MESSAGE(d.allow, Failing(d));  // LC-AGT-2 is not part of LC-LIVE-1
  const uint64_t rec = RecordC1(w);
  const AgentSummary s = AgentOf(*w.Engine(kJudge), "a1", kJudge);
  const RuleVerdict& r = AgentRuleOf(s, "LC-AGT-2");
  CHECK(r.verdict == Verdict::kViolated);
  CHECK_MESSAGE(Contains(r.evidence, rec), Positions(r.evidence));
}

TEST_CASE("LC-AGT-2 is broken by a capture inside a window announced only afterwards") {
  ComplianceWorld w;
  ComplianceWorld::BaselineOptions o;
  o.inform = false;
  w.BaselineWith(o);
  w.InformWithWindow("a1", 1, T0() + hours(24), T0() + hours(48), T0() - hours(24 * 56));
  // The window covers the call but is announced one hour after the capture.
  w.AnnounceWindow("a1", T0() - hours(1), T0() + hours(8), T0() + hours(1));
  w.CompliantCallStart();
  const uint64_t rec = RecordC1(w);
  const AgentSummary s = AgentOf(*w.Engine(T0() + hours(2)), "a1", T0() + hours(2));
  const RuleVerdict& r = AgentRuleOf(s, "LC-AGT-2");
  CHECK(r.verdict == Verdict::kViolated);
  CHECK(Contains(r.evidence, rec));
}

// ---- LC-AGT-3 -------------------------------------------------------------------------------

TEST_CASE("LC-AGT-3 holds for a protected employee with an exclusion key") {
  ComplianceWorld w;
  w.Baseline();
  w.ProvisionProtected("a1", "", true, T0() - hours(24));
  w.CompliantCallStart();
  const GateDecision d = w.Engine(kRecAt)->gate().Decide("c1");
  CHECK_MESSAGE(d.allow, Failing(d));
  RecordC1(w);
  auto c = w.Engine(kJudge);
  const CallVerdicts v = VerdictsOf(*c, "c1", kJudge);
  CHECK(RuleOf(v, "LC-AGT-3").verdict == Verdict::kOk);
  const AgentSummary s = AgentOf(*c, "a1", kJudge);
  CHECK(s.is_protected);
  CHECK(s.protection_means);
}

TEST_CASE("LC-AGT-3 is broken by recording a protected employee with no private line or exclusion key") {
  ComplianceWorld w;
  w.Baseline();
  const uint64_t prov = w.ProvisionProtected("a1", "", false, T0() - hours(24));
  w.CompliantCallStart();
  const GateDecision d = w.Engine(kRecAt)->gate().Decide("c1");
  CHECK_FALSE(d.allow);
  CHECK(Contains(DenialOf(d, "LC-AGT-3").evidence, prov));
  const uint64_t rec = RecordC1(w);
  const CallVerdicts v = VerdictsOf(*w.Engine(kJudge), "c1", kJudge);
  const RuleVerdict& r = RuleOf(v, "LC-AGT-3");
  CHECK(r.verdict == Verdict::kViolated);
  CHECK_MESSAGE(Contains(r.evidence, prov), Positions(r.evidence));
  CHECK_MESSAGE(Contains(r.evidence, rec), Positions(r.evidence));
}

TEST_CASE("LC-AGT-3 is broken by recording a call flagged as mandate-related") {
  ComplianceWorld w;
  w.Baseline();
  w.ProvisionProtected("a1", "", true, T0() - hours(24));
  w.CompliantCallStart();
  const uint64_t flag = w.FlagPrivate("c1", T0() + seconds(5), /*mandate_related=*/true);
  const GateDecision d = w.Engine(kRecAt)->gate().Decide("c1");
  CHECK_FALSE(d.allow);
  CHECK(Contains(DenialOf(d, "LC-AGT-3").evidence, flag));
  const uint64_t rec = RecordC1(w);
  const CallVerdicts v = VerdictsOf(*w.Engine(kJudge), "c1", kJudge);
  const RuleVerdict& r = RuleOf(v, "LC-AGT-3");
  CHECK(r.verdict == Verdict::kViolated);
  CHECK_MESSAGE(Contains(r.evidence, flag), Positions(r.evidence));
  CHECK_MESSAGE(Contains(r.evidence, rec), Positions(r.evidence));
}

TEST_CASE("LC-AGT-3 is broken by recording a call on the protected employee's private line") {
  ComplianceWorld w;
  w.Baseline();
  w.ProvisionProtected("a1", "pl-1", false, T0() - hours(24));
  const uint64_t start = w.StartCallOnLine("c1", "a1", "pl-1", T0());
  w.GiveNotice("c1", T0() + seconds(10));
  const GateDecision d = w.Engine(kRecAt)->gate().Decide("c1");
  CHECK_FALSE(d.allow);
  CHECK(Contains(DenialOf(d, "LC-AGT-3").evidence, start));
  const uint64_t rec = RecordC1(w);
  const CallVerdicts v = VerdictsOf(*w.Engine(kJudge), "c1", kJudge);
  const RuleVerdict& r = RuleOf(v, "LC-AGT-3");
  CHECK(r.verdict == Verdict::kViolated);
  CHECK(Contains(r.evidence, start));
  CHECK(Contains(r.evidence, rec));
}

// ---- LC-PRIV-1 ------------------------------------------------------------------------------

TEST_CASE("LC-PRIV-1 holds when capture stops within 2 s of a private flag and the media is purged within 24 h") {
  ComplianceWorld w;
  w.Baseline();
  w.CompliantCallStart();
  w.StartRecording("c1", "rec1", kRecAt);
  const TimePoint flag_at = T0() + seconds(60);
  const uint64_t flag = w.FlagPrivate("c1", flag_at);
  {
    const GateDecision d = w.Engine(flag_at + milliseconds(100))->gate().Decide("c1");
    CHECK_FALSE(d.allow);
    CHECK(Contains(DenialOf(d, "LC-PRIV-1").evidence, flag));
    CHECK(d.must_stop);
    CHECK(StopsFor(d, "LC-PRIV-1"));
  }
  w.Pause("c1", "rec1", flag_at + milliseconds(300), milliseconds(400), v1::PAUSE_CAUSE_PRIVATE_FLAG, /*stop=*/true);
  w.EndCall("c1", T0() + seconds(120));
  w.Store("c1", "rec1", "primary", T0() + seconds(130));
  w.Purge("c1", "rec1", "primary", flag_at + hours(2));
  auto c = w.Engine(T0() + hours(48));
  const CallVerdicts v = VerdictsOf(*c, "c1", T0() + hours(48));
  CHECK(v.private_call);
  const RuleVerdict& r = RuleOf(v, "LC-PRIV-1");
  CHECK_MESSAGE(r.verdict == Verdict::kOk, r.detail);
  const GateDecision after = c->gate().DecideAt("c1", {}, flag_at + seconds(10));
  CHECK(Denies(after, "LC-PRIV-1"));  // a private call is never recorded again
}

TEST_CASE("LC-PRIV-1 is broken by recording a call already flagged private") {
  ComplianceWorld w;
  w.Baseline();
  w.CompliantCallStart();
  const uint64_t flag = w.FlagPrivate("c1", T0() + seconds(5));
  const GateDecision d = w.Engine(kRecAt)->gate().Decide("c1");
  CHECK_FALSE(d.allow);
  CHECK(Contains(DenialOf(d, "LC-PRIV-1").evidence, flag));
  const uint64_t rec = RecordC1(w);
  const CallVerdicts v = VerdictsOf(*w.Engine(kJudge), "c1", kJudge);
  const RuleVerdict& r = RuleOf(v, "LC-PRIV-1");
  CHECK(r.verdict == Verdict::kViolated);
  CHECK_MESSAGE(Contains(r.evidence, flag), Positions(r.evidence));
  CHECK_MESSAGE(Contains(r.evidence, rec), Positions(r.evidence));
}

TEST_CASE("LC-PRIV-1 is broken when capture keeps running after a private flag") {
  ComplianceWorld w;
  w.Baseline();
  w.CompliantCallStart();
  const uint64_t rec = w.StartRecording("c1", "rec1", kRecAt);
  const uint64_t flag = w.FlagPrivate("c1", T0() + seconds(60));
  w.EndCall("c1", T0() + seconds(120));
  const CallVerdicts v = VerdictsOf(*w.Engine(kJudge), "c1", kJudge);
  const RuleVerdict& r = RuleOf(v, "LC-PRIV-1");
  CHECK(r.verdict == Verdict::kViolated);
  CHECK_MESSAGE(Contains(r.evidence, flag), Positions(r.evidence));
  CHECK_MESSAGE(Contains(r.evidence, rec), Positions(r.evidence));
}

// ---- LC-PROP-1 ------------------------------------------------------------------------------

TEST_CASE("LC-PROP-1 holds for one recorded call in ten over 30 days") {
  ComplianceWorld w;
  w.Baseline();
  w.CompliantCallStart();
  const GateDecision d = w.Engine(kRecAt)->gate().Decide("c1");
  CHECK_MESSAGE(d.allow, Failing(d));
  RecordC1(w);
  auto c = w.Engine(kJudge);
  CHECK(RuleOf(VerdictsOf(*c, "c1", kJudge), "LC-PROP-1").verdict == Verdict::kOk);
  const AgentSummary s = AgentOf(*c, "a1", kJudge);
  CHECK(s.handled_calls == 10);
  CHECK(s.recorded_calls == 1);
  CHECK(AgentRuleOf(s, "LC-PROP-1").verdict == Verdict::kOk);
}

TEST_CASE("LC-PROP-1 is broken by recording one call in nine over 30 days") {
  ComplianceWorld w;
  ComplianceWorld::BaselineOptions o;
  o.prior_calls = 8;
  w.BaselineWith(o);
  const uint64_t start = w.StartCall("c1", "a1", T0());
  w.GiveNotice("c1", T0() + seconds(10));
  const GateDecision d = w.Engine(kRecAt)->gate().Decide("c1");
  CHECK_FALSE(d.allow);
  CHECK(Contains(DenialOf(d, "LC-PROP-1").evidence, start));
  const uint64_t rec = RecordC1(w);
  auto c = w.Engine(kJudge);
  const CallVerdicts v = VerdictsOf(*c, "c1", kJudge);
  const RuleVerdict& r = RuleOf(v, "LC-PROP-1");
  CHECK(r.verdict == Verdict::kViolated);
  CHECK_MESSAGE(Contains(r.evidence, start), Positions(r.evidence));
  CHECK_MESSAGE(Contains(r.evidence, rec), Positions(r.evidence));
  const AgentSummary s = AgentOf(*c, "a1", kJudge);
  CHECK(s.over_max_share);
  CHECK(AgentRuleOf(s, "LC-PROP-1").verdict == Verdict::kViolated);
}

TEST_CASE("LC-PROP-1 holds for a record-all mode that carries a legal text reference") {
  ComplianceWorld w;
  auto details = w.Details();
  details.mutable_sampling()->set_record_all(true);
  details.mutable_sampling()->set_record_all_legal_text_ref("Code monetaire et financier, art. L. 533-10");
  ComplianceWorld::BaselineOptions o;
  o.details = details;
  o.prior_calls = 0;  // every call recorded: the share does not apply
  w.BaselineWith(o);
  w.CompliantCallStart();
  const GateDecision d = w.Engine(kRecAt)->gate().Decide("c1");
  CHECK_MESSAGE(d.allow, Failing(d));
  RecordC1(w);
  CHECK(RuleOf(VerdictsOf(*w.Engine(kJudge), "c1", kJudge), "LC-PROP-1").verdict == Verdict::kOk);
}

TEST_CASE("LC-PROP-1 is broken by a record-all mode without a legal text reference") {
  ComplianceWorld w;
  auto details = w.Details();
  details.mutable_sampling()->set_record_all(true);
  ComplianceWorld::BaselineOptions o;
  o.details = details;
  const auto p = w.BaselineWith(o);
  w.CompliantCallStart();
  const GateDecision d = w.Engine(kRecAt)->gate().Decide("c1");
  CHECK_FALSE(d.allow);
  CHECK(Contains(DenialOf(d, "LC-PROP-1").evidence, p.registration));
  const uint64_t rec = RecordC1(w);
  const RuleVerdict r = RuleOf(VerdictsOf(*w.Engine(kJudge), "c1", kJudge), "LC-PROP-1");
  CHECK(r.verdict == Verdict::kViolated);
  CHECK(Contains(r.evidence, p.registration));
  CHECK(Contains(r.evidence, rec));
}
