// SPDX-License-Identifier: Apache-2.0
// The rule catalogue's data (consent/rules.h). Titles and attachments are those the engine and
// the reports use; statements, facts, defaults and readings are what docs/rules.md prints.
#include "consent/rules.h"

namespace consent {
namespace {

constexpr Verdict kOk = Verdict::kOk;
constexpr Verdict kViolated = Verdict::kViolated;
constexpr Verdict kUnverified = Verdict::kUnverified;
constexpr Verdict kNa = Verdict::kNotApplicable;
constexpr Verdict kPending = Verdict::kPending;

const std::vector<Rule>& Table() {
  static const std::vector<Rule> kRules = {
      // ---- Registration and governance
      {"LC-REG-1", "Registration and governance",
       "Recording only under an active, complete processing registration",
       "No call is recorded or listened to live unless a processing registration is active and "
       "complete: controller, DPO contact, purposes, legal basis, recipients and retention.",
       "call", {kOk, kViolated, kUnverified, kNa},
       {"ProcessingRegistered", "ProcessingAmended", "CallStarted", "RecordingStarted", "LiveListenStarted"}, ""},
      {"LC-REG-2", "Registration and governance", "Purposes limited to training, evaluation and quality",
       "The registered purposes are among training, evaluation and quality. Keeping recordings as "
       "contract evidence needs a legal text reference; recording every call to deter abusive callers "
       "is not a purpose.",
       "call", {kOk, kViolated, kNa}, {"ProcessingRegistered", "ProcessingAmended", "RecordingStarted"}, ""},
      {"LC-REG-3", "Registration and governance", "Retention at most 6 months (recordings) and 12 months (analysis)",
       "The registered retention is at most 6 months for recordings and 12 months for analysis "
       "documents, unless the registration gives a legal text reference for a longer one.",
       "call", {kOk, kViolated, kNa}, {"ProcessingRegistered", "ProcessingAmended", "RecordingStarted"},
       "6 months (recordings), 12 months (analysis documents)"},
      {"LC-GOV-1", "Registration and governance", "Staff committee consulted before the first recording",
       "The staff committee was consulted before the first recording under a registration version.",
       "call", {kOk, kViolated, kNa}, {"ProcessingRegistered", "ProcessingAmended", "CseConsulted", "RecordingStarted"}, ""},
      {"LC-GOV-2", "Registration and governance", "DPO consulted, when one is appointed",
       "When the controller has appointed a DPO, the DPO was consulted before the first recording "
       "under a registration version.",
       "call", {kOk, kViolated, kNa}, {"ProcessingRegistered", "ProcessingAmended", "DpoConsulted", "RecordingStarted"}, ""},
      {"LC-GOV-3", "Registration and governance", "A DPIA reference exists",
       "A data protection impact assessment, with a non-empty reference, was recorded before the "
       "first recording under a registration version.",
       "call", {kOk, kViolated, kNa}, {"ProcessingRegistered", "ProcessingAmended", "DpiaRecorded", "RecordingStarted"}, ""},
      // ---- Agents
      {"LC-AGT-1", "Agents", "Agent informed before being recorded",
       "An agent is recorded only after being informed of every required item, the evaluation method "
       "included, under the registration version in force.",
       "call", {kOk, kViolated, kNa}, {"AgentProvisioned", "AgentInformed", "RecordingStarted"}, ""},
      {"LC-AGT-2", "Agents", "Recording only inside announced recording windows",
       "An agent is recorded only inside a recording window announced to the agent beforehand.",
       "agent", {kOk, kViolated, kNa}, {"AgentInformed", "RecordingWindowAnnounced", "RecordingStarted"}, ""},
      {"LC-AGT-3", "Agents", "Protected employees: private line or key; mandate calls never recorded",
       "Protected employees (staff representatives) have a private line or an exclusion key, and the "
       "calls they flag as related to their mandate are never recorded.",
       "call", {kOk, kViolated, kNa}, {"AgentProvisioned", "PrivateCallFlagged", "RecordingStarted"}, ""},
      // ---- Private calls
      {"LC-PRIV-1", "Private calls", "Private calls never recorded; media purged within 24 h",
       "A call flagged private, by a key before dialling or during the call, is never recorded or "
       "listened to; media captured before the flag is purged within 24 hours.",
       "call", {kOk, kViolated, kUnverified, kPending, kNa},
       {"PrivateCallFlagged", "RecordingStarted", "RecordingPaused", "RecordingStopped", "LiveListenStarted",
        "RecordingPurged"},
       "purge within 24 h (policy); stop within 2 s (policy)"},
      // ---- Notices to callers
      {"LC-NOT-1", "Notices to callers", "Tier-1 notice completed before recording the caller",
       "A first-tier notice (the recording exists, its purpose, the right to object) was completed "
       "before recording starts on the caller's track.",
       "call", {kOk, kViolated, kNa}, {"NoticeGiven", "RecordingStarted"}, ""},
      {"LC-NOT-2", "Notices to callers", "Tier-2 pointer offered to a complete published notice",
       "The caller was offered a pointer to a second-tier notice, and it resolves to a published "
       "notice version covering every required item: existence, controller, purposes, legal basis, "
       "recipients, retention, right to object, rights of access and rectification, and the right to "
       "complain to the supervisory authority.",
       "call", {kOk, kViolated, kNa}, {"NoticeGiven", "NoticePublished", "RecordingStarted"}, ""},
      {"LC-NOT-3", "Notices to callers", "Notice version matches the registration version in force",
       "The notice version in force was published for the registration version in force.",
       "call", {kOk, kViolated, kNa}, {"NoticePublished", "ProcessingRegistered", "ProcessingAmended", "NoticeGiven"}, ""},
      {"LC-NOT-4", "Notices to callers", "The caller could object until the end of the call",
       "Until the end of the call the caller kept a way to object (speaking to an agent, a key).",
       "call", {kOk, kViolated, kNa},
       {"ObjectionChannelLost", "ObjectionChannelRestored", "RecordingPaused", "RecordingResumed", "CallEnded"}, ""},
      // ---- Objections
      {"LC-OBJ-1", "Objections", "A caller's objection stops capture on all tracks within 2 s",
       "A caller's objection stops capture on every track (caller, agent, screen) within 2 seconds, "
       "and the platform acknowledges it. Without the acknowledgement the rule is unverified.",
       "call", {kOk, kViolated, kUnverified, kNa},
       {"ObjectionRaised", "RecordingPaused", "RecordingStopped", "CallTransferred"}, "2 s (policy)"},
      {"LC-OBJ-2", "Objections", "An agent's objection stops capture unless overruled with a written ground",
       "An agent's objection, with its reason, stops capture in the same way, unless a named person "
       "overrules it with a written ground.",
       "call", {kOk, kViolated, kUnverified, kNa},
       {"ObjectionRaised", "ObjectionDecided", "RecordingPaused", "RecordingStopped"}, "2 s (policy)"},
      {"LC-OBJ-3", "Objections", "No resume after an objection unless the objector withdraws it",
       "Capture does not resume on a call after an objection unless the party who objected withdraws "
       "it; a transferred call keeps the objection.",
       "call", {kOk, kViolated, kNa},
       {"ObjectionRaised", "ObjectionWithdrawn", "RecordingResumed", "RecordingStarted", "CallTransferred"}, ""},
      {"LC-OBJ-4", "Objections", "Media captured before an objection purged within 24 h",
       "Media captured before an objection is purged within 24 hours, or kept with a logged "
       "overriding ground.",
       "call", {kOk, kViolated, kUnverified, kPending, kNa},
       {"ObjectionRaised", "ObjectionWithdrawn", "RecordingStored", "RecordingPurged", "RetentionOverridden"},
       "24 h (policy)"},
      {"LC-OBJ-5", "Objections", "Recording only where a working suspend capability is declared",
       "A line or queue records only if it declared a capability to suspend capture and, when it has "
       "been probed, the capability worked.",
       "call", {kOk, kViolated, kNa}, {"CapabilityDeclared", "CapabilityProbed", "RecordingStarted", "CallTransferred"},
       "latest probe at most 24 h old"},
      // ---- Proportionality and scope
      {"LC-PROP-1", "Proportionality and scope", "Occasional recording: at most 10 % of an agent's calls over 30 days",
       "Recording is occasional, not systematic: for each agent over a rolling 30 days, recorded calls "
       "are at most 10 % of handled calls. A record-all mode breaks the rule unless the registration "
       "gives a legal text reference.",
       "call", {kOk, kViolated, kNa}, {"CallStarted", "RecordingStarted", "ProcessingRegistered", "ProcessingAmended"},
       "10 % over 30 days (policy); warning at 5 %"},
      {"LC-PROP-2", "Proportionality and scope", "Recordings are used: at least 50 % listened to or analysed",
       "Recordings are used: over 30 days, at least half of them are listened to or turned into an "
       "analysis document. A shortfall is a warning, not a violation.",
       "site", {kOk, kViolated, kNa}, {"RecordingStored", "RecordingAccessed", "AnalysisDocumentCreated"},
       "50 % over 30 days (policy)"},
      {"LC-SCOPE-1", "Proportionality and scope", "No screen or video capture coupled with the audio",
       "No screen capture or video is coupled with the audio recording.",
       "call", {kOk, kViolated, kNa}, {"ScreenCaptureStarted", "RecordingStarted"}, ""},
      {"LC-DATA-1", "Proportionality and scope", "Capture paused during payment-card segments",
       "Capture is paused, and the pause acknowledged, while a payment card is being given.",
       "call", {kOk, kViolated, kUnverified, kNa},
       {"SensitiveSegmentStarted", "SensitiveSegmentEnded", "RecordingPaused", "RecordingResumed"}, "2 s (policy)"},
      {"LC-DATA-2", "Proportionality and scope", "Analysis documents hold only allowed data; free text bounded",
       "An analysis document holds only the employee's and evaluator's ids, the call's date, time and "
       "duration, and the professional evaluation (criteria codes); its free text is bounded and "
       "flagged.",
       "document", {kOk, kViolated, kNa}, {"AnalysisDocumentCreated", "AnalysisDocumentAmended"},
       "free text at most 500 characters"},
      // ---- Access
      {"LC-ACC-1", "Access", "Every access by a declared recipient for a registered purpose",
       "Every live listen, playback, download or export is made by a principal whose role is a "
       "declared recipient, for a registered purpose; any other request is refused and recorded.",
       "call", {kOk, kViolated, kNa}, {"LiveListenStarted", "RecordingAccessed", "AccessRefused", "ProcessingRegistered"}, ""},
      {"LC-ACC-2", "Access", "Access logs say who, what, when and why",
       "The access log tells live listens, playbacks, downloads and exports apart, and each entry says "
       "who, what, when and why.",
       "call", {kOk, kViolated, kNa}, {"LiveListenStarted", "RecordingAccessed"}, ""},
      // ---- Retention
      {"LC-RET-1", "Retention", "Recordings and their copies purged by collection + 6 months",
       "Each recording, and each of its copies and derivatives (redacted copy, transcript), is purged "
       "by its collection time plus the retention limit.",
       "recording", {kOk, kViolated, kPending, kNa},
       {"RecordingStarted", "RecordingStored", "DerivedArtefactCreated", "RecordingPurged", "LegalHoldPlaced",
        "LegalHoldReleased"},
       "6 months (or the registration's limit)"},
      {"LC-RET-2", "Retention", "Analysis documents purged by creation + 12 months",
       "Analysis documents are purged by their creation time plus the retention limit.",
       "document", {kOk, kViolated, kPending, kNa},
       {"AnalysisDocumentCreated", "AnalysisDocumentPurged", "LegalHoldPlaced", "LegalHoldReleased"},
       "12 months (or the registration's limit)"},
      {"LC-RET-3", "Retention", "Legal holds scoped, reasoned and reviewed every 90 days",
       "A legal hold suspends purging only while it is active; it has a scope, a reason, a case "
       "reference and an owner, and is reviewed every 90 days. On release, purges that fell overdue "
       "are due at once.",
       "hold", {kOk, kViolated, kNa}, {"LegalHoldPlaced", "LegalHoldReviewed", "LegalHoldReleased"},
       "review every 90 days (policy); 24 h after a release"},
      {"LC-RET-4", "Retention", "A purge is complete only with a receipt for every copy",
       "A purge is complete only when every copy has a receipt: the content hash and the storage "
       "system's receipt.",
       "recording", {kOk, kViolated, kUnverified, kPending, kNa}, {"RecordingStored", "DerivedArtefactCreated", "RecordingPurged"}, ""},
      // ---- Rights
      {"LC-DSR-1", "Rights", "Access requests answered within 1 month (+2 with extension)",
       "An access request, from an agent or a caller, is answered within one month (three with a "
       "logged extension), with the recordings, analysis documents, evaluation codes and access log.",
       "request", {kOk, kViolated, kPending, kNa},
       {"SubjectRequestReceived", "SubjectRequestExtended", "SubjectRequestFulfilled"},
       "1 month, +2 months with an extension"},
      {"LC-DSR-2", "Rights", "Erasure and objection requests answered and purged in time",
       "Erasure and objection requests made after the call follow the same deadlines and start the "
       "purges of LC-RET-4.",
       "request", {kOk, kViolated, kPending, kNa},
       {"SubjectRequestReceived", "SubjectRequestExtended", "SubjectRequestFulfilled", "RecordingPurged",
        "AnalysisDocumentPurged", "SubjectErased"},
       "1 month, +2 months with an extension"},
      // ---- Evaluation
      {"LC-EVAL-1", "Evaluation", "Evaluation method published and shown to the agent first",
       "The evaluation method is published and shown to the agent before it is applied.",
       "agent", {kOk, kViolated, kNa}, {"EvaluationMethodPublished", "AgentInformed", "AnalysisDocumentCreated"}, ""},
      {"LC-EVAL-2", "Evaluation", "Survey answers not caused by the agent excluded from scores",
       "Satisfaction-survey answers whose attributed cause is not the agent (network, carrier or "
       "provider, product, policy, unknown) are left out of the agent's scores; the attribution and "
       "its author are recorded.",
       "answer", {kOk, kViolated, kNa}, {"SurveyAnswered", "CauseAttributed"}, ""},
      {"LC-EVAL-3", "Evaluation", "A self-evaluation is never the sole input to a decision",
       "A self-evaluation is an analysis document like any other and is never the only input to a "
       "decision about the agent.",
       "decision", {kOk, kViolated, kUnverified, kNa}, {"DecisionRecorded", "AnalysisDocumentCreated"}, ""},
      // ---- Live decision and audit
      {"LC-LIVE-1", "Live decision and audit", "Live recording decision from all pre-recording rules",
       "\"May I record this call now?\" is answered from LC-REG-1..3, LC-AGT-1, LC-AGT-3, LC-PRIV-1, "
       "LC-NOT-1, LC-OBJ-1..3, LC-OBJ-5, LC-PROP-1 and LC-DATA-1 at the current time: allow, or deny "
       "with every failing rule, with the log position the answer reflects. Unknown facts deny.",
       "gate", {kOk, kViolated, kUnverified}, {"CallStarted", "RecordingStarted"}, ""},
      {"LC-AUD-1", "Live decision and audit", "Append-only, hash-chained log; verdicts recomputable",
       "The log is append-only and hash-chained; every verdict can be recomputed from the log up to a "
       "given position.",
       "store", {kOk, kViolated}, {}, ""},
  };
  return kRules;
}

}  // namespace

const std::vector<Rule>& Rules() { return Table(); }

const Rule* FindRuleById(std::string_view id) {
  for (const Rule& r : Table()) {
    if (r.id == id) return &r;
  }
  return nullptr;
}

const std::vector<RuleReading>& RuleReadings() {
  static const std::vector<RuleReading> kReadings = {
      {"Thresholds are inclusive",
       "\"Within 2 s\" means at most 2.000 s and \"within 24 h\" at most 24 h. The pause latency runs "
       "from the ObjectionRaised time to the acknowledgement of the last recorded track paused or "
       "stopped. A private flag gets the same 2 s budget.",
       {"LC-OBJ-1", "LC-OBJ-2", "LC-PRIV-1", "LC-OBJ-4", "LC-DATA-1"}},
      {"Clocks start at the triggering fact",
       "The 24 h purge after an objection or a private flag counts from that fact. Retention counts "
       "from collection: the RecordingStarted time for recordings, the AnalysisDocumentCreated time "
       "for documents.",
       {"LC-OBJ-4", "LC-PRIV-1", "LC-RET-1", "LC-RET-2"}},
      {"Months are calendar months",
       "Months are counted on UTC calendar dates; a day missing from the target month becomes that "
       "month's last day (31 August + 6 months = 28 or 29 February).",
       {"LC-RET-1", "LC-RET-2", "LC-DSR-1", "LC-DSR-2"}},
      {"Retention limit",
       "The limit is the registration's; above 6 or 12 months it needs a legal text reference "
       "(LC-REG-3), and then the purge rules use it.",
       {"LC-REG-3", "LC-RET-1", "LC-RET-2"}},
      {"Legal hold release",
       "Purges that fell overdue during a hold are due at its release and on time if their receipts "
       "arrive within 24 h of it. A hold not reviewed within 90 days of its placement or last review "
       "violates LC-RET-3 and still blocks purging.",
       {"LC-RET-3", "LC-RET-1", "LC-RET-2", "LC-RET-4"}},
      {"Receipts",
       "A purge whose deadline passed while a copy has no receipt is violated; before the deadline it "
       "is pending: listed in the purge plan, no verdict yet.",
       {"LC-RET-4", "LC-RET-1", "LC-RET-2"}},
      {"Sampling",
       "Calls count at their CallStarted time, over the 30 days ending at the evaluation time. The "
       "gate allows a recording only if (recorded + 1) / handled stays within the share, handled "
       "counting the current call; a recording started past that bound violates the rule on its call; "
       "an agent's verdict at time T covers the 30 days ending at T. The warning starts at 5 %.",
       {"LC-PROP-1", "LC-LIVE-1"}},
      {"Agent objections",
       "Capture pauses within the budget while the decision on an agent's objection is pending. An "
       "objection overruled by a named person with a written ground lets recording start again. An "
       "objection not tied to a call (made in writing) covers all that agent's later calls until it "
       "is withdrawn or overruled.",
       {"LC-OBJ-2"}},
      {"Withdrawal",
       "Only the party who objected can withdraw the objection; a withdrawal by the other party is "
       "ignored, and a resume that follows it breaks LC-OBJ-3. Media captured before an objection "
       "that the same party withdraws before the 24 h deadline need not be purged.",
       {"LC-OBJ-3", "LC-OBJ-4"}},
      {"Capability",
       "The declared suspend capability covers every track being recorded, else LC-OBJ-5 fails. Once "
       "the line has been probed, the latest probe must have succeeded and be at most 24 h old.",
       {"LC-OBJ-5"}},
      {"Unknown facts deny",
       "Facts that must exist before recording (an active registration, the notice, the capability, "
       "the agent informed) deny when unknown. Facts that may never happen (an objection, a private "
       "flag, a payment segment) are simply absent: with no payment segment LC-DATA-1 is not "
       "applicable.",
       {"LC-LIVE-1", "LC-REG-1", "LC-NOT-1", "LC-OBJ-5", "LC-AGT-1", "LC-DATA-1"}},
      {"Not applicable",
       "The call-level notice and objection rules are not applicable on a call that was never recorded.",
       {"LC-NOT-1", "LC-NOT-2", "LC-NOT-3", "LC-NOT-4", "LC-OBJ-1", "LC-OBJ-2", "LC-OBJ-3", "LC-OBJ-4"}},
      {"Notice versions",
       "An amendment that changes the controller, the purposes, the legal basis, the recipients or the "
       "retention needs a notice version published for the new registration version.",
       {"LC-NOT-3"}},
      {"Where verdicts attach",
       "Registration, agent-at-recording, private-call, notice, objection, access and "
       "sampling-at-recording rules attach to the call; LC-RET-1/2/4 to the recording or document; "
       "LC-RET-3 to the hold; LC-DSR-* to the request; LC-AGT-2, LC-PROP-1 (rolling) and LC-EVAL-1 to "
       "the agent; LC-EVAL-2 to the survey answer. Reports add up from there.",
       {"LC-RET-1", "LC-RET-2", "LC-RET-3", "LC-RET-4", "LC-DSR-1", "LC-DSR-2", "LC-AGT-2", "LC-PROP-1",
        "LC-EVAL-1", "LC-EVAL-2"}},
      {"What an access export holds",
       "A caller's access request gets the caller's calls, recordings and access log; an agent's "
       "request also gets the analysis documents with their criteria codes explained.",
       {"LC-DSR-1"}},
      {"Inputs that are refused",
       "Refused with an error, nothing appended: a cause attribution without its author; a DPIA "
       "record with an empty reference (a DPIA exists only with a reference); malformed or impossible "
       "facts (an acknowledgement before its command, a pause of a capture that is not running). "
       "Free text over 500 characters in an analysis document is accepted and violates LC-DATA-2.",
       {"LC-EVAL-2", "LC-GOV-3", "LC-DATA-2"}},
      {"What happened is recorded, then judged",
       "Outside the refusals above, a fact that really happened is stored even when it breaks a rule, "
       "because it is the evidence: a legal hold without case reference or owner is stored, violates "
       "LC-RET-3 and still suspends purging; a release without a reason is stored. A host that asks "
       "before granting access gets a refusal for an undeclared role (refused and recorded); an access "
       "a platform reports after the fact is stored as it happened and judged (an undeclared role "
       "violates LC-ACC-1 on the call).",
       {"LC-RET-3", "LC-ACC-1"}},
      {"Missing prerequisites are violations",
       "When capture began without a fact that must come first (an active registration covering the "
       "call, a declared suspend capability, the tier-1 notice, the agent informed), the rule is "
       "violated, not unverified: the recording itself is the fault. Unverified is only for a missing "
       "confirmation of an action taken (a pause or stop never acknowledged, a deletion never "
       "confirmed before its deadline made it a violation).",
       {"LC-REG-1", "LC-OBJ-5", "LC-NOT-1", "LC-AGT-1", "LC-OBJ-1", "LC-RET-4"}},
      {"Governance precedes recording",
       "LC-GOV-1, LC-GOV-2 and LC-GOV-3 are judged at the first capture under a registration version: "
       "the consultation or DPIA is logged before it. With no DPO appointed LC-GOV-2 is not "
       "applicable, never ok (which would read as \"the DPO was consulted\").",
       {"LC-GOV-1", "LC-GOV-2", "LC-GOV-3"}},
      {"Mandate calls are private calls",
       "A protected employee's mandate flag is a private flag: recording such a call breaks both "
       "LC-PRIV-1 and LC-AGT-3, and the gate cites both.",
       {"LC-PRIV-1", "LC-AGT-3", "LC-LIVE-1"}},
      {"Record-all under a legal text",
       "Where the registration sets record-all with a legal text reference, LC-PROP-1 holds at the "
       "gate, on the call and in the agent's rolling verdict alike.",
       {"LC-PROP-1"}},
      {"Transfers",
       "After CallTransferred the new leg is judged on its own queue or line (its capability and "
       "probes, LC-OBJ-5) and its own agent (LC-AGT-*), at the gate and in verdicts; objections and "
       "private flags carry over (LC-OBJ-3).",
       {"LC-OBJ-5", "LC-AGT-1", "LC-AGT-3", "LC-OBJ-3", "LC-PRIV-1"}},
      {"One fault, one rule",
       "After an objection honoured in time, a resume on a withdrawal by the wrong party breaks "
       "LC-OBJ-3, not LC-OBJ-1/2 (those are judged by the pause). After a standing agent objection is "
       "overruled with a written ground, LC-OBJ-2 on later calls is ok, with the overrule as evidence.",
       {"LC-OBJ-1", "LC-OBJ-2", "LC-OBJ-3"}},
      {"Payment segments",
       "Every recorded track is paused, and the pause acknowledged, within 2 s of "
       "SensitiveSegmentStarted, until the segment ends.",
       {"LC-DATA-1"}},
      {"Objection channel",
       "The caller could object while at least one channel (speaking to an agent, a key) remained; "
       "losing every channel while capture runs is a violation unless capture was paused for as long "
       "as no channel was available.",
       {"LC-NOT-4"}},
      {"What a document holds",
       "An analysis document, created or amended, states the categories of data it holds, besides its "
       "criteria and free text; a category outside the allowed list (the caller's identity, payment "
       "data, health) violates LC-DATA-2 on that document. The content itself never enters the log.",
       {"LC-DATA-2"}},
      {"Policy overrides apply everywhere",
       "A number overridden on a registration is the number every rule, plan and report uses for the "
       "facts under that registration, not only the one printed.",
       {"LC-REG-3", "LC-RET-1", "LC-RET-2", "LC-RET-3", "LC-OBJ-1", "LC-OBJ-4", "LC-PRIV-1", "LC-PROP-1",
        "LC-PROP-2"}},
  };
  return kReadings;
}

std::vector<const RuleReading*> ReadingsFor(std::string_view id) {
  std::vector<const RuleReading*> out;
  for (const RuleReading& r : RuleReadings()) {
    for (std::string_view rule : r.rules) {
      if (rule == id) {
        out.push_back(&r);
        break;
      }
    }
  }
  return out;
}

}  // namespace consent
