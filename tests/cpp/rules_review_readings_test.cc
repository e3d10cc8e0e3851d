// SPDX-License-Identifier: Apache-2.0
// The readings RULES.md settles for edge cases found by an independent review: missing
// prerequisites, mandate calls, record-all under a legal text, governance before recording,
// transfers, what happened is recorded then judged, one fault one rule, payment segments and
// objection channels. Each reading has a held and a broken case.
#include <doctest/doctest.h>

#include <limits>

#include "compliance_fixture.h"
#include "consent/ledger.h"
#include "projections/engine.h"

using namespace consent;
using namespace consent::testing;

namespace {

const TimePoint kRecAt = T0() + seconds(11);
const TimePoint kObjAt = T0() + seconds(60);
const TimePoint kEndAt = T0() + seconds(120);
const TimePoint kJudge = T0() + seconds(200);

ComplianceWorld::BaselineOptions ManyPriorCalls() {
  ComplianceWorld::BaselineOptions o;
  o.prior_calls = 40;  // room in the 10 % share for a few recordings
  return o;
}

// The call continues on the same call id in `queue` (and with `agent` when set).
uint64_t TransferToQueue(ComplianceWorld& w, const std::string& call, const std::string& queue, TimePoint at,
                         const std::string& agent = "") {
  Event e;
  auto* p = e.mutable_call_transferred();
  p->set_call_id(call);
  p->set_from_agent_ref("a1");
  p->set_to_agent_ref(agent);
  p->set_from_queue_id("q1");
  p->set_to_queue_id(queue);
  return w.Put("call-" + call, e, at);
}

v1::ProcessingDetails RecordAll(const std::string& legal_text_ref) {
  ComplianceWorld w;
  v1::ProcessingDetails d = w.Details();
  d.mutable_sampling()->set_record_all(true);
  d.mutable_sampling()->set_record_all_legal_text_ref(legal_text_ref);
  return d;
}

std::unique_ptr<Ledger> LedgerOn(ComplianceWorld& w) {
  auto l = Ledger::Create(&w.store());
  REQUIRE_MESSAGE(l.ok(), l.status().ToString());
  return std::move(l).value();
}

// c1 recorded from kRecAt and ended at kEndAt, in the baseline world.
void RecordedAndEnded(ComplianceWorld& w) {
  w.Baseline();
  w.CompliantCallStart();
  w.StartRecording("c1", "rec1", kRecAt);
  w.EndCall("c1", kEndAt);
}

// A download of rec1 by `principal` in `role`, for training.
v1::RecordingAccessed Download(const std::string& principal, const std::string& role) {
  v1::RecordingAccessed a;
  a.set_call_id("c1");
  a.set_recording_id("rec1");
  a.set_principal_ref(principal);
  a.set_role(role);
  a.set_action(v1::ACCESS_ACTION_DOWNLOAD);
  a.set_purpose(v1::PURPOSE_TRAINING);
  return a;
}

FactOptions At(TimePoint t) {
  FactOptions o;
  o.occur_time = t;
  return o;
}

}  // namespace

// ---- Missing prerequisites are violations ------------------------------------------------------

TEST_CASE("Recording while no registration covers the call violates LC-REG-1; with one it holds") {
  ComplianceWorld w;
  ComplianceWorld::BaselineOptions o;
  SUBCASE("registered") {}
  SUBCASE("no registration") { o.registration = false; }
  w.BaselineWith(o);
  w.CompliantCallStart();
  w.StartRecording("c1", "rec1", kRecAt);
  w.EndCall("c1", kEndAt);
  const Verdict expected = o.registration ? Verdict::kOk : Verdict::kViolated;
  CHECK(RuleOf(VerdictsOf(*w.Engine(kJudge), "c1", kJudge), "LC-REG-1").verdict == expected);
}

