// SPDX-License-Identifier: Apache-2.0
// Rule matrix, retention, rights and evaluation: LC-RET-1..4, LC-DSR-1..2, LC-DATA-2,
// LC-EVAL-1..3, the purge plan (with LC-OBJ-4 and LC-PRIV-1 purges) and the subject index.
// Each rule held and broken, and each "Precise reading" of RULES.md that concerns them.
#include <doctest/doctest.h>

#include <atomic>
#include <thread>

#include "compliance_fixture.h"
#include "consent/retention.h"
#include "consent/subject_index.h"

using namespace consent;
using namespace consent::testing;

namespace {

const TimePoint kRecAt = T0() + seconds(11);
const TimePoint kDeadline = TimePoint(std::chrono::seconds(1788339611));  // 2026-09-02T09:00:11Z = kRecAt + 6 months

// c1 recorded from kRecAt with one stored copy k1.
void RecordedCall(ComplianceWorld& w) {
  w.Baseline();
  w.CompliantCallStart();
  w.StartRecording("c1", "rec1", kRecAt);
  w.Pause("c1", "rec1", T0() + seconds(100), milliseconds(100), v1::PAUSE_CAUSE_UNSPECIFIED, /*stop=*/true);
  w.EndCall("c1", T0() + seconds(120));
  w.Store("c1", "rec1", "k1", T0() + seconds(130));
}

uint64_t Document(ComplianceWorld& w, const std::string& id, TimePoint at,
                  v1::AnalysisDocumentKind kind = v1::ANALYSIS_DOCUMENT_KIND_GRID, size_t free_text = 0,
                  bool flagged = true, const std::string& method = "m1", uint32_t version = 1) {
  Event e;
  auto* p = e.mutable_analysis_document_created();
  p->set_document_id(id);
  p->set_registration_id("r1");
  p->set_registration_version(1);
  auto* c = p->mutable_content();
  c->set_kind(kind);
  c->set_agent_ref("a1");
  c->set_evaluator_ref(kind == v1::ANALYSIS_DOCUMENT_KIND_SELF_EVALUATION ? "a1" : "sup-1");
  auto* call = c->add_calls();
  call->set_call_id("c1");
  call->set_recording_id("rec1");
  c->set_evaluation_method_id(method);
  c->set_evaluation_method_version(version);
  auto* sc = c->add_scores();
  sc->set_criterion_code("GREET-1");
  sc->set_score(3);
  c->set_free_text(std::string(free_text, 'x'));
  c->set_free_text_flagged(flagged);
  return w.Put("document-" + id, e, at);
}

uint64_t Method(ComplianceWorld& w, TimePoint at, uint32_t version = 1) {
  Event e;
  auto* p = e.mutable_evaluation_method_published();
  p->set_evaluation_method_id("m1");
  p->set_evaluation_method_version(version);
  auto* c = p->add_criteria();
  c->set_code("GREET-1");
  c->set_description("Greets the caller and gives their name");
  c->set_min_score(0);
  c->set_max_score(5);
  return w.Put("method-m1", e, at);
}

uint64_t Hold(ComplianceWorld& w, const std::string& id, TimePoint at, const std::string& call = "c1") {
  Event e;
  auto* p = e.mutable_legal_hold_placed();
  p->set_hold_id(id);
  p->mutable_scope()->add_call_ids(call);
  p->set_reason("litigation");
  p->set_case_reference("case-42");
  p->set_owner_ref("legal-1");
  return w.Put("hold-" + id, e, at);
}

uint64_t Release(ComplianceWorld& w, const std::string& id, TimePoint at) {
  Event e;
  auto* p = e.mutable_legal_hold_released();
  p->set_hold_id(id);
  p->set_released_by_ref("legal-1");
  p->set_reason("case closed");
  return w.Put("hold-" + id, e, at);
}

uint64_t Review(ComplianceWorld& w, const std::string& id, TimePoint at) {
  Event e;
  e.mutable_legal_hold_reviewed()->set_hold_id(id);
  e.mutable_legal_hold_reviewed()->set_reviewed_by_ref("legal-1");
  return w.Put("hold-" + id, e, at);
}

uint64_t Request(ComplianceWorld& w, const std::string& id, v1::RequestKind kind, const std::string& subject,
                 v1::Party party, TimePoint at) {
  Event e;
  auto* p = e.mutable_subject_request_received();
  p->set_request_id(id);
  p->set_kind(kind);
  p->set_subject_ref(subject);
  p->set_subject_kind(party);
  return w.Put("request-" + id, e, at);
}

uint64_t Fulfil(ComplianceWorld& w, const std::string& id, TimePoint at, std::vector<std::string> recordings,
                bool access_log = true, bool codes = false, std::vector<std::string> documents = {}) {
  Event e;
  auto* p = e.mutable_subject_request_fulfilled();
  p->set_request_id(id);
  p->set_outcome(v1::REQUEST_OUTCOME_GRANTED);
  for (auto& r : recordings) p->add_recording_ids(r);
  for (auto& d : documents) p->add_document_ids(d);
  p->set_access_log_included(access_log);
  p->set_evaluation_codes_explained(codes);
  return w.Put("request-" + id, e, at);
}

RecordVerdicts RecordOf(const Compliance& c, RecordKind kind, const std::string& id, TimePoint at) {
  RecordVerdicts out;
  bool found = false;
  c.retention().ForEach(at, kind, [&](const RecordVerdicts& v) {
    if (v.id == id) {
      out = v;
      found = true;
      return false;
    }
    return true;
  });
  REQUIRE_MESSAGE(found, "record " << id << " not found");
  return out;
}

// By value: callers pass temporaries.
RuleVerdict Rule(const RecordVerdicts& v, const std::string& id) {
  for (const auto& r : v.rules) {
    if (r.rule_id == id) return r;
  }
  FAIL("rule " << id << " missing");
  return {};
}

// Points into `plan`: keep the plan alive (a temporary would leave the pointer dangling).
const PurgeItem* ItemFor(RetentionPlan&&, const std::string&) = delete;
const PurgeItem* ItemFor(const RetentionPlan& plan, const std::string& copy_or_document) {
  for (const auto& i : plan.items) {
    if (i.copy_id == copy_or_document || i.document_id == copy_or_document) return &i;
  }
  return nullptr;
}

PlanOptions All() {
  PlanOptions o;
  o.include_scheduled = true;
  o.include_done = true;
  return o;
}

TimePoint Utc(int y, unsigned m, unsigned d, int h = 0) {
  using namespace std::chrono;
  return sys_days{year{y} / month{m} / day{d}} + hours{h};
}

}  // namespace

