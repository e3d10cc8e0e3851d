// SPDX-License-Identifier: Apache-2.0
// A small, fully compliant contact centre to break one rule at a time.
//
// Facts are appended straight to the store (not through the Ledger) so that tests can write any
// fact, lawful or not, at any time. Times are offsets from T0 = 2026-03-02T09:00:00Z.
#ifndef CONSENT_TESTS_COMPLIANCE_FIXTURE_H_
#define CONSENT_TESTS_COMPLIANCE_FIXTURE_H_

#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <optional>
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

  // ---- Added for the rule matrix (tests/cpp/rules_*_test.cc) ----

  // Positions of the facts a BaselineWith() wrote (0 for a fact left out).
  struct BaselinePositions {
    uint64_t registration = 0;
    uint64_t cse = 0;
    uint64_t dpo = 0;
    uint64_t dpia = 0;
    uint64_t short_notice = 0;
    uint64_t full_notice = 0;
    uint64_t queue = 0;
    uint64_t provisioned = 0;
    uint64_t informed = 0;
  };
  // What BaselineWith() writes; the defaults give exactly Baseline().
  struct BaselineOptions {
    std::optional<v1::ProcessingDetails> details;  // Details() when unset
    bool registration = true;
    bool cse = true;
    bool dpo = true;
    bool dpia = true;
    bool notices = true;
    bool queue = true;
    std::vector<v1::Track> queue_tracks = {v1::TRACK_CALLER, v1::TRACK_AGENT};
    bool queue_suspend = true;
    bool provision = true;
    bool inform = true;
    bool inform_all_items = true;
    int prior_calls = 9;  // earlier calls of a1, one a day before T0
  };
  BaselinePositions BaselineWith(const BaselineOptions& o) {
    BaselinePositions p;
    const TimePoint gov_at = T0() - hours(24 * 59);
    if (o.registration) p.registration = Register(o.details ? *o.details : Details());
    if (o.cse) p.cse = Cse(1, gov_at);
    if (o.dpo) p.dpo = Dpo(1, gov_at);
    if (o.dpia) p.dpia = Dpia(1, gov_at);
    if (o.notices) {
      p.full_notice = PublishNotices();
      p.short_notice = p.full_notice - 1;
    }
    if (o.queue) p.queue = DeclareQueue("q1", o.queue_suspend, o.queue_tracks);
    if (o.provision) p.provisioned = Provision("a1");
    if (o.inform) p.informed = Inform("a1", 1, o.inform_all_items);
    for (int i = 0; i < o.prior_calls; ++i) {
      const std::string id = "prior-" + std::to_string(i);
      StartCall(id, "a1", T0() - hours(24 * (i + 1)));
      EndCall(id, T0() - hours(24 * (i + 1)) + std::chrono::minutes(5));
    }
    return p;
  }

  uint64_t Cse(uint32_t version, TimePoint at) {
    Event e;
    e.mutable_cse_consulted()->set_registration_id("r1");
    e.mutable_cse_consulted()->set_registration_version(version);
    e.mutable_cse_consulted()->set_opinion(v1::CSE_OPINION_FAVOURABLE);
    return Put("registration-r1", e, at);
  }
  uint64_t Dpo(uint32_t version, TimePoint at) {
    Event e;
    e.mutable_dpo_consulted()->set_registration_id("r1");
    e.mutable_dpo_consulted()->set_registration_version(version);
    return Put("registration-r1", e, at);
  }
  uint64_t Dpia(uint32_t version, TimePoint at) {
    Event e;
    e.mutable_dpia_recorded()->set_registration_id("r1");
    e.mutable_dpia_recorded()->set_registration_version(version);
    e.mutable_dpia_recorded()->set_dpia_ref("DPIA-2026-01");
    return Put("registration-r1", e, at);
  }
  uint64_t EndRegistration(TimePoint at) {
    Event e;
    e.mutable_processing_ended()->set_registration_id("r1");
    e.mutable_processing_ended()->set_reason("processing stopped");
    return Put("registration-r1", e, at);
  }
  // A full (tier-2) notice at `pointer` covering `items` only.
  uint64_t PublishFullNotice(uint32_t version, uint32_t registration_version, std::vector<v1::NoticeItem> items,
                             TimePoint at) {
    Event e;
    auto* q = e.mutable_notice_published();
    q->set_notice_id("n-full");
    q->set_notice_version(version);
    q->set_registration_id("r1");
    q->set_registration_version(registration_version);
    q->set_audience(v1::PARTY_CALLER);
    q->set_tier(v1::NOTICE_TIER_FULL);
    for (auto i : items) q->add_items(i);
    q->set_pointer(kPointer);
    return Put("notice-n-full", e, at);
  }
  // (Re-)provisions `agent` as a protected employee (staff representative).
  uint64_t ProvisionProtected(const std::string& agent, const std::string& private_line, bool exclusion_key,
                              TimePoint at) {
    Event e;
    auto* p = e.mutable_agent_provisioned();
    p->set_agent_ref(agent);
    p->set_team_id("team-1");
    p->set_site_id("site-1");
    p->set_is_protected(true);
    p->set_private_line_id(private_line);
    p->set_has_exclusion_key(exclusion_key);
    return Put("agent-" + agent, e, at);
  }
  // Informs `agent` of every item under `registration_version`, announcing one window.
  uint64_t InformWithWindow(const std::string& agent, uint32_t registration_version, TimePoint window_start,
                            TimePoint window_end, TimePoint at) {
    Event e;
    auto* p = e.mutable_agent_informed();
    p->set_agent_ref(agent);
    p->set_registration_id("r1");
    p->set_registration_version(registration_version);
    for (int i = 1; i <= 10; ++i) p->add_items(static_cast<v1::NoticeItem>(i));
    p->set_evaluation_method_id("m1");
    auto* w = p->add_announced_windows();
    *w->mutable_start_time() = ToTimestamp(window_start);
    *w->mutable_end_time() = ToTimestamp(window_end);
    return Put("agent-" + agent, e, at);
  }
  uint64_t AnnounceWindow(const std::string& agent, TimePoint start, TimePoint end, TimePoint at) {
    Event e;
    auto* p = e.mutable_recording_window_announced();
    p->set_agent_ref(agent);
    *p->mutable_window()->mutable_start_time() = ToTimestamp(start);
    *p->mutable_window()->mutable_end_time() = ToTimestamp(end);
    return Put("agent-" + agent, e, at);
  }
  // A call on a line (rather than a queue).
  uint64_t StartCallOnLine(const std::string& call, const std::string& agent, const std::string& line, TimePoint at) {
    Event e;
    auto* p = e.mutable_call_started();
    p->set_call_id(call);
    p->set_direction(v1::CALL_DIRECTION_OUTBOUND);
    p->set_line_id(line);
    p->set_queue_id("q1");
    p->set_site_id("site-1");
    p->set_agent_ref(agent);
    p->set_registration_id("r1");
    return Put("call-" + call, e, at);
  }
  // A tier-1 notice of `notice_version` completed at `end`, with the pointer to the full notice.
  uint64_t GiveNoticeVersion(const std::string& call, TimePoint end, uint32_t notice_version) {
    Event e;
    auto* p = e.mutable_notice_given();
    p->set_call_id(call);
    p->set_audience(v1::PARTY_CALLER);
    p->set_tier(v1::NOTICE_TIER_SHORT);
    p->set_notice_id("n-short");
    p->set_notice_version(notice_version);
    p->set_method(v1::NOTICE_METHOD_IVR_PROMPT);
    *p->mutable_start_time() = ToTimestamp(end - seconds(8));
    *p->mutable_end_time() = ToTimestamp(end);
    p->add_items(v1::NOTICE_ITEM_EXISTENCE);
    p->add_items(v1::NOTICE_ITEM_PURPOSES);
    p->add_items(v1::NOTICE_ITEM_RIGHT_TO_OBJECT);
    p->set_completed(true);
    p->set_pointer_offered(true);
    p->set_pointer(kPointer);
    return Put("call-" + call, e, end);
  }
  uint64_t FlagPrivate(const std::string& call, TimePoint at, bool mandate_related = false) {
    Event e;
    auto* p = e.mutable_private_call_flagged();
    p->set_call_id(call);
    p->set_party(v1::PARTY_AGENT);
    p->set_flagged_by_ref("a1");
    p->set_method(v1::PRIVATE_FLAG_METHOD_DURING_CALL);
    p->set_mandate_related(mandate_related);
    return Put("call-" + call, e, at);
  }
  // The call continues as `new_call` (a new leg); `to_agent` empty keeps the agent.
  uint64_t Transfer(const std::string& call, const std::string& new_call, TimePoint at,
                    const std::string& to_agent = "") {
    Event e;
    auto* p = e.mutable_call_transferred();
    p->set_call_id(call);
    p->set_from_agent_ref("a1");
    p->set_to_agent_ref(to_agent);
    p->set_new_call_id(new_call);
    return Put("call-" + call, e, at);
  }
  // `channels` empty: every objection channel (voice and key) is lost, or restored.
  uint64_t ChannelLost(const std::string& call, TimePoint at, std::vector<v1::ObjectionChannel> channels = {}) {
    Event e;
    e.mutable_objection_channel_lost()->set_call_id(call);
    for (auto k : channels) e.mutable_objection_channel_lost()->add_channels(k);
    return Put("call-" + call, e, at);
  }
  uint64_t ChannelRestored(const std::string& call, TimePoint at, std::vector<v1::ObjectionChannel> channels = {}) {
    Event e;
    e.mutable_objection_channel_restored()->set_call_id(call);
    for (auto k : channels) e.mutable_objection_channel_restored()->add_channels(k);
    return Put("call-" + call, e, at);
  }
  uint64_t SegmentStart(const std::string& call, const std::string& segment, TimePoint at,
                        v1::SensitiveKind kind = v1::SENSITIVE_KIND_PAYMENT_CARD) {
    Event e;
    auto* p = e.mutable_sensitive_segment_started();
    p->set_call_id(call);
    p->set_segment_id(segment);
    p->set_kind(kind);
    return Put("call-" + call, e, at);
  }
  uint64_t SegmentEnd(const std::string& call, const std::string& segment, TimePoint at) {
    Event e;
    e.mutable_sensitive_segment_ended()->set_call_id(call);
    e.mutable_sensitive_segment_ended()->set_segment_id(segment);
    return Put("call-" + call, e, at);
  }
  uint64_t ScreenCapture(const std::string& call, const std::string& rec, const std::string& audio_rec,
                         TimePoint at) {
    Event e;
    auto* p = e.mutable_screen_capture_started();
    p->set_call_id(call);
    p->set_recording_id(rec);
    p->add_tracks(v1::TRACK_SCREEN);
    p->set_audio_recording_id(audio_rec);
    return Put("call-" + call, e, at);
  }
  // A decision on an objection raised on `call`.
  uint64_t Decide(const std::string& call, const std::string& objection, v1::ObjectionOutcome outcome,
                  const std::string& by, const std::string& ground, TimePoint at) {
    Event e;
    auto* p = e.mutable_objection_decided();
    p->set_objection_id(objection);
    p->set_outcome(outcome);
    p->set_decided_by_ref(by);
    p->set_written_ground(ground);
    p->set_call_id(call);
    p->set_agent_ref("a1");
    return Put("call-" + call, e, at);
  }
  // A standing objection of `agent`, tied to no call (e.g. made in writing).
  uint64_t ObjectStanding(const std::string& agent, const std::string& objection, TimePoint at) {
    Event e;
    auto* p = e.mutable_objection_raised();
    p->set_objection_id(objection);
    p->set_party(v1::PARTY_AGENT);
    p->set_subject_ref(agent);
    p->set_channel(v1::OBJECTION_CHANNEL_WRITTEN);
    p->set_reason("does not want to be recorded");
    return Put("agent-" + agent, e, at);
  }
  uint64_t WithdrawStanding(const std::string& agent, const std::string& objection, TimePoint at) {
    Event e;
    auto* p = e.mutable_objection_withdrawn();
    p->set_objection_id(objection);
    p->set_party(v1::PARTY_AGENT);
    p->set_subject_ref(agent);
    p->set_channel(v1::OBJECTION_CHANNEL_WRITTEN);
    p->set_agent_ref(agent);
    return Put("agent-" + agent, e, at);
  }
  uint64_t DecideStanding(const std::string& agent, const std::string& objection, v1::ObjectionOutcome outcome,
                          const std::string& by, const std::string& ground, TimePoint at) {
    Event e;
    auto* p = e.mutable_objection_decided();
    p->set_objection_id(objection);
    p->set_outcome(outcome);
    p->set_decided_by_ref(by);
    p->set_written_ground(ground);
    p->set_agent_ref(agent);
    return Put("agent-" + agent, e, at);
  }
  // Keeps a recording despite a purge obligation, with a written ground (LC-OBJ-4).
  uint64_t Override(const std::string& rec, const std::string& cause_ref, const std::string& ground, TimePoint at) {
    Event e;
    auto* p = e.mutable_retention_overridden();
    p->set_recording_id(rec);
    p->set_cause_ref(cause_ref);
    p->set_ground(ground);
    return Put("recording-" + rec, e, at);
  }
  uint64_t Access(const std::string& call, const std::string& rec, const std::string& principal,
                  const std::string& role, v1::AccessAction action, v1::Purpose purpose, TimePoint at) {
    Event e;
    auto* p = e.mutable_recording_accessed();
    p->set_call_id(call);
    p->set_recording_id(rec);
    p->set_principal_ref(principal);
    p->set_role(role);
    p->set_action(action);
    p->set_purpose(purpose);
    return Put("access-" + rec, e, at);
  }
  uint64_t Refuse(const std::string& call, const std::string& rec, const std::string& principal,
                  const std::string& role, v1::AccessAction action, v1::Purpose purpose, TimePoint at) {
    Event e;
    auto* p = e.mutable_access_refused();
    p->set_call_id(call);
    p->set_recording_id(rec);
    p->set_principal_ref(principal);
    p->set_role(role);
    p->set_action(action);
    p->set_purpose(purpose);
    p->set_reason(v1::ACCESS_REFUSAL_REASON_ROLE_NOT_RECIPIENT);
    return Put("access-" + rec, e, at);
  }
  uint64_t LiveListen(const std::string& call, const std::string& principal, const std::string& role,
                      v1::Purpose purpose, TimePoint at) {
    Event e;
    auto* p = e.mutable_live_listen_started();
    p->set_listen_id("listen-" + call);
    p->set_call_id(call);
    p->set_principal_ref(principal);
    p->set_role(role);
    p->set_purpose(purpose);
    p->add_tracks(v1::TRACK_CALLER);
    p->add_tracks(v1::TRACK_AGENT);
    return Put("call-" + call, e, at);
  }
  // A recording at (full) sampling: call started at `at`, notice 10 s later, capture 11 s later.
  // Returns the RecordingStarted position.
  uint64_t RecordedCall(const std::string& call, const std::string& agent, TimePoint at) {
    StartCall(call, agent, at);
    GiveNotice(call, at + seconds(10));
    return StartRecording(call, "rec-" + call, at + seconds(11));
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

// ---- Added for the rule matrix (tests/cpp/rules_*_test.cc) ----

// The verdicts of `call` at `at`, or fails the test.
inline CallVerdicts VerdictsOf(const Compliance& c, const std::string& call, TimePoint at) {
  auto v = c.calls().EvaluateAt(call, at);
  REQUIRE_MESSAGE(v.ok(), v.status().ToString());
  return *v;
}

// The summary of `agent` at `at`, or fails the test.
inline AgentSummary AgentOf(const Compliance& c, const std::string& agent, TimePoint at) {
  auto s = c.agents().EvaluateAt(agent, at);
  REQUIRE_MESSAGE(s.ok(), s.status().ToString());
  return *s;
}

inline const RuleVerdict& AgentRuleOf(const AgentSummary& s, const std::string& id) {
  for (const auto& r : s.rules) {
    if (r.rule_id == id) return r;
  }
  FAIL("rule " << id << " missing from the agent's verdicts");
  static RuleVerdict none;
  return none;
}

// The failing entry of `rule` in a gate decision, or fails the test.
inline const RuleVerdict& DenialOf(const GateDecision& d, const std::string& rule) {
  for (const auto& f : d.failing) {
    if (f.rule_id == rule) return f;
  }
  FAIL("the gate does not deny with " << rule << "; failing: " << Failing(d));
  static RuleVerdict none;
  return none;
}

inline bool StopsFor(const GateDecision& d, const std::string& rule) {
  return std::find(d.stop_rules.begin(), d.stop_rules.end(), rule) != d.stop_rules.end();
}

// "1, 2, 3" for failure messages.
inline std::string Positions(const std::vector<uint64_t>& v) {
  std::string s;
  for (uint64_t p : v) s += (s.empty() ? "" : ", ") + std::to_string(p);
  return s;
}

}  // namespace consent::testing

#endif  // CONSENT_TESTS_COMPLIANCE_FIXTURE_H_
