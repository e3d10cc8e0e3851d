// SPDX-License-Identifier: Apache-2.0
// The recording gate (LC-LIVE-1): facts gathered under shared locks, then the rules.
#include <algorithm>

#include "projections/engine.h"

namespace consent::internal {
namespace {

constexpr int kCapturing = 1;

bool Contains(const google::protobuf::RepeatedField<int>& v, int x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

// Items a tier-1 caller notice must cover (LC-NOT-1).
constexpr int kTier1Items[] = {v1::NOTICE_ITEM_EXISTENCE, v1::NOTICE_ITEM_PURPOSES, v1::NOTICE_ITEM_RIGHT_TO_OBJECT};
// Items an agent must be informed of (LC-AGT-1), besides the evaluation method.
constexpr int kAgentItems[] = {v1::NOTICE_ITEM_EXISTENCE,     v1::NOTICE_ITEM_CONTROLLER,
                               v1::NOTICE_ITEM_PURPOSES,      v1::NOTICE_ITEM_LEGAL_BASIS,
                               v1::NOTICE_ITEM_RECIPIENTS,    v1::NOTICE_ITEM_RETENTION,
                               v1::NOTICE_ITEM_RIGHT_TO_OBJECT, v1::NOTICE_ITEM_RIGHTS_OF_ACCESS_AND_RECTIFICATION,
                               v1::NOTICE_ITEM_RIGHT_TO_COMPLAIN_TO_CNIL};

bool ObjectionActive(const st::Objection& o, int64_t now_ns) {
  if (o.raised_ns() > now_ns) return false;
  if (o.withdrawn_ns() != 0 && o.withdrawn_ns() <= now_ns) return false;
  if (o.overruled_ns() != 0 && o.overruled_ns() <= now_ns) return false;
  return true;
}

std::string Missing(const v1::ProcessingDetails& d) {
  std::string m;
  auto add = [&](const char* what) {
    if (!m.empty()) m += ", ";
    m += what;
  };
  if (d.controller().empty()) add("controller");
  if (d.dpo_appointed() && d.dpo_contact().empty()) add("DPO contact");
  if (d.purposes().empty()) add("purposes");
  if (d.legal_basis() == v1::LEGAL_BASIS_UNSPECIFIED) add("legal basis");
  if (d.recipient_roles().empty()) add("recipients");
  if (d.recording_retention_months() == 0) add("recording retention");
  if (d.analysis_retention_months() == 0) add("analysis retention");
  return m;
}

std::string Pct(uint64_t num, uint64_t den) {
  if (den == 0) return "n/a";
  const uint64_t bp = num * 10000 / den;
  return std::to_string(bp / 100) + "." + std::to_string((bp % 100) / 10) + " %";
}

// LC-GOV-1..3, judged at the first capture under the version in force (RULES.md "Governance
// precedes recording"): a consultation or DPIA logged after it does not cure the version.
template <typename Fail>
void GovernanceRules(const RegistrationFacts& reg, int64_t now_ns, Fail&& fail) {
  const st::RegistrationVersion& v = reg.version_in_force();
  const int64_t first = v.first_capture_ns() != 0 && v.first_capture_ns() <= now_ns ? v.first_capture_ns() : now_ns;
  const std::string version = std::to_string(reg.version);
  const std::string when = " before the first recording under version " + version;
  if (v.cse_ns() == 0 || v.cse_ns() > first) {
    fail("LC-GOV-1", "staff committee not consulted" + when, {reg.position});
  }
  if (v.details().dpo_appointed() && (v.dpo_ns() == 0 || v.dpo_ns() > first)) {
    fail("LC-GOV-2", "DPO not consulted" + when, {reg.position});
  }
  if (reg.dpia_position == 0 || reg.dpia_ns > first) {
    fail("LC-GOV-3", "no DPIA reference recorded" + when, {reg.position});
  }
}

}  // namespace

CallFacts ComplianceEngine::GetCallFacts(std::string_view call_id, int64_t now_ns) const {
  CallFacts f;
  CallShard& sh = ShardOfCall(call_id);
  std::shared_lock<std::shared_mutex> lock(sh.mu);
  auto it = sh.calls.find(std::string(call_id));
  if (it == sh.calls.end()) return f;
  const st::Call& c = it->second;
  f.exists = true;
  f.call_id = c.call_id();
  f.agent_ref = c.agent_ref();
  f.registration_id = c.registration_id();
  // After a transfer to another queue, the current leg is judged on that queue (RULES.md
  // "Transfers").
  f.line_id = c.transferred_leg() ? std::string() : c.started().line_id();
  f.queue_id = c.transferred_leg() ? c.leg_queue_id() : c.started().queue_id();
  f.started_ns = c.started_ns();
  f.started_position = c.started_position();
  f.ended = c.ended_ns() != 0 && c.ended_ns() <= now_ns;
  f.ended_position = c.ended_position();
  for (const auto& r : c.recordings()) {
    if (r.started_ns() <= now_ns) f.already_recorded = true;
    if (std::find(r.track_states().begin(), r.track_states().end(), kCapturing) != r.track_states().end()) {
      f.capturing_recordings.push_back(r.recording_id());
    }
  }
  for (const auto& p : c.private_flags()) {
    if (p.ns() > now_ns) continue;
    if (p.mandate_related()) f.mandate_positions.push_back(p.position());
    else f.private_positions.push_back(p.position());
  }
  for (const auto& n : c.notices()) {
    const auto& g = n.notice();
    if (g.audience() != v1::PARTY_CALLER || g.tier() != v1::NOTICE_TIER_SHORT) continue;
    bool covers = g.completed();
    for (int item : kTier1Items) covers = covers && Contains(g.items(), item);
    if (covers && n.end_ns() <= now_ns) {
      if (f.tier1_position == 0) {
        f.tier1_position = n.position();
        f.tier1_end_ns = n.end_ns();
        f.tier1_notice_id = g.notice_id();
        f.tier1_notice_version = g.notice_version();
      }
    } else {
      f.incomplete_notice_positions.push_back(n.position());
    }
  }
  for (const auto& o : c.objections()) {
    if (!ObjectionActive(o, now_ns)) continue;
    (o.party() == v1::PARTY_AGENT ? f.agent_objections : f.caller_objections).push_back(o.raised_position());
  }
  for (const auto& s : c.segments()) {
    if (s.kind() == v1::SENSITIVE_KIND_PAYMENT_CARD && s.start_ns() <= now_ns && (s.end_ns() == 0 || s.end_ns() > now_ns)) {
      f.open_payment_segments.push_back(s.start_position());
    }
  }
  return f;
}

RegistrationFacts ComplianceEngine::GetRegistrationFacts(std::string_view registration_id, int64_t now_ns) const {
  RegistrationFacts f;
  {
    std::shared_lock<std::shared_mutex> lock(world_mu_);
    auto it = registration_snapshots_.find(std::string(registration_id));
    if (it == registration_snapshots_.end()) return f;
    f.snapshot = it->second;
  }
  const st::Registration& r = *f.snapshot;
  f.exists = true;
  f.registration_id = r.registration_id();
  f.dpia_position = r.dpia_position();
  f.dpia_ns = r.dpia_ns();
  f.ended_position = r.ended_ns() != 0 && r.ended_ns() <= now_ns ? r.ended_position() : 0;
  for (const auto& v : r.versions()) {
    if (v.valid_from_ns() <= now_ns && (f.in_force == nullptr || v.version() > f.in_force->version())) f.in_force = &v;
  }
  if (f.in_force != nullptr) {
    f.version = f.in_force->version();
    f.position = f.in_force->position();
    f.active = f.ended_position == 0;
  }
  return f;
}

AgentFacts ComplianceEngine::GetAgentFacts(std::string_view agent_ref, const RegistrationFacts& reg,
                                           int64_t now_ns) const {
  AgentFacts f;
  if (agent_ref.empty()) return f;
  AgentShard& sh = ShardOfAgent(agent_ref);
  std::shared_lock<std::shared_mutex> lock(sh.mu);
  auto it = sh.agents.find(std::string(agent_ref));
  if (it == sh.agents.end()) return f;
  const st::Agent& a = it->second;
  f.exists = true;
  f.provisioned = a.provisioned();
  f.provisioned_position = a.provisioned_position();
  f.is_protected = a.is_protected();
  f.private_line_id = a.private_line_id();
  f.has_exclusion_key = a.has_exclusion_key();
  for (const auto& inf : a.informed()) {
    if (inf.ns() > now_ns) continue;
    f.latest_informed_position = inf.position();
    if (!inf.registration_id().empty() && inf.registration_id() != reg.registration_id) continue;
    if (inf.registration_version() != reg.version) continue;
    bool complete = inf.evaluation_method_shown();
    for (int item : kAgentItems) complete = complete && Contains(inf.items(), item);
    if (complete) f.informed_position = inf.position();
    else f.informed_incomplete = true;
  }
  for (const auto& o : a.standing_objections()) {
    if (ObjectionActive(o, now_ns)) f.standing_objections.push_back(o.raised_position());
  }
  const int64_t window_ns = std::chrono::nanoseconds(std::chrono::hours(24 * 30)).count();
  const int64_t lo = now_ns - window_ns;  // window is (lo, now]
  auto count = [&](const google::protobuf::RepeatedField<int64_t>& v) {
    return static_cast<uint64_t>(std::upper_bound(v.begin(), v.end(), now_ns) - std::upper_bound(v.begin(), v.end(), lo));
  };
  f.handled = count(a.handled_ns());
  f.recorded = count(a.recorded_ns());
  for (const auto& w : a.windows()) {
    if (w.announced_ns() <= now_ns && w.start_ns() <= now_ns && now_ns <= w.end_ns()) {
      f.in_window = true;
      f.window_position = w.position();
      break;
    }
  }
  return f;
}

LineFacts ComplianceEngine::GetLineFacts(std::string_view line_id, std::string_view queue_id) const {
  LineFacts f;
  std::shared_lock<std::shared_mutex> lock(world_mu_);
  const st::Line* l = nullptr;
  if (!line_id.empty()) {
    if (auto it = lines_.find("line-" + std::string(line_id)); it != lines_.end() && it->second.declared()) l = &it->second;
  }
  if (l == nullptr && !queue_id.empty()) {
    if (auto it = lines_.find("queue-" + std::string(queue_id)); it != lines_.end() && it->second.declared()) l = &it->second;
  }
  f.key = !line_id.empty() ? "line-" + std::string(line_id) : "queue-" + std::string(queue_id);
  if (l == nullptr) return f;
  f.key = l->line_key();
  f.declared = true;
  f.suspend_supported = l->suspend_supported();
  f.tracks.assign(l->tracks().begin(), l->tracks().end());
  f.declared_position = l->declared_position();
  f.probed = l->probed();
  f.probe_ok = l->probe_ok();
  f.probe_ns = l->probe_ns();
  f.probe_position = l->probe_position();
  return f;
}

std::optional<st::NoticeVersion> ComplianceEngine::FindNotice(std::string_view notice_id, uint32_t version) const {
  std::shared_lock<std::shared_mutex> lock(world_mu_);
  auto it = notices_.find(std::string(notice_id));
  if (it == notices_.end()) return std::nullopt;
  for (const auto& v : it->second.versions()) {
    if (v.notice().notice_version() == version) return v;
  }
  return std::nullopt;
}

std::optional<st::NoticeVersion> ComplianceEngine::FindNoticeByPointer(std::string_view pointer) const {
  if (pointer.empty()) return std::nullopt;
  std::shared_lock<std::shared_mutex> lock(world_mu_);
  std::optional<st::NoticeVersion> best;
  for (const auto& [id, n] : notices_) {
    for (const auto& v : n.versions()) {
      if (v.notice().tier() == v1::NOTICE_TIER_FULL && v.notice().pointer() == pointer &&
          (!best || v.position() > best->position())) {
        best = v;
      }
    }
  }
  return best;
}

std::vector<Failing> ComplianceEngine::GateRules(const CallFacts& call, const std::vector<int>& tracks, int64_t now_ns,
                                                 bool capture_snapshot, bool live_listen) const {
  std::vector<Failing> out;
  auto fail = [&](const char* rule, std::string detail, std::vector<uint64_t> ev, bool unverified = false) {
    out.push_back(Failing{rule, std::move(detail), std::move(ev), unverified});
  };
  const RegistrationFacts reg = GetRegistrationFacts(call.registration_id, now_ns);
  const AgentFacts agent = GetAgentFacts(call.agent_ref, reg, now_ns);
  const LineFacts line = GetLineFacts(call.line_id, call.queue_id);
  const auto& d = reg.version_in_force().details();
  const bool caller_track = std::find(tracks.begin(), tracks.end(), v1::TRACK_CALLER) != tracks.end();

  // LC-REG-1..3
  if (!reg.exists) {
    fail("LC-REG-1", "no processing registration covers this call", {call.started_position});
  } else if (reg.ended_position != 0) {
    fail("LC-REG-1", "the registration has ended", {reg.ended_position});
  } else if (!reg.active) {
    fail("LC-REG-1", "no version of the registration is in force yet", {});
  } else if (std::string m = Missing(d); !m.empty()) {
    fail("LC-REG-1", "the registration is incomplete: missing " + m, {reg.position});
  }
  if (reg.active) {
    for (const auto& p : d.purposes()) {
      if (p.purpose() == v1::PURPOSE_OTHER || p.purpose() == v1::PURPOSE_UNSPECIFIED) {
        fail("LC-REG-2", "purpose outside training, evaluation and quality" +
                             (p.description().empty() ? std::string() : ": \"" + p.description() + "\""),
             {reg.position});
        break;
      }
      if (p.purpose() == v1::PURPOSE_CONTRACT_EVIDENCE && p.legal_text_ref().empty()) {
        fail("LC-REG-2", "contract evidence declared without a legal text reference", {reg.position});
        break;
      }
    }
    if (d.recording_retention_months() > 6 && d.recording_retention_legal_text_ref().empty()) {
      fail("LC-REG-3", "recordings retained " + std::to_string(d.recording_retention_months()) +
                           " months (> 6) without a legal text reference", {reg.position});
    } else if (d.analysis_retention_months() > 12 && d.analysis_retention_legal_text_ref().empty()) {
      fail("LC-REG-3", "analysis documents retained " + std::to_string(d.analysis_retention_months()) +
                           " months (> 12) without a legal text reference", {reg.position});
    }
  }

  // LC-AGT-1, LC-AGT-3
  if (call.agent_ref.empty()) {
    fail("LC-AGT-1", "no agent is assigned to the call", {call.started_position}, true);
  } else if (!agent.provisioned) {
    fail("LC-AGT-1", "agent " + call.agent_ref + " is unknown (never provisioned)", {call.started_position}, true);
  } else if (agent.informed_position == 0) {
    std::vector<uint64_t> ev{agent.provisioned_position};
    if (agent.latest_informed_position) ev.push_back(agent.latest_informed_position);
    fail("LC-AGT-1", agent.informed_incomplete
                         ? "agent " + call.agent_ref + " was informed without every required item"
                         : "agent " + call.agent_ref + " was not informed under registration version " +
                               std::to_string(reg.version),
         ev);
  }
  if (agent.is_protected) {
    if (!agent.has_exclusion_key && agent.private_line_id.empty()) {
      fail("LC-AGT-3", "protected employee " + call.agent_ref + " has no private line or exclusion key",
           {agent.provisioned_position});
    }
    if (!agent.private_line_id.empty() && agent.private_line_id == call.line_id) {
      fail("LC-AGT-3", "call on the protected employee's private line", {call.started_position});
    }
  }
  if (!call.mandate_positions.empty()) {
    fail("LC-AGT-3", "call flagged as related to a staff-representative mandate", call.mandate_positions);
  }

  // LC-PRIV-1: a mandate-related flag is a private flag too (RULES.md "Mandate calls").
  if (!call.private_positions.empty() || !call.mandate_positions.empty()) {
    std::vector<uint64_t> flags = call.private_positions;
    flags.insert(flags.end(), call.mandate_positions.begin(), call.mandate_positions.end());
    fail("LC-PRIV-1", call.private_positions.empty() ? "call flagged as mandate-related, a private call"
                                                     : "call flagged private",
         std::move(flags));
  }

  // LC-NOT-1 (caller track)
  if (caller_track && call.tier1_position == 0) {
    fail("LC-NOT-1", "no completed tier-1 notice (existence, purpose, right to object) before capture",
         call.incomplete_notice_positions);
  }

  // LC-OBJ-1..3
  std::vector<uint64_t> agent_obj = call.agent_objections;
  agent_obj.insert(agent_obj.end(), agent.standing_objections.begin(), agent.standing_objections.end());
  // One fault, one rule: a capture beginning after an objection on this call breaks LC-OBJ-3;
  // LC-OBJ-1/2 judge the pause that followed the objection (call_rules.cc). The gate denies with
  // every failing rule.
  if (!call.caller_objections.empty()) {
    if (!capture_snapshot) fail("LC-OBJ-1", "the caller objected", call.caller_objections);
    fail("LC-OBJ-3", "capture after the caller's objection, not withdrawn by the caller", call.caller_objections);
  }
  // A standing objection is judged on each later call by LC-OBJ-2 (no pause on the call judges it).
  const std::vector<uint64_t>& obj2 = capture_snapshot ? agent.standing_objections : agent_obj;
  if (!obj2.empty()) {
    fail("LC-OBJ-2", call.agent_objections.empty() ? "the agent has a standing objection" : "the agent objected",
         obj2);
  }
  if (!call.agent_objections.empty()) {
    fail("LC-OBJ-3", "capture after the agent's objection, neither withdrawn nor overruled", call.agent_objections);
  }

  // LC-OBJ-5
  if (!line.declared) {
    fail("LC-OBJ-5", "no suspend capability declared for " + line.key, {call.started_position});
  } else if (!line.suspend_supported) {
    fail("LC-OBJ-5", line.key + " declares it cannot suspend capture", {line.declared_position});
  } else {
    for (int t : tracks) {
      if (std::find(line.tracks.begin(), line.tracks.end(), t) == line.tracks.end()) {
        fail("LC-OBJ-5", line.key + " cannot suspend the " + v1::Track_Name(static_cast<v1::Track>(t)) + " track",
             {line.declared_position});
        break;
      }
    }
    // The probe's maximum age is a policy value (overridable per registration), 24 h by default.
    const Policy probe_policy = reg.active ? Policy::ForRegistration(d) : Policy::Defaults();
    const int64_t max_age = std::chrono::nanoseconds(probe_policy.probe_max_age).count();
    if (line.probed && !line.probe_ok) {
      fail("LC-OBJ-5", "the latest suspend probe of " + line.key + " failed", {line.probe_position});
    } else if (line.probed && now_ns - line.probe_ns > max_age) {
      fail("LC-OBJ-5",
           "the latest suspend probe of " + line.key + " is older than " +
               std::to_string(probe_policy.probe_max_age.count()) + " h",
           {line.probe_position});
    }
  }

  // LC-PROP-1
  if (!live_listen) {
    const bool record_all = reg.active && d.sampling().record_all();
    const Policy policy = reg.active ? Policy::ForRegistration(d) : Policy::Defaults();
    if (record_all && d.sampling().record_all_legal_text_ref().empty()) {
      fail("LC-PROP-1", "\"record all\" mode without a legal text reference", {reg.position});
    } else if (!record_all) {
      if (!agent.exists) {
        fail("LC-PROP-1", "the agent's handled calls are unknown", {call.started_position}, true);
      } else {
        const uint64_t handled = std::max<uint64_t>(agent.handled, 1);
        const uint64_t recorded = agent.recorded + (call.already_recorded ? 0 : 1);
        if (recorded * 10000 > static_cast<uint64_t>(policy.max_share_bp) * handled) {
          fail("LC-PROP-1", "recording would make " + std::to_string(recorded) + " of " + std::to_string(handled) +
                                " calls (" + Pct(recorded, handled) + ") over 30 days, above the " +
                                Pct(policy.max_share_bp, 10000) + " share",
               {call.started_position});
        }
      }
    }
  }

  // LC-DATA-1
  if (!call.open_payment_segments.empty()) {
    fail("LC-DATA-1", "a payment-card segment is in progress", call.open_payment_segments);
  }

  if (!capture_snapshot) return out;

  // Judged at capture time, not part of LC-LIVE-1.
  if (reg.active) GovernanceRules(reg, now_ns, fail);
  if (caller_track && call.tier1_position != 0 && reg.active) {
    // LC-NOT-3: the notice given was published for the registration version in force, or only
    // aspects that do not need a new notice changed since.
    const auto notice = FindNotice(call.tier1_notice_id, call.tier1_notice_version);
    if (!notice) {
      fail("LC-NOT-3", "notice " + call.tier1_notice_id + " v" + std::to_string(call.tier1_notice_version) +
                           " given to the caller was never published",
           {call.tier1_position});
    } else if (notice->notice().registration_version() != reg.version) {
      bool needs_new = notice->notice().registration_version() > reg.version;
      uint64_t amendment = 0;
      for (const auto& v : reg.snapshot->versions()) {
        if (v.version() <= notice->notice().registration_version() || v.version() > reg.version) continue;
        for (int a : v.changed_aspects()) {
          if (a == v1::REGISTRATION_ASPECT_CONTROLLER || a == v1::REGISTRATION_ASPECT_PURPOSES ||
              a == v1::REGISTRATION_ASPECT_LEGAL_BASIS || a == v1::REGISTRATION_ASPECT_RECIPIENTS ||
              a == v1::REGISTRATION_ASPECT_RETENTION) {
            needs_new = true;
            amendment = v.position();
          }
        }
      }
      if (needs_new) {
        fail("LC-NOT-3", "the notice given was written for registration version " +
                             std::to_string(notice->notice().registration_version()) + ", version " +
                             std::to_string(reg.version) + " is in force",
             {call.tier1_position, notice->position(), amendment});
      }
    }
  }
  if (!agent.in_window && agent.provisioned) {
    fail("LC-AGT-2", "capture outside any recording window announced to " + call.agent_ref, {});
  }
  return out;
}

GateDecision ComplianceEngine::Decide(std::string_view call_id, const std::vector<v1::Track>& tracks, TimePoint now) const {
  const int64_t now_ns = ToNs(now);
  std::vector<int> t(tracks.begin(), tracks.end());
  if (t.empty()) t = {v1::TRACK_CALLER, v1::TRACK_AGENT};
  GateDecision d;
  // Retry while the folder moved underneath, so the decision reflects one position.
  for (int attempt = 0; attempt < 3; ++attempt) {
    const uint64_t before = position();
    d = GateDecision();
    const CallFacts call = GetCallFacts(call_id, now_ns);
    if (!call.exists) {
      d.failing.push_back(RuleVerdict{"LC-REG-1", Verdict::kUnverified,
                                      "call " + std::string(call_id) + " is unknown to the log", {}});
    } else if (call.ended) {
      d.failing.push_back(RuleVerdict{"LC-REG-1", Verdict::kViolated, "the call has ended", {call.ended_position}});
    } else {
      for (auto& f : GateRules(call, t, now_ns, false, false)) {
        d.failing.push_back(RuleVerdict{f.rule, f.unverified ? Verdict::kUnverified : Verdict::kViolated,
                                        std::move(f.detail), std::move(f.evidence)});
      }
      if (!call.capturing_recordings.empty()) {
        auto stop = [&](const char* rule, bool cond) {
          if (cond) d.stop_rules.push_back(rule);
        };
        stop("LC-OBJ-1", !call.caller_objections.empty());
        stop("LC-OBJ-2", !call.agent_objections.empty());
        stop("LC-PRIV-1", !call.private_positions.empty() || !call.mandate_positions.empty());
        stop("LC-AGT-3", !call.mandate_positions.empty());
        stop("LC-DATA-1", !call.open_payment_segments.empty());
        d.must_stop = !d.stop_rules.empty();
      }
    }
    d.allow = d.failing.empty();
    d.position = position();
    if (d.position == before) break;
  }
  return d;
}

}  // namespace consent::internal