// ---- Calendar months ---------------------------------------------------------------------------

TEST_CASE("Months are calendar months on UTC dates; a missing day clamps to the month's last day") {
  CHECK(AddCalendarMonths(Utc(2026, 8, 31, 10), 6) == Utc(2027, 2, 28, 10));
  CHECK(AddCalendarMonths(Utc(2027, 8, 31, 10), 6) == Utc(2028, 2, 29, 10));
  CHECK(AddCalendarMonths(Utc(2026, 1, 31), 1) == Utc(2026, 2, 28));
  CHECK(AddCalendarMonths(Utc(2026, 3, 2, 9), 6) == Utc(2026, 9, 2, 9));
  CHECK(AddCalendarMonths(Utc(2026, 12, 15), 12) == Utc(2027, 12, 15));
}

// ---- LC-RET-1 ----------------------------------------------------------------------------------

TEST_CASE("LC-RET-1 holds when every copy is purged with a receipt by collection + 6 months") {
  ComplianceWorld w;
  RecordedCall(w);
  w.Purge("c1", "rec1", "k1", kDeadline - hours(1));
  auto c = w.Engine(kDeadline + hours(24));
  const RecordVerdicts v = RecordOf(*c, RecordKind::kRecording, "rec1", kDeadline + hours(24));
  CHECK_MESSAGE(Rule(v, "LC-RET-1").verdict == Verdict::kOk, Rule(v, "LC-RET-1").detail);
  CHECK(Rule(v, "LC-RET-4").verdict == Verdict::kOk);
  REQUIRE(v.deadline.has_value());
  CHECK(*v.deadline == kDeadline);
  const RetentionPlan plan = c->retention().Plan(kDeadline + hours(24));
  CHECK(plan.items.empty());
  CHECK(plan.done == 1);
}

TEST_CASE("LC-RET-1 is pending at the deadline itself and violated after it, with the overdue age") {
  ComplianceWorld w;
  RecordedCall(w);
  auto c = w.Engine(kDeadline);
  CHECK(Rule(RecordOf(*c, RecordKind::kRecording, "rec1", kDeadline), "LC-RET-1").verdict == Verdict::kPending);
  RetentionPlan plan = c->retention().Plan(kDeadline);
  REQUIRE(ItemFor(plan, "k1") != nullptr);
  CHECK(ItemFor(plan, "k1")->state == PurgeState::kDue);
  CHECK(ItemFor(plan, "k1")->rule_id == "LC-RET-1");
  CHECK(ItemFor(plan, "k1")->reason == v1::PURGE_REASON_RETENTION);

  const TimePoint late = kDeadline + hours(72);
  const RecordVerdicts v = RecordOf(*c, RecordKind::kRecording, "rec1", late);
  CHECK(Rule(v, "LC-RET-1").verdict == Verdict::kViolated);
  CHECK(Rule(v, "LC-RET-1").detail.find("overdue by 3d") != std::string::npos);
  plan = c->retention().Plan(late);
  REQUIRE(ItemFor(plan, "k1") != nullptr);
  CHECK(ItemFor(plan, "k1")->state == PurgeState::kOverdue);
  CHECK(ItemFor(plan, "k1")->overdue_by == hours(72));
  CHECK(plan.overdue == 1);
}

TEST_CASE("LC-RET-1 lists retention purges only from the plan's horizon before the deadline") {
  ComplianceWorld w;
  RecordedCall(w);
  auto c = w.Engine(T0() + hours(1));
  CHECK(c->retention().Plan(kDeadline - hours(48)).items.empty());
  PlanOptions o;
  o.horizon = hours(72);
  const RetentionPlan wider = c->retention().Plan(kDeadline - hours(48), o);
  REQUIRE(ItemFor(wider, "k1") != nullptr);
  const RetentionPlan all = c->retention().Plan(kDeadline - hours(48), All());
  REQUIRE(ItemFor(all, "k1") != nullptr);
  CHECK(ItemFor(all, "k1")->state == PurgeState::kScheduled);
}

