// SPDX-License-Identifier: Apache-2.0
// consent::Compliance and its views: thin forwarding to internal::ComplianceEngine.
#include "consent/compliance.h"
#include "consent/rules.h"

#include "projections/engine.h"
#include "projections/rule_support.h"

namespace consent {

std::string_view VerdictName(Verdict v) {
  switch (v) {
    case Verdict::kOk: return "ok";
    case Verdict::kViolated: return "violated";
    case Verdict::kUnverified: return "unverified";
    case Verdict::kNotApplicable: return "not_applicable";
    case Verdict::kPending: return "pending";
  }
  return "not_applicable";
}

Verdict CallVerdicts::Overall() const {
  const auto rank = internal::Rank;
  Verdict worst = Verdict::kNotApplicable;
  for (const auto& r : rules) {
    if (rank(r.verdict) > rank(worst)) worst = r.verdict;
  }
  return worst;
}

const std::vector<RuleInfo>& RuleCatalogue() {
  static const std::vector<RuleInfo> kRules = [] {
    std::vector<RuleInfo> out;
    for (const Rule& r : Rules()) out.push_back({r.id, r.title, r.attaches_to});
    return out;
  }();
  return kRules;
}

const RuleInfo* FindRule(std::string_view id) {
  for (const auto& r : RuleCatalogue()) {
    if (r.id == id) return &r;
  }
  return nullptr;
}

// ---- Views ---------------------------------------------------------------------------------

GateDecision RecordingGate::Decide(std::string_view call_id, const std::vector<v1::Track>& tracks) const {
  return engine_->Decide(call_id, tracks, engine_->Now());
}
GateDecision RecordingGate::DecideAt(std::string_view call_id, const std::vector<v1::Track>& tracks,
                                     TimePoint now) const {
  return engine_->Decide(call_id, tracks, now);
}
void RecordingGate::OnMustStop(std::function<void(const StopOrder&)> fn) { engine_->OnMustStop(std::move(fn)); }

StatusOr<CallVerdicts> CallCompliance::Evaluate(std::string_view call_id) const {
  return engine_->EvaluateCall(call_id, engine_->Now());
}
StatusOr<CallVerdicts> CallCompliance::EvaluateAt(std::string_view call_id, TimePoint at) const {
  return engine_->EvaluateCall(call_id, at);
}
void CallCompliance::ForEach(TimePoint at, const std::function<bool(const CallVerdicts&)>& fn) const {
  engine_->ForEachCall(at, fn);
}
size_t CallCompliance::size() const { return engine_->CallCount(); }

StatusOr<AgentSummary> AgentLedger::Evaluate(std::string_view agent_ref) const {
  return engine_->EvaluateAgent(agent_ref, engine_->Now());
}
StatusOr<AgentSummary> AgentLedger::EvaluateAt(std::string_view agent_ref, TimePoint at) const {
  return engine_->EvaluateAgent(agent_ref, at);
}
void AgentLedger::ForEach(TimePoint at, const std::function<bool(const AgentSummary&)>& fn) const {
  engine_->ForEachAgent(at, fn);
}
size_t AgentLedger::size() const { return engine_->AgentCount(); }

// ---- Compliance ----------------------------------------------------------------------------

Compliance::Compliance(std::unique_ptr<internal::ComplianceEngine> engine)
    : engine_(std::move(engine)), gate_(engine_.get()), calls_(engine_.get()), agents_(engine_.get()),
      retention_(engine_.get()), subjects_(engine_.get()) {}

Compliance::~Compliance() { engine_->StopLive(); }

StatusOr<std::unique_ptr<Compliance>> Compliance::Open(EventStore* store, ComplianceOptions options) {
  if (store == nullptr) return InvalidArgumentError("Compliance::Open: store is null");
  if (!options.site.empty() && options.persist) {
    return InvalidArgumentError("Compliance::Open(site \"" + options.site + "\"): a site view needs persist = false");
  }
  auto engine = std::make_unique<internal::ComplianceEngine>(store, std::move(options));
  CONSENT_RETURN_IF_ERROR(engine->Load());
  return std::unique_ptr<Compliance>(new Compliance(std::move(engine)));
}

StatusOr<uint64_t> Compliance::CatchUp() { return engine_->CatchUp(); }
Status Compliance::StartLive() { return engine_->StartLive(); }
void Compliance::StopLive() { engine_->StopLive(); }
bool Compliance::WaitFor(uint64_t position, std::chrono::milliseconds timeout) const {
  return engine_->WaitFor(position, timeout);
}
StatusOr<uint64_t> Compliance::Rebuild() { return engine_->Rebuild(); }
uint64_t Compliance::position() const { return engine_->position(); }
std::optional<std::string> Compliance::recovery() const { return engine_->recovery(); }
Status Compliance::live_status() const { return engine_->live_status(); }
TimePoint Compliance::Now() const { return engine_->Now(); }
RecordingUse Compliance::RecordingUseAt(TimePoint at) const { return engine_->EvaluateRecordingUse(at); }
Policy Compliance::PolicyFor(std::string_view registration_id) const { return engine_->PolicyFor(registration_id); }
std::vector<std::string> Compliance::Registrations() const { return engine_->Registrations(); }
std::vector<std::pair<std::string, std::string>> Compliance::DumpState() const { return engine_->DumpState(); }

}  // namespace consent
