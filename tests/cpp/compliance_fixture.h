// A small, fully compliant contact centre to break one rule at a time.
//
// Facts are appended straight to the store (not through the Ledger) so that tests can write any
// fact, lawful or not, at any time. Times are offsets from T0 = 2026-03-02T09:00:00Z.
#ifndef CONSENT_TESTS_COMPLIANCE_FIXTURE_H_
#define CONSENT_TESTS_COMPLIANCE_FIXTURE_H_

#include <doctest/doctest.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "consent/compliance.h"
#include "consent/event_store.h"
#include "test_util.h"

namespace consent::testing {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::seconds;

inline TimePoint T0() { return TimePoint(std::chrono::seconds(1772442000)); }  // 2026-03-02T09:00:00Z

class ComplianceWorld {
 public:
  ComplianceWorld() : store_(OpenStore(dir_.sub("store"))) {}

  EventStore& store() { return *store_; }

  // Appends one fact to `stream` at `at`; returns its position.
  uint64_t Put(const std::string& stream, Event e, TimePoint at) {
    e.set_event_id(NewEventId());
    *e.mutable_occur_time() = ToTimestamp(at);
    auto r = store_->Append(stream, kAnyRevision, {e}, AppendOptions{false});
    REQUIRE_MESSAGE(r.ok(), r.status().ToString());
    return r->last_position;
  }

  // ---- Governance ----
  v1::ProcessingDetails Details() const {
    v1::ProcessingDetails d;
    d.set_controller("Example Contact SAS");
    d.set_dpo_appointed(true);
    d.set_dpo_contact("dpo@example.test");
    d.add_purposes()->set_purpose(v1::PURPOSE_TRAINING);
    d.add_purposes()->set_purpose(v1::PURPOSE_EVALUATION);
    d.set_legal_basis(v1::LEGAL_BASIS_LEGITIMATE_INTERESTS);
    d.add_recipient_roles("trainer");
    d.add_recipient_roles("quality-analyst");
    d.set_recording_retention_months(6);
    d.set_analysis_retention_months(12);
    *d.mutable_valid_from_time() = ToTimestamp(T0() - hours(24 * 60));
    return d;
  }
  uint64_t Register(const v1::ProcessingDetails& d, uint32_t version = 1, TimePoint at = T0() - hours(24 * 60)) {
    Event e;
    auto* p = e.mutable_processing_registered();
    p->set_registration_id("r1");
    p->set_registration_version(version);
    *p->mutable_details() = d;
    return Put("registration-r1", e, at);
  }
  uint64_t Amend(const v1::ProcessingDetails& d, uint32_t version, std::vector<v1::RegistrationAspect> aspects,
                 TimePoint at) {
    Event e;
    auto* p = e.mutable_processing_amended();
    p->set_registration_id("r1");
    p->set_registration_version(version);
    p->set_previous_version(version - 1);
    *p->mutable_details() = d;
    for (auto a : aspects) p->add_changed_aspects(a);
    return Put("registration-r1", e, at);
  }
  void Governance(uint32_t version = 1, TimePoint at = T0() - hours(24 * 59)) {
    Event cse;
    cse.mutable_cse_consulted()->set_registration_id("r1");
    cse.mutable_cse_consulted()->set_registration_version(version);
    Put("registration-r1", cse, at);
    Event dpo;
    dpo.mutable_dpo_consulted()->set_registration_id("r1");
    dpo.mutable_dpo_consulted()->set_registration_version(version);
    Put("registration-r1", dpo, at);
    Event dpia;
    dpia.mutable_dpia_recorded()->set_registration_id("r1");
    dpia.mutable_dpia_recorded()->set_registration_version(version);
    dpia.mutable_dpia_recorded()->set_dpia_ref("DPIA-2026-01");
    Put("registration-r1", dpia, at);
  }
  uint64_t PublishNotices(uint32_t registration_version = 1, uint32_t version = 1,
                          TimePoint at = T0() - hours(24 * 58)) {
    Event s;
    auto* p = s.mutable_notice_published();
    p->set_notice_id("n-short");
    p->set_notice_version(version);
    p->set_registration_id("r1");
    p->set_registration_version(registration_version);
    p->set_audience(v1::PARTY_CALLER);
    p->set_tier(v1::NOTICE_TIER_SHORT);
    p->add_items(v1::NOTICE_ITEM_EXISTENCE);
    p->add_items(v1::NOTICE_ITEM_PURPOSES);
    p->add_items(v1::NOTICE_ITEM_RIGHT_TO_OBJECT);
    Put("notice-n-short", s, at);
    Event f;
    auto* q = f.mutable_notice_published();
    q->set_notice_id("n-full");
    q->set_notice_version(version);
    q->set_registration_id("r1");
    q->set_registration_version(registration_version);
    q->set_audience(v1::PARTY_CALLER);
    q->set_tier(v1::NOTICE_TIER_FULL);
    for (int i = 1; i <= 9; ++i) q->add_items(static_cast<v1::NoticeItem>(i));
    q->set_pointer(kPointer);
    return Put("notice-n-full", f, at);
  }
  uint64_t DeclareQueue(const std::string& queue, bool suspend = true,
                        std::vector<v1::Track> tracks = {v1::TRACK_CALLER, v1::TRACK_AGENT},
                        TimePoint at = T0() - hours(24 * 58)) {
    Event e;
    auto* p = e.mutable_capability_declared();
    p->set_queue_id(queue);
    p->set_suspend_supported(suspend);
    for (auto t : tracks) p->add_tracks(t);
    return Put("queue-" + queue, e, at);
  }
  uint64_t Probe(const std::string& queue, bool ok, TimePoint at) {
    Event e;
    e.mutable_capability_probed()->set_queue_id(queue);
    e.mutable_capability_probed()->set_ok(ok);
    return Put("queue-" + queue, e, at);
  }

