// SPDX-License-Identifier: Apache-2.0
// Rule matrix, notices to callers: LC-NOT-1 (a gate rule) and LC-NOT-2..4 (judged on the call,
// not part of LC-LIVE-1). For each rule a scenario where it holds and one where it is broken,
// with the verdict, its evidence positions and the gate's answer.
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

// ---- LC-NOT-1 -------------------------------------------------------------------------------

TEST_CASE("LC-NOT-1 holds when the tier-1 notice was completed before capture of the caller") {
  ComplianceWorld w;
  w.Baseline();
  w.CompliantCallStart();
  const GateDecision d = w.Engine(kRecAt)->gate().Decide("c1");
  CHECK_MESSAGE(d.allow, Failing(d));
  RecordC1(w);
  CHECK(RuleOf(VerdictsOf(*w.Engine(kJudge), "c1", kJudge), "LC-NOT-1").verdict == Verdict::kOk);
}

TEST_CASE("LC-NOT-1 is broken by recording after a tier-1 notice that was not completed") {
  ComplianceWorld w;
  w.Baseline();
  w.StartCall("c1", "a1", T0());
  const uint64_t notice = w.GiveNotice("c1", T0() + seconds(10), /*completed=*/false);
  const GateDecision d = w.Engine(kRecAt)->gate().Decide("c1");
  CHECK_FALSE(d.allow);
  CHECK(Contains(DenialOf(d, "LC-NOT-1").evidence, notice));
  const uint64_t rec = RecordC1(w);
  const RuleVerdict r = RuleOf(VerdictsOf(*w.Engine(kJudge), "c1", kJudge), "LC-NOT-1");
  CHECK(r.verdict == Verdict::kViolated);
  CHECK_MESSAGE(Contains(r.evidence, notice), Positions(r.evidence));
  CHECK_MESSAGE(Contains(r.evidence, rec), Positions(r.evidence));
}

TEST_CASE("LC-NOT-1 is broken by capture that begins before the tier-1 notice ends") {
  ComplianceWorld w;
  w.Baseline();
  w.StartCall("c1", "a1", T0());
  const GateDecision d = w.Engine(T0() + seconds(5))->gate().Decide("c1");
  CHECK_FALSE(d.allow);
  CHECK(Denies(d, "LC-NOT-1"));
  const uint64_t rec = w.StartRecording("c1", "rec1", T0() + seconds(5));
  w.GiveNotice("c1", T0() + seconds(10));
  w.EndCall("c1", T0() + seconds(120));
  const RuleVerdict r = RuleOf(VerdictsOf(*w.Engine(kJudge), "c1", kJudge), "LC-NOT-1");
  CHECK(r.verdict == Verdict::kViolated);
  CHECK(Contains(r.evidence, rec));
}

// ---- LC-NOT-2 -------------------------------------------------------------------------------

TEST_CASE("LC-NOT-2 holds when the pointer offered resolves to a complete full notice") {
  ComplianceWorld w;
  w.Baseline();
  w.CompliantCallStart();
  RecordC1(w);
  CHECK(RuleOf(VerdictsOf(*w.Engine(kJudge), "c1", kJudge), "LC-NOT-2").verdict == Verdict::kOk);
}

TEST_CASE("LC-NOT-2 is broken when no pointer to the full notice was offered") {
  ComplianceWorld w;
  w.Baseline();
  const uint64_t start = w.StartCall("c1", "a1", T0());
  w.GiveNotice("c1", T0() + seconds(10), /*completed=*/true, /*pointer=*/false);
  const GateDecision d = w.Engine(kRecAt)->gate().Decide("c1");
  CHECK_MESSAGE(d.allow, Failing(d));  // LC-NOT-2 is not part of LC-LIVE-1
  RecordC1(w);
  const RuleVerdict r = RuleOf(VerdictsOf(*w.Engine(kJudge), "c1", kJudge), "LC-NOT-2");
  CHECK(r.verdict == Verdict::kViolated);
  CHECK_MESSAGE(Contains(r.evidence, start), Positions(r.evidence));
}