TEST_CASE("LC-RET-1 uses the registration's shorter retention, and 6 months when a longer one lacks a legal text") {
  for (const auto& [months, legal, expected] :
       std::vector<std::tuple<uint32_t, std::string, TimePoint>>{{3, "", AddCalendarMonths(kRecAt, 3)},
                                                                  {9, "", kDeadline},
                                                                  {9, "Code X art. 1", AddCalendarMonths(kRecAt, 9)}}) {
    CAPTURE(months);
    ComplianceWorld w;
    v1::ProcessingDetails d = w.Details();
    d.set_recording_retention_months(months);
    d.set_recording_retention_legal_text_ref(legal);
    w.Register(d);
    w.Governance();
    w.PublishNotices();
    w.DeclareQueue("q1");
    w.Provision("a1");
    w.Inform("a1");
    for (int i = 0; i < 9; ++i) w.StartCall("p" + std::to_string(i), "a1", T0() - hours(24 * (i + 1)));
    w.CompliantCallStart();
    w.StartRecording("c1", "rec1", kRecAt);
    w.Store("c1", "rec1", "k1", T0() + seconds(130));
    auto c = w.Engine(T0() + hours(1));
    const RecordVerdicts v = RecordOf(*c, RecordKind::kRecording, "rec1", T0() + hours(1));
    REQUIRE(v.deadline.has_value());
    CHECK(*v.deadline == expected);
  }
}

// ---- LC-RET-2 ----------------------------------------------------------------------------------

TEST_CASE("LC-RET-2 holds for a document purged by creation + 12 months and breaks after it") {
  ComplianceWorld w;
  RecordedCall(w);
  Method(w, T0() - hours(24 * 57));
  const TimePoint created = T0() + hours(2);
  Document(w, "d1", created);
  const TimePoint deadline = AddCalendarMonths(created, 12);
  auto c = w.Engine(deadline + hours(1));
  RecordVerdicts v = RecordOf(*c, RecordKind::kDocument, "d1", deadline + hours(1));
  CHECK(Rule(v, "LC-RET-2").verdict == Verdict::kViolated);
  const RetentionPlan plan = c->retention().Plan(deadline + hours(1));
  REQUIRE(ItemFor(plan, "d1") != nullptr);
  CHECK(ItemFor(plan, "d1")->rule_id == "LC-RET-2");
  CHECK(Rule(RecordOf(*c, RecordKind::kDocument, "d1", deadline), "LC-RET-2").verdict == Verdict::kPending);

  Event e;
  e.mutable_analysis_document_purged()->set_document_id("d1");
  e.mutable_analysis_document_purged()->set_reason(v1::PURGE_REASON_RETENTION);
  w.Put("document-d1", e, deadline - hours(1));
  auto c2 = w.Engine(deadline + hours(1));
  v = RecordOf(*c2, RecordKind::kDocument, "d1", deadline + hours(1));
  CHECK_MESSAGE(Rule(v, "LC-RET-2").verdict == Verdict::kOk, Rule(v, "LC-RET-2").detail);
}

// ---- LC-RET-3 ----------------------------------------------------------------------------------

TEST_CASE("LC-RET-3: a hold suspends the purge while active; on release overdue purges are due within 24 h") {
  ComplianceWorld w;
  RecordedCall(w);
  Hold(w, "h1", kDeadline - hours(24 * 30));
  Review(w, "h1", kDeadline - hours(24));
  const TimePoint during = kDeadline + hours(24 * 10);
  {
    auto c = w.Engine(during);
    const RetentionPlan plan = c->retention().Plan(during);
    REQUIRE(ItemFor(plan, "k1") != nullptr);
    CHECK(ItemFor(plan, "k1")->state == PurgeState::kHeld);
    CHECK(ItemFor(plan, "k1")->held_by == std::vector<std::string>{"h1"});
    CHECK(Rule(RecordOf(*c, RecordKind::kRecording, "rec1", during), "LC-RET-1").verdict == Verdict::kPending);
    REQUIRE(plan.holds.size() == 1);
    CHECK(plan.holds[0].active);
    CHECK(plan.holds[0].items_held == 1);
  }
  const TimePoint released = kDeadline + hours(24 * 20);
  Release(w, "h1", released);
  auto c = w.Engine(released + hours(1));
  RetentionPlan plan = c->retention().Plan(released + hours(1));
  REQUIRE(ItemFor(plan, "k1") != nullptr);
  CHECK(ItemFor(plan, "k1")->state == PurgeState::kDue);
  CHECK(ItemFor(plan, "k1")->due == released + hours(24));
  // Purged 23 h after the release: on time. At 25 h it would be late.
  w.Purge("c1", "rec1", "k1", released + hours(23));
  auto c2 = w.Engine(released + hours(48));
  CHECK(Rule(RecordOf(*c2, RecordKind::kRecording, "rec1", released + hours(48)), "LC-RET-1").verdict == Verdict::kOk);
  CHECK(Rule(RecordOf(*c2, RecordKind::kHold, "h1", released + hours(48)), "LC-RET-3").verdict == Verdict::kOk);
}

TEST_CASE("LC-RET-3: a purge receipt more than 24 h after the release is late") {
  ComplianceWorld w;
  RecordedCall(w);
  Hold(w, "h1", kDeadline - hours(24 * 30));
  const TimePoint released = kDeadline + hours(24);
  Release(w, "h1", released);
  w.Purge("c1", "rec1", "k1", released + hours(25));
  auto c = w.Engine(released + hours(48));
  CHECK(Rule(RecordOf(*c, RecordKind::kRecording, "rec1", released + hours(48)), "LC-RET-1").verdict ==
        Verdict::kViolated);
}