TEST_CASE("Recording on a queue that never declared a suspend capability violates LC-OBJ-5; declared it holds") {
  ComplianceWorld w;
  ComplianceWorld::BaselineOptions o;
  SUBCASE("declared") {}
  SUBCASE("never declared") { o.queue = false; }
  w.BaselineWith(o);
  w.CompliantCallStart();
  const uint64_t rec = w.StartRecording("c1", "rec1", kRecAt);
  w.EndCall("c1", kEndAt);
  const RuleVerdict r = RuleOf(VerdictsOf(*w.Engine(kJudge), "c1", kJudge), "LC-OBJ-5");
  CHECK(r.verdict == (o.queue ? Verdict::kOk : Verdict::kViolated));
  if (!o.queue) CHECK(Contains(r.evidence, rec));
}

// ---- Mandate calls are private calls -----------------------------------------------------------

TEST_CASE("A mandate-related flag is a private flag: the gate denies with LC-PRIV-1 and LC-AGT-3") {
  ComplianceWorld w;
  w.Baseline();
  w.CompliantCallStart();
  const uint64_t flag = w.FlagPrivate("c1", T0() + seconds(5), /*mandate_related=*/true);
  const GateDecision d = w.Engine(kRecAt)->gate().Decide("c1");
  CHECK_FALSE(d.allow);
  CHECK(Contains(DenialOf(d, "LC-PRIV-1").evidence, flag));
  CHECK(Contains(DenialOf(d, "LC-AGT-3").evidence, flag));
}

TEST_CASE("Recording a mandate call violates both LC-PRIV-1 and LC-AGT-3 on the call") {
  ComplianceWorld w;
  w.Baseline();
  w.CompliantCallStart();
  const uint64_t flag = w.FlagPrivate("c1", T0() + seconds(5), true);
  w.StartRecording("c1", "rec1", kRecAt);
  w.EndCall("c1", kEndAt);
  const CallVerdicts v = VerdictsOf(*w.Engine(kJudge), "c1", kJudge);
  for (const char* rule : {"LC-PRIV-1", "LC-AGT-3"}) {
    CAPTURE(rule);
    CHECK(RuleOf(v, rule).verdict == Verdict::kViolated);
    CHECK(Contains(RuleOf(v, rule).evidence, flag));
  }
}

TEST_CASE("A mandate call never recorded holds LC-PRIV-1 and LC-AGT-3") {
  ComplianceWorld w;
  w.Baseline();
  w.CompliantCallStart();
  w.FlagPrivate("c1", T0() + seconds(5), true);
  w.EndCall("c1", kEndAt);
  const CallVerdicts v = VerdictsOf(*w.Engine(kJudge), "c1", kJudge);
  CHECK(RuleOf(v, "LC-PRIV-1").verdict == Verdict::kOk);
  CHECK(RuleOf(v, "LC-AGT-3").verdict == Verdict::kOk);
}

// ---- Record-all under a legal text -------------------------------------------------------------

TEST_CASE("Record-all under a legal text holds LC-PROP-1 at the gate, on the call and in the agent's rolling verdict") {
  ComplianceWorld w;
  ComplianceWorld::BaselineOptions o;
  o.details = RecordAll("Code monétaire et financier, art. L533-10");
  w.BaselineWith(o);
  for (int i = 0; i < 3; ++i) w.RecordedCall("c" + std::to_string(i), "a1", T0() + std::chrono::minutes(10 * i));
  w.StartCall("c9", "a1", T0() + std::chrono::minutes(40));
  w.GiveNotice("c9", T0() + std::chrono::minutes(40) + seconds(10));
  const TimePoint now = T0() + std::chrono::minutes(41);
  auto c = w.Engine(now);
  CHECK_FALSE(Denies(c->gate().Decide("c9"), "LC-PROP-1"));
  CHECK(RuleOf(VerdictsOf(*c, "c2", now), "LC-PROP-1").verdict == Verdict::kOk);
  const AgentSummary s = AgentOf(*c, "a1", now);
  CHECK_MESSAGE(AgentRuleOf(s, "LC-PROP-1").verdict == Verdict::kOk, AgentRuleOf(s, "LC-PROP-1").detail);
  CHECK_FALSE(s.over_max_share);
}

