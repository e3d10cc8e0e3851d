// SPDX-License-Identifier: Apache-2.0
// A contact-centre day as a discrete-event simulation: every call is planned in arrival order
// (agent, queue, duration and its own random stream), then timed actions run in time order and
// record their facts through the Ledger. The only feedback from the log is the RecordingGate,
// folded synchronously before each decision, so a run is a pure function of the options and the
// log it starts from.

#include "consent/simulator.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <queue>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "consent/compliance.h"
#include "consent/ledger.h"

namespace consent {
namespace {

using Ms = int64_t;  // Unix milliseconds: the simulation's time

constexpr Ms kSecond = 1000;
constexpr Ms kMinute = 60 * kSecond;
constexpr Ms kHour = 60 * kMinute;
constexpr Ms kDay = 24 * kHour;

constexpr uint32_t kRegistrationVersion = 1;
constexpr const char* kSite = "site-lyon-1";
constexpr const char* kShortNotice = "ntc-caller-short";
constexpr const char* kFullNotice = "ntc-caller-full";
constexpr const char* kAgentNotice = "ntc-agent";
constexpr const char* kMethod = "eval-quality";
constexpr const char* kStalePointer = "https://example.test/privacy";
constexpr uint32_t kMinAgents = 12;

TimePoint ToTime(Ms ms) { return TimePoint(std::chrono::milliseconds(ms)); }
Ms ToMs(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

google::protobuf::Timestamp Ts(Ms ms) { return ToTimestamp(ToTime(ms)); }

// SplitMix64: derives independent seeds (per call, per purpose) from the seed and the day.
uint64_t Mix(uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}
uint64_t Derive(uint64_t seed, uint64_t a, uint64_t b = 0) { return Mix(Mix(Mix(seed) ^ a) ^ b); }

// Small helpers over a std::mt19937_64. Only integer arithmetic on the engine's output and
// explicit formulas, so that every standard library draws the same values (the <random>
// distributions are not specified bit for bit across implementations).
class Rng {
 public:
  explicit Rng(uint64_t seed) : gen_(seed) {}
  uint64_t Next() { return gen_(); }
  // Uniform in [0, 1).
  double Unit() { return static_cast<double>(gen_() >> 11) * (1.0 / 9007199254740992.0); }
  bool Chance(double p) { return Unit() < p; }
  // Uniform integer in [lo, hi].
  int64_t Between(int64_t lo, int64_t hi) {
    const uint64_t span = static_cast<uint64_t>(hi - lo) + 1;
    return lo + static_cast<int64_t>(gen_() % span);
  }
  size_t Index(size_t n) { return static_cast<size_t>(gen_() % n); }
  // Log-normal with the given median and shape.
  double LogNormal(double median, double sigma) {
    // Box-Muller from two uniforms: deterministic everywhere.
    double u1 = Unit();
    if (u1 < 1e-12) u1 = 1e-12;
    const double u2 = Unit();
    const double z = std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
    return median * std::exp(sigma * z);
  }
  std::string Hex(size_t digits) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string s;
    while (s.size() < digits) {
      uint64_t v = gen_();
      for (int i = 0; i < 16 && s.size() < digits; ++i, v >>= 4) s.push_back(kHex[v & 0xF]);
    }
    return s;
  }

 private:
  std::mt19937_64 gen_;
};

enum class QueueKind { kNormal, kOutbound, kLegacy };
enum class Team { kFront, kOutbound, kLegacy };

struct Queue {
  const char* id;
  double weight;  // share of calls
  Team team;
  QueueKind kind;
  double payment_share;  // calls with a card payment
  // Capability: suspend supported, tracks covered; probe: ok / failed / stale / none.
  bool suspend;
  bool covers_agent_track;
  enum class Probe { kOk, kFailed, kStale, kNone } probe;
};

constexpr Queue kQueues[] = {
    {"q-sales", 0.30, Team::kFront, QueueKind::kNormal, 0.04, true, true, Queue::Probe::kOk},
    {"q-support", 0.29, Team::kFront, QueueKind::kNormal, 0.02, true, true, Queue::Probe::kOk},
    {"q-billing", 0.17, Team::kFront, QueueKind::kNormal, 0.35, true, true, Queue::Probe::kOk},
    {"q-retention", 0.06, Team::kFront, QueueKind::kNormal, 0.05, true, false, Queue::Probe::kNone},
    {"q-collections", 0.06, Team::kFront, QueueKind::kNormal, 0.20, true, true,
     Queue::Probe::kStale},
    {"q-outbound", 0.10, Team::kOutbound, QueueKind::kOutbound, 0.10, true, true,
     Queue::Probe::kFailed},
    {"q-legacy", 0.02, Team::kLegacy, QueueKind::kLegacy, 0.10, false, false, Queue::Probe::kNone},
};

const char* TeamId(Team t) {
  switch (t) {
    case Team::kFront:
      return "team-front";
    case Team::kOutbound:
      return "team-outbound";
    case Team::kLegacy:
      return "team-legacy";
  }
  return "team-front";
}

// What is special about an agent (index-based so that every seed has the same cast).
struct AgentProfile {
  std::string ref;
  Team team = Team::kFront;
  bool is_protected = false;
  bool exclusion_key = false;
  std::string private_line;
  bool informed = true;
  bool informed_complete = true;
  bool window = true;
  bool standing_objection = false;
  Ms busy_until = 0;
};

enum class TrackState { kCapturing, kPaused, kStopped };
enum class PauseReason { kNone, kSegment, kObjection };

struct Recording {
  std::string id;
  std::map<v1::Track, TrackState> tracks;
  std::map<v1::Track, PauseReason> reasons;
  bool gate_asked = false;
};

// A call: its plan (fixed at arrival) and its state while it runs.
struct Call {
  uint32_t index = 0;
  std::string id;
  Rng rng{0};
  const Queue* queue = nullptr;
  size_t agent = 0;
  std::string agent_ref;
  std::string caller_ref;
  Ms start = 0;
  Ms duration = 0;
  bool private_call = false;
  bool mandate = false;
  bool outbound = false;

  // Running state.
  bool ended = false;
  std::unique_ptr<Recording> rec;
  int recordings_started = 0;
  int objections = 0;
  std::string open_segment;
  std::string caller_objection;  // active caller objection id (capture paused for it)
  std::string agent_objection;
  bool recorded = false;

  // Evaluation and retention facts draw from `extra`, never from `rng`, so that calls play
  // exactly as they would without them.
  Rng extra{0};
  Ms caller_objection_at = 0;
  std::vector<std::pair<std::string, std::string>> copies;  // stored (copy_id, content_hash)
};

class Simulator {
 public:
  Simulator(EventStore* store, const SimulationOptions& options)
      : store_(store), options_(options), ids_(0), world_(0) {}

  StatusOr<SimulationSummary> Run();

 private:
  // ---- Plumbing ---------------------------------------------------------------------------
  struct Action {
    Ms at;
    uint64_t seq;
    std::function<Status()> fn;
  };
  struct Later {
    bool operator()(const Action& a, const Action& b) const {
      return a.at != b.at ? a.at > b.at : a.seq > b.seq;
    }
  };
  void Schedule(Ms at, std::function<Status()> fn) {
    queue_.push(Action{std::max(at, now_), seq_++, std::move(fn)});
  }

  // A UUIDv7-looking id: 48 bits of the fact's milliseconds, version 7, variant 10, and random
  // bits from the id stream.
  std::string NextEventId(Ms at) {
    std::string id(kEventIdSize, '\0');
    const uint64_t ms = static_cast<uint64_t>(at);
    for (int i = 0; i < 6; ++i) id[i] = static_cast<char>((ms >> (40 - 8 * i)) & 0xFF);
    const uint64_t a = ids_.Next(), b = ids_.Next();
    id[6] = static_cast<char>(0x70 | (a & 0x0F));
    id[7] = static_cast<char>((a >> 8) & 0xFF);
    id[8] = static_cast<char>(0x80 | ((a >> 16) & 0x3F));
    for (int i = 9; i < 16; ++i) id[i] = static_cast<char>((b >> (8 * (i - 9))) & 0xFF);
    return id;
  }

  FactOptions Opts(Ms at, std::string_view principal, std::string_view role,
                   std::string_view system = "acd-gateway/4.2") {
    FactOptions o;
    o.occur_time = ToTime(at);
    o.event_id = NextEventId(at);
    o.actor.set_principal_ref(std::string(principal));
    o.actor.set_role(std::string(role));
    o.actor.set_system(std::string(system));
    o.sync = options_.sync;
    first_ms_ = std::min(first_ms_, at);
    last_ms_ = std::max(last_ms_, at);
    return o;
  }
  FactOptions Platform(Ms at) { return Opts(at, "svc-recorder", "platform", "recorder/7.1"); }

  template <typename R>
  Status Check(const StatusOr<R>& r) {
    if (r.ok()) return Status::Ok();
    return r.status().Annotate("SimulateDay");
  }

  // ---- Setup ---------------------------------------------------------------------------------
  Status DetermineDay();
  void BuildCast();
  Status RecordGovernance();
  Status RecordAgents();
  Status RecordDailyFacts();

  // ---- Calls ---------------------------------------------------------------------------------
  void PlanCalls();
  Status StartCall(Call& c);
  Status GiveNotice(Call& c, bool cut);
  Status AskGateAndRecord(Call& c);
  Status StartRecording(Call& c, v1::RecordingTrigger trigger, uint64_t gate_position,
                        const std::string& started_by, Ms at);
  Status PaymentStarts(Call& c);
  Status PaymentEnds(Call& c, const std::string& segment);
  Status CallerObjects(Call& c);
  Status AgentObjects(Call& c);
  Status Transfer(Call& c, bool resume_after);
  Status LiveListen(Call& c, bool forbidden);
  Status EndCall(Call& c);
  Status StoreAndAccess(Call& c, const std::string& recording_id,
                        const std::vector<v1::Track>& tracks);
  Status Access(Call& c, const std::string& recording_id, Ms at);

  // ---- Evaluation and retention --------------------------------------------------------------
  // Plans what follows the storage of a recording: a transcript, evaluation documents, or the
  // purge of its copies when an objection or a private flag requires it.
  void PlanAfterStore(Call& c, const std::string& recording_id);
  void PlanSurvey(Call& c);
  Status CreateDocument(Call& c, const std::string& recording_id, bool self, Ms at);
  Status PurgeCopies(Call& c, const std::string& recording_id, Ms at, bool receipt, bool late);
  Status RecordDecisions();
  Status PlaceHold();
  Status RecordSubjectRequests();
  std::string Hash(Rng& r) const {
    std::string hash(32, '\0');
    for (char& ch : hash) ch = static_cast<char>(r.Next() & 0xFF);
    return hash;
  }