TEST_CASE("LC-RET-3 is broken by a hold not reviewed within 90 days, which still blocks purging") {
  ComplianceWorld w;
  RecordedCall(w);
  const uint64_t placed = Hold(w, "h1", T0() + hours(1));
  const TimePoint at = T0() + hours(1) + hours(24 * 91);
  auto c = w.Engine(at);
  const RecordVerdicts v = RecordOf(*c, RecordKind::kHold, "h1", at);
  CHECK(Rule(v, "LC-RET-3").verdict == Verdict::kViolated);
  CHECK(Contains(Rule(v, "LC-RET-3").evidence, placed));
  const RetentionPlan plan = c->retention().Plan(at);
  REQUIRE(plan.holds.size() == 1);
  CHECK(plan.holds[0].review_overdue);
  // Reviewed at day 89: fine at day 91.
  ComplianceWorld w2;
  RecordedCall(w2);
  Hold(w2, "h1", T0() + hours(1));
  Review(w2, "h1", T0() + hours(1) + hours(24 * 89));
  CHECK(Rule(RecordOf(*w2.Engine(at), RecordKind::kHold, "h1", at), "LC-RET-3").verdict == Verdict::kOk);
}

TEST_CASE("LC-RET-3 is broken when data in the hold's scope is purged while the hold is active") {
  ComplianceWorld w;
  RecordedCall(w);
  Hold(w, "h1", T0() + hours(1));
  const uint64_t purge = w.Purge("c1", "rec1", "k1", T0() + hours(2));
  const RecordVerdicts v = RecordOf(*w.Engine(T0() + hours(3)), RecordKind::kHold, "h1", T0() + hours(3));
  CHECK(Rule(v, "LC-RET-3").verdict == Verdict::kViolated);
  CHECK(Contains(Rule(v, "LC-RET-3").evidence, purge));
}

// ---- LC-RET-4 ----------------------------------------------------------------------------------

TEST_CASE("LC-RET-4: a purge without a receipt awaits it before the deadline and is violated after") {
  ComplianceWorld w;
  RecordedCall(w);
  w.Purge("c1", "rec1", "k1", kDeadline - hours(2), /*receipt=*/false);
  auto c = w.Engine(kDeadline - hours(1));
  RetentionPlan plan = c->retention().Plan(kDeadline - hours(1));
  REQUIRE(ItemFor(plan, "k1") != nullptr);
  CHECK(ItemFor(plan, "k1")->state == PurgeState::kAwaitingReceipt);
  CHECK(Rule(RecordOf(*c, RecordKind::kRecording, "rec1", kDeadline - hours(1)), "LC-RET-4").verdict ==
        Verdict::kPending);
  CHECK(Rule(RecordOf(*c, RecordKind::kRecording, "rec1", kDeadline + hours(1)), "LC-RET-4").verdict ==
        Verdict::kViolated);
  // A receipt arriving later completes the purge.
  w.Purge("c1", "rec1", "k1", kDeadline - hours(1), /*receipt=*/true);
  auto c2 = w.Engine(kDeadline + hours(1));
  CHECK(Rule(RecordOf(*c2, RecordKind::kRecording, "rec1", kDeadline + hours(1)), "LC-RET-4").verdict == Verdict::kOk);
  CHECK(c2->retention().Plan(kDeadline + hours(1)).items.empty());
}

TEST_CASE("LC-RET-4: every copy, including a derived artefact's, needs its receipt") {
  ComplianceWorld w;
  RecordedCall(w);
  Event e;
  auto* p = e.mutable_derived_artefact_created();
  p->set_artefact_id("t1");
  p->set_recording_id("rec1");
  p->set_call_id("c1");
  p->set_kind(v1::DERIVED_ARTEFACT_KIND_TRANSCRIPT);
  p->set_copy_id("t1-k1");
  p->set_content_hash(std::string(32, '\x22'));
  w.Put("call-c1", e, T0() + hours(1));
  w.Purge("c1", "rec1", "k1", kDeadline - hours(1));
  auto c = w.Engine(kDeadline + hours(1));
  const RetentionPlan plan = c->retention().Plan(kDeadline + hours(1));
  const PurgeItem* t = ItemFor(plan, "t1-k1");
  REQUIRE(t != nullptr);
  CHECK(t->target == PurgeTarget::kArtefactCopy);
  CHECK(t->state == PurgeState::kOverdue);
  CHECK(Rule(RecordOf(*c, RecordKind::kRecording, "rec1", kDeadline + hours(1)), "LC-RET-4").verdict ==
        Verdict::kViolated);
}

// ---- LC-OBJ-4 and LC-PRIV-1 purges in the plan ---------------------------------------------------

TEST_CASE("The purge plan lists an objection's purge with its 24 h deadline from the objection") {
  ComplianceWorld w;
  RecordedCall(w);
  w.Object("c1", "o1", v1::PARTY_CALLER, T0() + seconds(100));
  auto c = w.Engine(T0() + hours(2));
  RetentionPlan plan = c->retention().Plan(T0() + hours(2));
  const PurgeItem* i = ItemFor(plan, "k1");
  REQUIRE(i != nullptr);
  CHECK(i->rule_id == "LC-OBJ-4");
  CHECK(i->reason == v1::PURGE_REASON_OBJECTION);
  CHECK(i->cause_ref == "o1");
  CHECK(i->state == PurgeState::kDue);
  CHECK(i->due == T0() + seconds(100) + hours(24));
  plan = c->retention().Plan(T0() + seconds(100) + hours(25));
  REQUIRE(ItemFor(plan, "k1") != nullptr);
  CHECK(ItemFor(plan, "k1")->state == PurgeState::kOverdue);
}