  // ---- People ----
  uint64_t Provision(const std::string& agent, bool is_protected = false, bool exclusion_key = false,
                     TimePoint at = T0() - hours(24 * 57)) {
    Event e;
    auto* p = e.mutable_agent_provisioned();
    p->set_agent_ref(agent);
    p->set_team_id("team-1");
    p->set_site_id("site-1");
    p->set_is_protected(is_protected);
    p->set_has_exclusion_key(exclusion_key);
    return Put("agent-" + agent, e, at);
  }
  uint64_t Inform(const std::string& agent, uint32_t registration_version = 1, bool all_items = true,
                  TimePoint at = T0() - hours(24 * 56)) {
    Event e;
    auto* p = e.mutable_agent_informed();
    p->set_agent_ref(agent);
    p->set_registration_id("r1");
    p->set_registration_version(registration_version);
    for (int i = 1; i <= (all_items ? 10 : 3); ++i) p->add_items(static_cast<v1::NoticeItem>(i));
    p->set_evaluation_method_id(all_items ? "m1" : "");
    auto* w = p->add_announced_windows();
    *w->mutable_start_time() = ToTimestamp(T0() - hours(24 * 40));
    *w->mutable_end_time() = ToTimestamp(T0() + hours(24 * 40));
    return Put("agent-" + agent, e, at);
  }