TEST_CASE("LC-NOT-2 is broken when the pointer resolves to a full notice lacking required items") {
  ComplianceWorld w;
  w.Baseline();
  const uint64_t full = w.PublishFullNotice(
      2, 1, {v1::NOTICE_ITEM_EXISTENCE, v1::NOTICE_ITEM_CONTROLLER, v1::NOTICE_ITEM_PURPOSES}, T0() - hours(24));
  w.StartCall("c1", "a1", T0());
  const uint64_t notice = w.GiveNotice("c1", T0() + seconds(10));
  const GateDecision d = w.Engine(kRecAt)->gate().Decide("c1");
  CHECK_MESSAGE(d.allow, Failing(d));
  RecordC1(w);
  const RuleVerdict r = RuleOf(VerdictsOf(*w.Engine(kJudge), "c1", kJudge), "LC-NOT-2");
  CHECK(r.verdict == Verdict::kViolated);
  CHECK_MESSAGE(Contains(r.evidence, notice), Positions(r.evidence));
  CHECK_MESSAGE(Contains(r.evidence, full), Positions(r.evidence));
}

// ---- LC-NOT-3 -------------------------------------------------------------------------------

TEST_CASE("LC-NOT-3 holds when the notice given was published for the registration version in force") {
  ComplianceWorld w;
  w.Baseline();
  w.CompliantCallStart();
  RecordC1(w);
  CHECK(RuleOf(VerdictsOf(*w.Engine(kJudge), "c1", kJudge), "LC-NOT-3").verdict == Verdict::kOk);
}

TEST_CASE("LC-NOT-3 is broken when the notice version given was never published") {
  ComplianceWorld w;
  w.Baseline();
  w.StartCall("c1", "a1", T0());
  const uint64_t notice = w.GiveNoticeVersion("c1", T0() + seconds(10), 7);
  const GateDecision d = w.Engine(kRecAt)->gate().Decide("c1");
  CHECK_MESSAGE(d.allow, Failing(d));  // LC-NOT-3 is not part of LC-LIVE-1
  const uint64_t rec = RecordC1(w);
  const RuleVerdict r = RuleOf(VerdictsOf(*w.Engine(kJudge), "c1", kJudge), "LC-NOT-3");
  CHECK(r.verdict == Verdict::kViolated);
  CHECK_MESSAGE(Contains(r.evidence, notice), Positions(r.evidence));
  CHECK(Contains(r.evidence, rec));
}

// ---- LC-NOT-4 -------------------------------------------------------------------------------

TEST_CASE("LC-NOT-4 holds when the objection channel was lost and restored before capture") {
  ComplianceWorld w;
  w.Baseline();
  w.StartCall("c1", "a1", T0());
  w.ChannelLost("c1", T0() + seconds(2));
  w.ChannelRestored("c1", T0() + seconds(4));
  w.GiveNotice("c1", T0() + seconds(10));
  RecordC1(w);
  CHECK(RuleOf(VerdictsOf(*w.Engine(kJudge), "c1", kJudge), "LC-NOT-4").verdict == Verdict::kOk);
}

TEST_CASE("LC-NOT-4 is broken when every objection channel is lost during capture and never restored") {
  ComplianceWorld w;
  w.Baseline();
  w.CompliantCallStart();
  w.StartRecording("c1", "rec1", kRecAt);
  const uint64_t lost = w.ChannelLost("c1", T0() + seconds(30));
  w.EndCall("c1", T0() + seconds(120));
  auto c = w.Engine(kJudge);
  CHECK_FALSE(Denies(c->gate().DecideAt("c1", {}, T0() + seconds(31)), "LC-NOT-4"));  // not in LC-LIVE-1
  const RuleVerdict r = RuleOf(VerdictsOf(*c, "c1", kJudge), "LC-NOT-4");
  CHECK(r.verdict == Verdict::kViolated);
  CHECK_MESSAGE(Contains(r.evidence, lost), Positions(r.evidence));
}

TEST_CASE("LC-NOT-4 is broken by a gap in every objection channel during capture, even if restored") {
  ComplianceWorld w;
  w.Baseline();
  w.CompliantCallStart();
  w.StartRecording("c1", "rec1", kRecAt);
  const uint64_t lost = w.ChannelLost("c1", T0() + seconds(30));
  w.ChannelRestored("c1", T0() + seconds(40));
  w.EndCall("c1", T0() + seconds(120));
  const RuleVerdict r = RuleOf(VerdictsOf(*w.Engine(kJudge), "c1", kJudge), "LC-NOT-4");
  CHECK(r.verdict == Verdict::kViolated);
  CHECK(Contains(r.evidence, lost));
}
