// SPDX-License-Identifier: Apache-2.0
// Policy overrides apply everywhere (RULES.md): for each overridable policy field, the same facts
// judged under the RULES.md default and under a registration that overrides the field give
// different verdicts of the rule the field governs. The probe max age has its own test in
// rules_readings_test.cc ("A registration's probe max age override replaces the 24 h default").
#include <doctest/doctest.h>

#include <functional>

#include "compliance_fixture.h"
#include "consent/retention.h"

using namespace consent;
using namespace consent::testing;

namespace {

const TimePoint kRecAt = T0() + seconds(11);
const TimePoint kObjAt = T0() + seconds(60);
const TimePoint kEndAt = T0() + seconds(120);

using Change = std::function<void(v1::ProcessingDetails&)>;

// A world whose registration is the fixture's, changed by `change` when `overridden`.
void BaselineUnder(ComplianceWorld& w, bool overridden, const Change& change, int prior_calls = 9) {
  ComplianceWorld::BaselineOptions o;
  v1::ProcessingDetails d = w.Details();
  if (overridden) change(d);
  o.details = d;
  o.prior_calls = prior_calls;
  w.BaselineWith(o);
}

// c1 recorded from kRecAt, stopped and stored as copy k1 at its end.
void StoredCall(ComplianceWorld& w) {
  w.CompliantCallStart();
  w.StartRecording("c1", "rec1", kRecAt);
  w.Pause("c1", "rec1", kEndAt - seconds(1), milliseconds(100), v1::PAUSE_CAUSE_CALL_ENDED, /*stop=*/true);
  w.EndCall("c1", kEndAt);
  w.Store("c1", "rec1", "k1", kEndAt + seconds(10));
}

// Each test runs twice: under the RULES.md default, and under a registration overriding the field.
// Returns which run this is.
bool OverriddenSubcase() {
  bool overridden = false;
  SUBCASE("default") {}
  SUBCASE("overridden") { overridden = true; }
  return overridden;
}

// A legal hold over c1 placed at `at`, complete (reason, case reference, owner).
uint64_t PlaceHold(ComplianceWorld& w, TimePoint at) {
  Event e;
  auto* p = e.mutable_legal_hold_placed();
  p->set_hold_id("h1");
  p->mutable_scope()->add_call_ids("c1");
  p->set_reason("litigation");
  p->set_case_reference("case-42");
  p->set_owner_ref("legal-1");
  return w.Put("hold-h1", e, at);
}

// An evaluation grid d1 of a1 created at `at`, with `free_text` characters of flagged free text.
uint64_t CreateDocument(ComplianceWorld& w, TimePoint at, size_t free_text = 0) {
  Event e;
  auto* p = e.mutable_analysis_document_created();
  p->set_document_id("d1");
  p->set_registration_id("r1");
  p->set_registration_version(1);
  p->mutable_content()->set_kind(v1::ANALYSIS_DOCUMENT_KIND_GRID);
  p->mutable_content()->set_agent_ref("a1");
  p->mutable_content()->set_evaluator_ref("sup-1");
  p->mutable_content()->set_free_text(std::string(free_text, 'x'));
  p->mutable_content()->set_free_text_flagged(true);
  return w.Put("document-d1", e, at);
}

Verdict RecordRule(const Compliance& c, RecordKind kind, const std::string& id, TimePoint at, const std::string& rule) {
  Verdict out = Verdict::kNotApplicable;
  bool found = false;
  c.retention().ForEach(at, kind, [&](const RecordVerdicts& v) {
    if (v.id != id) return true;
    for (const auto& r : v.rules) {
      if (r.rule_id == rule) out = r.verdict;
    }
    found = true;
    return false;
  });
  REQUIRE_MESSAGE(found, "record " << id << " not found");
  return out;
}

}  // namespace

TEST_CASE("Overriding pause_budget_ms changes LC-OBJ-1: a 2.5 s pause is late by default, on time with 3000 ms") {
  ComplianceWorld w;
  const bool overridden = OverriddenSubcase();
  BaselineUnder(w, overridden, [](auto& d) { d.mutable_policy()->set_pause_budget_ms(3000); });
  w.CompliantCallStart();
  w.StartRecording("c1", "rec1", kRecAt);
  w.Object("c1", "o1", v1::PARTY_CALLER, kObjAt);
  w.Pause("c1", "rec1", kObjAt + milliseconds(2000), milliseconds(500));
  w.EndCall("c1", kEndAt);
  const TimePoint at = kEndAt + seconds(10);
  const Verdict v = RuleOf(VerdictsOf(*w.Engine(at), "c1", at), "LC-OBJ-1").verdict;
  CHECK(v == (overridden ? Verdict::kOk : Verdict::kViolated));
}

