// SPDX-License-Identifier: Apache-2.0
// SubjectIndex: everything the projections hold about one person (LC-DSR-1), and its JSON form.
#include <algorithm>
#include <map>
#include <set>

#include "consent/subject_index.h"
#include "internal/json_writer.h"
#include "projections/engine.h"
#include "projections/rule_support.h"

namespace consent {

StatusOr<SubjectExport> SubjectIndex::Export(std::string_view subject_ref) const {
  return engine_->ExportSubject(subject_ref, engine_->Now());
}

StatusOr<SubjectExport> SubjectIndex::ExportAt(std::string_view subject_ref, TimePoint at) const {
  return engine_->ExportSubject(subject_ref, at);
}

namespace internal {

namespace {

std::string DocumentKindName(int kind) {
  switch (kind) {
    case v1::ANALYSIS_DOCUMENT_KIND_GRID: return "grid";
    case v1::ANALYSIS_DOCUMENT_KIND_REPORT: return "report";
    case v1::ANALYSIS_DOCUMENT_KIND_SELF_EVALUATION: return "self_evaluation";
    default: return "unspecified";
  }
}

}  // namespace

StatusOr<SubjectExport> ComplianceEngine::ExportSubject(std::string_view subject_ref, TimePoint at) const {
  const std::string ref(subject_ref);
  if (ref.empty()) return InvalidArgumentError("SubjectIndex::Export: subject_ref is empty");
  const int64_t at_ns = ToNs(at);
  SubjectExport out;
  out.subject_ref = ref;
  out.at = at;
  out.position = position();

  std::vector<std::string> call_ids;
  std::map<std::string, st::Document> documents;
  std::map<std::string, st::Method> methods;
  std::vector<st::Request> requests;
  const std::shared_ptr<const std::vector<st::Hold>> holds = Holds();
  bool known = false;
  {
    std::shared_lock<std::shared_mutex> lock(records_mu_);
    if (auto it = subject_calls_.find(ref); it != subject_calls_.end()) call_ids = it->second;
    for (const auto& [id, d] : documents_) {
      if (d.agent_ref() == ref && d.created_ns() <= at_ns) documents.emplace(id, d);
    }
    for (const auto& [id, q] : requests_) {
      if (q.subject_ref() == ref && q.received_ns() <= at_ns) requests.push_back(q);
    }
    if (auto it = subjects_.find(ref); it != subjects_.end()) {
      known = true;
      out.identity_sealed = it->second.sealed_position() != 0;
      out.erased = it->second.erased_position() != 0 && it->second.erased_ns() <= at_ns;
      out.key_id = it->second.key_id();
      out.kind = static_cast<v1::Party>(it->second.kind());
    }
    if (!documents.empty()) methods = methods_;
  }
  // An agent is someone with an agent entry; a caller is anyone else.
  {
    AgentShard& sh = ShardOfAgent(ref);
    std::shared_lock<std::shared_mutex> lock(sh.mu);
    if (sh.agents.count(ref) != 0) {
      out.kind = v1::PARTY_AGENT;
      known = true;
    }
  }
  for (const auto& q : requests) {
    if (out.kind == v1::PARTY_UNSPECIFIED) out.kind = static_cast<v1::Party>(q.subject_kind());
  }
  if (out.kind == v1::PARTY_UNSPECIFIED) out.kind = v1::PARTY_CALLER;
  known = known || !call_ids.empty() || !documents.empty() || !requests.empty();
  if (!known) {
    ErrorContext ctx;
    ctx.stream = "subject-" + ref;
    return NotFoundError("SubjectIndex::Export(subject \"" + ref + "\"): the log never names this subject",
                         std::move(ctx));
  }

  const LimitsTable limits = Limits();
  std::sort(call_ids.begin(), call_ids.end());
  HoldKeys subject_keys;
  subject_keys.refs.push_back(ref);
  std::set<std::string> holds_in_force;
  for (const auto& call_id : call_ids) {
    CallShard& sh = ShardOfCall(call_id);
    std::shared_lock<std::shared_mutex> lock(sh.mu);
    auto it = sh.calls.find(call_id);
    if (it == sh.calls.end() || it->second.started_ns() > at_ns) continue;
    const st::Call& c = it->second;
    SubjectCall sc;
    sc.call_id = c.call_id();
    sc.started = FromNs(c.started_ns());
    if (c.ended_ns() != 0 && c.ended_ns() <= at_ns) sc.ended = FromNs(c.ended_ns());
    sc.agent_ref = c.agent_ref();
    sc.queue_id = c.started().queue_id();
    sc.private_call = !c.private_flags().empty();
    sc.position = c.started_position();
    for (const auto& cap : c.captures()) sc.recorded = sc.recorded || cap.ns() <= at_ns;
    out.calls.push_back(sc);
    subject_keys.call_ids.push_back(call_id);
    for (const auto& r : c.recordings()) {
      if (r.started_ns() > at_ns) continue;
      SubjectRecording sr;
      sr.recording_id = r.recording_id();
      sr.call_id = c.call_id();
      sr.started = FromNs(r.started_ns());
      for (int t : r.tracks()) sr.tracks.push_back(static_cast<v1::Track>(t));
      sr.retention_due =
          FromNs(AddMonthsNs(r.started_ns(), limits.LimitsAt(c.registration_id(), r.started_ns()).recording_months));
      for (const auto& cp : r.copies()) {
        if (cp.stored_ns() > at_ns) continue;
        SubjectCopy copy;
        copy.copy_id = cp.copy_id();
        copy.artefact_id = cp.artefact_id();
        copy.storage_ref = cp.storage_ref();
        if (cp.purged_position() != 0 && cp.purged_ns() <= at_ns) {
          copy.purged = FromNs(cp.purged_ns());
          copy.receipt = cp.receipt();
        }
        sr.copies.push_back(std::move(copy));
      }
      out.recordings.push_back(std::move(sr));
    }
    for (const auto& a : c.accesses()) {
      if (a.ns() > at_ns) continue;
      SubjectAccess sa;
      sa.time = FromNs(a.ns());
      sa.call_id = c.call_id();
      sa.recording_id = a.recording_id();
      sa.principal_ref = a.principal_ref();
      sa.role = a.role();
      sa.action = static_cast<v1::AccessAction>(a.action());
      sa.purpose = static_cast<v1::Purpose>(a.purpose());
      sa.refused = a.refused();
      sa.position = a.position();
      out.accesses.push_back(std::move(sa));
    }
  }
  std::sort(out.accesses.begin(), out.accesses.end(),
            [](const SubjectAccess& a, const SubjectAccess& b) { return a.position < b.position; });
  // Documents: agents only (RULES.md, "Caller access requests").
  if (out.kind == v1::PARTY_AGENT) {
    for (const auto& [id, d] : documents) {
      SubjectDocument sd;
      sd.document_id = d.document_id();
      sd.kind = DocumentKindName(d.kind());
      sd.evaluator_ref = d.evaluator_ref();
      sd.created = FromNs(d.created_ns());
      sd.call_ids.assign(d.call_ids().begin(), d.call_ids().end());
      sd.method_id = d.method_id();
      sd.method_version = d.method_version();
      const st::MethodVersion* mv = nullptr;
      if (auto it = methods.find(d.method_id()); it != methods.end()) {
        for (const auto& v : it->second.versions()) {
          if (v.version() == d.method_version()) mv = &v;
        }
      }
      for (int i = 0; i < d.criterion_codes_size(); ++i) {
        ExplainedCriterion c;
        c.code = d.criterion_codes(i);
        if (i < d.scores_size()) c.score = d.scores(i);
        if (mv != nullptr) {
          for (int j = 0; j < mv->codes_size(); ++j) {
            if (mv->codes(j) == c.code && j < mv->descriptions_size()) c.description = mv->descriptions(j);
          }
        }
        sd.criteria.push_back(std::move(c));
      }
      sd.free_text = d.free_text_chars() > 0;
      if (d.purged_position() != 0 && d.purged_ns() <= at_ns) sd.purged = FromNs(d.purged_ns());
      sd.retention_due =
          FromNs(AddMonthsNs(d.created_ns(), limits.LimitsAt(d.registration_id(), d.created_ns()).analysis_months));
      out.documents.push_back(std::move(sd));
      subject_keys.call_ids.insert(subject_keys.call_ids.end(), d.call_ids().begin(), d.call_ids().end());
    }
  }
  for (const auto& q : requests) {
    RecordVerdicts v = EvaluateRequest(q, at_ns, Policy::Defaults(), *holds, documents);
    SubjectRequest sr;
    sr.request_id = q.request_id();
    sr.kind = static_cast<v1::RequestKind>(q.kind());
    sr.received = FromNs(q.received_ns());
    sr.deadline = v.deadline.value_or(sr.received);
    if (q.fulfilled_position() != 0 && q.fulfilled_ns() <= at_ns) sr.fulfilled = FromNs(q.fulfilled_ns());
    sr.rules = std::move(v.rules);
    out.requests.push_back(std::move(sr));
  }
  for (const auto& h : *holds) {
    if (h.placed_ns() > at_ns || (h.released_ns() != 0 && h.released_ns() <= at_ns)) continue;
    if (HoldCovers(h, subject_keys)) out.holds.push_back(h.hold_id());
  }
  return out;
}

}  // namespace internal

std::string FormatSubjectExportJson(const SubjectExport& e) {
  internal::JsonWriter w;
  auto time = [&](std::string_view key, TimePoint t) { w.String(key, FormatTime(t)); };
  w.BeginObject();
  w.String("subject_ref", e.subject_ref);
  w.String("kind", e.kind == v1::PARTY_AGENT ? "agent" : "caller");
  time("as_of", e.at);
  w.Uint("log_position", e.position);
  w.BeginObject("identity");
  w.Bool("sealed", e.identity_sealed);
  w.Bool("erased", e.erased);
  w.String("key_id", e.key_id);
  if (e.identity) {
    w.String("phone_number", e.identity->phone_number);
    w.String("name", e.identity->name);
    w.String("note", e.identity->note);
  }
  w.EndObject();
  w.BeginArray("calls");
  for (const auto& c : e.calls) {
    w.BeginObject();
    w.String("call_id", c.call_id);
    time("started", c.started);
    w.OptTime("ended", c.ended);
    w.String("agent_ref", c.agent_ref);
    w.String("queue_id", c.queue_id);
    w.Bool("recorded", c.recorded);
    w.Bool("private", c.private_call);
    w.Uint("position", c.position);
    w.EndObject();
  }
  w.EndArray();
  w.BeginArray("recordings");
  for (const auto& r : e.recordings) {
    w.BeginObject();
    w.String("recording_id", r.recording_id);
    w.String("call_id", r.call_id);
    time("started", r.started);
    w.BeginArray("tracks");
    for (auto t : r.tracks) w.String("", v1::Track_Name(t));
    w.EndArray();
    time("retention_due", r.retention_due);
    w.BeginArray("copies");
    for (const auto& c : r.copies) {
      w.BeginObject();
      w.String("copy_id", c.copy_id);
      w.String("artefact_id", c.artefact_id);
      w.String("storage_ref", c.storage_ref);
      w.OptTime("purged", c.purged);
      w.Bool("receipt", c.receipt);
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
  w.BeginArray("access_log");
  for (const auto& a : e.accesses) {
    w.BeginObject();
    time("time", a.time);
    w.String("call_id", a.call_id);
    w.String("recording_id", a.recording_id);
    w.String("principal_ref", a.principal_ref);
    w.String("role", a.role);
    w.String("action", v1::AccessAction_Name(a.action));
    w.String("purpose", v1::Purpose_Name(a.purpose));
    w.Bool("refused", a.refused);
    w.Uint("position", a.position);
    w.EndObject();
  }
  w.EndArray();
  w.BeginArray("analysis_documents");
  for (const auto& d : e.documents) {
    w.BeginObject();
    w.String("document_id", d.document_id);
    w.String("kind", d.kind);
    w.String("evaluator_ref", d.evaluator_ref);
    time("created", d.created);
    w.BeginArray("call_ids");
    for (const auto& c : d.call_ids) w.String("", c);
    w.EndArray();
    w.String("method_id", d.method_id);
    w.Uint("method_version", d.method_version);
    w.BeginArray("criteria");
    for (const auto& c : d.criteria) {
      w.BeginObject();
      w.String("code", c.code);
      w.String("description", c.description);
      if (c.score) w.Raw("score", std::to_string(*c.score));
      else w.Null("score");
      w.EndObject();
    }
    w.EndArray();
    w.Bool("free_text", d.free_text);
    w.OptTime("purged", d.purged);
    time("retention_due", d.retention_due);
    w.EndObject();
  }
  w.EndArray();
  w.BeginArray("requests");
  for (const auto& q : e.requests) {
    w.BeginObject();
    w.String("request_id", q.request_id);
    w.String("kind", v1::RequestKind_Name(q.kind));
    time("received", q.received);
    time("deadline", q.deadline);
    w.OptTime("fulfilled", q.fulfilled);
    w.BeginArray("rules");
    for (const auto& r : q.rules) {
      w.BeginObject();
      w.String("rule_id", r.rule_id);
      w.String("verdict", VerdictName(r.verdict));
      w.String("detail", r.detail);
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
  w.BeginArray("legal_holds");
  for (const auto& h : e.holds) w.String("", h);
  w.EndArray();
  w.EndObject();
  return w.Take();
}

}  // namespace consent