TEST_CASE("Record-all without a legal text violates LC-PROP-1 in the agent's rolling verdict as at the gate") {
  ComplianceWorld w;
  ComplianceWorld::BaselineOptions o;
  o.details = RecordAll("");
  const auto p = w.BaselineWith(o);
  w.RecordedCall("c0", "a1", T0());
  const TimePoint now = T0() + std::chrono::minutes(5);
  auto c = w.Engine(now);
  CHECK(RuleOf(VerdictsOf(*c, "c0", now), "LC-PROP-1").verdict == Verdict::kViolated);
  const RuleVerdict r = AgentRuleOf(AgentOf(*c, "a1", now), "LC-PROP-1");
  CHECK(r.verdict == Verdict::kViolated);
  CHECK(Contains(r.evidence, p.registration));
}

// ---- Governance precedes recording -------------------------------------------------------------

TEST_CASE("LC-GOV-1 is judged at the first capture under a version: a later consultation does not cure later calls") {
  ComplianceWorld w;
  ComplianceWorld::BaselineOptions o = ManyPriorCalls();
  o.cse = false;
  w.BaselineWith(o);
  bool consulted_before = false;
  SUBCASE("consulted before the first capture") { consulted_before = true; }
  SUBCASE("consulted after the first capture") {}
  if (consulted_before) w.Cse(1, T0() - hours(1));
  w.RecordedCall("c1", "a1", T0());
  if (!consulted_before) w.Cse(1, T0() + hours(1));
  w.RecordedCall("c2", "a1", T0() + hours(2));
  const TimePoint now = T0() + hours(3);
  const RuleVerdict r = RuleOf(VerdictsOf(*w.Engine(now), "c2", now), "LC-GOV-1");
  CHECK_MESSAGE(r.verdict == (consulted_before ? Verdict::kOk : Verdict::kViolated), r.detail);
}

TEST_CASE("A DPIA recorded after the first capture under a version leaves LC-GOV-3 violated") {
  ComplianceWorld w;
  ComplianceWorld::BaselineOptions o = ManyPriorCalls();
  o.dpia = false;
  w.BaselineWith(o);
  w.RecordedCall("c1", "a1", T0());
  w.Dpia(1, T0() + hours(1));
  w.RecordedCall("c2", "a1", T0() + hours(2));
  const TimePoint now = T0() + hours(3);
  CHECK(RuleOf(VerdictsOf(*w.Engine(now), "c2", now), "LC-GOV-3").verdict == Verdict::kViolated);
}

TEST_CASE("A DPIA with an empty reference does not count as a DPIA for LC-GOV-3") {
  ComplianceWorld w;
  ComplianceWorld::BaselineOptions o;
  o.dpia = false;
  w.BaselineWith(o);
  Event e;
  e.mutable_dpia_recorded()->set_registration_id("r1");
  e.mutable_dpia_recorded()->set_registration_version(1);
  w.Put("registration-r1", e, T0() - hours(24));
  w.CompliantCallStart();
  w.StartRecording("c1", "rec1", kRecAt);
  CHECK(RuleOf(VerdictsOf(*w.Engine(kJudge), "c1", kJudge), "LC-GOV-3").verdict == Verdict::kViolated);
}

TEST_CASE("The Ledger refuses a DPIA with an empty reference and appends nothing") {
  ComplianceWorld w;
  w.Register(w.Details());
  auto ledger = LedgerOn(w);
  const uint64_t head = w.store().HeadPosition();
  v1::DpiaRecorded f;
  f.set_registration_id("r1");
  f.set_registration_version(1);
  const StatusOr<Recorded> r = ledger->RecordDpia(f, At(T0()));
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == StatusCode::kInvalidArgument);
  CHECK(r.status().context().field == "dpia_ref");
  CHECK(w.store().HeadPosition() == head);
  f.set_dpia_ref("DPIA-2026-01");
  CHECK(ledger->RecordDpia(f, At(T0())).ok());
}