TEST_CASE("Overriding purge_after_objection_hours changes LC-OBJ-4: a purge 30 h after the objection") {
  ComplianceWorld w;
  const bool overridden = OverriddenSubcase();
  BaselineUnder(w, overridden, [](auto& d) { d.mutable_policy()->set_purge_after_objection_hours(48); });
  w.CompliantCallStart();
  w.StartRecording("c1", "rec1", kRecAt);
  w.Object("c1", "o1", v1::PARTY_CALLER, kObjAt);
  w.Pause("c1", "rec1", kObjAt + milliseconds(300), milliseconds(200), v1::PAUSE_CAUSE_OBJECTION, true);
  w.EndCall("c1", kEndAt);
  w.Store("c1", "rec1", "k1", kEndAt + seconds(10));
  w.Purge("c1", "rec1", "k1", kObjAt + hours(30));
  const TimePoint at = kObjAt + hours(50);
  const Verdict v = RuleOf(VerdictsOf(*w.Engine(at), "c1", at), "LC-OBJ-4").verdict;
  CHECK(v == (overridden ? Verdict::kOk : Verdict::kViolated));
}

TEST_CASE("Overriding purge_after_private_hours changes LC-PRIV-1: a purge 30 h after the private flag") {
  ComplianceWorld w;
  const bool overridden = OverriddenSubcase();
  BaselineUnder(w, overridden, [](auto& d) { d.mutable_policy()->set_purge_after_private_hours(48); });
  w.CompliantCallStart();
  w.StartRecording("c1", "rec1", kRecAt);
  const TimePoint flag = T0() + seconds(30);
  w.FlagPrivate("c1", flag);
  w.Pause("c1", "rec1", flag + milliseconds(300), milliseconds(200), v1::PAUSE_CAUSE_PRIVATE_FLAG, true);
  w.EndCall("c1", kEndAt);
  w.Store("c1", "rec1", "k1", kEndAt + seconds(10));
  w.Purge("c1", "rec1", "k1", flag + hours(30));
  const TimePoint at = flag + hours(50);
  const Verdict v = RuleOf(VerdictsOf(*w.Engine(at), "c1", at), "LC-PRIV-1").verdict;
  CHECK(v == (overridden ? Verdict::kOk : Verdict::kViolated));
}

TEST_CASE("Overriding hold_review_days changes LC-RET-3: a hold unreviewed for 40 days") {
  ComplianceWorld w;
  const bool overridden = OverriddenSubcase();
  BaselineUnder(w, overridden, [](auto& d) { d.mutable_policy()->set_hold_review_days(30); });
  StoredCall(w);
  PlaceHold(w, T0() + hours(1));
  const TimePoint at = T0() + hours(24 * 40);
  const Verdict v = RecordRule(*w.Engine(at), RecordKind::kHold, "h1", at, "LC-RET-3");
  CHECK(v == (overridden ? Verdict::kViolated : Verdict::kOk));
}

TEST_CASE("Overriding hold_release_purge_hours changes LC-RET-1: a purge 48 h after the release of a hold") {
  ComplianceWorld w;
  const bool overridden = OverriddenSubcase();
  BaselineUnder(w, overridden, [](auto& d) { d.mutable_policy()->set_hold_release_purge_hours(72); });
  StoredCall(w);
  PlaceHold(w, T0() + hours(24 * 100));
  Event review;
  review.mutable_legal_hold_reviewed()->set_hold_id("h1");
  review.mutable_legal_hold_reviewed()->set_reviewed_by_ref("legal-1");
  w.Put("hold-h1", review, T0() + hours(24 * 150));
  Event released;
  released.mutable_legal_hold_released()->set_hold_id("h1");
  released.mutable_legal_hold_released()->set_released_by_ref("legal-1");
  const TimePoint release = T0() + hours(24 * 200);  // after the 6-month deadline
  w.Put("hold-h1", released, release);
  w.Purge("c1", "rec1", "k1", release + hours(48));
  const TimePoint at = release + hours(100);
  const Verdict v = RecordRule(*w.Engine(at), RecordKind::kRecording, "rec1", at, "LC-RET-1");
  CHECK(v == (overridden ? Verdict::kOk : Verdict::kViolated));
}