  // ---- Calls ----
  uint64_t StartCall(const std::string& call, const std::string& agent, TimePoint at,
                     const std::string& queue = "q1") {
    Event e;
    auto* p = e.mutable_call_started();
    p->set_call_id(call);
    p->set_direction(v1::CALL_DIRECTION_INBOUND);
    p->set_queue_id(queue);
    p->set_site_id("site-1");
    p->set_agent_ref(agent);
    p->set_registration_id("r1");
    auto* caller = p->add_participants();
    caller->set_subject_ref("caller-" + call);
    caller->set_party(v1::PARTY_CALLER);
    return Put("call-" + call, e, at);
  }
  uint64_t EndCall(const std::string& call, TimePoint at) {
    Event e;
    e.mutable_call_ended()->set_call_id(call);
    return Put("call-" + call, e, at);
  }
  uint64_t GiveNotice(const std::string& call, TimePoint end, bool completed = true, bool pointer = true) {
    Event e;
    auto* p = e.mutable_notice_given();
    p->set_call_id(call);
    p->set_audience(v1::PARTY_CALLER);
    p->set_tier(v1::NOTICE_TIER_SHORT);
    p->set_notice_id("n-short");
    p->set_notice_version(1);
    p->set_method(v1::NOTICE_METHOD_IVR_PROMPT);
    *p->mutable_start_time() = ToTimestamp(end - seconds(8));
    *p->mutable_end_time() = ToTimestamp(end);
    p->add_items(v1::NOTICE_ITEM_EXISTENCE);
    p->add_items(v1::NOTICE_ITEM_PURPOSES);
    p->add_items(v1::NOTICE_ITEM_RIGHT_TO_OBJECT);
    p->set_completed(completed);
    p->set_pointer_offered(pointer);
    if (pointer) p->set_pointer(kPointer);
    return Put("call-" + call, e, end);
  }
  uint64_t StartRecording(const std::string& call, const std::string& rec, TimePoint at,
                          std::vector<v1::Track> tracks = {v1::TRACK_CALLER, v1::TRACK_AGENT}) {
    Event e;
    auto* p = e.mutable_recording_started();
    p->set_call_id(call);
    p->set_recording_id(rec);
    for (auto t : tracks) p->add_tracks(t);
    p->set_trigger(v1::RECORDING_TRIGGER_SAMPLED);
    return Put("call-" + call, e, at);
  }
  // A pause (or stop) of `tracks` commanded at `at` and acknowledged `ack_after` later.
  uint64_t Pause(const std::string& call, const std::string& rec, TimePoint at, std::optional<milliseconds> ack_after,
                 v1::PauseCause cause = v1::PAUSE_CAUSE_OBJECTION, bool stop = false,
                 std::vector<v1::Track> tracks = {v1::TRACK_CALLER, v1::TRACK_AGENT},
                 v1::AckSource source = v1::ACK_SOURCE_PLATFORM) {
    Event e;
    auto fill = [&](auto* p) {
      p->set_call_id(call);
      p->set_recording_id(rec);
      for (auto t : tracks) p->add_tracks(t);
      p->set_cause(cause);
      *p->mutable_command_time() = ToTimestamp(at);
      if (ack_after) {
        *p->mutable_ack_time() = ToTimestamp(at + *ack_after);
        p->set_ack_source(source);
      } else {
        p->set_ack_source(v1::ACK_SOURCE_NONE);
      }
    };
    if (stop) fill(e.mutable_recording_stopped());
    else fill(e.mutable_recording_paused());
    return Put("call-" + call, e, at);
  }
  uint64_t Resume(const std::string& call, const std::string& rec, TimePoint at,
                  std::vector<v1::Track> tracks = {v1::TRACK_CALLER, v1::TRACK_AGENT}) {
    Event e;
    auto* p = e.mutable_recording_resumed();
    p->set_call_id(call);
    p->set_recording_id(rec);
    for (auto t : tracks) p->add_tracks(t);
    *p->mutable_command_time() = ToTimestamp(at);
    *p->mutable_ack_time() = ToTimestamp(at + milliseconds(100));
    p->set_ack_source(v1::ACK_SOURCE_PLATFORM);
    return Put("call-" + call, e, at);
  }
  uint64_t Object(const std::string& call, const std::string& objection, v1::Party party, TimePoint at) {
    Event e;
    auto* p = e.mutable_objection_raised();
    p->set_objection_id(objection);
    p->set_party(party);
    p->set_subject_ref(party == v1::PARTY_CALLER ? "caller-" + call : "a1");
    p->set_call_id(call);
    p->set_channel(v1::OBJECTION_CHANNEL_VERBAL);
    p->set_reason(party == v1::PARTY_AGENT ? "personal reasons" : "");
    return Put("call-" + call, e, at);
  }
  uint64_t Withdraw(const std::string& call, const std::string& objection, v1::Party party, TimePoint at) {
    Event e;
    auto* p = e.mutable_objection_withdrawn();
    p->set_objection_id(objection);
    p->set_party(party);
    p->set_call_id(call);
    return Put("call-" + call, e, at);
  }
  uint64_t Store(const std::string& call, const std::string& rec, const std::string& copy, TimePoint at) {
    Event e;
    auto* p = e.mutable_recording_stored();
    p->set_call_id(call);
    p->set_recording_id(rec);
    p->set_copy_id(copy);
    p->set_content_hash(std::string(32, '\x11'));
    p->set_storage_ref("s3://bucket/" + rec + "/" + copy);
    return Put("call-" + call, e, at);
  }
  uint64_t Purge(const std::string& call, const std::string& rec, const std::string& copy, TimePoint at,
                 bool receipt = true) {
    Event e;
    auto* p = e.mutable_recording_purged();
    p->set_call_id(call);
    p->set_recording_id(rec);
    p->set_copy_id(copy);
    if (receipt) {
      p->set_content_hash(std::string(32, '\x11'));
      p->set_storage_receipt("receipt-" + copy);
    }
    p->set_reason(v1::PURGE_REASON_OBJECTION);
    return Put("call-" + call, e, at);
  }