TEST_CASE("With no DPO appointed LC-GOV-2 is not applicable, never ok; appointed and consulted it holds") {
  ComplianceWorld w;
  ComplianceWorld::BaselineOptions o;
  v1::ProcessingDetails d = w.Details();
  bool appointed = true;
  SUBCASE("appointed and consulted") {}
  SUBCASE("none appointed") {
    appointed = false;
    d.set_dpo_appointed(false);
    d.clear_dpo_contact();
    o.dpo = false;
  }
  o.details = d;
  w.BaselineWith(o);
  w.CompliantCallStart();
  w.StartRecording("c1", "rec1", kRecAt);
  const Verdict v = RuleOf(VerdictsOf(*w.Engine(kJudge), "c1", kJudge), "LC-GOV-2").verdict;
  CHECK(v == (appointed ? Verdict::kOk : Verdict::kNotApplicable));
}

// ---- Transfers -----------------------------------------------------------------------------

TEST_CASE("After a transfer to a queue that cannot pause, the gate denies recording the new leg with LC-OBJ-5") {
  ComplianceWorld w;
  w.Baseline();
  const uint64_t q2 = w.DeclareQueue("q2", /*suspend=*/false);
  w.DeclareQueue("q3", /*suspend=*/true);
  w.CompliantCallStart();
  bool can_pause = false;
  SUBCASE("to a queue that cannot pause") { TransferToQueue(w, "c1", "q2", T0() + seconds(20)); }
  SUBCASE("to a queue that can pause") {
    can_pause = true;
    TransferToQueue(w, "c1", "q3", T0() + seconds(20));
  }
  const TimePoint at = T0() + seconds(21);
  const GateDecision d = w.Engine(at)->gate().DecideAt("c1", {}, at);
  CHECK_MESSAGE(d.allow == can_pause, Failing(d));
  if (!can_pause) CHECK(Contains(DenialOf(d, "LC-OBJ-5").evidence, q2));
  w.StartRecording("c1", "rec1", at);
  w.EndCall("c1", kEndAt);
  const Verdict obj5 = RuleOf(VerdictsOf(*w.Engine(kJudge), "c1", kJudge), "LC-OBJ-5").verdict;
  CHECK(obj5 == (can_pause ? Verdict::kOk : Verdict::kViolated));
}

TEST_CASE("After a transfer the new leg is judged on its own agent: an uninformed agent denies LC-AGT-1") {
  ComplianceWorld w;
  w.Baseline();
  w.Provision("a2");
  w.CompliantCallStart();
  TransferToQueue(w, "c1", "q1", T0() + seconds(20), "a2");
  const TimePoint at = T0() + seconds(21);
  const GateDecision d = w.Engine(at)->gate().DecideAt("c1", {}, at);
  CHECK_FALSE(d.allow);
  CHECK(DenialOf(d, "LC-AGT-1").detail.find("a2") != std::string::npos);
}

TEST_CASE("A private flag carries over a transfer to a new leg") {
  ComplianceWorld w;
  w.Baseline();
  w.CompliantCallStart();
  const uint64_t flag = w.FlagPrivate("c1", T0() + seconds(15));
  w.Transfer("c1", "c2", T0() + seconds(20));
  w.EndCall("c1", T0() + seconds(20));
  w.StartCall("c2", "a1", T0() + seconds(20));
  w.GiveNotice("c2", T0() + seconds(30));
  const TimePoint at = T0() + seconds(31);
  const GateDecision d = w.Engine(at)->gate().DecideAt("c2", {}, at);
  CHECK(Contains(DenialOf(d, "LC-PRIV-1").evidence, flag));
}

// ---- What happened is recorded, then judged ----------------------------------------------------

TEST_CASE("A legal hold without case reference or owner is stored, violates LC-RET-3 and still suspends purging") {
  ComplianceWorld w;
  w.Baseline();
  auto ledger = LedgerOn(w);
  v1::LegalHoldPlaced h;
  h.set_hold_id("h1");
  h.mutable_scope()->add_call_ids("c1");
  h.set_reason("litigation with a customer");
  bool complete = false;
  SUBCASE("complete") {
    complete = true;
    h.set_case_reference("TJ Paris 26/00017");
    h.set_owner_ref("legal-1");
  }
  SUBCASE("without case reference or owner") {}
  const StatusOr<Recorded> r = ledger->PlaceLegalHold(h, At(T0()));
  REQUIRE_MESSAGE(r.ok(), r.status().ToString());
  auto c = w.Engine(T0() + hours(1));
  std::optional<RecordVerdicts> hold;
  c->retention().ForEach(T0() + hours(1), RecordKind::kHold, [&](const RecordVerdicts& v) {
    hold = v;
    return true;
  });
  REQUIRE(hold.has_value());
  REQUIRE(hold->rules.size() == 1);
  CHECK(hold->rules[0].verdict == (complete ? Verdict::kOk : Verdict::kViolated));
  if (!complete) CHECK(hold->rules[0].detail.find("case reference") != std::string::npos);
}