TEST_CASE("The purge plan lists a private call's purge; a withdrawn objection removes its purge") {
  ComplianceWorld w;
  RecordedCall(w);
  Event e;
  e.mutable_private_call_flagged()->set_call_id("c1");
  e.mutable_private_call_flagged()->set_party(v1::PARTY_AGENT);
  w.Put("call-c1", e, T0() + seconds(110));
  auto c = w.Engine(T0() + hours(2));
  const RetentionPlan plan = c->retention().Plan(T0() + hours(2));
  const PurgeItem* i = ItemFor(plan, "k1");
  REQUIRE(i != nullptr);
  CHECK(i->rule_id == "LC-PRIV-1");
  CHECK(i->due == T0() + seconds(110) + hours(24));

  ComplianceWorld w2;
  RecordedCall(w2);
  w2.Object("c1", "o1", v1::PARTY_CALLER, T0() + seconds(100));
  w2.Withdraw("c1", "o1", v1::PARTY_CALLER, T0() + hours(1));
  CHECK(w2.Engine(T0() + hours(2))->retention().Plan(T0() + hours(2)).items.empty());
}

// ---- LC-DSR-1 / LC-DSR-2 -----------------------------------------------------------------------

TEST_CASE("LC-DSR-1 holds for a caller's access request answered within one month with recordings and log") {
  ComplianceWorld w;
  RecordedCall(w);
  const TimePoint rx = T0() + hours(24 * 3);
  Request(w, "q1", v1::REQUEST_KIND_ACCESS, "caller-c1", v1::PARTY_CALLER, rx);
  Fulfil(w, "q1", rx + hours(24 * 20), {"rec1"});
  const RecordVerdicts v = RecordOf(*w.Engine(rx + hours(24 * 40)), RecordKind::kRequest, "q1", rx + hours(24 * 40));
  CHECK_MESSAGE(Rule(v, "LC-DSR-1").verdict == Verdict::kOk, Rule(v, "LC-DSR-1").detail);
  REQUIRE(v.deadline.has_value());
  CHECK(*v.deadline == AddCalendarMonths(rx, 1));
}

TEST_CASE("LC-DSR-1 is broken by a late answer, an unanswered request, or an answer missing a recording") {
  ComplianceWorld w;
  RecordedCall(w);
  const TimePoint rx = T0() + hours(24 * 3);
  Request(w, "late", v1::REQUEST_KIND_ACCESS, "caller-c1", v1::PARTY_CALLER, rx);
  Fulfil(w, "late", AddCalendarMonths(rx, 1) + hours(1), {"rec1"});
  Request(w, "open", v1::REQUEST_KIND_ACCESS, "caller-c1", v1::PARTY_CALLER, rx);
  Request(w, "partial", v1::REQUEST_KIND_ACCESS, "caller-c1", v1::PARTY_CALLER, rx);
  Fulfil(w, "partial", rx + hours(24), {});
  const TimePoint at = rx + hours(24 * 40);
  auto c = w.Engine(at);
  CHECK(Rule(RecordOf(*c, RecordKind::kRequest, "late", at), "LC-DSR-1").verdict == Verdict::kViolated);
  CHECK(Rule(RecordOf(*c, RecordKind::kRequest, "open", at), "LC-DSR-1").verdict == Verdict::kViolated);
  CHECK(Rule(RecordOf(*c, RecordKind::kRequest, "open", rx + hours(24)), "LC-DSR-1").verdict == Verdict::kPending);
  const RuleVerdict partial = Rule(RecordOf(*c, RecordKind::kRequest, "partial", at), "LC-DSR-1");
  CHECK(partial.verdict == Verdict::kViolated);
  CHECK(partial.detail.find("recording rec1") != std::string::npos);
}

TEST_CASE("LC-DSR-1: a logged extension moves the deadline by at most two months") {
  ComplianceWorld w;
  RecordedCall(w);
  const TimePoint rx = T0() + hours(24 * 3);
  Request(w, "q1", v1::REQUEST_KIND_ACCESS, "caller-c1", v1::PARTY_CALLER, rx);
  Event e;
  e.mutable_subject_request_extended()->set_request_id("q1");
  e.mutable_subject_request_extended()->set_extension_months(2);
  e.mutable_subject_request_extended()->set_reason("complex request");
  w.Put("request-q1", e, rx + hours(24));
  Fulfil(w, "q1", AddCalendarMonths(rx, 3) - hours(1), {"rec1"});
  const RecordVerdicts v = RecordOf(*w.Engine(rx + hours(24 * 100)), RecordKind::kRequest, "q1", rx + hours(24 * 100));
  CHECK(*v.deadline == AddCalendarMonths(rx, 3));
  CHECK(Rule(v, "LC-DSR-1").verdict == Verdict::kOk);
}

TEST_CASE("LC-DSR-1: an agent's answer needs the analysis documents and the codes explained") {
  ComplianceWorld w;
  RecordedCall(w);
  Method(w, T0() - hours(24 * 57));
  Document(w, "d1", T0() + hours(1));
  const TimePoint rx = T0() + hours(24);
  Request(w, "q1", v1::REQUEST_KIND_ACCESS, "a1", v1::PARTY_AGENT, rx);
  Fulfil(w, "q1", rx + hours(24), {"rec1"}, true, /*codes=*/false, {"d1"});
  const RuleVerdict r = Rule(RecordOf(*w.Engine(rx + hours(48)), RecordKind::kRequest, "q1", rx + hours(48)), "LC-DSR-1");
  CHECK(r.verdict == Verdict::kViolated);
  CHECK(r.detail.find("evaluation codes") != std::string::npos);
}