  // Pauses (or stops) every capturing track of the call's recording for `reason`.
  std::vector<v1::Track> Capturing(const Call& c) const;
  Status PauseTracks(Call& c, const std::vector<v1::Track>& tracks, v1::PauseCause cause,
                     const std::string& cause_ref, Ms command, std::optional<Ms> ack,
                     v1::AckSource source, PauseReason reason, bool stop);
  Status ResumeTracks(Call& c, PauseReason reason, v1::ResumeCause cause,
                      const std::string& cause_ref, Ms at);

  const std::string& AgentRef(size_t i) const { return agents_[i].ref; }
  std::string Id(std::string_view prefix, const Call& c, int n = 0) const {
    std::string s = std::string(prefix) + day_tag_ + "-" + Pad(c.index + 1, 5);
    if (n > 0) s += "-" + std::to_string(n);
    return s;
  }
  static std::string Pad(uint64_t v, int width) {
    std::string s = std::to_string(v);
    if (static_cast<int>(s.size()) < width) s.insert(0, static_cast<size_t>(width) - s.size(), '0');
    return s;
  }
  std::string Staff(std::string_view prefix, uint64_t n) const {
    return std::string(prefix) + staff_tag_[n % staff_tag_.size()];
  }

  EventStore* store_;
  SimulationOptions options_;
  std::unique_ptr<Ledger> ledger_;
  std::unique_ptr<Compliance> gate_;
  Ms gate_now_ = 0;

  Rng ids_;              // event ids
  Rng world_;            // setup and planning
  Ms day_ = 0;           // start of the working day
  std::string day_tag_;  // "20260302"
  bool continued_ = false;
  std::vector<AgentProfile> agents_;
  std::vector<std::string> staff_tag_;  // pseudonymous suffixes for staff refs
  std::vector<std::shared_ptr<Call>> calls_;
  std::priority_queue<Action, std::vector<Action>, Later> queue_;
  uint64_t seq_ = 0;
  Ms now_ = 0;
  Ms first_ms_ = std::numeric_limits<Ms>::max();
  Ms last_ms_ = std::numeric_limits<Ms>::min();
  uint64_t calls_started_ = 0;
  uint64_t start_head_ = 0;
  SimulationSummary summary_;