TEST_CASE("A legal hold released without a reason is stored") {
  ComplianceWorld w;
  auto ledger = LedgerOn(w);
  v1::LegalHoldPlaced h;
  h.set_hold_id("h1");
  h.mutable_scope()->add_call_ids("c1");
  h.set_reason("litigation with a customer");
  REQUIRE(ledger->PlaceLegalHold(h, At(T0())).ok());
  v1::LegalHoldReleased rel;
  rel.set_hold_id("h1");
  rel.set_released_by_ref("legal-1");
  const StatusOr<Recorded> r = ledger->ReleaseLegalHold(rel, At(T0() + hours(1)));
  CHECK_MESSAGE(r.ok(), r.status().ToString());
}

TEST_CASE("An access log entry without an action is stored and violates LC-ACC-2; with one it holds") {
  ComplianceWorld w;
  RecordedAndEnded(w);
  auto ledger = LedgerOn(w);
  v1::RecordingAccessed a = Download("sup-1", "trainer");
  bool with_action = true;
  SUBCASE("with an action") {}
  SUBCASE("without an action") {
    with_action = false;
    a.clear_action();
  }
  const StatusOr<Recorded> r = ledger->AccessRecording(a, At(kEndAt + seconds(10)));
  REQUIRE_MESSAGE(r.ok(), r.status().ToString());
  const RuleVerdict acc2 = RuleOf(VerdictsOf(*w.Engine(kJudge), "c1", kJudge), "LC-ACC-2");
  CHECK(acc2.verdict == (with_action ? Verdict::kOk : Verdict::kViolated));
  if (!with_action) CHECK(Contains(acc2.evidence, r->position));
}

TEST_CASE("An access reported by the platform after the fact is stored as it happened and judged by LC-ACC-1") {
  ComplianceWorld w;
  RecordedAndEnded(w);
  auto ledger = LedgerOn(w);
  v1::RecordingAccessed a = Download("sales-7", "trainer");
  a.set_reported(true);
  bool declared = true;
  SUBCASE("a declared role") {}
  SUBCASE("an undeclared role") {
    declared = false;
    a.set_role("sales");
  }
  const StatusOr<Recorded> r = ledger->AccessRecording(a, At(kEndAt + seconds(10)));
  REQUIRE_MESSAGE(r.ok(), r.status().ToString());
  auto stored = w.store().ReadEvent(r->position);
  REQUIRE(stored.ok());
  CHECK(stored->has_recording_accessed());
  const RuleVerdict acc1 = RuleOf(VerdictsOf(*w.Engine(kJudge), "c1", kJudge), "LC-ACC-1");
  CHECK(acc1.verdict == (declared ? Verdict::kOk : Verdict::kViolated));
  if (!declared) CHECK(Contains(acc1.evidence, r->position));
}

TEST_CASE("An access asked for with an undeclared role is refused and recorded, and LC-ACC-1 holds") {
  ComplianceWorld w;
  RecordedAndEnded(w);
  auto ledger = LedgerOn(w);
  const StatusOr<Recorded> r = ledger->AccessRecording(Download("sales-7", "sales"), At(kEndAt + seconds(10)));
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == StatusCode::kPermissionDenied);
  REQUIRE(r.status().context().position.has_value());
  auto stored = w.store().ReadEvent(*r.status().context().position);
  REQUIRE(stored.ok());
  CHECK(stored->has_access_refused());
  CHECK(RuleOf(VerdictsOf(*w.Engine(kJudge), "c1", kJudge), "LC-ACC-1").verdict == Verdict::kOk);
}