TEST_CASE("LC-DSR-2: an erasure request puts the subject's media in the plan and is violated if not purged in time") {
  ComplianceWorld w;
  RecordedCall(w);
  const TimePoint rx = T0() + hours(24 * 3);
  Request(w, "e1", v1::REQUEST_KIND_ERASURE, "caller-c1", v1::PARTY_CALLER, rx);
  auto c = w.Engine(rx + hours(1));
  const RetentionPlan plan = c->retention().Plan(rx + hours(1));
  const PurgeItem* i = ItemFor(plan, "k1");
  REQUIRE(i != nullptr);
  CHECK(i->rule_id == "LC-DSR-2");
  CHECK(i->reason == v1::PURGE_REASON_ERASURE_REQUEST);
  CHECK(i->due == AddCalendarMonths(rx, 1));
  const TimePoint after = AddCalendarMonths(rx, 1) + hours(1);
  CHECK(Rule(RecordOf(*c, RecordKind::kRequest, "e1", after), "LC-DSR-2").verdict == Verdict::kViolated);

  ComplianceWorld w2;
  RecordedCall(w2);
  Request(w2, "e1", v1::REQUEST_KIND_ERASURE, "caller-c1", v1::PARTY_CALLER, rx);
  w2.Purge("c1", "rec1", "k1", rx + hours(24));
  Fulfil(w2, "e1", rx + hours(25), {"rec1"});
  const RuleVerdict r = Rule(RecordOf(*w2.Engine(after), RecordKind::kRequest, "e1", after), "LC-DSR-2");
  CHECK_MESSAGE(r.verdict == Verdict::kOk, r.detail);
}

// ---- LC-DATA-2 ---------------------------------------------------------------------------------

TEST_CASE("LC-DATA-2: free text of 500 characters is fine, 501 or unflagged violates") {
  ComplianceWorld w;
  RecordedCall(w);
  Method(w, T0() - hours(24 * 57));
  Document(w, "ok", T0() + hours(1), v1::ANALYSIS_DOCUMENT_KIND_GRID, 500);
  const uint64_t long_pos = Document(w, "long", T0() + hours(1), v1::ANALYSIS_DOCUMENT_KIND_GRID, 501);
  Document(w, "unflagged", T0() + hours(1), v1::ANALYSIS_DOCUMENT_KIND_GRID, 20, /*flagged=*/false);
  auto c = w.Engine(T0() + hours(2));
  CHECK(Rule(RecordOf(*c, RecordKind::kDocument, "ok", T0() + hours(2)), "LC-DATA-2").verdict == Verdict::kOk);
  const RuleVerdict r = Rule(RecordOf(*c, RecordKind::kDocument, "long", T0() + hours(2)), "LC-DATA-2");
  CHECK(r.verdict == Verdict::kViolated);
  CHECK(Contains(r.evidence, long_pos));
  CHECK(Rule(RecordOf(*c, RecordKind::kDocument, "unflagged", T0() + hours(2)), "LC-DATA-2").verdict ==
        Verdict::kViolated);
}

TEST_CASE("LC-DATA-2: a document stating only allowed categories holds; caller identity, created or amended, violates") {
  ComplianceWorld w;
  RecordedCall(w);
  Method(w, T0() - hours(24 * 57));
  auto categories = [&](const std::string& id, std::vector<v1::DataCategory> list) {
    Event e;
    auto* p = e.mutable_analysis_document_created();
    p->set_document_id(id);
    p->set_registration_id("r1");
    p->set_registration_version(1);
    auto* c = p->mutable_content();
    c->set_kind(v1::ANALYSIS_DOCUMENT_KIND_GRID);
    c->set_agent_ref("a1");
    c->set_evaluator_ref("sup-1");
    c->set_evaluation_method_id("m1");
    c->set_evaluation_method_version(1);
    for (auto k : list) c->add_data_categories(k);
    return w.Put("document-" + id, e, T0() + hours(1));
  };
  categories("allowed", {v1::DATA_CATEGORY_EMPLOYEE_ID, v1::DATA_CATEGORY_EVALUATOR_ID,
                         v1::DATA_CATEGORY_CALL_DATE_TIME_DURATION, v1::DATA_CATEGORY_PROFESSIONAL_EVALUATION});
  const uint64_t identity = categories("identity", {v1::DATA_CATEGORY_EMPLOYEE_ID, v1::DATA_CATEGORY_CALLER_IDENTITY});
  categories("amended", {v1::DATA_CATEGORY_EMPLOYEE_ID});
  Event amend;
  auto* a = amend.mutable_analysis_document_amended();
  a->set_document_id("amended");
  a->set_amended_by_ref("sup-1");
  a->mutable_content()->set_kind(v1::ANALYSIS_DOCUMENT_KIND_GRID);
  a->mutable_content()->set_agent_ref("a1");
  a->mutable_content()->set_evaluator_ref("sup-1");
  a->mutable_content()->add_data_categories(v1::DATA_CATEGORY_HEALTH);
  const uint64_t amended = w.Put("document-amended", amend, T0() + hours(1) + seconds(30));
  const TimePoint at = T0() + hours(2);
  auto c = w.Engine(at);
  CHECK(Rule(RecordOf(*c, RecordKind::kDocument, "allowed", at), "LC-DATA-2").verdict == Verdict::kOk);
  const RuleVerdict r = Rule(RecordOf(*c, RecordKind::kDocument, "identity", at), "LC-DATA-2");
  CHECK(r.verdict == Verdict::kViolated);
  CHECK(r.detail.find("DATA_CATEGORY_CALLER_IDENTITY") != std::string::npos);
  CHECK(Contains(r.evidence, identity));
  const RuleVerdict m = Rule(RecordOf(*c, RecordKind::kDocument, "amended", at), "LC-DATA-2");
  CHECK(m.verdict == Verdict::kViolated);
  CHECK(Contains(m.evidence, amended));
}

// ---- LC-EVAL-1..3 ------------------------------------------------------------------------------

