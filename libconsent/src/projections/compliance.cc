// consent::Compliance and its views: thin forwarding to internal::ComplianceEngine.
#include "consent/compliance.h"

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
  static const std::vector<RuleInfo> kRules = {
      {"LC-REG-1", "Recording only under an active, complete processing registration", "call"},
      {"LC-REG-2", "Purposes limited to training, evaluation and quality", "call"},
      {"LC-REG-3", "Retention at most 6 months (recordings) and 12 months (analysis)", "call"},
      {"LC-GOV-1", "Staff committee consulted before the first recording", "call"},
      {"LC-GOV-2", "DPO consulted, when one is appointed", "call"},
      {"LC-GOV-3", "A DPIA reference exists", "call"},
      {"LC-AGT-1", "Agent informed before being recorded", "call"},
      {"LC-AGT-2", "Recording only inside announced recording windows", "agent"},
      {"LC-AGT-3", "Protected employees: private line or key; mandate calls never recorded", "call"},
      {"LC-PRIV-1", "Private calls never recorded; media purged within 24 h", "call"},
      {"LC-NOT-1", "Tier-1 notice completed before recording the caller", "call"},
      {"LC-NOT-2", "Tier-2 pointer offered to a complete published notice", "call"},
      {"LC-NOT-3", "Notice version matches the registration version in force", "call"},
      {"LC-NOT-4", "The caller could object until the end of the call", "call"},
      {"LC-OBJ-1", "A caller's objection stops capture on all tracks within 2 s", "call"},
      {"LC-OBJ-2", "An agent's objection stops capture unless overruled with a written ground", "call"},
      {"LC-OBJ-3", "No resume after an objection unless the objector withdraws it", "call"},
      {"LC-OBJ-4", "Media captured before an objection purged within 24 h", "call"},
      {"LC-OBJ-5", "Recording only where a working suspend capability is declared", "call"},
      {"LC-PROP-1", "Occasional recording: at most 10 % of an agent's calls over 30 days", "call"},
      {"LC-PROP-2", "Recordings are used: at least 50 % listened to or analysed", "site"},
      {"LC-SCOPE-1", "No screen or video capture coupled with the audio", "call"},
      {"LC-DATA-1", "Capture paused during payment-card segments", "call"},
      {"LC-DATA-2", "Analysis documents hold only allowed data; free text bounded", "document"},
      {"LC-ACC-1", "Every access by a declared recipient for a registered purpose", "call"},
      {"LC-ACC-2", "Access logs say who, what, when and why", "call"},
      {"LC-RET-1", "Recordings and their copies purged by collection + 6 months", "recording"},
      {"LC-RET-2", "Analysis documents purged by creation + 12 months", "document"},
      {"LC-RET-3", "Legal holds scoped, reasoned and reviewed every 90 days", "hold"},
      {"LC-RET-4", "A purge is complete only with a receipt for every copy", "recording"},
      {"LC-DSR-1", "Access requests answered within 1 month (+2 with extension)", "request"},
      {"LC-DSR-2", "Erasure and objection requests answered and purged in time", "request"},
      {"LC-EVAL-1", "Evaluation method published and shown to the agent first", "agent"},
      {"LC-EVAL-2", "Survey answers not caused by the agent excluded from scores", "answer"},
      {"LC-EVAL-3", "A self-evaluation is never the sole input to a decision", "decision"},
      {"LC-LIVE-1", "Live recording decision from all pre-recording rules", "gate"},
      {"LC-AUD-1", "Append-only, hash-chained log; verdicts recomputable", "store"},
  };
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
Status Compliance::live_status() const { return engine_->live_status(); }
TimePoint Compliance::Now() const { return engine_->Now(); }
RecordingUse Compliance::RecordingUseAt(TimePoint at) const { return engine_->EvaluateRecordingUse(at); }
Policy Compliance::PolicyFor(std::string_view registration_id) const { return engine_->PolicyFor(registration_id); }
std::vector<std::string> Compliance::Registrations() const { return engine_->Registrations(); }
std::vector<std::pair<std::string, std::string>> Compliance::DumpState() const { return engine_->DumpState(); }

}  // namespace consent