  // Evaluation and retention state.
  bool receiptless_purge_done_ = false;
  std::vector<Call*> stored_calls_;  // calls with stored copies and no purge due, in store order
  std::map<std::string, std::vector<std::pair<std::string, bool>>> agent_docs_;  // (id, self)
};

// ---- Setup -----------------------------------------------------------------------------------

Status Simulator::DetermineDay() {
  start_head_ = store_->HeadPosition();
  continued_ = start_head_ > 0;
  if (options_.start) {
    day_ = ToMs(*options_.start);
  } else if (!continued_) {
    day_ = ToMs(SimulatedFirstDay());
  } else {
    // The day after the latest call: facts reported late about it (purges the next day) do not
    // move the next day.
    Ms latest = std::numeric_limits<Ms>::min();
    Ms latest_call = std::numeric_limits<Ms>::min();
    ReadAllOptions read;
    Status s = store_->ScanAll(read, [&](const Event& e) {
      const Ms t = ToMs(FromTimestamp(e.occur_time()));
      latest = std::max(latest, t);
      if (e.has_call_started()) latest_call = std::max(latest_call, t);
      return true;
    });
    if (!s.ok()) return s.Annotate("SimulateDay: reading the log");
    if (latest_call != std::numeric_limits<Ms>::min()) latest = latest_call;
    // 08:00 UTC of the day after the latest fact.
    Ms midnight = latest - (((latest % kDay) + kDay) % kDay);
    day_ = midnight + kDay + 8 * kHour;
  }
  const time_t secs = static_cast<time_t>(day_ / 1000);
  struct tm tm_utc;
  gmtime_r(&secs, &tm_utc);
  char buf[48];
  std::snprintf(buf, sizeof(buf), "%04d%02d%02d", tm_utc.tm_year + 1900, tm_utc.tm_mon + 1,
                tm_utc.tm_mday);
  day_tag_ = buf;
  const uint64_t day_number = static_cast<uint64_t>(day_ / kDay);
  ids_ = Rng(Derive(options_.seed, 0x1D5, day_number));
  world_ = Rng(Derive(options_.seed, 0x3011D, day_number));
  now_ = day_ - 60 * kDay;
  return Status::Ok();
}

void Simulator::BuildCast() {
  // References depend on the seed only, so that the same agents work every day.
  Rng people(Derive(options_.seed, 0xA6E27));
  const uint32_t n = options_.agents;
  const uint32_t legacy = 2;
  const uint32_t outbound = std::max<uint32_t>(2, n / 8);
  agents_.resize(n);
  for (uint32_t i = 0; i < n; ++i) {
    AgentProfile& a = agents_[i];
    a.ref = "agt-" + people.Hex(8);
    if (i >= n - legacy) {
      a.team = Team::kLegacy;
    } else if (i >= n - legacy - outbound) {
      a.team = Team::kOutbound;
    }
  }
  // The cast (front team): staff representatives, the uninformed, the incomplete, ...
  agents_[0].is_protected = true;
  agents_[0].exclusion_key = true;
  agents_[1].is_protected = true;
  agents_[1].private_line = "line-priv-" + agents_[1].ref.substr(4);
  agents_[2].is_protected = true;  // neither a private line nor an exclusion key: LC-AGT-3
  agents_[3].informed = false;
  agents_[4].informed = false;
  agents_[5].informed_complete = false;  // not told the evaluation method: LC-AGT-1
  agents_[6].window = false;             // no recording window announced: LC-AGT-2
  agents_[7].standing_objection = true;  // objected in writing: LC-OBJ-2
  for (uint32_t i = 8; i < n; ++i) agents_[i].exclusion_key = people.Chance(0.5);
  for (int i = 0; i < 12; ++i) staff_tag_.push_back(people.Hex(6));
}

Status Simulator::RecordGovernance() {
  const std::string reg = kSimulatedRegistrationId;
  const std::string dpo = "svc-dpo";
  Ms t = day_ - 40 * kDay;
  {
    v1::ProcessingRegistered f;
    f.set_registration_id(reg);
    f.set_registration_version(kRegistrationVersion);
    v1::ProcessingDetails* d = f.mutable_details();
    d->set_controller("Example Telecom Services SAS");
    d->set_dpo_appointed(true);
    d->set_dpo_contact("dpo@example.test");
    auto* p1 = d->add_purposes();
    p1->set_purpose(v1::PURPOSE_TRAINING);
    p1->set_description("training of customer service agents");
    auto* p2 = d->add_purposes();
    p2->set_purpose(v1::PURPOSE_EVALUATION);
    p2->set_description("evaluation of agents against the published method");
    d->set_legal_basis(v1::LEGAL_BASIS_LEGITIMATE_INTERESTS);
    d->add_recipient_roles("trainer");
    d->add_recipient_roles("quality-analyst");
    d->add_recipient_roles("team-lead");
    d->set_recording_retention_months(6);
    d->set_analysis_retention_months(12);
    d->mutable_sampling();  // defaults: 10 % max, 5 % warn
    *d->mutable_valid_from_time() = Ts(day_ - 30 * kDay);
    CONSENT_RETURN_IF_ERROR(
        Check(ledger_->RegisterProcessing(f, Opts(t, dpo, "dpo", "gdpr-register/1.0"))));
  }
  t += 2 * kDay;
  {
    v1::DpiaRecorded f;
    f.set_registration_id(reg);
    f.set_registration_version(kRegistrationVersion);
    f.set_dpia_ref("dms://privacy/dpia/2026-call-recording-v1.pdf");
    std::string hash(32, '\0');
    for (char& ch : hash) ch = static_cast<char>(world_.Next() & 0xFF);
    f.set_content_hash(hash);
    CONSENT_RETURN_IF_ERROR(
        Check(ledger_->RecordDpia(f, Opts(t, dpo, "dpo", "gdpr-register/1.0"))));
  }
  t += 3 * kDay;
  {
    v1::DpoConsulted f;
    f.set_registration_id(reg);
    f.set_registration_version(kRegistrationVersion);
    f.set_opinion_ref("dms://privacy/dpo-opinions/2026-017");
    CONSENT_RETURN_IF_ERROR(
        Check(ledger_->ConsultDpo(f, Opts(t, dpo, "dpo", "gdpr-register/1.0"))));
  }
  t += 2 * kDay;
  {
    v1::CseConsulted f;
    f.set_registration_id(reg);
    f.set_registration_version(kRegistrationVersion);
    f.set_opinion(v1::CSE_OPINION_FAVOURABLE);
    f.set_minutes_ref("dms://cse/minutes/2026-02-plenary");
    CONSENT_RETURN_IF_ERROR(
        Check(ledger_->ConsultCse(f, Opts(t, Staff("hr-", 0), "hr", "gdpr-register/1.0"))));
  }
  t += 2 * kDay;
  auto publish = [&](const char* id, v1::Party audience, v1::NoticeTier tier,
                     std::vector<v1::NoticeItem> items, const std::string& pointer,
                     v1::NoticeMethod) -> Status {
    v1::NoticePublished f;
    f.set_notice_id(id);
    f.set_notice_version(1);
    f.set_registration_id(reg);
    f.set_registration_version(kRegistrationVersion);
    f.set_audience(audience);
    f.set_tier(tier);
    for (v1::NoticeItem i : items) f.add_items(i);
    std::string hash(32, '\0');
    for (char& ch : hash) ch = static_cast<char>(world_.Next() & 0xFF);
    f.set_content_hash(hash);
    f.set_pointer(pointer);
    f.set_language("fr-FR");
    *f.mutable_valid_from_time() = Ts(day_ - 30 * kDay);
    return Check(ledger_->PublishNotice(f, Opts(t, dpo, "dpo", "cms/3.2")));
  };
  const std::vector<v1::NoticeItem> nine = {v1::NOTICE_ITEM_EXISTENCE,
                                            v1::NOTICE_ITEM_CONTROLLER,
                                            v1::NOTICE_ITEM_PURPOSES,
                                            v1::NOTICE_ITEM_LEGAL_BASIS,
                                            v1::NOTICE_ITEM_RECIPIENTS,
                                            v1::NOTICE_ITEM_RETENTION,
                                            v1::NOTICE_ITEM_RIGHT_TO_OBJECT,
                                            v1::NOTICE_ITEM_RIGHTS_OF_ACCESS_AND_RECTIFICATION,
                                            v1::NOTICE_ITEM_RIGHT_TO_COMPLAIN_TO_CNIL};
  std::vector<v1::NoticeItem> ten = nine;
  ten.push_back(v1::NOTICE_ITEM_EVALUATION_METHOD);
  CONSENT_RETURN_IF_ERROR(publish(
      kShortNotice, v1::PARTY_CALLER, v1::NOTICE_TIER_SHORT,
      {v1::NOTICE_ITEM_EXISTENCE, v1::NOTICE_ITEM_PURPOSES, v1::NOTICE_ITEM_RIGHT_TO_OBJECT},
      "ivr://prompts/recording-notice-fr", v1::NOTICE_METHOD_IVR_PROMPT));
  CONSENT_RETURN_IF_ERROR(publish(kFullNotice, v1::PARTY_CALLER, v1::NOTICE_TIER_FULL, nine,
                                  kSimulatedNoticePointer, v1::NOTICE_METHOD_WRITTEN));
  CONSENT_RETURN_IF_ERROR(publish(kAgentNotice, v1::PARTY_AGENT, v1::NOTICE_TIER_FULL, ten,
                                  "intranet://hr/recording-notice", v1::NOTICE_METHOD_WRITTEN));
  {
    v1::EvaluationMethodPublished f;
    f.set_evaluation_method_id(kMethod);
    f.set_evaluation_method_version(1);
    const char* codes[][2] = {{"GREET-1", "greets the caller and introduces themself"},
                              {"SOLVE-1", "identifies and solves the caller's request"},
                              {"CLOSE-1", "summarises and closes the call"}};
    for (const auto& c : codes) {
      auto* crit = f.add_criteria();
      crit->set_code(c[0]);
      crit->set_description(c[1]);
      crit->set_min_score(0);
      crit->set_max_score(4);
    }
    f.set_pointer("intranet://quality/evaluation-method-v1");
    CONSENT_RETURN_IF_ERROR(Check(
        ledger_->PublishEvaluationMethod(f, Opts(t, Staff("qa-", 1), "quality-lead", "cms/3.2"))));
  }
  if (options_.evaluations) {
    // Version 2 is published but never shown to the agents (LC-EVAL-1 for grids that use it).
    v1::EvaluationMethodPublished f;
    f.set_evaluation_method_id(kMethod);
    f.set_evaluation_method_version(2);
    const char* codes[][2] = {{"GREET-1", "greets the caller and introduces themself"},
                              {"SOLVE-2", "solves the request at the first contact"},
                              {"CLOSE-1", "summarises and closes the call"},
                              {"EMPATHY-1", "acknowledges the caller's situation"}};
    for (const auto& c : codes) {
      auto* crit = f.add_criteria();
      crit->set_code(c[0]);
      crit->set_description(c[1]);
      crit->set_min_score(0);
      crit->set_max_score(4);
    }
    f.set_pointer("intranet://quality/evaluation-method-v2");
    CONSENT_RETURN_IF_ERROR(Check(ledger_->PublishEvaluationMethod(
        f, Opts(t + kHour, Staff("qa-", 1), "quality-lead", "cms/3.2"))));
  }
  t += 10 * kDay;
  for (const Queue& q : kQueues) {
    v1::CapabilityDeclared f;
    f.set_queue_id(q.id);
    f.set_suspend_supported(q.suspend);
    if (q.suspend) {
      f.add_tracks(v1::TRACK_CALLER);
      if (q.covers_agent_track) f.add_tracks(v1::TRACK_AGENT);
      f.set_pause_fill(v1::PAUSE_FILL_TONE);
      f.set_declared_max_latency_ms(800);
    }
    CONSENT_RETURN_IF_ERROR(
        Check(ledger_->DeclareCapability(f, Opts(t, "svc-recorder", "platform", "recorder/7.1"))));
    t += kMinute;
  }
  return Status::Ok();
}

Status Simulator::RecordAgents() {
  // Agents the log does not know yet are provisioned and informed before the day; on the first
  // day that is a week before, afterwards the evening before.
  const Ms provision_at = continued_ ? day_ - 13 * kHour : day_ - 7 * kDay;
  std::vector<v1::NoticeItem> items = {v1::NOTICE_ITEM_EXISTENCE,
                                       v1::NOTICE_ITEM_CONTROLLER,
                                       v1::NOTICE_ITEM_PURPOSES,
                                       v1::NOTICE_ITEM_LEGAL_BASIS,
                                       v1::NOTICE_ITEM_RECIPIENTS,
                                       v1::NOTICE_ITEM_RETENTION,
                                       v1::NOTICE_ITEM_RIGHT_TO_OBJECT,
                                       v1::NOTICE_ITEM_RIGHTS_OF_ACCESS_AND_RECTIFICATION,
                                       v1::NOTICE_ITEM_RIGHT_TO_COMPLAIN_TO_CNIL};
  std::vector<size_t> objecting;
  for (size_t i = 0; i < agents_.size(); ++i) {
    AgentProfile& a = agents_[i];
    if (gate_->agents().EvaluateAt(a.ref, ToTime(day_)).ok()) continue;  // known
    const Ms t = provision_at + static_cast<Ms>(i) * kMinute;
    v1::AgentProvisioned p;
    p.set_agent_ref(a.ref);
    p.set_team_id(TeamId(a.team));
    p.set_site_id(kSite);
    p.set_is_protected(a.is_protected);
    p.set_private_line_id(a.private_line);
    p.set_has_exclusion_key(a.exclusion_key);
    CONSENT_RETURN_IF_ERROR(
        Check(ledger_->ProvisionAgent(p, Opts(t, Staff("hr-", 0), "hr", "hris/5.0"))));
    if (a.informed) {
      v1::AgentInformed f;
      f.set_agent_ref(a.ref);
      f.set_registration_id(kSimulatedRegistrationId);
      f.set_registration_version(kRegistrationVersion);
      f.set_notice_id(kAgentNotice);
      f.set_notice_version(1);
      for (v1::NoticeItem it : items) f.add_items(it);
      if (a.informed_complete) {
        f.add_items(v1::NOTICE_ITEM_EVALUATION_METHOD);
        f.set_evaluation_method_id(kMethod);
        f.set_evaluation_method_version(1);
      }
      f.set_method(v1::NOTICE_METHOD_WRITTEN);
      *f.mutable_acknowledged_time() = Ts(t + 10 * kMinute + world_.Between(0, 20) * kHour);
      CONSENT_RETURN_IF_ERROR(Check(
          ledger_->InformAgent(f, Opts(t + 10 * kMinute, Staff("hr-", 0), "hr", "hris/5.0"))));
    }
    if (a.standing_objection) objecting.push_back(i);
  }
  for (size_t i : objecting) {
    const AgentProfile& a = agents_[i];
    v1::ObjectionRaised f;
    f.set_objection_id("o-standing-" + a.ref.substr(4));
    f.set_party(v1::PARTY_AGENT);
    f.set_subject_ref(a.ref);
    f.set_channel(v1::OBJECTION_CHANNEL_WRITTEN);
    f.set_reason("objects in writing to any recording of their calls (letter to the DPO)");
    const Ms at = provision_at + static_cast<Ms>(agents_.size() + 20) * kMinute;
    CONSENT_RETURN_IF_ERROR(
        Check(ledger_->RaiseObjection(f, Opts(at, a.ref, "agent", "hris/5.0"))));
  }
  return Status::Ok();
}

Status Simulator::RecordDailyFacts() {
  // Probes two hours before opening (the collections queue was last probed three days ago).
  Ms t = day_ - 2 * kHour;
  std::vector<const Queue*> probed;
  for (const Queue& q : kQueues) {
    if (q.probe == Queue::Probe::kStale && !continued_) probed.insert(probed.begin(), &q);
    if (q.probe == Queue::Probe::kOk || q.probe == Queue::Probe::kFailed) probed.push_back(&q);
  }
  for (const Queue* qp : probed) {
    const Queue& q = *qp;
    const Ms at = q.probe == Queue::Probe::kStale ? day_ - 74 * kHour : t;
    v1::CapabilityProbed f;
    f.set_queue_id(q.id);
    f.add_tracks(v1::TRACK_CALLER);
    f.add_tracks(v1::TRACK_AGENT);
    if (q.probe == Queue::Probe::kFailed) {
      f.set_ok(false);
      f.set_measured_latency_ms(5000);
      f.set_failure_detail("agent track not acknowledged within 5 s");
    } else {
      f.set_ok(true);
      f.set_measured_latency_ms(static_cast<uint32_t>(world_.Between(180, 650)));
    }
    CONSENT_RETURN_IF_ERROR(
        Check(ledger_->ProbeCapability(f, Opts(at, "svc-prober", "platform", "prober/1.3"))));
    t += kMinute;
  }
  // Today's recording windows, announced to each agent the hour before opening.
  t = day_ - kHour;
  for (size_t i = 0; i < agents_.size(); ++i) {
    const AgentProfile& a = agents_[i];
    if (!a.window) continue;
    v1::RecordingWindowAnnounced f;
    f.set_agent_ref(a.ref);
    f.mutable_window()->set_window_id("win-" + day_tag_ + "-" + a.ref.substr(4));
    *f.mutable_window()->mutable_start_time() = Ts(day_);
    *f.mutable_window()->mutable_end_time() = Ts(day_ + 14 * kHour);
    CONSENT_RETURN_IF_ERROR(Check(ledger_->AnnounceRecordingWindow(
        f, Opts(t + static_cast<Ms>(i) * kSecond, Staff("tl-", 2), "team-lead", "wfm/2.4"))));
  }
  return Status::Ok();
}

// ---- Planning ----------------------------------------------------------------------------------

void Simulator::PlanCalls() {
  // Arrivals over twelve hours with a morning and an afternoon peak.
  static constexpr double kHourWeight[12] = {0.6, 1.0, 1.3, 1.2, 0.7, 0.8,
                                             1.2, 1.2, 1.0, 0.8, 0.6, 0.4};
  double total = 0;
  for (double w : kHourWeight) total += w;
  std::vector<Ms> arrivals(options_.calls);
  for (Ms& a : arrivals) {
    double u = world_.Unit() * total;
    int h = 0;
    while (h < 11 && u >= kHourWeight[h]) u -= kHourWeight[h++];
    a = day_ + h * kHour + world_.Between(0, kHour - 1);
  }
  std::sort(arrivals.begin(), arrivals.end());

  double queue_total = 0;
  for (const Queue& q : kQueues) queue_total += q.weight;
  bool mandate_done = false;
  std::vector<size_t> team_members[3];
  for (size_t i = 0; i < agents_.size(); ++i) {
    team_members[static_cast<int>(agents_[i].team)].push_back(i);
  }

  calls_.reserve(arrivals.size());
  for (uint32_t k = 0; k < arrivals.size(); ++k) {
    auto c = std::make_shared<Call>();
    c->index = k;
    c->id = Id("c", *c);
    c->rng = Rng(Derive(options_.seed, static_cast<uint64_t>(day_ / kDay), k + 1));
    c->extra =
        Rng(Derive(Derive(options_.seed, 0xE7A1), static_cast<uint64_t>(day_ / kDay), k + 1));
    Rng& r = c->rng;
    double u = r.Unit() * queue_total;
    c->queue = &kQueues[0];
    for (const Queue& q : kQueues) {
      c->queue = &q;
      if (u < q.weight) break;
      u -= q.weight;
    }
    c->outbound = c->queue->kind == QueueKind::kOutbound;
    c->caller_ref = "sub-" + r.Hex(10);
    c->duration = std::clamp<Ms>(static_cast<Ms>(r.LogNormal(210.0, 0.55) * 1000), 50 * kSecond,
                                 25 * kMinute);
    // Private calls: an agent's own calls, flagged before dialling.
    if (c->queue->kind != QueueKind::kOutbound && r.Chance(0.01)) c->private_call = true;

    // The agent: a free member of the queue's team, else the first to become free.
    const std::vector<size_t>& team = team_members[static_cast<int>(c->queue->team)];
    std::vector<size_t> free;
    for (size_t i : team) {
      if (agents_[i].busy_until <= arrivals[k]) free.push_back(i);
    }
    size_t agent;
    Ms start = arrivals[k];
    if (!free.empty()) {
      agent = free[r.Index(free.size())];
    } else {
      agent = team.front();
      for (size_t i : team) {
        if (agents_[i].busy_until < agents_[agent].busy_until) agent = i;
      }
      start = agents_[agent].busy_until + r.Between(2, 20) * kSecond;
    }
    // One mandate-related call of the first staff representative, flagged private.
    if (!mandate_done && agent == 0 && start >= day_ + 2 * kHour) {
      c->private_call = true;
      c->mandate = true;
      mandate_done = true;
    }
    c->agent = agent;
    c->agent_ref = agents_[agent].ref;
    c->start = start;
    agents_[agent].busy_until = start + c->duration + r.Between(10, 40) * kSecond;
    calls_.push_back(c);
    Call* cp = c.get();
    Schedule(start, [this, cp] { return StartCall(*cp); });
  }
}

// ---- Calls -------------------------------------------------------------------------------------

Status Simulator::StartCall(Call& c) {
  v1::CallStarted f;
  f.set_call_id(c.id);
  f.set_direction(c.outbound || c.private_call ? v1::CALL_DIRECTION_OUTBOUND
                                               : v1::CALL_DIRECTION_INBOUND);
  const AgentProfile& agent = agents_[c.agent];
  if (c.private_call && !agent.private_line.empty()) {
    f.set_line_id(agent.private_line);
  } else {
    f.set_line_id("line-" + std::string(c.queue->id).substr(2));  // "q-sales" -> "line-sales"
    f.set_queue_id(c.queue->id);
  }
  f.set_site_id(kSite);
  auto* caller = f.add_participants();
  caller->set_subject_ref(c.caller_ref);
  caller->set_party(v1::PARTY_CALLER);
  auto* ag = f.add_participants();
  ag->set_subject_ref(c.agent_ref);
  ag->set_party(v1::PARTY_AGENT);
  f.set_agent_ref(c.agent_ref);
  f.set_registration_id(kSimulatedRegistrationId);
  f.set_registration_version(kRegistrationVersion);
  CONSENT_RETURN_IF_ERROR(Check(ledger_->StartCall(f, Opts(c.start, "svc-acd", "platform"))));
  ++summary_.calls;
  ++calls_started_;
  if (options_.progress && options_.progress_every > 0 &&
      calls_started_ % options_.progress_every == 0) {
    options_.progress(store_->HeadPosition() - start_head_, calls_started_);
  }
  Rng& r = c.rng;
  const Ms end = c.start + c.duration;
  Call* cp = &c;

  if (c.private_call) {
    ++summary_.private_calls;
    v1::PrivateCallFlagged p;
    p.set_call_id(c.id);
    p.set_party(v1::PARTY_AGENT);
    p.set_flagged_by_ref(c.agent_ref);
    p.set_method(agent.private_line.empty() ? v1::PRIVATE_FLAG_METHOD_BEFORE_DIALLING
                                            : v1::PRIVATE_FLAG_METHOD_PRIVATE_LINE);
    p.set_mandate_related(c.mandate);
    CONSENT_RETURN_IF_ERROR(
        Check(ledger_->FlagPrivateCall(p, Opts(c.start, c.agent_ref, "agent", "softphone/9.0"))));
    // A desk recorder left on "record all" captures one private call in fifty (LC-PRIV-1).
    if (r.Chance(0.02)) {
      Schedule(c.start + 3 * kSecond, [this, cp] {
        return StartRecording(*cp, v1::RECORDING_TRIGGER_RECORD_ALL, 0, "", now_);
      });
    }
    Schedule(end, [this, cp] { return EndCall(*cp); });
    return Status::Ok();
  }

  // Tier-1 notice (sometimes cut off, sometimes skipped), then the recording decision: the
  // legacy queue records everything, the sampler asks the gate, and a team lead now and then
  // records by hand without asking — sometimes before the notice is over.
  const double notice_u = r.Unit();
  if (notice_u >= 0.015) {
    const bool cut = notice_u < 0.045;
    const Ms at = cut ? c.start + kSecond + r.Between(2000, 5000)
                      : c.start + (c.outbound ? 12 : 11) * kSecond;
    Schedule(at, [this, cp, cut] { return GiveNotice(*cp, cut); });
  }
  const Ms decide_at = c.start + 13 * kSecond + r.Between(0, 3000);
  const double sample_p = c.queue->kind == QueueKind::kOutbound ? 0.04 : 0.05;
  const double decide_u = r.Unit();
  if (c.queue->kind == QueueKind::kLegacy) {
    Schedule(decide_at, [this, cp] {
      return StartRecording(*cp, v1::RECORDING_TRIGGER_RECORD_ALL, 0, "", now_);
    });
  } else if (decide_u < sample_p) {
    Schedule(decide_at, [this, cp] { return AskGateAndRecord(*cp); });
  } else if (decide_u < sample_p + 0.012) {
    const Ms at = r.Chance(0.3) ? c.start + 4 * kSecond : decide_at;
    const std::string lead = Staff("tl-", 2 + c.index % 3);
    Schedule(at, [this, cp, lead] {
      return StartRecording(*cp, v1::RECORDING_TRIGGER_MANUAL, 0, lead, now_);
    });
  }

  const double pay_p = c.queue->payment_share;
  if (r.Chance(pay_p) && c.duration >= 120 * kSecond) {
    const Ms at =
        c.start + static_cast<Ms>(static_cast<double>(c.duration) * (0.35 + 0.25 * r.Unit()));
    Schedule(at, [this, cp] { return PaymentStarts(*cp); });
  }
  // Objections: callers hear the recording beep on recorded calls and object more often there;
  // the draw happens when the time comes, knowing whether capture runs.
  const Ms obj_at =
      c.start + 20 * kSecond +
      static_cast<Ms>(static_cast<double>(c.duration - 20 * kSecond) * (0.1 + 0.5 * r.Unit()));
  const double obj_u = r.Unit();
  Schedule(obj_at, [this, cp, obj_u] {
    const double p = cp->rec ? 0.15 : 0.02;
    return obj_u < p ? CallerObjects(*cp) : Status::Ok();
  });
  const Ms agent_obj_at =
      c.start + 25 * kSecond +
      static_cast<Ms>(static_cast<double>(c.duration - 25 * kSecond) * (0.15 + 0.5 * r.Unit()));
  const double agent_obj_u = r.Unit();
  Schedule(agent_obj_at, [this, cp, agent_obj_u] {
    const double p = cp->rec ? 0.06 : 0.002;
    return agent_obj_u < p ? AgentObjects(*cp) : Status::Ok();
  });
  if (r.Chance(0.04)) {
    const Ms at =
        c.start + static_cast<Ms>(static_cast<double>(c.duration) * (0.7 + 0.15 * r.Unit()));
    const bool resume_after = r.Chance(0.5);
    Schedule(at, [this, cp, resume_after] { return Transfer(*cp, resume_after); });
  }
  if (c.queue->kind == QueueKind::kNormal && r.Chance(0.008)) {
    const Ms at =
        c.start + static_cast<Ms>(static_cast<double>(c.duration) * (0.2 + 0.3 * r.Unit()));
    const bool forbidden = r.Chance(0.15);
    Schedule(at, [this, cp, forbidden] { return LiveListen(*cp, forbidden); });
  }
  Schedule(end, [this, cp] { return EndCall(*cp); });
  return Status::Ok();
}

Status Simulator::GiveNotice(Call& c, bool cut) {
  Rng& r = c.rng;
  v1::NoticeGiven f;
  f.set_call_id(c.id);
  f.set_audience(v1::PARTY_CALLER);
  f.set_subject_ref(c.caller_ref);
  f.set_tier(v1::NOTICE_TIER_SHORT);
  f.set_notice_id(kShortNotice);
  f.set_notice_version(1);
  f.set_method(c.outbound ? v1::NOTICE_METHOD_AGENT_SCRIPT : v1::NOTICE_METHOD_IVR_PROMPT);
  const Ms begin = c.start + kSecond;
  const Ms finish = now_;
  *f.mutable_start_time() = Ts(begin);
  *f.mutable_end_time() = Ts(finish);
  f.add_items(v1::NOTICE_ITEM_EXISTENCE);
  if (!cut) {
    f.add_items(v1::NOTICE_ITEM_PURPOSES);
    f.add_items(v1::NOTICE_ITEM_RIGHT_TO_OBJECT);
  }
  f.set_completed(!cut);
  const double p = r.Unit();
  if (p < 0.01) {
    f.set_pointer_offered(false);
  } else {
    f.set_pointer_offered(true);
    f.set_pointer(p < 0.04 ? kStalePointer : kSimulatedNoticePointer);
  }
  f.set_language("fr-FR");
  const std::string who = c.outbound ? c.agent_ref : "svc-ivr";
  return Check(ledger_->GiveNotice(f, Opts(finish, who, c.outbound ? "agent" : "platform",
                                           c.outbound ? "softphone/9.0" : "ivr/6.3")));
}

Status Simulator::AskGateAndRecord(Call& c) {
  if (c.ended || c.rec) return Status::Ok();
  // The gate folds everything appended so far, then judges at the simulated now.
  gate_now_ = now_;
  StatusOr<uint64_t> folded = gate_->CatchUp();
  if (!folded.ok()) return folded.status().Annotate("SimulateDay: folding the gate");
  const std::vector<v1::Track> tracks = {v1::TRACK_CALLER, v1::TRACK_AGENT};
  GateDecision d = gate_->gate().DecideAt(c.id, tracks, ToTime(now_));
  ++summary_.gate_asked;
  if (!d.allow) return Status::Ok();
  ++summary_.gate_allowed;
  return StartRecording(c, v1::RECORDING_TRIGGER_SAMPLED, d.position, "", now_);
}

Status Simulator::StartRecording(Call& c, v1::RecordingTrigger trigger, uint64_t gate_position,
                                 const std::string& started_by, Ms at) {
  if (c.ended || c.rec) return Status::Ok();
  auto rec = std::make_unique<Recording>();
  rec->id = Id("r", c, ++c.recordings_started);
  rec->tracks = {{v1::TRACK_CALLER, TrackState::kCapturing},
                 {v1::TRACK_AGENT, TrackState::kCapturing}};
  rec->gate_asked = gate_position != 0;
  v1::RecordingStarted f;
  f.set_recording_id(rec->id);
  f.set_call_id(c.id);
  f.add_tracks(v1::TRACK_CALLER);
  f.add_tracks(v1::TRACK_AGENT);
  f.set_trigger(trigger);
  f.add_purposes(v1::PURPOSE_TRAINING);
  f.add_purposes(v1::PURPOSE_EVALUATION);
  f.set_gate_position(gate_position);
  f.set_started_by_ref(started_by);
  FactOptions o =
      started_by.empty() ? Platform(at) : Opts(at, started_by, "team-lead", "qm-console/2.0");
  CONSENT_RETURN_IF_ERROR(Check(ledger_->StartRecording(f, o)));
  ++summary_.recordings;
  if (gate_position == 0) ++summary_.recordings_without_gate;
  if (!c.recorded) ++summary_.recorded_calls;
  c.recorded = true;
  c.rec = std::move(rec);
  return Status::Ok();
}

std::vector<v1::Track> Simulator::Capturing(const Call& c) const {
  std::vector<v1::Track> out;
  if (!c.rec) return out;
  for (const auto& [t, s] : c.rec->tracks) {
    if (s == TrackState::kCapturing) out.push_back(t);
  }
  return out;
}

Status Simulator::PauseTracks(Call& c, const std::vector<v1::Track>& tracks, v1::PauseCause cause,
                              const std::string& cause_ref, Ms command, std::optional<Ms> ack,
                              v1::AckSource source, PauseReason reason, bool stop) {
  if (tracks.empty() || c.ended || !c.rec) return Status::Ok();
  if (stop) {
    v1::RecordingStopped f;
    f.set_recording_id(c.rec->id);
    f.set_call_id(c.id);
    for (v1::Track t : tracks) f.add_tracks(t);
    f.set_cause(cause);
    f.set_cause_ref(cause_ref);
    *f.mutable_command_time() = Ts(command);
    if (ack) *f.mutable_ack_time() = Ts(*ack);
    f.set_ack_source(source);
    CONSENT_RETURN_IF_ERROR(Check(ledger_->StopRecording(f, Platform(command))));
  } else {
    v1::RecordingPaused f;
    f.set_recording_id(c.rec->id);
    f.set_call_id(c.id);
    for (v1::Track t : tracks) f.add_tracks(t);
    f.set_cause(cause);
    f.set_cause_ref(cause_ref);
    *f.mutable_command_time() = Ts(command);
    if (ack) *f.mutable_ack_time() = Ts(*ack);
    f.set_ack_source(source);
    CONSENT_RETURN_IF_ERROR(Check(ledger_->PauseRecording(f, Platform(command))));
  }
  for (v1::Track t : tracks) {
    c.rec->tracks[t] = stop ? TrackState::kStopped : TrackState::kPaused;
    c.rec->reasons[t] = reason;
  }
  return Status::Ok();
}

Status Simulator::ResumeTracks(Call& c, PauseReason reason, v1::ResumeCause cause,
                               const std::string& cause_ref, Ms at) {
  if (c.ended || !c.rec) return Status::Ok();
  std::vector<v1::Track> tracks;
  for (const auto& [t, s] : c.rec->tracks) {
    if (s == TrackState::kPaused && c.rec->reasons[t] == reason) tracks.push_back(t);
  }
  if (tracks.empty()) return Status::Ok();
  v1::RecordingResumed f;
  f.set_recording_id(c.rec->id);
  f.set_call_id(c.id);
  for (v1::Track t : tracks) f.add_tracks(t);
  f.set_cause(cause);
  f.set_cause_ref(cause_ref);
  *f.mutable_command_time() = Ts(at);
  *f.mutable_ack_time() = Ts(at + c.rng.Between(120, 600));
  f.set_ack_source(v1::ACK_SOURCE_PLATFORM);
  CONSENT_RETURN_IF_ERROR(Check(ledger_->ResumeRecording(f, Platform(at))));
  for (v1::Track t : tracks) {
    c.rec->tracks[t] = TrackState::kCapturing;
    c.rec->reasons[t] = PauseReason::kNone;
  }
  return Status::Ok();
}

Status Simulator::PaymentStarts(Call& c) {
  if (c.ended || !c.open_segment.empty()) return Status::Ok();
  Rng& r = c.rng;
  const std::string seg = Id("s", c, 1);
  v1::SensitiveSegmentStarted f;
  f.set_call_id(c.id);
  f.set_segment_id(seg);
  f.set_kind(v1::SENSITIVE_KIND_PAYMENT_CARD);
  CONSENT_RETURN_IF_ERROR(
      Check(ledger_->StartSensitiveSegment(f, Opts(now_, c.agent_ref, "agent", "softphone/9.0"))));
  c.open_segment = seg;
  Call* cp = &c;
  const Ms start = now_;
  if (!Capturing(c).empty()) {
    // Mostly paused at once; sometimes late (the agent forgot the button); sometimes never.
    const double u = r.Unit();
    if (u < 0.88) {
      const Ms cmd = start + r.Between(150, 1200);
      Schedule(cmd, [this, cp, seg, cmd] {
        return PauseTracks(*cp, Capturing(*cp), v1::PAUSE_CAUSE_SENSITIVE_SEGMENT, seg, cmd,
                           cmd + cp->rng.Between(80, 450), v1::ACK_SOURCE_PLATFORM,
                           PauseReason::kSegment, false);
      });
    } else if (u < 0.95) {
      const Ms cmd = start + r.Between(3000, 9000);
      Schedule(cmd, [this, cp, seg, cmd] {
        return PauseTracks(*cp, Capturing(*cp), v1::PAUSE_CAUSE_SENSITIVE_SEGMENT, seg, cmd,
                           cmd + cp->rng.Between(80, 450), v1::ACK_SOURCE_PLATFORM,
                           PauseReason::kSegment, false);
      });
    }
  }
  const Ms end = std::min(start + r.Between(35, 90) * kSecond, c.start + c.duration - 2 * kSecond);
  Schedule(end, [this, cp, seg] { return PaymentEnds(*cp, seg); });
  return Status::Ok();
}

Status Simulator::PaymentEnds(Call& c, const std::string& segment) {
  if (c.ended || c.open_segment != segment) return Status::Ok();
  v1::SensitiveSegmentEnded f;
  f.set_call_id(c.id);
  f.set_segment_id(segment);
  CONSENT_RETURN_IF_ERROR(
      Check(ledger_->EndSensitiveSegment(f, Opts(now_, c.agent_ref, "agent", "softphone/9.0"))));
  c.open_segment.clear();
  return ResumeTracks(c, PauseReason::kSegment, v1::RESUME_CAUSE_SENSITIVE_SEGMENT_ENDED, segment,
                      now_ + c.rng.Between(300, 900));
}

Status Simulator::CallerObjects(Call& c) {
  if (c.ended || !c.caller_objection.empty()) return Status::Ok();
  Rng& r = c.rng;
  const std::string oid = Id("o", c, ++c.objections);
  v1::ObjectionRaised f;
  f.set_objection_id(oid);
  f.set_party(v1::PARTY_CALLER);
  f.set_subject_ref(c.caller_ref);
  f.set_call_id(c.id);
  f.set_channel(r.Chance(0.6) ? v1::OBJECTION_CHANNEL_VERBAL : v1::OBJECTION_CHANNEL_KEY_PRESS);
  CONSENT_RETURN_IF_ERROR(
      Check(ledger_->RaiseObjection(f, Opts(now_, c.agent_ref, "agent", "softphone/9.0"))));
  ++summary_.objections_caller;
  c.caller_objection = oid;
  c.caller_objection_at = now_;
  const Ms raised = now_;
  Call* cp = &c;
  if (!c.rec) return Status::Ok();
  // Tracks paused for a payment stay paused, now for the objection too.
  for (auto& [t, s] : c.rec->tracks) {
    if (s == TrackState::kPaused) c.rec->reasons[t] = PauseReason::kObjection;
  }
  std::vector<v1::Track> tracks = Capturing(c);
  if (tracks.empty()) return Status::Ok();

  const bool legacy = c.queue->kind == QueueKind::kLegacy;
  const double u = r.Unit();
  const bool stop = r.Chance(0.3);
  const Ms cmd = raised + r.Between(40, 300);
  std::optional<Ms> ack;
  v1::AckSource source = v1::ACK_SOURCE_PLATFORM;
  if (legacy) {
    // The legacy recorder cannot pause: the agent stops it by hand, late, or forgets to.
    if (u < 0.4) return Status::Ok();
    const Ms late = raised + r.Between(5, 25) * kSecond;
    Schedule(late, [this, cp, oid, late] {
      return PauseTracks(*cp, Capturing(*cp), v1::PAUSE_CAUSE_OBJECTION, oid, late,
                         late + cp->rng.Between(200, 800), v1::ACK_SOURCE_AGENT_DESKTOP,
                         PauseReason::kObjection, true);
    });
    return Status::Ok();
  }
  if (u >= 0.95) {
    return Status::Ok();  // ignored: capture runs on
  } else if (u < 0.80) {
    ack = raised + std::max<Ms>(cmd - raised + 60, r.Between(100, 1800));
  } else if (u < 0.87) {
    ack = raised + r.Between(2500, 5000);
  } else if (u < 0.91) {
    ack.reset();
    source = v1::ACK_SOURCE_NONE;
  } else {
    // Only the caller's side is paused: the agent's voice keeps being recorded.
    tracks = {v1::TRACK_CALLER};
    // Never before its command (the Ledger refuses an acknowledgement that precedes it).
    ack = std::max<Ms>(cmd + 60, raised + r.Between(200, 900));
  }
  const bool only_caller = tracks.size() == 1 && tracks[0] == v1::TRACK_CALLER &&
                           c.rec->tracks.at(v1::TRACK_AGENT) == TrackState::kCapturing;
  const bool do_stop = stop && !only_caller;
  Schedule(cmd, [this, cp, tracks, oid, cmd, ack, source, do_stop] {
    std::vector<v1::Track> still;
    for (v1::Track t : tracks) {
      if (cp->rec && cp->rec->tracks[t] == TrackState::kCapturing) still.push_back(t);
    }
    return PauseTracks(*cp, still, v1::PAUSE_CAUSE_OBJECTION, oid, cmd, ack, source,
                       PauseReason::kObjection, do_stop);
  });
  if (do_stop) return Status::Ok();
  // Some callers change their mind; and on a few calls the agent "withdraws" for them.
  const double w = r.Unit();
  if (w < 0.12 || w >= 0.96) {
    const bool by_agent = w >= 0.96;
    const Ms at = raised + r.Between(20, 60) * kSecond;
    Schedule(at, [this, cp, oid, by_agent] {
      if (cp->ended) return Status::Ok();
      v1::ObjectionWithdrawn wd;
      wd.set_objection_id(oid);
      wd.set_party(by_agent ? v1::PARTY_AGENT : v1::PARTY_CALLER);
      wd.set_subject_ref(by_agent ? cp->agent_ref : cp->caller_ref);
      wd.set_channel(v1::OBJECTION_CHANNEL_VERBAL);
      wd.set_call_id(cp->id);
      CONSENT_RETURN_IF_ERROR(Check(
          ledger_->WithdrawObjection(wd, Opts(now_, cp->agent_ref, "agent", "softphone/9.0"))));
      if (!by_agent) cp->caller_objection.clear();
      return ResumeTracks(*cp, PauseReason::kObjection, v1::RESUME_CAUSE_OBJECTION_WITHDRAWN, oid,
                          now_ + cp->rng.Between(500, 1500));
    });
  }
  return Status::Ok();
}

Status Simulator::AgentObjects(Call& c) {
  if (c.ended || !c.agent_objection.empty()) return Status::Ok();
  Rng& r = c.rng;
  static constexpr const char* kReasons[] = {
      "the caller is disclosing health information",
      "personal matter raised by the caller, not work-related",
      "call already used for my evaluation this month",
      "the caller is a relative",
  };
  const std::string oid = Id("o", c, ++c.objections);
  v1::ObjectionRaised f;
  f.set_objection_id(oid);
  f.set_party(v1::PARTY_AGENT);
  f.set_subject_ref(c.agent_ref);
  f.set_call_id(c.id);
  f.set_channel(v1::OBJECTION_CHANNEL_KEY_PRESS);
  f.set_reason(kReasons[r.Index(std::size(kReasons))]);
  CONSENT_RETURN_IF_ERROR(
      Check(ledger_->RaiseObjection(f, Opts(now_, c.agent_ref, "agent", "softphone/9.0"))));
  ++summary_.objections_agent;
  c.agent_objection = oid;
  const Ms raised = now_;
  Call* cp = &c;
  if (c.rec && c.queue->kind != QueueKind::kLegacy) {
    const Ms cmd = raised + r.Between(40, 250);
    const Ms ack = cmd + r.Between(80, 900);
    Schedule(cmd, [this, cp, oid, cmd, ack] {
      return PauseTracks(*cp, Capturing(*cp), v1::PAUSE_CAUSE_OBJECTION, oid, cmd, ack,
                         v1::ACK_SOURCE_PLATFORM, PauseReason::kObjection, false);
    });
  }
  // A supervisor decides: upheld, overruled with a written ground, or (rarely) overruled
  // without one and capture resumes anyway.
  const double u = r.Unit();
  const Ms at = raised + r.Between(30, 150) * kSecond;
  const std::string sup = Staff("sup-", 5 + c.index % 2);
  Schedule(at, [this, cp, oid, u, sup] {
    v1::ObjectionDecided d;
    d.set_objection_id(oid);
    d.set_call_id(cp->id);
    d.set_decided_by_ref(sup);
    const bool overruled = u < 0.45;
    d.set_outcome(overruled ? v1::OBJECTION_OUTCOME_OVERRULED : v1::OBJECTION_OUTCOME_UPHELD);
    if (overruled && u < 0.38) {
      d.set_written_ground(
          "recording needed for the review of a disputed sale (case opened by "
          "the customer); ground notified to the agent in writing");
      d.set_document_ref("dms://quality/decisions/" + oid);
    }
    CONSENT_RETURN_IF_ERROR(
        Check(ledger_->DecideObjection(d, Opts(now_, sup, "supervisor", "qm-console/2.0"))));
    if (!overruled) return Status::Ok();
    cp->agent_objection.clear();
    if (!cp->caller_objection.empty()) return Status::Ok();
    return ResumeTracks(*cp, PauseReason::kObjection, v1::RESUME_CAUSE_OBJECTION_OVERRULED, oid,
                        now_ + cp->rng.Between(500, 2000));
  });
  return Status::Ok();
}

Status Simulator::Transfer(Call& c, bool resume_after) {
  if (c.ended) return Status::Ok();
  // To another member of the team, free or not (a warm transfer).
  size_t to = c.agent;
  for (int tries = 0; tries < 8 && to == c.agent; ++tries) {
    size_t cand = c.rng.Index(agents_.size());
    if (agents_[cand].team == agents_[c.agent].team) to = cand;
  }
  if (to == c.agent) return Status::Ok();
  v1::CallTransferred f;
  f.set_call_id(c.id);
  f.set_from_agent_ref(c.agent_ref);
  f.set_to_agent_ref(agents_[to].ref);
  f.set_from_queue_id(c.queue->id);
  f.set_to_queue_id(c.queue->id);
  CONSENT_RETURN_IF_ERROR(Check(ledger_->TransferCall(f, Opts(now_, "svc-acd", "platform"))));
  ++summary_.transfers;
  const std::string from_agent = c.agent_ref;
  c.agent = to;
  c.agent_ref = agents_[to].ref;
  if (c.rng.Chance(0.1)) {
    // The new leg's DTMF detection is off: the caller can no longer object by key (LC-NOT-4).
    v1::ObjectionChannelLost l;
    l.set_call_id(c.id);
    l.add_channels(v1::OBJECTION_CHANNEL_KEY_PRESS);
    l.set_detail("DTMF detection disabled after transfer");
    CONSENT_RETURN_IF_ERROR(
        Check(ledger_->LoseObjectionChannel(l, Opts(now_ + 500, "svc-acd", "platform"))));
  }
  // The recorder of the new leg forgets the objection and resumes capture (LC-OBJ-3).
  if (resume_after && !c.caller_objection.empty()) {
    return ResumeTracks(c, PauseReason::kObjection, v1::RESUME_CAUSE_MANUAL, "transfer",
                        now_ + c.rng.Between(1000, 3000));
  }
  return Status::Ok();
}

Status Simulator::LiveListen(Call& c, bool forbidden) {
  if (c.ended) return Status::Ok();
  v1::LiveListenStarted f;
  f.set_listen_id(Id("l", c, 1));
  f.set_call_id(c.id);
  const std::string who = forbidden ? Staff("mgr-", 8) : Staff("tl-", 2 + c.index % 3);
  f.set_principal_ref(who);
  f.set_role(forbidden ? "sales-manager" : "team-lead");
  f.set_purpose(forbidden ? v1::PURPOSE_QUALITY : v1::PURPOSE_TRAINING);
  f.add_tracks(v1::TRACK_CALLER);
  f.add_tracks(v1::TRACK_AGENT);
  StatusOr<Recorded> r = ledger_->StartLiveListen(f, Opts(now_, who, f.role(), "qm-console/2.0"));
  if (!r.ok() && r.status().code() == StatusCode::kPermissionDenied) {
    ++summary_.refused_accesses;
    return Status::Ok();
  }
  CONSENT_RETURN_IF_ERROR(Check(r));
  ++summary_.live_listens;
  if (!c.recorded) ++summary_.recorded_calls;
  c.recorded = true;
  return Status::Ok();
}

Status Simulator::EndCall(Call& c) {
  if (c.ended) return Status::Ok();
  Rng& r = c.rng;
  const Ms end = now_;
  std::string rec_id;
  std::vector<v1::Track> kept;
  if (c.rec) {
    rec_id = c.rec->id;
    std::vector<v1::Track> open;
    for (const auto& [t, s] : c.rec->tracks) {
      if (s != TrackState::kStopped) open.push_back(t);
      kept.push_back(t);
    }
    CONSENT_RETURN_IF_ERROR(PauseTracks(c, open, v1::PAUSE_CAUSE_CALL_ENDED, "", end,
                                        end + r.Between(100, 400), v1::ACK_SOURCE_PLATFORM,
                                        PauseReason::kNone, true));
  }
  if (!c.open_segment.empty()) {
    v1::SensitiveSegmentEnded s;
    s.set_call_id(c.id);
    s.set_segment_id(c.open_segment);
    CONSENT_RETURN_IF_ERROR(
        Check(ledger_->EndSensitiveSegment(s, Opts(end, c.agent_ref, "agent", "softphone/9.0"))));
    c.open_segment.clear();
  }
  v1::CallEnded f;
  f.set_call_id(c.id);
  f.set_cause(r.Chance(0.6) ? v1::CALL_END_CAUSE_CALLER_HUNG_UP : v1::CALL_END_CAUSE_AGENT_HUNG_UP);
  CONSENT_RETURN_IF_ERROR(Check(ledger_->EndCall(f, Opts(end, "svc-acd", "platform"))));
  c.ended = true;
  PlanSurvey(c);
  if (!rec_id.empty()) {
    Call* cp = &c;
    Schedule(end + r.Between(5, 40) * kSecond,
             [this, cp, rec_id, kept] { return StoreAndAccess(*cp, rec_id, kept); });
  }
  return Status::Ok();
}

Status Simulator::StoreAndAccess(Call& c, const std::string& recording_id,
                                 const std::vector<v1::Track>& tracks) {
  Rng& r = c.rng;
  const int copies = r.Chance(0.5) ? 2 : 1;
  for (int i = 0; i < copies; ++i) {
    const char* copy = i == 0 ? "primary" : "backup";
    v1::RecordingStored f;
    f.set_recording_id(recording_id);
    f.set_copy_id(copy);
    std::string hash(32, '\0');
    for (char& ch : hash) ch = static_cast<char>(r.Next() & 0xFF);
    f.set_content_hash(hash);
    f.set_storage_ref(std::string(i == 0 ? "s3://rec-primary/" : "s3://rec-backup/") + day_tag_ +
                      "/" + recording_id + ".opus");
    for (v1::Track t : tracks) f.add_tracks(t);
    f.set_call_id(c.id);
    CONSENT_RETURN_IF_ERROR(Check(ledger_->StoreRecording(f, Platform(now_ + i * 2 * kSecond))));
    c.copies.emplace_back(copy, hash);
  }
  // Later in the day: trainers and analysts listen to some; a few forbidden roles try.
  Call* cp = &c;
  const int accesses = r.Chance(0.4) ? static_cast<int>(r.Between(1, 2)) : 0;
  for (int i = 0; i < accesses; ++i) {
    const Ms at = now_ + r.Between(10, 240) * kMinute;
    Schedule(at, [this, cp, recording_id, at] { return Access(*cp, recording_id, at); });
  }
  if (r.Chance(0.05)) {
    const Ms at = now_ + r.Between(10, 300) * kMinute;
    Schedule(at, [this, cp, recording_id, at] { return Access(*cp, recording_id, -at); });
  }
  PlanAfterStore(c, recording_id);
  return Status::Ok();
}

// A negative `at` marks an attempt by a role that is not a recipient.
Status Simulator::Access(Call& c, const std::string& recording_id, Ms at) {
  Rng& r = c.rng;
  const bool forbidden = at < 0;
  const Ms when = forbidden ? -at : at;
  v1::RecordingAccessed f;
  f.set_recording_id(recording_id);
  f.set_call_id(c.id);
  std::string role;
  std::string who;
  if (forbidden) {
    const bool sales = r.Chance(0.6);
    role = sales ? "sales-manager" : "it-admin";
    who = sales ? Staff("mgr-", 8) : Staff("adm-", 9);
    f.set_action(sales ? v1::ACCESS_ACTION_PLAYBACK : v1::ACCESS_ACTION_DOWNLOAD);
    f.set_purpose(sales ? v1::PURPOSE_QUALITY : v1::PURPOSE_TRAINING);
    if (!sales) f.set_destination_ref("laptop-" + who.substr(4));
  } else {
    const bool trainer = r.Chance(0.5);
    role = trainer ? "trainer" : "quality-analyst";
    who = trainer ? Staff("trn-", 10 + c.index % 2) : Staff("qa-", 1 + c.index % 2);
    f.set_action(v1::ACCESS_ACTION_PLAYBACK);
    f.set_purpose(trainer ? v1::PURPOSE_TRAINING : v1::PURPOSE_EVALUATION);
  }
  f.set_principal_ref(who);
  f.set_role(role);
  StatusOr<Recorded> rec = ledger_->AccessRecording(f, Opts(when, who, role, "qm-console/2.0"));
  if (!rec.ok() && rec.status().code() == StatusCode::kPermissionDenied) {
    ++summary_.refused_accesses;
    return Status::Ok();
  }
  CONSENT_RETURN_IF_ERROR(Check(rec));
  ++summary_.accesses;
  return Status::Ok();
}

// ---- Evaluation and retention ------------------------------------------------------------------

void Simulator::PlanAfterStore(Call& c, const std::string& recording_id) {
  Rng& x = c.extra;
  Call* cp = &c;
  // LC-OBJ-4 / LC-PRIV-1: media of a standing caller objection or of a private call is purged.
  const bool purge_due = !c.caller_objection.empty() || c.private_call;
  if (purge_due) {
    if (!options_.retention) return;
    const Ms trigger = c.private_call ? c.start : c.caller_objection_at;
    const bool late = x.Chance(0.08);
    Ms at = late ? trigger + kDay + x.Between(1, 6) * kHour
                 : std::max(now_ + 5 * kMinute, trigger + x.Between(20, 480) * kMinute);
    if (!late) at = std::min(at, trigger + kDay);
    const bool receipt = receiptless_purge_done_;
    receiptless_purge_done_ = true;  // the day's first purge has no storage receipt
    Schedule(at, [this, cp, recording_id, at, receipt, late] {
      return PurgeCopies(*cp, recording_id, at, receipt, late);
    });
    return;
  }
  stored_calls_.push_back(cp);
  if (options_.retention && x.Chance(0.25)) {
    const Ms at = now_ + x.Between(5, 60) * kMinute;
    const std::string hash = Hash(x);
    Schedule(at, [this, cp, recording_id, at, hash] {
      v1::DerivedArtefactCreated f;
      f.set_artefact_id(recording_id + "-tr");
      f.set_recording_id(recording_id);
      f.set_call_id(cp->id);
      f.set_kind(v1::DERIVED_ARTEFACT_KIND_TRANSCRIPT);
      f.set_copy_id("t-primary");
      f.set_content_hash(hash);
      f.set_storage_ref("s3://transcripts/" + day_tag_ + "/" + recording_id + ".json");
      CONSENT_RETURN_IF_ERROR(Check(
          ledger_->CreateDerivedArtefact(f, Opts(at, "svc-transcriber", "platform", "asr/2.2"))));
      ++summary_.artefacts;
      return Status::Ok();
    });
  }
  if (options_.evaluations) {
    if (x.Chance(0.35)) {
      const Ms at = now_ + x.Between(30, 240) * kMinute;
      Schedule(at, [this, cp, recording_id, at] {
        return CreateDocument(*cp, recording_id, false, at);
      });
    }
    if (x.Chance(0.08)) {
      const Ms at = now_ + x.Between(60, 300) * kMinute;
      Schedule(
          at, [this, cp, recording_id, at] { return CreateDocument(*cp, recording_id, true, at); });
    }
  }
}

Status Simulator::CreateDocument(Call& c, const std::string& recording_id, bool self, Ms at) {
  Rng& x = c.extra;
  const std::string evaluator = self ? c.agent_ref : Staff("sup-", 5 + c.index % 2);
  v1::AnalysisDocumentCreated f;
  const std::string id = Id("d", c, self ? 2 : 1);
  f.set_document_id(id);
  f.set_registration_id(kSimulatedRegistrationId);
  f.set_registration_version(kRegistrationVersion);
  v1::AnalysisDocumentContent* content = f.mutable_content();
  content->set_kind(self ? v1::ANALYSIS_DOCUMENT_KIND_SELF_EVALUATION
                         : v1::ANALYSIS_DOCUMENT_KIND_GRID);
  content->set_agent_ref(c.agent_ref);
  content->set_evaluator_ref(evaluator);
  v1::EvaluatedCall* call = content->add_calls();
  call->set_call_id(c.id);
  call->set_recording_id(recording_id);
  *call->mutable_call_start_time() = Ts(c.start);
  call->set_call_duration_ms(static_cast<uint32_t>(c.duration));
  // A few grids use version 2, which the agents were never shown (LC-EVAL-1).
  const bool v2 = !self && x.Chance(0.05);
  content->set_evaluation_method_id(kMethod);
  content->set_evaluation_method_version(v2 ? 2 : 1);
  static constexpr const char* kV1[] = {"GREET-1", "SOLVE-1", "CLOSE-1"};
  static constexpr const char* kV2[] = {"GREET-1", "SOLVE-2", "CLOSE-1", "EMPATHY-1"};
  const size_t n = v2 ? std::size(kV2) : std::size(kV1);
  for (size_t i = 0; i < n; ++i) {
    v1::CriterionScore* score = content->add_scores();
    score->set_criterion_code(v2 ? kV2[i] : kV1[i]);
    score->set_score(static_cast<int32_t>(x.Between(1, 4)));
  }
  const double u = x.Unit();
  if (u < 0.04) {
    // Free text over the LC-DATA-2 bound (500 code points), sometimes not even flagged.
    std::string text;
    while (text.size() <= 640) {
      text +=
          "L'agent a bien accueilli l'appelant mais a tardé à reformuler la demande; "
          "la clôture de l'appel a été trop rapide. ";
    }
    content->set_free_text(text);
    content->set_free_text_flagged(x.Chance(0.5));
  } else if (u < 0.6) {
    content->set_free_text(self ? "je dois mieux reformuler la demande"
                                : "bonne reformulation, clôture à améliorer");
    content->set_free_text_flagged(true);
  }
  f.set_content_hash(Hash(x));
  f.set_storage_ref("dms://quality/grids/" + id);
  const FactOptions o = self ? Opts(at, c.agent_ref, "agent", "qm-console/2.0")
                             : Opts(at, evaluator, "supervisor", "qm-console/2.0");
  CONSENT_RETURN_IF_ERROR(Check(ledger_->CreateAnalysisDocument(f, o)));
  ++summary_.documents;
  if (self) ++summary_.self_evaluations;
  agent_docs_[c.agent_ref].emplace_back(id, self);
  return Status::Ok();
}

Status Simulator::PurgeCopies(Call& c, const std::string& recording_id, Ms at, bool receipt,
                              bool late) {
  Rng& x = c.extra;
  Ms t = at;
  for (const auto& [copy, hash] : c.copies) {
    v1::RecordingPurged f;
    f.set_recording_id(recording_id);
    f.set_copy_id(copy);
    f.set_content_hash(hash);
    if (receipt) f.set_storage_receipt("rcpt-" + x.Hex(16));
    if (c.private_call) {
      f.set_reason(v1::PURGE_REASON_PRIVATE_CALL);
      f.set_cause_ref(c.id);
    } else {
      f.set_reason(v1::PURGE_REASON_OBJECTION);
      f.set_cause_ref(c.caller_objection);
    }
    f.set_call_id(c.id);
    CONSENT_RETURN_IF_ERROR(
        Check(ledger_->PurgeRecording(f, Opts(t, "svc-retention", "platform", "retention/1.0"))));
    ++summary_.purges;
    if (!receipt) ++summary_.purges_without_receipt;
    if (late) ++summary_.purges_late;
    t += 30 * kSecond;
  }
  return Status::Ok();
}

void Simulator::PlanSurvey(Call& c) {
  if (!options_.surveys || c.private_call) return;
  Rng& x = c.extra;
  if (!x.Chance(0.08)) return;
  const Ms at = now_ + x.Between(5, 60) * kMinute;
  const int32_t score = static_cast<int32_t>(x.Between(0, 5));
  // Poor scores are examined: the cause is attributed by a quality analyst.
  static constexpr v1::SurveyCause kCauses[] = {v1::SURVEY_CAUSE_AGENT,   v1::SURVEY_CAUSE_NETWORK,
                                                v1::SURVEY_CAUSE_CARRIER, v1::SURVEY_CAUSE_PRODUCT,
                                                v1::SURVEY_CAUSE_POLICY,  v1::SURVEY_CAUSE_UNKNOWN};
  const v1::SurveyCause cause = kCauses[x.Index(std::size(kCauses))];
  const Ms attributed_at = at + x.Between(60, 180) * kMinute;
  Call* cp = &c;
  Schedule(at, [this, cp, at, score, cause, attributed_at] {
    v1::SurveyAnswered f;
    const std::string id = Id("sv", *cp);
    f.set_answer_id(id);
    f.set_survey_id("csat-calls");
    f.set_call_id(cp->id);
    f.set_agent_ref(cp->agent_ref);
    f.set_score(score);
    f.set_max_score(5);
    CONSENT_RETURN_IF_ERROR(
        Check(ledger_->AnswerSurvey(f, Opts(at, "svc-survey", "platform", "survey/1.4"))));
    ++summary_.survey_answers;
    if (score > 2) return Status::Ok();
    const std::string qa = Staff("qa-", 1 + cp->index % 2);
    Schedule(attributed_at, [this, id, cause, qa, attributed_at] {
      v1::CauseAttributed a;
      a.set_answer_id(id);
      a.set_cause(cause);
      a.set_attributed_by_ref(qa);
      CONSENT_RETURN_IF_ERROR(Check(ledger_->AttributeCause(
          a, Opts(attributed_at, qa, "quality-analyst", "qm-console/2.0"))));
      ++summary_.cause_attributions;
      return Status::Ok();
    });
    return Status::Ok();
  });
}

Status Simulator::RecordDecisions() {
  // Training decisions for the agents evaluated so far: most rest on grids, one on a
  // self-evaluation only (LC-EVAL-3).
  bool self_only_done = false;
  Ms t = now_;
  for (const auto& [agent, docs] : agent_docs_) {
    v1::DecisionRecorded f;
    f.set_decision_id("dec-" + day_tag_ + "-" + agent.substr(4));
    f.set_agent_ref(agent);
    f.set_decided_by_ref(Staff("tl-", 2));
    auto self = std::find_if(docs.begin(), docs.end(), [](const auto& d) { return d.second; });
    if (!self_only_done && self != docs.end()) {
      self_only_done = true;
      f.set_kind(v1::DECISION_KIND_ASSIGNMENT);
      f.add_document_ids(self->first);
    } else {
      for (const auto& [id, is_self] : docs) {
        if (!is_self) f.add_document_ids(id);
      }
      if (f.document_ids().empty()) continue;
      f.set_kind(v1::DECISION_KIND_TRAINING);
      f.add_other_input_refs("dms://hr/interviews/" + day_tag_ + "-" + agent.substr(4));
    }
    CONSENT_RETURN_IF_ERROR(
        Check(ledger_->RecordDecision(f, Opts(t, Staff("tl-", 2), "team-lead", "hris/5.0"))));
    ++summary_.decisions;
    t += kMinute;
  }
  return Status::Ok();
}

Status Simulator::PlaceHold() {
  // A customer disputes a sale: the recordings of three calls are kept until the case ends.
  if (stored_calls_.empty()) return Status::Ok();
  v1::LegalHoldPlaced f;
  f.set_hold_id("hold-" + day_tag_ + "-1");
  for (size_t i = 0; i < stored_calls_.size() && i < 3; ++i) {
    f.mutable_scope()->add_call_ids(stored_calls_[i]->id);
  }
  f.set_reason("customer dispute over a sale made by phone; recordings needed as evidence");
  f.set_case_reference("TC Lyon 2026/0417");
  f.set_owner_ref(Staff("legal-", 7));
  *f.mutable_next_review_time() = Ts(now_ + 60 * kDay);
  CONSENT_RETURN_IF_ERROR(
      Check(ledger_->PlaceLegalHold(f, Opts(now_, Staff("legal-", 7), "legal", "dms/4.0"))));
  ++summary_.legal_holds;
  return Status::Ok();
}

Status Simulator::RecordSubjectRequests() {
  // A caller's access request (answered with the access log), an agent's access request
  // (answered with the evaluation codes explained), a caller's erasure request (extended).
  const std::string dpo = "svc-dpo";
  const size_t n = std::min<size_t>(stored_calls_.size(), 3);
  for (size_t i = 0; i < n; ++i) {
    Call* cp = stored_calls_[i];
    const std::string id = "req-" + day_tag_ + "-" + std::to_string(i + 1);
    const Ms received = now_ + static_cast<Ms>(i) * 5 * kMinute;
    v1::SubjectRequestReceived f;
    f.set_request_id(id);
    f.set_kind(i == 2 ? v1::REQUEST_KIND_ERASURE : v1::REQUEST_KIND_ACCESS);
    const bool agent = i == 1;
    const std::string subject = agent ? cp->agent_ref : cp->caller_ref;
    f.set_subject_ref(subject);
    f.set_subject_kind(agent ? v1::PARTY_AGENT : v1::PARTY_CALLER);
    CONSENT_RETURN_IF_ERROR(
        Check(ledger_->ReceiveSubjectRequest(f, Opts(received, dpo, "dpo", "gdpr-register/1.0"))));
    ++summary_.subject_requests;
    const Ms answer_at = received + 3 * kHour;
    if (i == 2) {
      Schedule(answer_at, [this, id, answer_at, dpo] {
        v1::SubjectRequestExtended e;
        e.set_request_id(id);
        e.set_extension_months(1);
        e.set_reason("recordings under a legal hold must be reviewed before erasure");
        e.set_extended_by_ref(dpo);
        return Check(
            ledger_->ExtendSubjectRequest(e, Opts(answer_at, dpo, "dpo", "gdpr-register/1.0")));
      });
      continue;
    }
    Schedule(answer_at, [this, cp, id, agent, answer_at, dpo] {
      v1::SubjectRequestFulfilled a;
      a.set_request_id(id);
      a.set_outcome(v1::REQUEST_OUTCOME_GRANTED);
      a.add_call_ids(cp->id);
      if (cp->rec) a.add_recording_ids(cp->rec->id);
      if (agent) {
        auto it = agent_docs_.find(cp->agent_ref);
        if (it != agent_docs_.end()) {
          for (const auto& d : it->second) a.add_document_ids(d.first);
        }
        a.set_evaluation_codes_explained(true);
      }
      a.set_access_log_included(true);
      a.set_export_ref("dms://privacy/exports/" + id + ".zip");
      return Check(
          ledger_->FulfilSubjectRequest(a, Opts(answer_at, dpo, "dpo", "gdpr-register/1.0")));
    });
  }
  return Status::Ok();
}

// ---- Run ---------------------------------------------------------------------------------------

StatusOr<SimulationSummary> Simulator::Run() {
  const auto wall_start = std::chrono::steady_clock::now();
  if (options_.calls < 1) return InvalidArgumentError("SimulateDay: calls must be >= 1");
  if (options_.agents < kMinAgents) {
    return InvalidArgumentError("SimulateDay: agents must be >= " + std::to_string(kMinAgents) +
                                ", got " + std::to_string(options_.agents));
  }
  CONSENT_ASSIGN_OR_RETURN(ledger_, Ledger::Create(store_));
  CONSENT_RETURN_IF_ERROR(DetermineDay());

  ComplianceOptions gate_options;
  gate_options.persist = false;
  gate_options.clock = [this] { return ToTime(gate_now_); };
  CONSENT_ASSIGN_OR_RETURN(gate_, Compliance::Open(store_, gate_options));
  gate_now_ = day_;
  {
    StatusOr<uint64_t> folded = gate_->CatchUp();
    if (!folded.ok()) return folded.status().Annotate("SimulateDay: folding the log");
  }
  const std::vector<std::string> regs = gate_->Registrations();
  const bool registered =
      std::find(regs.begin(), regs.end(), kSimulatedRegistrationId) != regs.end();

  BuildCast();
  if (!registered) CONSENT_RETURN_IF_ERROR(RecordGovernance());
  CONSENT_RETURN_IF_ERROR(RecordAgents());
  CONSENT_RETURN_IF_ERROR(RecordDailyFacts());
  PlanCalls();
  if (options_.retention) {
    Schedule(day_ + 11 * kHour, [this] { return RecordSubjectRequests(); });
    Schedule(day_ + 13 * kHour, [this] { return PlaceHold(); });
  }
  if (options_.evaluations) Schedule(day_ + 15 * kHour, [this] { return RecordDecisions(); });

  while (!queue_.empty()) {
    Action a = queue_.top();
    queue_.pop();
    now_ = a.at;
    Status s = a.fn();
    if (!s.ok()) return s;
  }

  summary_.day_start = ToTime(day_);
  summary_.continued = registered;
  const uint64_t head = store_->HeadPosition();
  summary_.events = head - start_head_;
  if (summary_.events > 0) {
    summary_.first_position = start_head_ + 1;
    summary_.last_position = head;
    summary_.first_event = ToTime(first_ms_);
    summary_.last_event = ToTime(last_ms_);
  } else {
    summary_.first_event = summary_.last_event = ToTime(day_);
  }
  if (options_.progress) options_.progress(summary_.events, calls_started_);
  summary_.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - wall_start);
  return summary_;
}

}  // namespace

TimePoint SimulatedFirstDay() {
  // 2026-03-02T08:00:00Z
  return TimePoint(std::chrono::seconds(1772438400));
}

StatusOr<SimulationSummary> SimulateDay(EventStore* store, const SimulationOptions& options) {
  if (store == nullptr) return InvalidArgumentError("SimulateDay: store is null");
  Simulator sim(store, options);
  return sim.Run();
}

}  // namespace consent