TEST_CASE("LC-EVAL-1 holds when the method was published and shown before it is applied, and breaks otherwise") {
  ComplianceWorld w;
  RecordedCall(w);
  Method(w, T0() - hours(24 * 57));
  Document(w, "d1", T0() + hours(1));
  auto c = w.Engine(T0() + hours(2));
  CHECK(Rule(RecordOf(*c, RecordKind::kDocument, "d1", T0() + hours(2)), "LC-EVAL-1").verdict == Verdict::kOk);
  const AgentSummary ok_summary = AgentOf(*c, "a1", T0() + hours(2));
  CHECK(AgentRuleOf(ok_summary, "LC-EVAL-1").verdict == Verdict::kOk);

  ComplianceWorld w2;
  RecordedCall(w2);
  Method(w2, T0() - hours(24 * 57));
  const uint64_t d = Document(w2, "d1", T0() + hours(1), v1::ANALYSIS_DOCUMENT_KIND_GRID, 0, true, "m-unpublished", 1);
  auto c2 = w2.Engine(T0() + hours(2));
  const AgentSummary summary = AgentOf(*c2, "a1", T0() + hours(2));
  const RuleVerdict& r = AgentRuleOf(summary, "LC-EVAL-1");
  CHECK(r.verdict == Verdict::kViolated);
  CHECK(Contains(r.evidence, d));
}

TEST_CASE("LC-EVAL-2: answers attributed elsewhere are excluded from the agent's scores; no author violates") {
  ComplianceWorld w;
  RecordedCall(w);
  auto answer = [&](const std::string& id, int score, v1::SurveyCause cause, const std::string& by) {
    Event e;
    auto* p = e.mutable_survey_answered();
    p->set_answer_id(id);
    p->set_survey_id("csat");
    p->set_call_id("c1");
    p->set_agent_ref("a1");
    p->set_score(score);
    p->set_max_score(5);
    w.Put("answer-" + id, e, T0() + hours(1));
    if (cause != v1::SURVEY_CAUSE_UNSPECIFIED) {
      Event a;
      a.mutable_cause_attributed()->set_answer_id(id);
      a.mutable_cause_attributed()->set_cause(cause);
      a.mutable_cause_attributed()->set_attributed_by_ref(by);
      w.Put("answer-" + id, a, T0() + hours(2));
    }
  };
  answer("s1", 5, v1::SURVEY_CAUSE_AGENT, "sup-1");
  answer("s2", 1, v1::SURVEY_CAUSE_NETWORK, "sup-1");
  answer("s3", 1, v1::SURVEY_CAUSE_UNKNOWN, "sup-1");
  answer("s4", 2, v1::SURVEY_CAUSE_UNSPECIFIED, "");
  answer("s5", 0, v1::SURVEY_CAUSE_PRODUCT, "");  // imported without its author
  auto c = w.Engine(T0() + hours(3));
  const AgentSummary s = AgentOf(*c, "a1", T0() + hours(3));
  CHECK(s.survey_answers == 5);
  // s1 (agent) and s4 (no other cause attributed) count; s2, s3 and s5 are excluded.
  CHECK(s.survey_answers_counted == 2);
  CHECK(s.survey_answers_excluded == 3);
  REQUIRE(s.survey_score.has_value());
  CHECK(*s.survey_score == doctest::Approx(0.7));
  const TimePoint at = T0() + hours(3);
  CHECK(Rule(RecordOf(*c, RecordKind::kAnswer, "s2", at), "LC-EVAL-2").verdict == Verdict::kOk);
  CHECK(Rule(RecordOf(*c, RecordKind::kAnswer, "s4", at), "LC-EVAL-2").verdict == Verdict::kOk);
  CHECK(Rule(RecordOf(*c, RecordKind::kAnswer, "s5", at), "LC-EVAL-2").verdict == Verdict::kViolated);
}

TEST_CASE("LC-EVAL-3: a decision resting only on a self-evaluation violates; with a grid it holds") {
  ComplianceWorld w;
  RecordedCall(w);
  Method(w, T0() - hours(24 * 57));
  Document(w, "self", T0() + hours(1), v1::ANALYSIS_DOCUMENT_KIND_SELF_EVALUATION);
  Document(w, "grid", T0() + hours(1));
  auto decide = [&](const std::string& id, std::vector<std::string> docs) {
    Event e;
    auto* p = e.mutable_decision_recorded();
    p->set_decision_id(id);
    p->set_agent_ref("a1");
    p->set_kind(v1::DECISION_KIND_PAY);
    p->set_decided_by_ref("mgr-1");
    for (auto& d : docs) p->add_document_ids(d);
    return w.Put("agent-a1", e, T0() + hours(2));
  };
  const uint64_t bad = decide("x1", {"self"});
  decide("x2", {"self", "grid"});
  auto c = w.Engine(T0() + hours(3));
  CHECK(Rule(RecordOf(*c, RecordKind::kDecision, "x1", T0() + hours(3)), "LC-EVAL-3").verdict == Verdict::kViolated);
  CHECK(Rule(RecordOf(*c, RecordKind::kDecision, "x2", T0() + hours(3)), "LC-EVAL-3").verdict == Verdict::kOk);
  const AgentSummary summary = AgentOf(*c, "a1", T0() + hours(3));
  const RuleVerdict& agent = AgentRuleOf(summary, "LC-EVAL-3");
  CHECK(agent.verdict == Verdict::kViolated);
  CHECK(Contains(agent.evidence, bad));
}

// ---- SubjectIndex --------------------------------------------------------------------------------