TEST_CASE("Overriding min_use_share_bp changes the LC-PROP-2 warning: no recording used") {
  ComplianceWorld w;
  const bool overridden = OverriddenSubcase();
  BaselineUnder(w, overridden, [](auto& d) { d.mutable_policy()->set_min_use_share_bp(0); });
  StoredCall(w);
  const TimePoint at = T0() + hours(2);
  CHECK(w.Engine(at)->RecordingUseAt(at).warning == !overridden);
}

TEST_CASE("Overriding analysis_free_text_max_chars changes LC-DATA-2: 600 characters of flagged free text") {
  ComplianceWorld w;
  const bool overridden = OverriddenSubcase();
  BaselineUnder(w, overridden, [](auto& d) { d.mutable_policy()->set_analysis_free_text_max_chars(1000); });
  StoredCall(w);
  CreateDocument(w, T0() + hours(1), 600);
  const TimePoint at = T0() + hours(2);
  const Verdict v = RecordRule(*w.Engine(at), RecordKind::kDocument, "d1", at, "LC-DATA-2");
  CHECK(v == (overridden ? Verdict::kOk : Verdict::kViolated));
}

TEST_CASE("Overriding max_share_bp changes LC-PROP-1: a second recording among ten calls") {
  ComplianceWorld w;
  const bool overridden = OverriddenSubcase();
  BaselineUnder(w, overridden, [](auto& d) { d.mutable_sampling()->set_max_share_bp(2000); }, /*prior_calls=*/8);
  w.RecordedCall("c0", "a1", T0() - hours(2));
  w.CompliantCallStart();
  const GateDecision d = w.Engine(kRecAt)->gate().DecideAt("c1", {}, kRecAt);
  CHECK(Denies(d, "LC-PROP-1") == !overridden);
  w.StartRecording("c1", "rec1", kRecAt);
  const TimePoint at = kRecAt + seconds(1);
  const Verdict v = AgentRuleOf(AgentOf(*w.Engine(at), "a1", at), "LC-PROP-1").verdict;
  CHECK(v == (overridden ? Verdict::kOk : Verdict::kViolated));
}

TEST_CASE("Overriding warn_share_bp changes the LC-PROP-1 warning: one recording among ten calls") {
  ComplianceWorld w;
  const bool overridden = OverriddenSubcase();
  BaselineUnder(w, overridden, [](auto& d) { d.mutable_sampling()->set_warn_share_bp(2000); });
  w.CompliantCallStart();
  w.StartRecording("c1", "rec1", kRecAt);
  const TimePoint at = kRecAt + seconds(1);
  CHECK(AgentOf(*w.Engine(at), "a1", at).over_warn_share == !overridden);
}

TEST_CASE("Overriding the recording retention changes LC-RET-1: a copy kept 4 months") {
  ComplianceWorld w;
  const bool overridden = OverriddenSubcase();
  BaselineUnder(w, overridden, [](auto& d) { d.set_recording_retention_months(3); });
  StoredCall(w);
  const TimePoint at = T0() + hours(24 * 122);
  const Verdict v = RecordRule(*w.Engine(at), RecordKind::kRecording, "rec1", at, "LC-RET-1");
  CHECK(v == (overridden ? Verdict::kViolated : Verdict::kPending));
}

TEST_CASE("Overriding the analysis retention changes LC-RET-2: a document kept 8 months") {
  ComplianceWorld w;
  const bool overridden = OverriddenSubcase();
  BaselineUnder(w, overridden, [](auto& d) { d.set_analysis_retention_months(6); });
  StoredCall(w);
  CreateDocument(w, T0() + hours(1));
  const TimePoint at = T0() + hours(24 * 245);
  const Verdict v = RecordRule(*w.Engine(at), RecordKind::kDocument, "d1", at, "LC-RET-2");
  CHECK(v == (overridden ? Verdict::kViolated : Verdict::kPending));
}