// ---- One fault, one rule -----------------------------------------------------------------------

TEST_CASE("A resume on the wrong party's withdrawal breaks LC-OBJ-3 only; the honoured pause keeps LC-OBJ-1") {
  ComplianceWorld w;
  w.Baseline();
  w.CompliantCallStart();
  w.StartRecording("c1", "rec1", kRecAt);
  w.Object("c1", "o1", v1::PARTY_CALLER, kObjAt);
  w.Pause("c1", "rec1", kObjAt + milliseconds(300), milliseconds(200));
  bool same_party = false;
  SUBCASE("withdrawn by the caller") {
    same_party = true;
    w.Withdraw("c1", "o1", v1::PARTY_CALLER, kObjAt + seconds(20));
  }
  SUBCASE("withdrawn by the agent") { w.Withdraw("c1", "o1", v1::PARTY_AGENT, kObjAt + seconds(20)); }
  const uint64_t resume = w.Resume("c1", "rec1", kObjAt + seconds(21));
  w.EndCall("c1", kEndAt);
  const CallVerdicts v = VerdictsOf(*w.Engine(kJudge), "c1", kJudge);
  CHECK_MESSAGE(RuleOf(v, "LC-OBJ-1").verdict == Verdict::kOk, RuleOf(v, "LC-OBJ-1").detail);
  const RuleVerdict obj3 = RuleOf(v, "LC-OBJ-3");
  CHECK(obj3.verdict == (same_party ? Verdict::kOk : Verdict::kViolated));
  if (!same_party) CHECK(Contains(obj3.evidence, resume));
}

TEST_CASE("After a standing objection overruled with a written ground, LC-OBJ-2 is ok with the overrule as evidence") {
  ComplianceWorld w;
  w.Baseline();
  w.ObjectStanding("a1", "so1", T0() - hours(2));
  bool ground = false;
  uint64_t overrule = 0;
  SUBCASE("with a written ground") {
    ground = true;
    overrule = w.DecideStanding("a1", "so1", v1::OBJECTION_OUTCOME_OVERRULED, "hr-1",
                                "regulatory audit of the team requires it", T0() - hours(1));
  }
  SUBCASE("without a written ground") {
    w.DecideStanding("a1", "so1", v1::OBJECTION_OUTCOME_OVERRULED, "hr-1", "", T0() - hours(1));
  }
  w.CompliantCallStart();
  w.StartRecording("c1", "rec1", kRecAt);
  w.EndCall("c1", kEndAt);
  const RuleVerdict r = RuleOf(VerdictsOf(*w.Engine(kJudge), "c1", kJudge), "LC-OBJ-2");
  CHECK_MESSAGE(r.verdict == (ground ? Verdict::kOk : Verdict::kViolated), r.detail);
  if (ground) CHECK_MESSAGE(Contains(r.evidence, overrule), Positions(r.evidence));
}

// ---- Payment segments use the pause budget -----------------------------------------------------

TEST_CASE("LC-DATA-1: every track paused and acknowledged within 2.000 s of the segment's start holds; 1 ms later breaks") {
  ComplianceWorld w;
  w.Baseline();
  w.CompliantCallStart();
  w.StartRecording("c1", "rec1", kRecAt);
  const TimePoint seg_at = T0() + seconds(30);
  const uint64_t seg = w.SegmentStart("c1", "s1", seg_at);
  milliseconds ack(1000);
  Verdict expected = Verdict::kOk;
  SUBCASE("acknowledged at exactly 2.000 s") {}
  SUBCASE("acknowledged at 2.001 s") {
    ack = milliseconds(1001);
    expected = Verdict::kViolated;
  }
  w.Pause("c1", "rec1", seg_at + milliseconds(1000), ack, v1::PAUSE_CAUSE_SENSITIVE_SEGMENT);
  w.SegmentEnd("c1", "s1", seg_at + seconds(30));
  w.EndCall("c1", kEndAt);
  const RuleVerdict r = RuleOf(VerdictsOf(*w.Engine(kJudge), "c1", kJudge), "LC-DATA-1");
  CHECK_MESSAGE(r.verdict == expected, r.detail);
  if (expected == Verdict::kViolated) CHECK(Contains(r.evidence, seg));
}