TEST_CASE("SubjectIndex: a caller's export has calls, recordings and access log; an agent's adds documents") {
  ComplianceWorld w;
  RecordedCall(w);
  Method(w, T0() - hours(24 * 57));
  Document(w, "d1", T0() + hours(1));
  Event acc;
  auto* p = acc.mutable_recording_accessed();
  p->set_recording_id("rec1");
  p->set_call_id("c1");
  p->set_principal_ref("trainer-1");
  p->set_role("trainer");
  p->set_action(v1::ACCESS_ACTION_PLAYBACK);
  p->set_purpose(v1::PURPOSE_TRAINING);
  w.Put("call-c1", acc, T0() + hours(2));
  auto c = w.Engine(T0() + hours(3));
  auto caller = c->subjects().ExportAt("caller-c1", T0() + hours(3));
  REQUIRE_MESSAGE(caller.ok(), caller.status().ToString());
  CHECK(caller->kind == v1::PARTY_CALLER);
  REQUIRE(caller->calls.size() == 1);
  CHECK(caller->calls[0].recorded);
  REQUIRE(caller->recordings.size() == 1);
  CHECK(caller->recordings[0].retention_due == kDeadline);
  REQUIRE(caller->accesses.size() == 1);
  CHECK(caller->accesses[0].principal_ref == "trainer-1");
  CHECK(caller->documents.empty());

  auto agent = c->subjects().ExportAt("a1", T0() + hours(3));
  REQUIRE(agent.ok());
  CHECK(agent->kind == v1::PARTY_AGENT);
  REQUIRE(agent->documents.size() == 1);
  REQUIRE(agent->documents[0].criteria.size() == 1);
  CHECK(agent->documents[0].criteria[0].code == "GREET-1");
  CHECK(agent->documents[0].criteria[0].description == "Greets the caller and gives their name");
  const std::string json = FormatSubjectExportJson(*agent);
  CHECK(json.find("\"Greets the caller and gives their name\"") != std::string::npos);
  CHECK(json.find("\"access_log\"") != std::string::npos);

  CHECK(c->subjects().Export("nobody").status().code() == StatusCode::kNotFound);
  CHECK(c->subjects().Export("").status().code() == StatusCode::kInvalidArgument);
}

// ---- Persistence ---------------------------------------------------------------------------------

TEST_CASE("Record state persists with its checkpoint and equals a fresh fold after reopening") {
  ComplianceWorld w;
  RecordedCall(w);
  Method(w, T0() - hours(24 * 57));
  Document(w, "d1", T0() + hours(1));
  Hold(w, "h1", T0() + hours(2));
  Request(w, "q1", v1::REQUEST_KIND_ACCESS, "caller-c1", v1::PARTY_CALLER, T0() + hours(3));
  { auto persisted = w.Engine(T0() + hours(4), /*persist=*/true); }
  auto reopened = w.Engine(T0() + hours(4), /*persist=*/true);
  auto fresh = w.Engine(T0() + hours(4), /*persist=*/false);
  CHECK(reopened->DumpState() == fresh->DumpState());
  auto rebuilt = w.Engine(T0() + hours(4), true);
  REQUIRE(rebuilt->Rebuild().ok());
  CHECK(rebuilt->DumpState() == fresh->DumpState());
}

// ---- Concurrency -----------------------------------------------------------------------------------

TEST_CASE("Purge plans, record verdicts and subject exports are read from threads while the engine folds live") {
  ComplianceWorld w;
  RecordedCall(w);
  Method(w, T0() - hours(24 * 57));
  ComplianceOptions o;
  o.clock = [] { return T0() + hours(24 * 200); };
  o.persist = false;
  auto c = Compliance::Open(&w.store(), o);
  REQUIRE(c.ok());
  REQUIRE((*c)->StartLive().ok());
  // Agent a1 is known before the readers start; what follows is folded while they read.
  REQUIRE((*c)->WaitFor(w.store().HeadPosition(), std::chrono::seconds(30)));
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> reads{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 3; ++t) {
    readers.emplace_back([&, t] {
      const TimePoint at = T0() + hours(24 * 200);
      while (!stop.load()) {
        if (t == 0) {
          const RetentionPlan plan = (*c)->retention().Plan(at);
          CHECK(plan.position <= w.store().HeadPosition());
        } else if (t == 1) {
          (*c)->retention().ForEach(at, RecordKind::kDocument, [](const RecordVerdicts& v) { return !v.id.empty(); });
          (*c)->retention().ForEach(at, RecordKind::kHold, [](const RecordVerdicts&) { return true; });
        } else {
          auto e = (*c)->subjects().ExportAt("a1", at);
          CHECK(e.ok());
          (void)(*c)->agents().EvaluateAt("a1", at);
        }
        ++reads;
      }
    });
  }
  for (int i = 0; i < 40; ++i) {
    const std::string call = "live-" + std::to_string(i);
    w.StartCall(call, "a1", T0() + hours(1) + std::chrono::minutes(i));
    w.StartRecording(call, "rec-" + call, T0() + hours(1) + std::chrono::minutes(i) + seconds(5));
    w.Store(call, "rec-" + call, "k1", T0() + hours(1) + std::chrono::minutes(i) + seconds(60));
    Document(w, "doc-" + std::to_string(i), T0() + hours(2) + std::chrono::minutes(i));
    if (i % 10 == 0) Hold(w, "hold-" + std::to_string(i), T0() + hours(3), call);
  }
  REQUIRE((*c)->WaitFor(w.store().HeadPosition(), std::chrono::seconds(30)));
  stop = true;
  for (auto& r : readers) r.join();
  CHECK(reads.load() > 0);
  const RetentionPlan plan = (*c)->retention().Plan(T0() + hours(24 * 200));
  CHECK(plan.recordings == 41);
  CHECK(plan.held == 4);
}
