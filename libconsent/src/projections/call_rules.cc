// SPDX-License-Identifier: Apache-2.0
// CallCompliance and AgentLedger: verdicts from a call's (or agent's) folded state.
//
// Rules judged when capture begins (registration, agent, notice, capability, sampling, and
// capture during an objection, private flag or payment segment) were evaluated by the gate's
// code at that moment and stored with the capture; here they are aggregated. Rules about how
// fast capture stopped, what was purged and how media was accessed are judged from the call's
// facts against the evaluation time.
#include <algorithm>
#include <iterator>
#include <map>
#include <optional>
#include <set>

#include "projections/engine.h"
#include "projections/rule_support.h"

namespace consent::internal {
namespace {

constexpr int kStart = 1, kPause = 2, kResume = 3, kStop = 4;

// Rules attached to calls, in catalogue order.
constexpr const char* kCallRules[] = {
    "LC-REG-1", "LC-REG-2", "LC-REG-3", "LC-GOV-1", "LC-GOV-2", "LC-GOV-3", "LC-AGT-1", "LC-AGT-3",
    "LC-PRIV-1", "LC-NOT-1", "LC-NOT-2", "LC-NOT-3", "LC-NOT-4", "LC-OBJ-1", "LC-OBJ-2", "LC-OBJ-3",
    "LC-OBJ-4", "LC-OBJ-5", "LC-PROP-1", "LC-SCOPE-1", "LC-DATA-1", "LC-ACC-1", "LC-ACC-2"};

constexpr int kTier2Items[] = {v1::NOTICE_ITEM_EXISTENCE,     v1::NOTICE_ITEM_CONTROLLER,
                               v1::NOTICE_ITEM_PURPOSES,      v1::NOTICE_ITEM_LEGAL_BASIS,
                               v1::NOTICE_ITEM_RECIPIENTS,    v1::NOTICE_ITEM_RETENTION,
                               v1::NOTICE_ITEM_RIGHT_TO_OBJECT, v1::NOTICE_ITEM_RIGHTS_OF_ACCESS_AND_RECTIFICATION,
                               v1::NOTICE_ITEM_RIGHT_TO_COMPLAIN_TO_CNIL};

std::string Ms(int64_t ns) {
  const int64_t us = ns / 1000;
  return std::to_string(us / 1000) + "." + std::to_string((us % 1000) / 100) + " ms";
}

bool Has(const google::protobuf::RepeatedField<int>& v, int x) { return std::find(v.begin(), v.end(), x) != v.end(); }

// Outcome of "capture must stop within the budget after a trigger at (t0, trigger_pos)".
struct StopCheck {
  Verdict verdict = Verdict::kOk;
  bool capture_running = false;
  std::optional<int64_t> latency_ns;  // set when every running track was acknowledged
  std::string detail;
  std::vector<uint64_t> evidence;
};

// `until_ns` (0: none) ends the need to stop: a payment segment that ended within the budget
// needed no pause of a track still capturing then.
StopCheck CheckStop(const st::Call& c, int64_t t0, uint64_t trigger_pos, int64_t budget, int64_t at_ns,
                    int64_t until_ns = 0) {
  const bool over_in_budget = until_ns != 0 && until_ns <= at_ns && until_ns - t0 <= budget;
  StopCheck out;
  int64_t worst_latency = 0;
  bool all_acked = true;
  for (const auto& r : c.recordings()) {
    // Track states just before the trigger.
    std::map<int, int> state;  // track -> kind of last change
    for (const auto& ch : r.changes()) {
      if (ch.position() >= trigger_pos) break;
      for (int t : ch.tracks().empty() ? r.tracks() : ch.tracks()) {
        if (state[t] != kStop) state[t] = ch.kind();
      }
    }
    for (const auto& [track, kind] : state) {
      if (kind != kStart && kind != kResume) continue;
      out.capture_running = true;
      // First pause or stop of this track after the trigger.
      const st::TrackChange* stop = nullptr;
      for (const auto& ch : r.changes()) {
        if (ch.position() <= trigger_pos) continue;
        if ((ch.kind() == kPause || ch.kind() == kStop) && (ch.tracks().empty() || Has(ch.tracks(), track))) {
          stop = &ch;
          break;
        }
      }
      const std::string what = "recording " + r.recording_id() + " track " + v1::Track_Name(static_cast<v1::Track>(track));
      if (over_in_budget && (stop == nullptr || stop->ns() >= until_ns)) continue;
      if (stop == nullptr) {
        const int64_t end = c.ended_ns() != 0 && c.ended_ns() <= at_ns ? c.ended_ns() : 0;
        if (end != 0 && end - t0 <= budget) {
          all_acked = false;
          if (Rank(Verdict::kUnverified) > Rank(out.verdict)) {
            out.verdict = Verdict::kUnverified;
            out.detail = what + " ended with the call, no acknowledged stop";
          }
        } else if (end != 0 || at_ns - t0 > budget) {
          all_acked = false;
          out.verdict = Verdict::kViolated;
          out.detail = what + " kept capturing" + (end ? " until the call ended" : "");
          out.evidence.push_back(r.started_position());
        } else {
          all_acked = false;
          if (Rank(Verdict::kPending) > Rank(out.verdict)) {
            out.verdict = Verdict::kPending;
            out.detail = what + " still capturing, within the budget";
          }
        }
        continue;
      }
      out.evidence.push_back(stop->position());
      if (stop->ns() - t0 > budget) {
        all_acked = false;
        out.verdict = Verdict::kViolated;
        out.detail = what + " was commanded to stop " + Ms(stop->ns() - t0) + " after the trigger";
      } else if (stop->ack_ns() == 0 || stop->ack_source() != v1::ACK_SOURCE_PLATFORM) {
        all_acked = false;
        if (Rank(Verdict::kUnverified) > Rank(out.verdict)) {
          out.verdict = Verdict::kUnverified;
          out.detail = what + ": the platform never acknowledged the stop";
        }
      } else {
        const int64_t lat = stop->ack_ns() - t0;
        worst_latency = std::max(worst_latency, lat);
        if (lat > budget) {
          out.verdict = Verdict::kViolated;
          out.detail = what + " stopped " + Ms(lat) + " after the trigger (budget " + Ms(budget) + ")";
        }
      }
    }
  }
  if (out.capture_running && all_acked) out.latency_ns = worst_latency;
  if (out.verdict == Verdict::kOk) {
    out.detail = out.capture_running ? "capture stopped within " + Ms(worst_latency) : "no capture was running";
  }
  return out;
}

// A span during which the caller had no channel left to object (LC-NOT-4).
struct Blackout {
  int64_t from_ns = 0;
  int64_t to_ns = 0;
  uint64_t position = 0;  // the ChannelLost that removed the last channel
  bool restored = false;
};

// The caller's channels during a call: voice to an agent and a key (RULES.md "Objection
// channel"). A change naming no channel concerns every channel.
std::vector<Blackout> Blackouts(const st::Call& c, int64_t end_ns, int64_t at_ns) {
  constexpr int kChannels[] = {v1::OBJECTION_CHANNEL_VERBAL, v1::OBJECTION_CHANNEL_KEY_PRESS};
  std::set<int> lost;
  std::vector<Blackout> out;
  std::optional<Blackout> current;
  for (const auto& ch : c.channel_changes()) {
    if (ch.ns() > at_ns) break;
    const std::vector<int> named = ch.channels().empty() ? std::vector<int>(std::begin(kChannels), std::end(kChannels))
                                                         : std::vector<int>(ch.channels().begin(), ch.channels().end());
    for (int k : named) {
      if (ch.lost()) lost.insert(k);
      else lost.erase(k);
    }
    const bool none_left = std::all_of(std::begin(kChannels), std::end(kChannels), [&](int k) { return lost.count(k) > 0; });
    if (none_left && !current) current = Blackout{ch.ns(), 0, ch.position(), false};
    if (!none_left && current) {
      current->to_ns = ch.ns();
      current->restored = true;
      out.push_back(*current);
      current.reset();
    }
  }
  if (current && current->from_ns < end_ns) {
    current->to_ns = end_ns;
    out.push_back(*current);
  }
  return out;
}

// Whether any track captured at some moment of [from_ns, to_ns).
bool CapturingDuring(const st::Call& c, int64_t from_ns, int64_t to_ns) {
  for (const auto& r : c.recordings()) {
    std::map<int, int> state;  // track -> kind of last change at from_ns
    for (const auto& ch : r.changes()) {
      if (ch.ns() >= to_ns) break;
      const bool begins = ch.kind() == kStart || ch.kind() == kResume;
      if (ch.ns() > from_ns && begins) return true;
      if (ch.ns() > from_ns) continue;
      for (int t : ch.tracks().empty() ? r.tracks() : ch.tracks()) {
        if (state[t] != kStop) state[t] = ch.kind();
      }
    }
    for (const auto& [track, kind] : state) {
      if (kind == kStart || kind == kResume) return true;
    }
  }
  return false;
}

// Purge within `limit` of `t0` (LC-OBJ-4, LC-PRIV-1) of the call's media: all of it when
// `whole_call` (a private call), else what capture began before `t0` (an objection). As seen at
// at_ns: later purges and copies do not count yet; an override naming `cause` (or none) keeps a
// copy; a legal hold in `holds` suspends the purge, and moves its deadline on release.
Acc CheckPurge(const st::Call& c, int64_t t0, int64_t limit, int64_t at_ns, int64_t withdrawn_ns, bool whole_call,
               const char* why, const std::string& cause, const std::vector<st::Hold>& holds) {
  Acc acc;
  if (withdrawn_ns != 0 && withdrawn_ns <= t0 + limit) {
    acc.Ok(std::string(why) + " withdrawn before the purge deadline");
    return acc;
  }
  HoldKeys keys = CallHoldKeys(c);
  for (const auto& r : c.recordings()) {
    if (r.started_ns() > at_ns || (!whole_call && r.started_ns() > t0)) continue;
    keys.recording_id = r.recording_id();
    const std::vector<const st::Hold*> covering = CoveringHolds(holds, keys);
    const HeldDeadline hd = ApplyHolds(t0 + limit, covering, at_ns, HoldReleaseGraceNs(c));
    const int64_t deadline = hd.deadline;
    bool any_copy = false;
    for (const auto& cp : r.copies()) {
      if (cp.stored_ns() > at_ns) continue;
      any_copy = true;
      if (Overridden(r.overrides(), cause, cp.artefact_id(), at_ns)) {
        acc.Ok("kept with a logged overriding ground");
        continue;
      }
      const std::string what = "copy " + cp.copy_id() + " of recording " + r.recording_id();
      const bool purged = cp.purged_position() != 0 && cp.purged_ns() <= at_ns;
      if (purged && cp.receipt() && cp.purged_ns() <= deadline) {
        acc.Ok("media purged within the deadline");
      } else if (purged && cp.purged_ns() > deadline) {
        acc.Add(Verdict::kViolated, what + " purged after the deadline", {cp.stored_position(), cp.purged_position()});
      } else if (hd.held && !hd.overdue_before_hold) {
        acc.Add(Verdict::kPending, what + " held by a legal hold", {cp.stored_position()});
      } else if (at_ns > deadline) {
        acc.Add(Verdict::kViolated, what + (purged ? " purged without a receipt" : " not purged") + " by the deadline",
                {cp.stored_position()});
      } else {
        acc.Add(Verdict::kPending, what + " to purge after the " + why, {cp.stored_position()});
      }
    }
    if (!any_copy) acc.Ok("no stored copy to purge");
  }
  return acc;
}

}  // namespace

std::vector<uint64_t> ComplianceEngine::StandingOverrules(const std::string& agent_ref, int64_t ns) const {
  std::vector<uint64_t> out;
  AgentShard& sh = ShardOfAgent(agent_ref);
  std::shared_lock<std::shared_mutex> lock(sh.mu);
  auto it = sh.agents.find(agent_ref);
  if (it == sh.agents.end()) return out;
  for (const auto& o : it->second.standing_objections()) {
    if (o.overruled_ns() != 0 && o.overruled_ns() <= ns) out.push_back(o.overruled_position());
  }
  return out;
}

bool ComplianceEngine::DpoAppointedAtFirstCapture(const st::Call& c) const {
  if (c.captures().empty()) return false;
  const RegistrationFacts reg = GetRegistrationFacts(c.registration_id(), c.captures(0).ns());
  return !reg.active || reg.version_in_force().details().dpo_appointed();
}

StatusOr<CallVerdicts> ComplianceEngine::EvaluateCall(std::string_view call_id, TimePoint at) const {
  st::Call c;
  {
    CallShard& sh = ShardOfCall(call_id);
    std::shared_lock<std::shared_mutex> lock(sh.mu);
    auto it = sh.calls.find(std::string(call_id));
    if (it == sh.calls.end()) {
      ErrorContext ctx;
      ctx.stream = "call-" + std::string(call_id);
      return NotFoundError("CallCompliance::Evaluate(call \"" + std::string(call_id) + "\"): call unknown",
                           std::move(ctx));
    }
    c = it->second;
  }
  const int64_t at_ns = ToNs(at);
  // Legal holds suspend purges (LC-RET-3): the shared snapshot, not a copy per call.
  const std::shared_ptr<const std::vector<st::Hold>> holds = Holds();
  const int64_t budget = c.policy().pause_budget_ns() ? c.policy().pause_budget_ns() : 2000000000LL;
  const int64_t purge_obj = c.policy().purge_after_objection_ns() ? c.policy().purge_after_objection_ns()
                                                                   : 24 * 3600 * 1000000000LL;
  const int64_t purge_priv = c.policy().purge_after_private_ns() ? c.policy().purge_after_private_ns()
                                                                  : 24 * 3600 * 1000000000LL;

  CallVerdicts v;
  v.call_id = c.call_id();
  v.agent_ref = c.agent_ref();
  v.line_id = c.started().line_id();
  v.queue_id = c.started().queue_id();
  v.site_id = c.started().site_id();
  v.registration_id = c.registration_id();
  v.started = FromNs(c.started_ns());
  if (c.ended_ns() != 0) v.ended = FromNs(c.ended_ns());
  v.position = c.last_position();
  v.private_call = !c.private_flags().empty();

  std::map<std::string, Acc> acc;
  bool recorded = false, caller_captured = false;
  for (const auto& cap : c.captures()) {
    if (cap.ns() > at_ns) continue;
    recorded = true;
    if (Has(cap.tracks(), v1::TRACK_CALLER)) caller_captured = true;
    for (const auto& f : cap.failures()) {
      std::vector<uint64_t> ev{cap.position()};
      ev.insert(ev.end(), f.evidence().begin(), f.evidence().end());
      acc[f.rule_id()].Add(f.unverified() ? Verdict::kUnverified : Verdict::kViolated, f.detail(), ev);
    }
  }
  v.recorded = recorded;
  if (recorded) {
    for (const char* r : {"LC-REG-1", "LC-REG-2", "LC-REG-3", "LC-GOV-1", "LC-GOV-3", "LC-AGT-1", "LC-AGT-3",
                          "LC-OBJ-5", "LC-PROP-1"}) {
      acc[r].Ok("held at every capture");
    }
    // With no DPO appointed LC-GOV-2 is not applicable, never ok (RULES.md "Governance").
    if (DpoAppointedAtFirstCapture(c)) acc["LC-GOV-2"].Ok("held at every capture");
    if (caller_captured) {
      acc["LC-NOT-1"].Ok("tier-1 notice completed before capture");
      acc["LC-NOT-3"].Ok("notice version matches the registration in force");
    }
  }

  // LC-PRIV-1: no capture after the flag (from captures), capture running stops within the
  // budget, media purged within the policy's delay.
  // A mandate-related flag is a private flag: it is judged by LC-PRIV-1 and LC-AGT-3 alike.
  for (const auto& p : c.private_flags()) {
    if (p.ns() > at_ns) continue;
    StopCheck s = CheckStop(c, p.ns(), p.position(), budget, at_ns);
    std::vector<uint64_t> ev{p.position()};
    ev.insert(ev.end(), s.evidence.begin(), s.evidence.end());
    Acc purge;
    if (s.capture_running || recorded) {
      purge = CheckPurge(c, p.ns(), purge_priv, at_ns, 0, /*whole_call=*/true, "private flag", c.call_id(), *holds);
    }
    for (const char* rule : {"LC-PRIV-1", "LC-AGT-3"}) {
      if (std::string_view(rule) == "LC-AGT-3" && !p.mandate_related()) continue;
      if (s.verdict == Verdict::kOk) acc[rule].Ok("private flag honoured: " + s.detail);
      else acc[rule].Add(s.verdict, "after the private flag: " + s.detail, ev);
      if (purge.verdict == Verdict::kOk) acc[rule].Ok(purge.detail);
      else if (purge.verdict != Verdict::kNotApplicable) acc[rule].Add(purge.verdict, purge.detail, purge.evidence);
      if (!recorded) acc[rule].Ok("private call never captured");
    }
  }

  // LC-OBJ-1 / LC-OBJ-2 / LC-OBJ-3 / LC-OBJ-4
  for (const auto& o : c.objections()) {
    if (o.raised_ns() > at_ns) continue;
    const bool agent = o.party() == v1::PARTY_AGENT;
    const char* rule = agent ? "LC-OBJ-2" : "LC-OBJ-1";
    ObjectionSummary sum;
    sum.objection_id = o.objection_id();
    sum.party = o.party();
    sum.raised = FromNs(o.raised_ns());
    sum.withdrawn = o.withdrawn_ns() != 0 && o.withdrawn_ns() <= at_ns;
    sum.overruled = o.overruled_ns() != 0 && o.overruled_ns() <= at_ns;
    const bool inherited = o.call_id() != c.call_id();
    if (!inherited) {
      StopCheck s = CheckStop(c, o.raised_ns(), o.raised_position(), budget, at_ns);
      sum.capture_running = s.capture_running;
      if (s.latency_ns) sum.pause_latency_ms = static_cast<double>(*s.latency_ns) / 1e6;
      sum.honoured = s.verdict == Verdict::kOk;
      sum.verdict = s.capture_running ? s.verdict : Verdict::kNotApplicable;
      std::vector<uint64_t> ev{o.raised_position()};
      ev.insert(ev.end(), s.evidence.begin(), s.evidence.end());
      if (recorded) {
        if (s.verdict == Verdict::kOk) acc[rule].Ok(s.detail);
        else acc[rule].Add(s.verdict, s.detail, ev);
      }
      // LC-OBJ-4: media captured before the objection.
      const bool captured_before =
          s.capture_running || std::any_of(c.recordings().begin(), c.recordings().end(),
                                           [&](const st::Recording& r) { return r.started_ns() <= o.raised_ns(); });
      if (recorded && captured_before) {
        // A withdrawal counts only once it has happened, as seen from the evaluation time.
        const int64_t withdrawn = o.withdrawn_ns() != 0 && o.withdrawn_ns() <= at_ns ? o.withdrawn_ns() : 0;
        Acc purge = CheckPurge(c, o.raised_ns(), purge_obj, at_ns, withdrawn, /*whole_call=*/false, "objection",
                               o.objection_id(), *holds);
        if (purge.verdict == Verdict::kOk) acc["LC-OBJ-4"].Ok(purge.detail);
        else if (purge.verdict != Verdict::kNotApplicable) acc["LC-OBJ-4"].Add(purge.verdict, purge.detail, purge.evidence);
      }
    } else {
      sum.honoured = true;
      sum.inherited = true;
    }
    // RULES.md "Not applicable": objection rules on a call never recorded are not_applicable
    // (the objection is still listed in the summary).
    if (recorded) {
      acc[rule].Ok("objection honoured");
      acc["LC-OBJ-3"].Ok("no capture resumed after the objection");
    }
    v.objections.push_back(std::move(sum));
  }

  // LC-OBJ-2 after a standing objection overruled with a written ground: ok, the overrule is
  // the evidence (RULES.md "One fault, one rule").
  if (recorded && !c.captures().empty()) {
    const std::vector<uint64_t> overrules = StandingOverrules(c.agent_ref(), c.captures(0).ns());
    if (!overrules.empty()) acc["LC-OBJ-2"].Ok("the agent's standing objection was overruled with a written ground", overrules);
  }

  // LC-DATA-1: capture paused during payment-card segments.
  for (const auto& seg : c.segments()) {
    if (seg.kind() != v1::SENSITIVE_KIND_PAYMENT_CARD || seg.start_ns() > at_ns) continue;
    // The pause budget runs from SensitiveSegmentStarted (RULES.md "Payment segments").
    StopCheck s = CheckStop(c, seg.start_ns(), seg.start_position(), budget, at_ns, seg.end_ns());
    std::vector<uint64_t> ev{seg.start_position()};
    ev.insert(ev.end(), s.evidence.begin(), s.evidence.end());
    if (s.verdict == Verdict::kOk) acc["LC-DATA-1"].Ok("capture paused during the payment segment");
    else acc["LC-DATA-1"].Add(s.verdict, "payment segment: " + s.detail, ev);
  }

  // LC-NOT-2: a tier-2 pointer was offered and resolves to a complete published notice.
  if (caller_captured) {
    uint64_t offered = 0;
    std::string pointer;
    for (const auto& n : c.notices()) {
      if (n.notice().audience() == v1::PARTY_CALLER && n.notice().pointer_offered() && !n.notice().pointer().empty()) {
        offered = n.position();
        pointer = n.notice().pointer();
        break;
      }
    }
    if (offered == 0) {
      acc["LC-NOT-2"].Add(Verdict::kViolated, "no pointer to the full notice was offered to the caller",
                          {c.started_position()});
    } else if (auto full = FindNoticeByPointer(pointer); !full) {
      acc["LC-NOT-2"].Add(Verdict::kViolated, "the pointer \"" + pointer + "\" resolves to no published full notice",
                          {offered});
    } else {
      std::string missing;
      for (int item : kTier2Items) {
        if (!Has(full->notice().items(), item)) {
          if (!missing.empty()) missing += ", ";
          missing += v1::NoticeItem_Name(static_cast<v1::NoticeItem>(item));
        }
      }
      if (!missing.empty()) {
        acc["LC-NOT-2"].Add(Verdict::kViolated, "the full notice lacks " + missing, {offered, full->position()});
      } else {
        acc["LC-NOT-2"].Ok("pointer offered to a complete full notice");
      }
    }
  }

  // LC-NOT-4: the caller could object until the end of the call.
  if (recorded) {
    const int64_t end = c.ended_ns() != 0 && c.ended_ns() <= at_ns ? c.ended_ns() : at_ns;
    for (const Blackout& b : Blackouts(c, end, at_ns)) {
      if (!CapturingDuring(c, b.from_ns, b.to_ns)) continue;
      acc["LC-NOT-4"].Add(Verdict::kViolated,
                          b.restored ? "every objection channel lost for " + Ms(b.to_ns - b.from_ns) +
                                           " while capture ran"
                                     : "every objection channel lost while capture ran, never restored before the end",
                          {b.position});
    }
    acc["LC-NOT-4"].Ok("an objection channel remained available while capture ran");
  }

  // LC-SCOPE-1
  if (recorded) {
    for (uint64_t p : c.screen_capture_positions()) {
      acc["LC-SCOPE-1"].Add(Verdict::kViolated, "screen capture coupled with the audio recording", {p});
    }
    for (const auto& r : c.recordings()) {
      if (Has(r.tracks(), v1::TRACK_SCREEN) || Has(r.tracks(), v1::TRACK_VIDEO)) {
        acc["LC-SCOPE-1"].Add(Verdict::kViolated, "recording " + r.recording_id() + " captures screen or video",
                              {r.started_position()});
      }
    }
    acc["LC-SCOPE-1"].Ok("audio only");
  }

  // LC-ACC-1, LC-ACC-2
  for (const auto& a : c.accesses()) {
    if (a.ns() > at_ns) continue;
    if (!a.lawful()) {
      acc["LC-ACC-1"].Add(Verdict::kViolated,
                          "access by " + a.principal_ref() + " in role \"" + a.role() +
                              "\", not a declared recipient for a registered purpose, was not refused",
                          {a.position()});
    }
    if (!a.complete()) {
      acc["LC-ACC-2"].Add(Verdict::kViolated, "access log entry lacks who, what or why", {a.position()});
    }
    acc["LC-ACC-1"].Ok(a.refused() ? "unauthorised access refused and recorded" : "accesses by declared recipients");
    acc["LC-ACC-2"].Ok("every access logged with who, what, when, why");
  }

  for (const char* rule : kCallRules) {
    auto it = acc.find(rule);
    RuleVerdict rv;
    rv.rule_id = rule;
    if (it == acc.end()) {
      rv.verdict = Verdict::kNotApplicable;
    } else {
      rv.verdict = it->second.verdict;
      rv.detail = it->second.detail;
      if (it->second.findings > 1 && rv.verdict != Verdict::kOk) {
        rv.detail += " (+" + std::to_string(it->second.findings - 1) + " more)";
      }
      std::set<uint64_t> uniq(it->second.evidence.begin(), it->second.evidence.end());
      rv.evidence.assign(uniq.begin(), uniq.end());
    }
    v.rules.push_back(std::move(rv));
  }
  return v;
}

void ComplianceEngine::ForEachCall(TimePoint at, const std::function<bool(const CallVerdicts&)>& fn) const {
  std::vector<std::string> ids;
  for (size_t i = 0; i < kCallShards; ++i) {
    std::shared_lock<std::shared_mutex> lock(call_shards_[i].mu);
    for (const auto& [id, c] : call_shards_[i].calls) ids.push_back(id);
  }
  std::sort(ids.begin(), ids.end());
  for (const auto& id : ids) {
    auto v = EvaluateCall(id, at);
    if (v.ok() && !fn(*v)) break;
  }
}

size_t ComplianceEngine::CallCount() const {
  size_t n = 0;
  for (size_t i = 0; i < kCallShards; ++i) {
    std::shared_lock<std::shared_mutex> lock(call_shards_[i].mu);
    n += call_shards_[i].calls.size();
  }
  return n;
}

StatusOr<AgentSummary> ComplianceEngine::EvaluateAgent(std::string_view agent_ref, TimePoint at) const {
  st::Agent a;
  {
    AgentShard& sh = ShardOfAgent(agent_ref);
    std::shared_lock<std::shared_mutex> lock(sh.mu);
    auto it = sh.agents.find(std::string(agent_ref));
    if (it == sh.agents.end()) {
      ErrorContext ctx;
      ctx.stream = "agent-" + std::string(agent_ref);
      return NotFoundError("AgentLedger::Evaluate(agent \"" + std::string(agent_ref) + "\"): agent unknown",
                           std::move(ctx));
    }
    a = it->second;
  }
  const int64_t at_ns = ToNs(at);
  // The registration the agent was last informed under, else the only one.
  std::string reg_id;
  if (!a.informed().empty()) reg_id = a.informed().rbegin()->registration_id();
  if (reg_id.empty()) {
    const auto regs = Registrations();
    if (regs.size() == 1) reg_id = regs.front();
  }
  const RegistrationFacts reg = GetRegistrationFacts(reg_id, at_ns);
  const AgentFacts f = GetAgentFacts(agent_ref, reg, at_ns);
  const Policy policy = reg.active ? Policy::ForRegistration(reg.version_in_force().details()) : Policy::Defaults();

  AgentSummary s;
  s.agent_ref = a.agent_ref();
  s.team_id = a.team_id();
  s.site_id = a.site_id();
  s.provisioned = a.provisioned();
  s.is_protected = a.is_protected();
  s.protection_means = a.has_exclusion_key() || !a.private_line_id().empty();
  s.informed = f.informed_position != 0;
  s.objection_active = !f.standing_objections.empty();
  s.handled_calls = f.handled;
  s.recorded_calls = f.recorded;
  s.recorded_share_bp = f.handled ? static_cast<uint32_t>(f.recorded * 10000 / f.handled) : 0;
  s.over_max_share = f.handled && f.recorded * 10000 > static_cast<uint64_t>(policy.max_share_bp) * f.handled;
  // "Warn at 5 %": thresholds are inclusive.
  s.over_warn_share = f.handled && f.recorded * 10000 >= static_cast<uint64_t>(policy.warn_share_bp) * f.handled;
  s.accesses = a.accesses();
  s.accesses_refused = a.accesses_refused();
  s.accesses_unlawful = a.accesses_unlawful();

  RuleVerdict agt2{"LC-AGT-2", Verdict::kNotApplicable, "", {}};
  if (a.captures() > 0) {
    if (a.captures_outside_window().empty()) {
      agt2.verdict = Verdict::kOk;
      agt2.detail = "every capture inside an announced recording window";
    } else {
      agt2.verdict = Verdict::kViolated;
      agt2.detail = std::to_string(a.captures_outside_window_size()) + " capture(s) outside any announced window";
      agt2.evidence.assign(a.captures_outside_window().begin(), a.captures_outside_window().end());
    }
  }
  RuleVerdict prop{"LC-PROP-1", Verdict::kNotApplicable, "", {}};
  const auto& sampling = reg.version_in_force().details().sampling();
  if (reg.active && sampling.record_all() && f.handled > 0) {
    // RULES.md "Record-all under a legal text": the gate, the call and the agent agree.
    const bool lawful = !sampling.record_all_legal_text_ref().empty();
    s.over_max_share = s.over_max_share && !lawful;
    s.over_warn_share = s.over_warn_share && !lawful;
    prop.verdict = lawful ? Verdict::kOk : Verdict::kViolated;
    prop.detail = lawful ? "\"record all\" mode under legal text " + sampling.record_all_legal_text_ref()
                         : "\"record all\" mode without a legal text reference";
    if (!lawful) prop.evidence = {reg.position};
  } else if (f.handled > 0) {
    const std::string share = std::to_string(s.recorded_share_bp / 100) + "." +
                              std::to_string((s.recorded_share_bp % 100) / 10) + " %";
    const std::string counts = std::to_string(f.recorded) + " of " + std::to_string(f.handled) +
                               " calls recorded over 30 days (" + share + ")";
    if (s.over_max_share) {
      prop.verdict = Verdict::kViolated;
      prop.detail = counts + ", above the maximum share";
    } else {
      prop.verdict = Verdict::kOk;
      prop.detail = counts + (s.over_warn_share ? "; warning: above the warning share" : "");
    }
  }
  s.rules = {std::move(agt2), std::move(prop)};
  AddRecordRules(a, at_ns, &s);
  return s;
}

void ComplianceEngine::ForEachAgent(TimePoint at, const std::function<bool(const AgentSummary&)>& fn) const {
  std::vector<std::string> ids;
  for (size_t i = 0; i < kAgentShards; ++i) {
    std::shared_lock<std::shared_mutex> lock(agent_shards_[i].mu);
    for (const auto& [id, a] : agent_shards_[i].agents) ids.push_back(id);
  }
  std::sort(ids.begin(), ids.end());
  for (const auto& id : ids) {
    auto s = EvaluateAgent(id, at);
    if (s.ok() && !fn(*s)) break;
  }
}

RecordingUse ComplianceEngine::EvaluateRecordingUse(TimePoint at) const {
  const int64_t at_ns = ToNs(at);
  const int64_t lo = at_ns - std::chrono::nanoseconds(std::chrono::hours(24 * 30)).count();
  RecordingUse u;
  std::vector<uint64_t> unused;
  for (size_t i = 0; i < kCallShards; ++i) {
    std::shared_lock<std::shared_mutex> lock(call_shards_[i].mu);
    for (const auto& [id, c] : call_shards_[i].calls) {
      for (const auto& r : c.recordings()) {
        if (r.started_ns() <= lo || r.started_ns() > at_ns) continue;
        ++u.recordings;
        bool used = false;
        for (const auto& a : c.accesses()) {
          if (!a.refused() && a.ns() <= at_ns && a.action() != v1::ACCESS_ACTION_LIVE_LISTEN &&
              (a.recording_id().empty() || a.recording_id() == r.recording_id())) {
            used = true;
            break;
          }
        }
        if (used) ++u.used;
        else if (unused.size() < 20) unused.push_back(r.started_position());
      }
    }
  }
  const Policy policy = Registrations().size() == 1 ? PolicyFor(Registrations().front()) : Policy::Defaults();
  u.used_share_bp = u.recordings ? static_cast<uint32_t>(u.used * 10000 / u.recordings) : 0;
  u.rule.rule_id = "LC-PROP-2";
  if (u.recordings == 0) {
    u.rule.verdict = Verdict::kNotApplicable;
    u.rule.detail = "no recording over the 30 days";
  } else {
    u.rule.verdict = Verdict::kOk;  // a warning, never a violation
    u.warning = u.used * 10000 < static_cast<uint64_t>(policy.min_use_share_bp) * u.recordings;
    u.rule.detail = std::to_string(u.used) + " of " + std::to_string(u.recordings) +
                    " recordings over 30 days were listened to or exported" +
                    (u.warning ? "; warning: below the minimum share, recording may be systematic" : "");
    if (u.warning) {
      std::sort(unused.begin(), unused.end());
      u.rule.evidence = unused;
    }
  }
  return u;
}

size_t ComplianceEngine::AgentCount() const {
  size_t n = 0;
  for (size_t i = 0; i < kAgentShards; ++i) {
    std::shared_lock<std::shared_mutex> lock(agent_shards_[i].mu);
    n += agent_shards_[i].agents.size();
  }
  return n;
}

}  // namespace consent::internal