TEST_CASE("LC-DATA-1: a payment segment that ended within the budget needed no pause") {
  ComplianceWorld w;
  w.Baseline();
  w.CompliantCallStart();
  w.StartRecording("c1", "rec1", kRecAt);
  const TimePoint seg_at = T0() + seconds(30);
  w.SegmentStart("c1", "s1", seg_at);
  w.SegmentEnd("c1", "s1", seg_at + milliseconds(1500));
  w.EndCall("c1", kEndAt);
  CHECK(RuleOf(VerdictsOf(*w.Engine(kJudge), "c1", kJudge), "LC-DATA-1").verdict == Verdict::kOk);
}

// ---- Objection channels (LC-NOT-4) -------------------------------------------------------------

TEST_CASE("LC-NOT-4 holds while one objection channel remains: losing the key alone leaves the voice") {
  ComplianceWorld w;
  w.Baseline();
  w.CompliantCallStart();
  w.StartRecording("c1", "rec1", kRecAt);
  w.ChannelLost("c1", T0() + seconds(30), {v1::OBJECTION_CHANNEL_KEY_PRESS});
  w.EndCall("c1", kEndAt);
  CHECK(RuleOf(VerdictsOf(*w.Engine(kJudge), "c1", kJudge), "LC-NOT-4").verdict == Verdict::kOk);
}

TEST_CASE("LC-NOT-4 breaks when the voice and the key are both lost while capture runs") {
  ComplianceWorld w;
  w.Baseline();
  w.CompliantCallStart();
  w.StartRecording("c1", "rec1", kRecAt);
  w.ChannelLost("c1", T0() + seconds(30), {v1::OBJECTION_CHANNEL_KEY_PRESS});
  const uint64_t last = w.ChannelLost("c1", T0() + seconds(35), {v1::OBJECTION_CHANNEL_VERBAL});
  w.ChannelRestored("c1", T0() + seconds(40), {v1::OBJECTION_CHANNEL_VERBAL});
  w.EndCall("c1", kEndAt);
  const RuleVerdict r = RuleOf(VerdictsOf(*w.Engine(kJudge), "c1", kJudge), "LC-NOT-4");
  CHECK(r.verdict == Verdict::kViolated);
  CHECK(Contains(r.evidence, last));
}

TEST_CASE("LC-NOT-4 holds when capture was paused for as long as no channel was available") {
  ComplianceWorld w;
  w.Baseline();
  w.CompliantCallStart();
  w.StartRecording("c1", "rec1", kRecAt);
  w.Pause("c1", "rec1", T0() + seconds(29), milliseconds(100), v1::PAUSE_CAUSE_MANUAL);
  w.ChannelLost("c1", T0() + seconds(30));
  w.ChannelRestored("c1", T0() + seconds(40));
  w.Resume("c1", "rec1", T0() + seconds(41));
  w.EndCall("c1", kEndAt);
  CHECK(RuleOf(VerdictsOf(*w.Engine(kJudge), "c1", kJudge), "LC-NOT-4").verdict == Verdict::kOk);
}

// ---- Time conversion at the edge of the nanosecond range ----------------------------------------

TEST_CASE("The engine's nanosecond conversion saturates beyond year 2262 instead of overflowing") {
  google::protobuf::Timestamp t;
  t.set_seconds(9223372036LL);  // 2262-04-11T23:47:16Z, the last whole second that fits
  t.set_nanos(854775807);
  CHECK(internal::ToNs(t) == std::numeric_limits<int64_t>::max());
  t.set_nanos(0);
  CHECK(internal::ToNs(t) == 9223372036000000000LL);
  t.set_seconds(9223372037LL);
  CHECK(internal::ToNs(t) == std::numeric_limits<int64_t>::max());
  t.set_seconds(253402300799LL);  // 9999-12-31T23:59:59Z
  CHECK(internal::ToNs(t) == std::numeric_limits<int64_t>::max());
  t.set_seconds(-253402300799LL);
  CHECK(internal::ToNs(t) == std::numeric_limits<int64_t>::min());
}