  // The standard compliant set-up: registration r1 with governance, notices, queue q1 able to
  // suspend caller and agent tracks, agent a1 informed, and nine earlier calls of a1 so that one
  // recording fits the 10 % share.
  void Baseline() {
    Register(Details());
    Governance();
    PublishNotices();
    DeclareQueue("q1");
    Provision("a1");
    Inform("a1");
    for (int i = 0; i < 9; ++i) {
      const std::string id = "prior-" + std::to_string(i);
      StartCall(id, "a1", T0() - hours(24 * (i + 1)));
      EndCall(id, T0() - hours(24 * (i + 1)) + std::chrono::minutes(5));
    }
  }

  // A compliant call c1 of agent a1: started at T0, notice completed at T0+10s.
  void CompliantCallStart(const std::string& call = "c1") {
    StartCall(call, "a1", T0());
    GiveNotice(call, T0() + seconds(10));
  }

  std::unique_ptr<Compliance> Engine(TimePoint now, bool persist = false) {
    ComplianceOptions o;
    o.clock = [now] { return now; };
    o.persist = persist;
    auto c = Compliance::Open(store_.get(), o);
    REQUIRE_MESSAGE(c.ok(), c.status().ToString());
    auto folded = (*c)->CatchUp();
    REQUIRE_MESSAGE(folded.ok(), folded.status().ToString());
    return std::move(c).value();
  }

  static constexpr const char* kPointer = "https://example.test/privacy/calls";

 private:
  TempDir dir_;
  std::unique_ptr<EventStore> store_;
};

inline const RuleVerdict& RuleOf(const CallVerdicts& v, const std::string& id) {
  for (const auto& r : v.rules) {
    if (r.rule_id == id) return r;
  }
  FAIL("rule " << id << " missing from the verdicts");
  static RuleVerdict none;
  return none;
}

inline bool Denies(const GateDecision& d, const std::string& rule) {
  for (const auto& f : d.failing) {
    if (f.rule_id == rule) return true;
  }
  return false;
}

inline std::string Failing(const GateDecision& d) {
  std::string s;
  for (const auto& f : d.failing) s += f.rule_id + " (" + f.detail + "); ";
  return s;
}

inline bool Contains(const std::vector<uint64_t>& v, uint64_t x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

}  // namespace consent::testing

#endif  // CONSENT_TESTS_COMPLIANCE_FIXTURE_H_
