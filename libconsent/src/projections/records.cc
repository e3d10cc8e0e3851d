// SPDX-License-Identifier: Apache-2.0
// Folding of the records that are not calls: analysis documents, legal holds, subject requests,
// survey answers, decisions, evaluation methods and the subject directory's facts; and the
// subject index (subject or agent ref -> calls). Internal.
#include <algorithm>

#include "projections/engine.h"

namespace consent::internal {

namespace {

// Unicode code points in UTF-8 text (LC-DATA-2 counts characters, not bytes).
uint32_t CodePoints(const std::string& s) {
  uint32_t n = 0;
  for (unsigned char ch : s) {
    if ((ch & 0xC0) != 0x80) ++n;
  }
  return n;
}

bool AllowedCategory(int category) {
  switch (category) {
    case v1::DATA_CATEGORY_EMPLOYEE_ID:
    case v1::DATA_CATEGORY_EVALUATOR_ID:
    case v1::DATA_CATEGORY_CALL_DATE_TIME_DURATION:
    case v1::DATA_CATEGORY_PROFESSIONAL_EVALUATION:
    case v1::DATA_CATEGORY_FREE_TEXT:
      return true;
    default:
      return false;
  }
}

// The content stated at `pos` (created or amended); categories outside the allowed list stay on
// the document as LC-DATA-2 findings even if a later amendment drops them (the data was held).
void FillDocument(st::Document* d, const v1::AnalysisDocumentContent& c, uint64_t pos) {
  for (int category : c.data_categories()) {
    if (AllowedCategory(category)) continue;
    d->add_disallowed_categories(category);
    d->add_disallowed_positions(pos);
  }
  d->set_kind(c.kind());
  d->set_agent_ref(c.agent_ref());
  d->set_evaluator_ref(c.evaluator_ref());
  d->clear_call_ids();
  d->clear_recording_ids();
  for (const auto& call : c.calls()) {
    d->add_call_ids(call.call_id());
    if (!call.recording_id().empty()) d->add_recording_ids(call.recording_id());
  }
  d->set_method_id(c.evaluation_method_id());
  d->set_method_version(c.evaluation_method_version());
  d->clear_criterion_codes();
  d->clear_scores();
  for (const auto& sc : c.scores()) {
    d->add_criterion_codes(sc.criterion_code());
    d->add_scores(sc.score());
  }
  d->set_free_text_chars(CodePoints(c.free_text()));
  d->set_free_text_flagged(c.free_text_flagged());
}

}  // namespace

void ComplianceEngine::IndexCall(const st::Call& c, const std::string& only_ref) {
  std::unique_lock<std::shared_mutex> lock(records_mu_);
  // Each call is indexed once per person: at its start (or at Load), and for an agent who joins
  // it by a transfer; no search is needed (an agent with a year of calls would make it quadratic).
  auto add = [&](const std::string& ref) {
    if (!ref.empty() && (only_ref.empty() || ref == only_ref)) subject_calls_[ref].push_back(c.call_id());
  };
  if (!only_ref.empty()) {
    add(only_ref);
    return;
  }
  std::vector<const std::string*> seen;
  for (const auto& p : c.started().participants()) seen.push_back(&p.subject_ref());
  for (const auto& a : c.agent_refs()) seen.push_back(&a);
  for (size_t i = 0; i < seen.size(); ++i) {
    bool dup = false;
    for (size_t j = 0; j < i; ++j) dup = dup || *seen[j] == *seen[i];
    if (!dup) add(*seen[i]);
  }
}

std::vector<std::string> ComplianceEngine::SubjectsOf(std::string_view call_id) const {
  std::vector<std::string> out;
  CallShard& sh = ShardOfCall(call_id);
  std::shared_lock<std::shared_mutex> lock(sh.mu);
  auto it = sh.calls.find(std::string(call_id));
  if (it == sh.calls.end()) return out;
  for (const auto& p : it->second.started().participants()) {
    if (!p.subject_ref().empty()) out.push_back(p.subject_ref());
  }
  for (const auto& a : it->second.agent_refs()) out.push_back(a);
  return out;
}

void ComplianceEngine::RefreshHoldsSnapshot() {
  auto holds = std::make_shared<std::vector<st::Hold>>();
  holds->reserve(holds_.size());
  for (const auto& [id, h] : holds_) holds->push_back(h);
  holds_snapshot_ = std::move(holds);
}

std::shared_ptr<const std::vector<st::Hold>> ComplianceEngine::Holds() const {
  std::shared_lock<std::shared_mutex> lock(records_mu_);
  return holds_snapshot_;
}

LimitsTable ComplianceEngine::Limits() const {
  std::shared_lock<std::shared_mutex> lock(world_mu_);
  return BuildLimits(registrations_);
}

void ComplianceEngine::NotePurgeUnderHolds(const std::string& call_id, const std::string& recording_id,
                                           const std::string& document_id, uint64_t pos, int64_t ns) {
  // The same keys the purge plan uses for the target (CallHoldKeys, DocumentHoldKeys).
  HoldKeys keys;
  if (!call_id.empty()) {
    CallShard& sh = ShardOfCall(call_id);
    std::shared_lock<std::shared_mutex> lock(sh.mu);
    if (auto it = sh.calls.find(call_id); it != sh.calls.end()) keys = CallHoldKeys(it->second);
    keys.recording_id = recording_id;
  } else {
    std::shared_lock<std::shared_mutex> lock(records_mu_);
    auto it = documents_.find(document_id);
    if (it == documents_.end()) return;
    keys = DocumentHoldKeys(it->second);
  }
  std::unique_lock<std::shared_mutex> lock(records_mu_);
  bool changed = false;
  for (auto& [id, h] : holds_) {
    if (h.placed_ns() > ns || (h.released_ns() != 0 && h.released_ns() <= ns) || !HoldCovers(h, keys)) continue;
    h.add_purged_while_held(pos);
    MarkDirty("h/", id);
    changed = true;
  }
  if (changed) RefreshHoldsSnapshot();
}

void ComplianceEngine::ApplyRecordEvent(const Event& e) {
  const int64_t ns = ToNs(e.occur_time());
  const uint64_t pos = e.position();
  using P = Event::PayloadCase;
  std::string purged_document;  // hold check after the lock is released
  {
    std::unique_lock<std::shared_mutex> lock(records_mu_);
    switch (e.payload_case()) {
      case P::kAnalysisDocumentCreated: {
        const auto& p = e.analysis_document_created();
        st::Document& d = documents_[p.document_id()];
        if (d.created_position() != 0) break;  // the Ledger refuses a second creation
        d.set_document_id(p.document_id());
        d.set_registration_id(p.registration_id());
        d.set_registration_version(p.registration_version());
        FillDocument(&d, p.content(), pos);
        d.set_created_ns(ns);
        d.set_created_position(pos);
        d.set_content_hash(p.content_hash());
        d.set_storage_ref(p.storage_ref());
        MarkDirty("d/", p.document_id());
        break;
      }
      case P::kAnalysisDocumentAmended: {
        const auto& p = e.analysis_document_amended();
        auto it = documents_.find(p.document_id());
        if (it == documents_.end()) break;
        FillDocument(&it->second, p.content(), pos);
        it->second.add_amended_positions(pos);
        if (!p.content_hash().empty()) it->second.set_content_hash(p.content_hash());
        MarkDirty("d/", p.document_id());
        break;
      }
      case P::kAnalysisDocumentPurged: {
        const auto& p = e.analysis_document_purged();
        auto it = documents_.find(p.document_id());
        if (it == documents_.end()) break;
        st::Document& d = it->second;
        const bool receipt = d.storage_ref().empty() || (!p.content_hash().empty() && !p.storage_receipt().empty());
        if (d.purged_position() == 0 || (!d.receipt() && receipt)) {
          d.set_purged_position(pos);
          d.set_purged_ns(ns);
          d.set_receipt(receipt);
          d.set_purge_reason(p.reason());
          purged_document = p.document_id();
        }
        MarkDirty("d/", p.document_id());
        break;
      }
      case P::kRetentionOverridden: {
        const auto& p = e.retention_overridden();
        auto it = documents_.find(p.document_id());
        if (it == documents_.end() || p.ground().empty()) break;
        st::Override* o = it->second.add_overrides();
        o->set_cause_ref(p.cause_ref());
        if (p.has_keep_until_time()) o->set_keep_until_ns(ToNs(p.keep_until_time()));
        o->set_position(pos);
        o->set_ns(ns);
        MarkDirty("d/", p.document_id());
        break;
      }
      case P::kDecisionRecorded: {
        const auto& p = e.decision_recorded();
        st::Decision& d = decisions_[p.decision_id()];
        d.set_decision_id(p.decision_id());
        d.set_agent_ref(p.agent_ref());
        d.set_kind(p.kind());
        d.set_decided_by_ref(p.decided_by_ref());
        d.clear_document_ids();
        for (const auto& id : p.document_ids()) d.add_document_ids(id);
        d.set_other_inputs(static_cast<uint32_t>(p.other_input_refs_size()));
        d.set_ns(ns);
        d.set_position(pos);
        MarkDirty("x/", p.decision_id());
        break;
      }
      case P::kSurveyAnswered: {
        const auto& p = e.survey_answered();
        st::Answer& a = answers_[p.answer_id()];
        a.set_answer_id(p.answer_id());
        a.set_survey_id(p.survey_id());
        a.set_call_id(p.call_id());
        a.set_agent_ref(p.agent_ref());
        a.set_score(p.score());
        a.set_max_score(p.max_score());
        a.set_ns(ns);
        a.set_position(pos);
        MarkDirty("s/", p.answer_id());
        break;
      }
      case P::kCauseAttributed: {
        const auto& p = e.cause_attributed();
        auto it = answers_.find(p.answer_id());
        if (it == answers_.end()) break;
        it->second.set_cause(p.cause());
        it->second.set_attributed_by_ref(p.attributed_by_ref());
        it->second.set_attributed_position(pos);
        MarkDirty("s/", p.answer_id());
        break;
      }
      case P::kEvaluationMethodPublished: {
        const auto& p = e.evaluation_method_published();
        st::Method& m = methods_[p.evaluation_method_id()];
        m.set_method_id(p.evaluation_method_id());
        st::MethodVersion* v = m.add_versions();
        v->set_version(p.evaluation_method_version());
        v->set_published_ns(ns);
        v->set_position(pos);
        for (const auto& c : p.criteria()) {
          v->add_codes(c.code());
          v->add_descriptions(c.description());
        }
        MarkDirty("m/", p.evaluation_method_id());
        break;
      }
      case P::kLegalHoldPlaced: {
        const auto& p = e.legal_hold_placed();
        st::Hold& h = holds_[p.hold_id()];
        if (h.placed_position() != 0) break;
        h.set_hold_id(p.hold_id());
        for (const auto& x : p.scope().recording_ids()) h.add_recording_ids(x);
        for (const auto& x : p.scope().document_ids()) h.add_document_ids(x);
        for (const auto& x : p.scope().call_ids()) h.add_call_ids(x);
        for (const auto& x : p.scope().agent_refs()) h.add_agent_refs(x);
        for (const auto& x : p.scope().subject_refs()) h.add_subject_refs(x);
        h.set_reason(p.reason());
        h.set_case_reference(p.case_reference());
        h.set_owner_ref(p.owner_ref());
        h.set_placed_ns(ns);
        h.set_placed_position(pos);
        if (p.has_next_review_time()) h.set_next_review_ns(ToNs(p.next_review_time()));
        MarkDirty("h/", p.hold_id());
        RefreshHoldsSnapshot();
        break;
      }
      case P::kLegalHoldReviewed: {
        const auto& p = e.legal_hold_reviewed();
        auto it = holds_.find(p.hold_id());
        if (it == holds_.end()) break;
        st::HoldReview* r = it->second.add_reviews();
        r->set_ns(ns);
        r->set_position(pos);
        if (p.has_next_review_time()) it->second.set_next_review_ns(ToNs(p.next_review_time()));
        MarkDirty("h/", p.hold_id());
        RefreshHoldsSnapshot();
        break;
      }
      case P::kLegalHoldReleased: {
        const auto& p = e.legal_hold_released();
        auto it = holds_.find(p.hold_id());
        if (it == holds_.end() || it->second.released_ns() != 0) break;
        it->second.set_released_ns(ns);
        it->second.set_released_position(pos);
        MarkDirty("h/", p.hold_id());
        RefreshHoldsSnapshot();
        break;
      }
      case P::kSubjectRequestReceived: {
        const auto& p = e.subject_request_received();
        st::Request& r = requests_[p.request_id()];
        if (r.received_position() != 0) break;
        r.set_request_id(p.request_id());
        r.set_kind(p.kind());
        r.set_subject_ref(p.subject_ref());
        r.set_subject_kind(p.subject_kind());
        for (const auto& c : p.call_ids()) r.add_call_ids(c);
        r.set_received_ns(ns);
        r.set_received_position(pos);
        MarkDirty("q/", p.request_id());
        break;
      }
      case P::kSubjectRequestExtended: {
        const auto& p = e.subject_request_extended();
        auto it = requests_.find(p.request_id());
        if (it == requests_.end()) break;
        it->second.set_extension_months(it->second.extension_months() + p.extension_months());
        it->second.add_extension_positions(pos);
        MarkDirty("q/", p.request_id());
        break;
      }
      case P::kSubjectRequestFulfilled: {
        const auto& p = e.subject_request_fulfilled();
        auto it = requests_.find(p.request_id());
        if (it == requests_.end() || it->second.fulfilled_position() != 0) break;
        st::Request& r = it->second;
        r.set_fulfilled_ns(ns);
        r.set_fulfilled_position(pos);
        r.set_outcome(p.outcome());
        r.set_refusal_ground(!p.refusal_ground().empty());
        for (const auto& x : p.call_ids()) r.add_answered_call_ids(x);
        for (const auto& x : p.recording_ids()) r.add_answered_recording_ids(x);
        for (const auto& x : p.document_ids()) r.add_answered_document_ids(x);
        r.set_access_log_included(p.access_log_included());
        r.set_evaluation_codes_explained(p.evaluation_codes_explained());
        MarkDirty("q/", p.request_id());
        break;
      }
      case P::kSubjectIdentitySealed: {
        const auto& p = e.subject_identity_sealed();
        st::Subject& s = subjects_[p.subject_ref()];
        s.set_subject_ref(p.subject_ref());
        s.set_kind(p.subject_kind());
        s.set_key_id(p.key_id());
        s.set_sealed_position(pos);
        MarkDirty("p/", p.subject_ref());
        break;
      }
      case P::kSubjectErased: {
        const auto& p = e.subject_erased();
        st::Subject& s = subjects_[p.subject_ref()];
        s.set_subject_ref(p.subject_ref());
        if (s.erased_position() == 0) {
          s.set_erased_ns(ns);
          s.set_erased_position(pos);
        }
        MarkDirty("p/", p.subject_ref());
        break;
      }
      default:
        break;
    }
  }
  if (!purged_document.empty()) NotePurgeUnderHolds("", "", purged_document, pos, ns);
}

}  // namespace consent::internal
