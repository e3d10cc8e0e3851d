// SPDX-License-Identifier: Apache-2.0
// Folding the log into compliance state; persistence and checkpoints. See engine.h.
#include "projections/engine.h"

#include <algorithm>
#include <functional>
#include <limits>

#include "consent/event_id.h"

namespace consent::internal {

// Checked: times beyond the int64 nanosecond range (about 1677-09-21 to 2262-04-11) saturate
// at its ends instead of overflowing.
int64_t ToNs(const google::protobuf::Timestamp& t) {
  int64_t ns = 0;
  if (__builtin_mul_overflow(t.seconds(), int64_t{1000000000}, &ns) || __builtin_add_overflow(ns, int64_t{t.nanos()}, &ns)) {
    return t.seconds() < 0 ? std::numeric_limits<int64_t>::min() : std::numeric_limits<int64_t>::max();
  }
  return ns;
}
int64_t ToNs(TimePoint t) {
  using Ns = std::chrono::nanoseconds;
  const auto since = t.time_since_epoch();
  if (since > std::chrono::duration_cast<TimePoint::duration>(Ns::max())) return std::numeric_limits<int64_t>::max();
  if (since < std::chrono::duration_cast<TimePoint::duration>(Ns::min())) return std::numeric_limits<int64_t>::min();
  return std::chrono::duration_cast<Ns>(since).count();
}
TimePoint FromNs(int64_t ns) {
  return TimePoint(std::chrono::duration_cast<TimePoint::duration>(std::chrono::nanoseconds(ns)));
}

namespace {

constexpr int kStart = 1, kPause = 2, kResume = 3, kStop = 4;
constexpr int kCapturing = 1, kPaused = 2, kStopped = 3;
constexpr std::chrono::milliseconds kLiveCommitInterval{100};

template <typename M>
std::string Serialize(const M& m) {
  std::string out;
  m.SerializeToString(&out);
  return out;
}

void InsertSorted(google::protobuf::RepeatedField<int64_t>* v, int64_t x) {
  const auto index = std::upper_bound(v->begin(), v->end(), x) - v->begin();
  v->Add(x);  // may reallocate: take the iterator afterwards
  std::rotate(v->begin() + index, v->end() - 1, v->end());
}

// Registration version in force at `ns` (nullptr when none).
const st::RegistrationVersion* VersionAt(const st::Registration& r, int64_t ns) {
  const st::RegistrationVersion* best = nullptr;
  for (const auto& v : r.versions()) {
    if (v.valid_from_ns() <= ns && (best == nullptr || v.version() > best->version())) best = &v;
  }
  return best;
}

st::Objection* FindObjection(google::protobuf::RepeatedPtrField<st::Objection>* list, const std::string& id) {
  for (auto& o : *list) {
    if (o.objection_id() == id) return &o;
  }
  return nullptr;
}

// Applies ObjectionDecided / ObjectionWithdrawn to an objection.
void DecideObjection(st::Objection* o, const v1::ObjectionDecided& d, int64_t ns, uint64_t pos) {
  if (d.outcome() == v1::OBJECTION_OUTCOME_OVERRULED) {
    // LC-OBJ-2: an overruling counts only with a named person and a written ground.
    if (!d.decided_by_ref().empty() && !d.written_ground().empty() && o->party() == v1::PARTY_AGENT) {
      o->set_overruled_ns(ns);
      o->set_overruled_position(pos);
    }
  } else if (d.outcome() == v1::OBJECTION_OUTCOME_UPHELD) {
    o->set_upheld(true);
  }
}

void WithdrawObjection(st::Objection* o, const v1::ObjectionWithdrawn& w, int64_t ns, uint64_t pos) {
  const bool same_party = w.party() == o->party() &&
                          (w.subject_ref().empty() || o->subject_ref().empty() || w.subject_ref() == o->subject_ref());
  if (same_party && o->withdrawn_ns() == 0) {
    o->set_withdrawn_ns(ns);
    o->set_withdrawn_position(pos);
  } else if (!same_party) {
    o->add_ignored_withdrawal_positions(pos);  // LC-OBJ-3: only the objector can withdraw
  }
}

bool HasTrack(const google::protobuf::RepeatedField<int>& tracks, int t) {
  return std::find(tracks.begin(), tracks.end(), t) != tracks.end();
}

}  // namespace

// ---- Construction, shards ----------------------------------------------------------------

ComplianceEngine::ComplianceEngine(EventStore* store, ComplianceOptions options)
    : store_(store), options_(std::move(options)) {
  if (!options_.clock) options_.clock = [] { return std::chrono::system_clock::now(); };
  if (options_.commit_every == 0) options_.commit_every = 50000;
  call_shards_.reset(new CallShard[kCallShards]);
  agent_shards_.reset(new AgentShard[kAgentShards]);
}

ComplianceEngine::~ComplianceEngine() { StopLive(); }

ComplianceEngine::CallShard& ComplianceEngine::ShardOfCall(std::string_view id) const {
  return call_shards_[std::hash<std::string_view>()(id) % kCallShards];
}
ComplianceEngine::AgentShard& ComplianceEngine::ShardOfAgent(std::string_view id) const {
  return agent_shards_[std::hash<std::string_view>()(id) % kAgentShards];
}

template <typename Fn>
void ComplianceEngine::MutateAgent(const std::string& agent_ref, Fn&& fn) {
  if (agent_ref.empty()) return;
  AgentShard& sh = ShardOfAgent(agent_ref);
  {
    std::unique_lock<std::shared_mutex> lock(sh.mu);
    st::Agent& a = sh.agents[agent_ref];
    if (a.agent_ref().empty()) a.set_agent_ref(agent_ref);
    fn(a);
  }
  MarkDirty("a/", agent_ref);
}

std::string ComplianceEngine::CallForRecording(const std::string& recording_id) const {
  std::shared_lock<std::shared_mutex> lock(world_mu_);
  auto it = recording_calls_.find(recording_id);
  return it == recording_calls_.end() ? std::string() : it->second;
}

void ComplianceEngine::RefreshRegistrationSnapshot(const std::string& registration_id) {
  auto it = registrations_.find(registration_id);
  if (it == registrations_.end()) return;
  registration_snapshots_[registration_id] = std::make_shared<const st::Registration>(it->second);
}

void ComplianceEngine::NoteFirstCapture(const std::string& registration_id, int64_t ns) {
  std::unique_lock<std::shared_mutex> lock(world_mu_);
  auto it = registrations_.find(registration_id);
  if (it == registrations_.end()) return;
  st::RegistrationVersion* in_force = nullptr;
  for (auto& v : *it->second.mutable_versions()) {
    if (v.valid_from_ns() <= ns && (in_force == nullptr || v.version() > in_force->version())) in_force = &v;
  }
  if (in_force == nullptr || in_force->first_capture_ns() != 0) return;
  in_force->set_first_capture_ns(ns);
  MarkDirty("r/", registration_id);
  RefreshRegistrationSnapshot(registration_id);
}

void ComplianceEngine::Clear() {
  for (size_t i = 0; i < kCallShards; ++i) {
    std::unique_lock<std::shared_mutex> lock(call_shards_[i].mu);
    call_shards_[i].calls.clear();
  }
  for (size_t i = 0; i < kAgentShards; ++i) {
    std::unique_lock<std::shared_mutex> lock(agent_shards_[i].mu);
    agent_shards_[i].agents.clear();
  }
  std::unique_lock<std::shared_mutex> lock(world_mu_);
  registrations_.clear();
  registration_snapshots_.clear();
  notices_.clear();
  lines_.clear();
  recording_calls_.clear();
  transfers_.clear();
  {
    std::unique_lock<std::shared_mutex> records(records_mu_);
    documents_.clear();
    holds_.clear();
    requests_.clear();
    answers_.clear();
    decisions_.clear();
    methods_.clear();
    subjects_.clear();
    subject_calls_.clear();
    RefreshHoldsSnapshot();
  }
  dirty_.clear();
  position_.store(0);
  committed_position_ = 0;
}

// ---- Persistence -------------------------------------------------------------------------

Status ComplianceEngine::Load() {
  std::lock_guard<std::recursive_mutex> fold(fold_mu_);
  Clear();
  if (!options_.persist) return Status();
  CONSENT_ASSIGN_OR_RETURN(auto format, store_->GetProjectionValue(kProjectionName, "format"));
  if (!format.has_value()) return Status();  // nothing persisted yet
  if (*format != kStateFormat) {
    // Written by another state format: rebuild from the log on the next catch-up.
    ProjectionBatch b;
    b.ClearAll();
    return store_->read_only() ? Status() : store_->CommitProjection(kProjectionName, b);
  }
  StatusOr<uint64_t> checked = store_->CheckedProjectionCheckpoint(kProjectionName);
  if (checked.status().code() == StatusCode::kDataLoss || checked.status().code() == StatusCode::kNotFound) {
    return Recover(checked.status().message());
  }
  CONSENT_RETURN_IF_ERROR(checked.status());
  const uint64_t checkpoint = *checked;
  Status parse_error;
  std::unique_lock<std::shared_mutex> world(world_mu_);
  CONSENT_RETURN_IF_ERROR(store_->ScanProjection(
      kProjectionName, "", [&](std::string_view key, std::string_view value) {
        auto take = [&](auto* msg) {
          if (!msg->ParseFromArray(value.data(), static_cast<int>(value.size()))) {
            parse_error = DataLossError("Compliance::Open: projection state entry \"" + std::string(key) +
                                        "\" cannot be decoded; call Rebuild()");
            return false;
          }
          return true;
        };
        const size_t slash = key.find('/');
        if (slash == std::string_view::npos) return true;
        const std::string_view kind = key.substr(0, slash);
        const std::string id(key.substr(slash + 1));
        if (kind == "c") {
          st::Call c;
          if (!take(&c)) return false;
          ShardOfCall(id).calls[id] = std::move(c);
        } else if (kind == "a") {
          st::Agent a;
          if (!take(&a)) return false;
          ShardOfAgent(id).agents[id] = std::move(a);
        } else if (kind == "r") {
          if (!take(&registrations_[id])) return false;
        } else if (kind == "n") {
          if (!take(&notices_[id])) return false;
        } else if (kind == "l") {
          if (!take(&lines_[id])) return false;
        } else if (kind == "rc") {
          recording_calls_[id] = std::string(value);
        } else if (kind == "t") {
          transfers_[id] = std::string(value);
        } else if (kind == "d") {
          if (!take(&documents_[id])) return false;
        } else if (kind == "h") {
          if (!take(&holds_[id])) return false;
        } else if (kind == "q") {
          if (!take(&requests_[id])) return false;
        } else if (kind == "s") {
          if (!take(&answers_[id])) return false;
        } else if (kind == "x") {
          if (!take(&decisions_[id])) return false;
        } else if (kind == "m") {
          if (!take(&methods_[id])) return false;
        } else if (kind == "p") {
          if (!take(&subjects_[id])) return false;
        }
        return true;
      }));
  if (!parse_error.ok()) {
    world.unlock();
    return Recover(parse_error.message());
  }
  for (const auto& [id, r] : registrations_) RefreshRegistrationSnapshot(id);
  world.unlock();
  {
    std::unique_lock<std::shared_mutex> records(records_mu_);
    RefreshHoldsSnapshot();
  }
  for (size_t i = 0; i < kCallShards; ++i) {
    for (const auto& [id, c] : call_shards_[i].calls) IndexCall(c);
  }
  position_.store(checkpoint);
  committed_position_ = checkpoint;
  return Status();
}

Status ComplianceEngine::Recover(const std::string& why) {
  Clear();
  recovery_ = "persisted compliance state not trusted (" + why + "); refolding from position 1";
  if (store_->read_only()) return Status();
  ProjectionBatch b;
  b.ClearAll();
  return store_->CommitProjection(kProjectionName, b);
}

std::optional<std::string> ComplianceEngine::recovery() const {
  std::lock_guard<std::recursive_mutex> fold(fold_mu_);
  return recovery_;
}

Status ComplianceEngine::Commit() {
  if (!options_.persist || store_->read_only()) {
    dirty_.clear();
    committed_position_ = position();
    return Status();
  }
  if (dirty_.empty() && committed_position_ == position()) return Status();
  ProjectionBatch b;
  b.Put("format", kStateFormat);
  for (const std::string& key : dirty_) {
    const size_t slash = key.find('/');
    const std::string kind = key.substr(0, slash);
    const std::string id = key.substr(slash + 1);
    if (kind == "c") {
      CallShard& sh = ShardOfCall(id);
      std::shared_lock<std::shared_mutex> lock(sh.mu);
      auto it = sh.calls.find(id);
      if (it != sh.calls.end()) b.Put(key, Serialize(it->second));
    } else if (kind == "a") {
      AgentShard& sh = ShardOfAgent(id);
      std::shared_lock<std::shared_mutex> lock(sh.mu);
      auto it = sh.agents.find(id);
      if (it != sh.agents.end()) b.Put(key, Serialize(it->second));
    } else {
      std::shared_lock<std::shared_mutex> lock(world_mu_);
      if (kind == "r") {
        if (auto it = registrations_.find(id); it != registrations_.end()) b.Put(key, Serialize(it->second));
      } else if (kind == "n") {
        if (auto it = notices_.find(id); it != notices_.end()) b.Put(key, Serialize(it->second));
      } else if (kind == "l") {
        if (auto it = lines_.find(id); it != lines_.end()) b.Put(key, Serialize(it->second));
      } else if (kind == "rc") {
        if (auto it = recording_calls_.find(id); it != recording_calls_.end()) b.Put(key, it->second);
      } else if (kind == "t") {
        if (auto it = transfers_.find(id); it != transfers_.end()) b.Put(key, it->second);
      } else {
        std::shared_lock<std::shared_mutex> records(records_mu_);
        auto put = [&](const auto& map) {
          if (auto it = map.find(id); it != map.end()) b.Put(key, Serialize(it->second));
        };
        if (kind == "d") put(documents_);
        else if (kind == "h") put(holds_);
        else if (kind == "q") put(requests_);
        else if (kind == "s") put(answers_);
        else if (kind == "x") put(decisions_);
        else if (kind == "m") put(methods_);
        else if (kind == "p") put(subjects_);
      }
    }
  }
  b.SetCheckpoint(position());
  AppendOptions ao;
  ao.sync = false;
  CONSENT_RETURN_IF_ERROR(store_->CommitProjection(kProjectionName, b, ao));
  dirty_.clear();
  committed_position_ = position();
  return Status();
}

std::vector<std::pair<std::string, std::string>> ComplianceEngine::DumpState() const {
  std::lock_guard<std::recursive_mutex> fold(fold_mu_);
  std::vector<std::pair<std::string, std::string>> out;
  for (size_t i = 0; i < kCallShards; ++i) {
    std::shared_lock<std::shared_mutex> lock(call_shards_[i].mu);
    for (const auto& [id, c] : call_shards_[i].calls) out.emplace_back("c/" + id, Serialize(c));
  }
  for (size_t i = 0; i < kAgentShards; ++i) {
    std::shared_lock<std::shared_mutex> lock(agent_shards_[i].mu);
    for (const auto& [id, a] : agent_shards_[i].agents) out.emplace_back("a/" + id, Serialize(a));
  }
  {
    std::shared_lock<std::shared_mutex> lock(world_mu_);
    for (const auto& [id, r] : registrations_) out.emplace_back("r/" + id, Serialize(r));
    for (const auto& [id, n] : notices_) out.emplace_back("n/" + id, Serialize(n));
    for (const auto& [id, l] : lines_) out.emplace_back("l/" + id, Serialize(l));
    for (const auto& [id, c] : recording_calls_) out.emplace_back("rc/" + id, c);
    for (const auto& [id, c] : transfers_) out.emplace_back("t/" + id, c);
  }
  {
    std::shared_lock<std::shared_mutex> lock(records_mu_);
    auto dump = [&](const char* kind, const auto& map) {
      for (const auto& [id, m] : map) out.emplace_back(kind + id, Serialize(m));
    };
    dump("d/", documents_);
    dump("h/", holds_);
    dump("q/", requests_);
    dump("s/", answers_);
    dump("x/", decisions_);
    dump("m/", methods_);
    dump("p/", subjects_);
  }
  std::sort(out.begin(), out.end());
  return out;
}

// ---- Catch-up and live -----------------------------------------------------------------

Status ComplianceEngine::FoldRange(uint64_t to, uint64_t* folded) {
  ReadAllOptions ro;
  ro.from_position = position() + 1;
  ro.to_position = to;
  size_t since_commit = 0;
  Status commit_status;
  Status s = store_->ScanAll(ro, [&](const Event& e) {
    Apply(e);
    ++*folded;
    if (++since_commit >= options_.commit_every) {
      since_commit = 0;
      commit_status = Commit();
      if (!commit_status.ok()) return false;
    }
    return true;
  });
  CONSENT_RETURN_IF_ERROR(s);
  return commit_status;
}

StatusOr<uint64_t> ComplianceEngine::CatchUp() {
  std::lock_guard<std::recursive_mutex> fold(fold_mu_);
  uint64_t head = store_->HeadPosition();
  if (options_.to_position != 0) head = std::min(head, options_.to_position);
  uint64_t folded = 0;
  if (head > position()) CONSENT_RETURN_IF_ERROR(FoldRange(head, &folded));
  CONSENT_RETURN_IF_ERROR(Commit());
  {
    std::lock_guard<std::mutex> lock(progress_mu_);
  }
  progress_cv_.notify_all();
  return folded;
}

Status ComplianceEngine::StartLive() {
  std::lock_guard<std::recursive_mutex> fold(fold_mu_);
  if (live_) return Status();
  SubscribeOptions so;
  so.from_position = position() + 1;
  auto since_commit = std::make_shared<size_t>(0);
  auto last_commit = std::make_shared<std::chrono::steady_clock::time_point>(std::chrono::steady_clock::now());
  auto sub = store_->Subscribe(so, [this, since_commit, last_commit](const Event& e) -> Status {
    std::lock_guard<std::recursive_mutex> guard(fold_mu_);
    if (e.position() <= position()) return Status();  // folded by a CatchUp meanwhile
    if (options_.to_position != 0 && e.position() > options_.to_position) return Status();
    Apply(e);
    // Commit every commit_every events, or at the head at most every kLiveCommitInterval: a
    // steady writer would otherwise cost one state write per event. Uncommitted events are
    // simply folded again from the checkpoint after a restart (state and checkpoint move
    // together), and StopLive() commits.
    ++*since_commit;
    const auto now = std::chrono::steady_clock::now();
    if (*since_commit >= options_.commit_every ||
        (e.position() == store_->HeadPosition() && now - *last_commit >= kLiveCommitInterval)) {
      *since_commit = 0;
      *last_commit = now;
      CONSENT_RETURN_IF_ERROR(Commit());
    }
    {
      std::lock_guard<std::mutex> lock(progress_mu_);
    }
    progress_cv_.notify_all();
    return Status();
  });
  if (!sub.ok()) return sub.status();
  live_ = std::move(sub).value();
  return Status();
}

void ComplianceEngine::StopLive() {
  std::unique_ptr<Subscription> live;
  {
    std::lock_guard<std::recursive_mutex> fold(fold_mu_);
    live = std::move(live_);
  }
  if (live) {
    live->Stop();
    std::lock_guard<std::recursive_mutex> fold(fold_mu_);
    Commit().IgnoreError();  // best effort; the next catch-up refolds what was not committed
  }
}

Status ComplianceEngine::live_status() const {
  std::lock_guard<std::recursive_mutex> fold(fold_mu_);
  return live_ ? live_->status() : Status();
}

bool ComplianceEngine::WaitFor(uint64_t pos, std::chrono::milliseconds timeout) const {
  std::unique_lock<std::mutex> lock(progress_mu_);
  return progress_cv_.wait_for(lock, timeout, [&] { return position() >= pos; });
}

StatusOr<uint64_t> ComplianceEngine::Rebuild() {
  std::lock_guard<std::recursive_mutex> fold(fold_mu_);
  const bool was_live = live_ != nullptr;
  if (was_live) {
    live_->Stop();
    live_.reset();
  }
  Clear();
  if (options_.persist) {
    ProjectionBatch b;
    b.ClearAll();
    CONSENT_RETURN_IF_ERROR(store_->CommitProjection(kProjectionName, b));
  }
  auto folded = CatchUp();
  if (was_live && folded.ok()) CONSENT_RETURN_IF_ERROR(StartLive());
  return folded;
}

void ComplianceEngine::OnMustStop(std::function<void(const StopOrder&)> fn) {
  std::lock_guard<std::mutex> lock(stop_mu_);
  on_stop_ = std::move(fn);
}

void ComplianceEngine::EmitStop(const st::Call& call, const char* rule, std::string reason, uint64_t position,
                                int64_t ns) {
  std::function<void(const StopOrder&)> fn;
  {
    std::lock_guard<std::mutex> lock(stop_mu_);
    fn = on_stop_;
  }
  if (!fn) return;
  StopOrder o;
  o.call_id = call.call_id();
  for (const auto& r : call.recordings()) {
    if (std::find(r.track_states().begin(), r.track_states().end(), kCapturing) != r.track_states().end()) {
      o.recording_ids.push_back(r.recording_id());
    }
  }
  if (o.recording_ids.empty()) return;
  o.rule_id = rule;
  o.reason = std::move(reason);
  o.position = position;
  o.deadline = FromNs(ns + call.policy().pause_budget_ns());
  fn(o);
}

Policy ComplianceEngine::PolicyFor(std::string_view registration_id) const {
  std::shared_lock<std::shared_mutex> lock(world_mu_);
  auto it = registrations_.find(std::string(registration_id));
  if (it == registrations_.end() || it->second.versions().empty()) return Policy::Defaults();
  return Policy::ForRegistration(it->second.versions().rbegin()->details());
}

std::vector<std::string> ComplianceEngine::Registrations() const {
  std::shared_lock<std::shared_mutex> lock(world_mu_);
  std::vector<std::string> out;
  for (const auto& [id, r] : registrations_) out.push_back(id);
  std::sort(out.begin(), out.end());
  return out;
}

// ---- Folding ---------------------------------------------------------------------------

void ComplianceEngine::Apply(const Event& e) {
  using P = Event::PayloadCase;
  const bool other_site = !options_.site.empty() && e.origin().site() != options_.site;
  switch (other_site ? P::PAYLOAD_NOT_SET : e.payload_case()) {
    case P::kProcessingRegistered:
    case P::kProcessingAmended:
    case P::kProcessingEnded:
    case P::kCseConsulted:
    case P::kDpoConsulted:
    case P::kDpiaRecorded:
    case P::kNoticePublished:
    case P::kCapabilityDeclared:
    case P::kCapabilityProbed:
      ApplyWorldEvent(e);
      break;
    case P::kAgentProvisioned:
    case P::kAgentInformed:
    case P::kRecordingWindowAnnounced:
      ApplyAgentEvent(e);
      break;
    case P::kObjectionRaised:
      if (e.objection_raised().call_id().empty()) ApplyAgentEvent(e);
      else ApplyCallEvent(e, e.objection_raised().call_id());
      break;
    case P::kObjectionDecided:
      if (e.objection_decided().call_id().empty()) ApplyAgentEvent(e);
      else ApplyCallEvent(e, e.objection_decided().call_id());
      break;
    case P::kObjectionWithdrawn:
      if (e.objection_withdrawn().call_id().empty()) ApplyAgentEvent(e);
      else ApplyCallEvent(e, e.objection_withdrawn().call_id());
      break;
    case P::kCallStarted: ApplyCallEvent(e, e.call_started().call_id()); break;
    case P::kCallTransferred: ApplyCallEvent(e, e.call_transferred().call_id()); break;
    case P::kCallEnded: ApplyCallEvent(e, e.call_ended().call_id()); break;
    case P::kPrivateCallFlagged: ApplyCallEvent(e, e.private_call_flagged().call_id()); break;
    case P::kNoticeGiven: ApplyCallEvent(e, e.notice_given().call_id()); break;
    case P::kObjectionChannelLost: ApplyCallEvent(e, e.objection_channel_lost().call_id()); break;
    case P::kObjectionChannelRestored: ApplyCallEvent(e, e.objection_channel_restored().call_id()); break;
    case P::kSensitiveSegmentStarted: ApplyCallEvent(e, e.sensitive_segment_started().call_id()); break;
    case P::kSensitiveSegmentEnded: ApplyCallEvent(e, e.sensitive_segment_ended().call_id()); break;
    case P::kRecordingStarted: ApplyCallEvent(e, e.recording_started().call_id()); break;
    case P::kRecordingPaused: ApplyCallEvent(e, e.recording_paused().call_id()); break;
    case P::kRecordingResumed: ApplyCallEvent(e, e.recording_resumed().call_id()); break;
    case P::kRecordingStopped: ApplyCallEvent(e, e.recording_stopped().call_id()); break;
    case P::kRecordingStored: {
      std::string call = e.recording_stored().call_id();
      if (call.empty()) call = CallForRecording(e.recording_stored().recording_id());
      if (!call.empty()) ApplyCallEvent(e, call);
      break;
    }
    case P::kScreenCaptureStarted: ApplyCallEvent(e, e.screen_capture_started().call_id()); break;
    case P::kLiveListenStarted: ApplyCallEvent(e, e.live_listen_started().call_id()); break;
    case P::kRecordingAccessed: {
      std::string call = e.recording_accessed().call_id();
      if (call.empty()) call = CallForRecording(e.recording_accessed().recording_id());
      if (!call.empty()) ApplyCallEvent(e, call);
      break;
    }
    case P::kAccessRefused: {
      std::string call = e.access_refused().call_id();
      if (call.empty()) call = CallForRecording(e.access_refused().recording_id());
      if (!call.empty()) ApplyCallEvent(e, call);
      break;
    }
    case P::kRecordingPurged: {
      std::string call = e.recording_purged().call_id();
      if (call.empty()) call = CallForRecording(e.recording_purged().recording_id());
      if (!call.empty()) {
        ApplyCallEvent(e, call);
        NotePurgeUnderHolds(call, e.recording_purged().recording_id(), "", e.position(), ToNs(e.occur_time()));
      }
      break;
    }
    case P::kRetentionOverridden: {
      const auto& p = e.retention_overridden();
      if (!p.document_id().empty()) {
        ApplyRecordEvent(e);
        break;
      }
      std::string call = p.call_id();
      if (call.empty()) call = CallForRecording(p.recording_id());
      if (!call.empty()) ApplyCallEvent(e, call);
      break;
    }
    case P::kDerivedArtefactCreated: {
      std::string call = e.derived_artefact_created().call_id();
      if (call.empty()) call = CallForRecording(e.derived_artefact_created().recording_id());
      if (!call.empty()) ApplyCallEvent(e, call);
      break;
    }
    case P::kAnalysisDocumentCreated:
    case P::kAnalysisDocumentAmended:
    case P::kAnalysisDocumentPurged:
    case P::kDecisionRecorded:
    case P::kSurveyAnswered:
    case P::kCauseAttributed:
    case P::kEvaluationMethodPublished:
    case P::kLegalHoldPlaced:
    case P::kLegalHoldReviewed:
    case P::kLegalHoldReleased:
    case P::kSubjectRequestReceived:
    case P::kSubjectRequestExtended:
    case P::kSubjectRequestFulfilled:
    case P::kSubjectIdentitySealed:
    case P::kSubjectErased:
      ApplyRecordEvent(e);
      break;
    default:
      break;  // facts these projections do not read
  }
  position_.store(e.position(), std::memory_order_release);
}

void ComplianceEngine::ApplyWorldEvent(const Event& e) {
  const int64_t ns = ToNs(e.occur_time());
  const uint64_t pos = e.position();
  using P = Event::PayloadCase;
  std::unique_lock<std::shared_mutex> lock(world_mu_);
  auto add_version = [&](const std::string& id, uint32_t version, const v1::ProcessingDetails& d,
                         const google::protobuf::RepeatedField<int>* aspects) {
    st::Registration& r = registrations_[id];
    r.set_registration_id(id);
    st::RegistrationVersion* v = r.add_versions();
    v->set_version(version);
    *v->mutable_details() = d;
    v->set_valid_from_ns(d.has_valid_from_time() ? ToNs(d.valid_from_time()) : ns);
    v->set_position(pos);
    if (aspects) {
      for (int a : *aspects) v->add_changed_aspects(static_cast<v1::RegistrationAspect>(a));
    }
    MarkDirty("r/", id);
  };
  auto version_of = [&](const std::string& id, uint32_t version) -> st::RegistrationVersion* {
    auto it = registrations_.find(id);
    if (it == registrations_.end()) return nullptr;
    for (auto& v : *it->second.mutable_versions()) {
      if (v.version() == version) return &v;
    }
    // Version 0 = the latest.
    if (version == 0 && !it->second.versions().empty()) return &*it->second.mutable_versions()->rbegin();
    return nullptr;
  };
  switch (e.payload_case()) {
    case P::kProcessingRegistered: {
      const auto& p = e.processing_registered();
      add_version(p.registration_id(), p.registration_version(), p.details(), nullptr);
      break;
    }
    case P::kProcessingAmended: {
      const auto& p = e.processing_amended();
      add_version(p.registration_id(), p.registration_version(), p.details(), &p.changed_aspects());
      break;
    }
    case P::kProcessingEnded: {
      auto it = registrations_.find(e.processing_ended().registration_id());
      if (it != registrations_.end()) {
        it->second.set_ended_ns(ns);
        it->second.set_ended_position(pos);
        MarkDirty("r/", it->first);
      }
      break;
    }
    case P::kCseConsulted:
      if (auto* v = version_of(e.cse_consulted().registration_id(), e.cse_consulted().registration_version())) {
        if (v->cse_ns() == 0) {
          v->set_cse_ns(ns);
          v->set_cse_position(pos);
        }
        MarkDirty("r/", e.cse_consulted().registration_id());
      }
      break;
    case P::kDpoConsulted:
      if (auto* v = version_of(e.dpo_consulted().registration_id(), e.dpo_consulted().registration_version())) {
        if (v->dpo_ns() == 0) {
          v->set_dpo_ns(ns);
          v->set_dpo_position(pos);
        }
        MarkDirty("r/", e.dpo_consulted().registration_id());
      }
      break;
    case P::kDpiaRecorded: {
      auto it = registrations_.find(e.dpia_recorded().registration_id());
      // A DPIA "exists" only with a non-empty reference (RULES.md "Inputs that are refused").
      if (it != registrations_.end() && it->second.dpia_position() == 0 && !e.dpia_recorded().dpia_ref().empty()) {
        it->second.set_dpia_position(pos);
        it->second.set_dpia_ns(ns);
        MarkDirty("r/", it->first);
      }
      break;
    }
    case P::kNoticePublished: {
      const auto& p = e.notice_published();
      st::Notice& n = notices_[p.notice_id()];
      n.set_notice_id(p.notice_id());
      st::NoticeVersion* v = n.add_versions();
      *v->mutable_notice() = p;
      v->set_position(pos);
      v->set_published_ns(ns);
      MarkDirty("n/", p.notice_id());
      break;
    }
    case P::kCapabilityDeclared: {
      const auto& p = e.capability_declared();
      const std::string key = p.line_id().empty() ? "queue-" + p.queue_id() : "line-" + p.line_id();
      st::Line& l = lines_[key];
      l.set_line_key(key);
      l.set_declared(true);
      l.set_suspend_supported(p.suspend_supported());
      l.clear_tracks();
      for (int t : p.tracks()) l.add_tracks(static_cast<v1::Track>(t));
      l.set_declared_position(pos);
      MarkDirty("l/", key);
      break;
    }
    case P::kCapabilityProbed: {
      const auto& p = e.capability_probed();
      const std::string key = p.line_id().empty() ? "queue-" + p.queue_id() : "line-" + p.line_id();
      st::Line& l = lines_[key];
      l.set_line_key(key);
      l.set_probed(true);
      l.set_probe_ok(p.ok());
      l.set_probe_ns(ns);
      l.set_probe_position(pos);
      l.clear_probe_tracks();
      for (int t : p.tracks()) l.add_probe_tracks(static_cast<v1::Track>(t));
      MarkDirty("l/", key);
      break;
    }
    default:
      break;
  }
  std::string reg_id;
  switch (e.payload_case()) {
    case P::kProcessingRegistered: reg_id = e.processing_registered().registration_id(); break;
    case P::kProcessingAmended: reg_id = e.processing_amended().registration_id(); break;
    case P::kProcessingEnded: reg_id = e.processing_ended().registration_id(); break;
    case P::kCseConsulted: reg_id = e.cse_consulted().registration_id(); break;
    case P::kDpoConsulted: reg_id = e.dpo_consulted().registration_id(); break;
    case P::kDpiaRecorded: reg_id = e.dpia_recorded().registration_id(); break;
    default: break;
  }
  if (!reg_id.empty()) RefreshRegistrationSnapshot(reg_id);
}

void ComplianceEngine::ApplyAgentEvent(const Event& e) {
  const int64_t ns = ToNs(e.occur_time());
  const uint64_t pos = e.position();
  using P = Event::PayloadCase;
  switch (e.payload_case()) {
    case P::kAgentProvisioned: {
      const auto& p = e.agent_provisioned();
      MutateAgent(p.agent_ref(), [&](st::Agent& a) {
        a.set_provisioned(true);
        a.set_provisioned_position(pos);
        a.set_team_id(p.team_id());
        a.set_site_id(p.site_id());
        a.set_is_protected(p.is_protected());
        a.set_private_line_id(p.private_line_id());
        a.set_has_exclusion_key(p.has_exclusion_key());
      });
      break;
    }
    case P::kAgentInformed: {
      const auto& p = e.agent_informed();
      MutateAgent(p.agent_ref(), [&](st::Agent& a) {
        st::Informed* inf = a.add_informed();
        inf->set_registration_id(p.registration_id());
        inf->set_registration_version(p.registration_version());
        for (int it : p.items()) inf->add_items(static_cast<v1::NoticeItem>(it));
        inf->set_evaluation_method_shown(!p.evaluation_method_id().empty() ||
                                         HasTrack(p.items(), v1::NOTICE_ITEM_EVALUATION_METHOD));
        inf->set_evaluation_method_id(p.evaluation_method_id());
        inf->set_evaluation_method_version(p.evaluation_method_version());
        inf->set_ns(p.has_acknowledged_time() ? ToNs(p.acknowledged_time()) : ns);
        inf->set_position(pos);
        for (const auto& w : p.announced_windows()) {
          st::Window* win = a.add_windows();
          win->set_start_ns(ToNs(w.start_time()));
          win->set_end_ns(ToNs(w.end_time()));
          win->set_announced_ns(ns);
          win->set_position(pos);
        }
      });
      break;
    }
    case P::kRecordingWindowAnnounced: {
      const auto& p = e.recording_window_announced();
      auto add = [&](st::Agent& a) {
        st::Window* win = a.add_windows();
        win->set_start_ns(ToNs(p.window().start_time()));
        win->set_end_ns(ToNs(p.window().end_time()));
        win->set_announced_ns(ns);
        win->set_position(pos);
      };
      if (!p.agent_ref().empty()) {
        MutateAgent(p.agent_ref(), add);
      } else if (!p.team_id().empty()) {
        // A team window reaches every agent of the team known at that moment.
        std::vector<std::string> members;
        for (size_t i = 0; i < kAgentShards; ++i) {
          std::shared_lock<std::shared_mutex> lock(agent_shards_[i].mu);
          for (const auto& [ref, a] : agent_shards_[i].agents) {
            if (a.team_id() == p.team_id()) members.push_back(ref);
          }
        }
        std::sort(members.begin(), members.end());
        for (const auto& ref : members) MutateAgent(ref, add);
      }
      break;
    }
    case P::kObjectionRaised: {  // standing agent objection
      const auto& p = e.objection_raised();
      const std::string ref = p.subject_ref();
      MutateAgent(ref, [&](st::Agent& a) {
        st::Objection* o = a.add_standing_objections();
        o->set_objection_id(p.objection_id());
        o->set_party(p.party());
        o->set_subject_ref(p.subject_ref());
        o->set_raised_ns(ns);
        o->set_raised_position(pos);
      });
      break;
    }
    case P::kObjectionDecided: {
      const auto& p = e.objection_decided();
      MutateAgent(p.agent_ref(), [&](st::Agent& a) {
        if (auto* o = FindObjection(a.mutable_standing_objections(), p.objection_id())) DecideObjection(o, p, ns, pos);
      });
      break;
    }
    case P::kObjectionWithdrawn: {
      const auto& p = e.objection_withdrawn();
      MutateAgent(p.agent_ref(), [&](st::Agent& a) {
        if (auto* o = FindObjection(a.mutable_standing_objections(), p.objection_id())) WithdrawObjection(o, p, ns, pos);
      });
      break;
    }
    default:
      break;
  }
}

void ComplianceEngine::ApplyCallEvent(const Event& e, const std::string& call_id) {
  const int64_t ns = ToNs(e.occur_time());
  const uint64_t pos = e.position();
  using P = Event::PayloadCase;
  CallShard& sh = ShardOfCall(call_id);

  // Gate rules judged at the moment capture begins, computed before taking the shard's
  // exclusive lock (they read the call through shared locks).
  std::vector<Failing> failures;
  std::vector<int> capture_tracks;
  const bool capture_begins = e.has_recording_started() || e.has_recording_resumed() || e.has_live_listen_started();
  if (capture_begins) {
    const auto& tracks = e.has_recording_started()   ? e.recording_started().tracks()
                         : e.has_recording_resumed() ? e.recording_resumed().tracks()
                                                     : e.live_listen_started().tracks();
    capture_tracks.assign(tracks.begin(), tracks.end());
    if (capture_tracks.empty()) capture_tracks = {v1::TRACK_CALLER, v1::TRACK_AGENT};
    const CallFacts facts = GetCallFacts(call_id, ns);
    if (facts.exists) {
      failures = GateRules(facts, capture_tracks, ns, true, e.has_live_listen_started());
      const RegistrationFacts reg = GetRegistrationFacts(facts.registration_id, ns);
      if (reg.in_force != nullptr && reg.in_force->first_capture_ns() == 0) {
        NoteFirstCapture(facts.registration_id, ns);
      }
    }
  }

  // Facts needed from other partitions, read before locking the call.
  std::string new_agent;      // agent to count the call for (LC-PROP-1)
  std::string recorded_agent;  // agent whose recorded share grows
  bool count_capture_for_agent = false;
  bool first_recording_for_agent = false;  // the agent's recorded share grows by this call
  bool agent_in_window = false;
  st::Call inherited;  // objections and private flags of the previous leg of a transfer
  bool has_inherited = false;
  RegistrationFacts reg_for_access;
  if (e.has_call_started()) {
    std::string prev;
    {
      std::shared_lock<std::shared_mutex> lock(world_mu_);
      if (auto it = transfers_.find(call_id); it != transfers_.end()) prev = it->second;
    }
    if (!prev.empty()) {
      CallShard& psh = ShardOfCall(prev);
      std::shared_lock<std::shared_mutex> lock(psh.mu);
      if (auto it = psh.calls.find(prev); it != psh.calls.end()) {
        inherited = it->second;
        has_inherited = true;
      }
    }
  }
  if (e.has_recording_accessed() || e.has_live_listen_started()) {
    std::string reg_id;
    {
      std::shared_lock<std::shared_mutex> lock(sh.mu);
      if (auto it = sh.calls.find(call_id); it != sh.calls.end()) reg_id = it->second.registration_id();
    }
    reg_for_access = GetRegistrationFacts(reg_id, ns);
  }

  std::vector<std::pair<const char*, std::string>> stops;  // rule, reason
  std::vector<std::string> agents_of_call;
  int64_t call_start_ns = ns;    // the call's CallStarted time (sampling counts calls there)
  bool access_lawful = false;    // LC-ACC-1 verdict of an access folded by this event
  {
    std::unique_lock<std::shared_mutex> lock(sh.mu);
    auto it = sh.calls.find(call_id);
    if (it == sh.calls.end()) {
      if (!e.has_call_started()) return;  // facts about an unknown call are the ledger's to refuse
      it = sh.calls.emplace(call_id, st::Call()).first;
    }
    st::Call& c = it->second;
    c.set_last_position(pos);
    auto find_recording = [&](const std::string& id) -> st::Recording* {
      for (auto& r : *c.mutable_recordings()) {
        if (r.recording_id() == id) return &r;
      }
      return nullptr;
    };
    auto capturing = [&]() {
      for (const auto& r : c.recordings()) {
        for (int s : r.track_states()) {
          if (s == kCapturing) return true;
        }
      }
      return false;
    };
    auto change = [&](st::Recording* r, int kind, const google::protobuf::RepeatedField<int>& tracks,
                      v1::PauseCause cause, const std::string& cause_ref, const google::protobuf::Timestamp* ack,
                      v1::AckSource src) {
      st::TrackChange* ch = r->add_changes();
      ch->set_position(pos);
      ch->set_ns(ns);
      if (ack != nullptr) ch->set_ack_ns(ToNs(*ack));
      ch->set_ack_source(src);
      for (int t : tracks) ch->add_tracks(static_cast<v1::Track>(t));
      ch->set_kind(kind);
      ch->set_cause(cause);
      ch->set_cause_ref(cause_ref);
      const int target = kind == kPause ? kPaused : kind == kStop ? kStopped : kCapturing;
      for (int i = 0; i < r->tracks_size(); ++i) {
        if (tracks.empty() || HasTrack(tracks, r->tracks(i))) {
          if (r->track_states(i) != kStopped) r->set_track_states(i, target);
        }
      }
    };
    switch (e.payload_case()) {
      case P::kCallStarted: {
        const auto& p = e.call_started();
        *c.mutable_started() = p;
        c.set_call_id(call_id);
        c.set_started_position(pos);
        c.set_started_ns(ns);
        c.set_agent_ref(p.agent_ref());
        if (!p.agent_ref().empty()) c.add_agent_refs(p.agent_ref());
        // Registration that applies: named by the host, else the one covering the line or
        // queue, else the only one.
        std::string reg = p.registration_id();
        Policy policy = Policy::Defaults();
        {
          std::shared_lock<std::shared_mutex> wl(world_mu_);
          if (reg.empty()) {
            std::vector<std::string> ids;
            for (const auto& [id, r] : registrations_) {
              if (r.versions().empty()) continue;
              const auto& d = r.versions().rbegin()->details();
              if ((!p.line_id().empty() && std::find(d.line_ids().begin(), d.line_ids().end(), p.line_id()) != d.line_ids().end()) ||
                  (!p.queue_id().empty() && std::find(d.queue_ids().begin(), d.queue_ids().end(), p.queue_id()) != d.queue_ids().end())) {
                ids.push_back(id);
              }
            }
            if (ids.empty() && registrations_.size() == 1) ids.push_back(registrations_.begin()->first);
            std::sort(ids.begin(), ids.end());
            if (!ids.empty()) reg = ids.front();
          }
          if (auto rit = registrations_.find(reg); rit != registrations_.end()) {
            if (const auto* v = VersionAt(rit->second, ns)) policy = Policy::ForRegistration(v->details());
          }
        }
        c.set_registration_id(reg);
        c.mutable_policy()->set_pause_budget_ns(std::chrono::nanoseconds(policy.pause_budget).count());
        c.mutable_policy()->set_purge_after_objection_ns(std::chrono::nanoseconds(policy.purge_after_objection).count());
        c.mutable_policy()->set_purge_after_private_ns(std::chrono::nanoseconds(policy.purge_after_private).count());
        c.mutable_policy()->set_hold_release_grace_ns(std::chrono::nanoseconds(policy.hold_release_grace).count());
        if (has_inherited) {
          c.set_transferred_from(inherited.call_id());
          for (const auto& o : inherited.objections()) *c.add_objections() = o;  // LC-OBJ-3
          for (const auto& f : inherited.private_flags()) *c.add_private_flags() = f;
        }
        new_agent = p.agent_ref();
        break;
      }
      case P::kCallTransferred: {
        const auto& p = e.call_transferred();
        if (!p.to_agent_ref().empty()) {
          c.set_agent_ref(p.to_agent_ref());
          if (std::find(c.agent_refs().begin(), c.agent_refs().end(), p.to_agent_ref()) == c.agent_refs().end()) {
            c.add_agent_refs(p.to_agent_ref());
            new_agent = p.to_agent_ref();
          }
        }
        if (!p.to_queue_id().empty() && p.new_call_id().empty()) {
          c.set_transferred_leg(true);
          c.set_leg_queue_id(p.to_queue_id());
        }
        if (!p.new_call_id().empty()) {
          std::unique_lock<std::shared_mutex> wl(world_mu_);
          transfers_[p.new_call_id()] = call_id;
          MarkDirty("t/", p.new_call_id());
        }
        break;
      }
      case P::kCallEnded:
        c.set_ended_ns(ns);
        c.set_ended_position(pos);
        break;
      case P::kPrivateCallFlagged: {
        const auto& p = e.private_call_flagged();
        st::PrivateFlag* f = c.add_private_flags();
        f->set_ns(ns);
        f->set_position(pos);
        f->set_mandate_related(p.mandate_related());
        f->set_party(p.party());
        if (capturing()) {
          stops.emplace_back(p.mandate_related() ? "LC-AGT-3" : "LC-PRIV-1",
                             p.mandate_related() ? "call flagged as mandate-related" : "call flagged private");
        }
        break;
      }
      case P::kNoticeGiven: {
        st::NoticeGivenRecord* n = c.add_notices();
        n->set_position(pos);
        n->set_end_ns(e.notice_given().has_end_time() ? ToNs(e.notice_given().end_time()) : ns);
        *n->mutable_notice() = e.notice_given();
        break;
      }
      case P::kObjectionChannelLost:
      case P::kObjectionChannelRestored: {
        const bool lost = e.has_objection_channel_lost();
        st::ChannelChange* ch = c.add_channel_changes();
        ch->set_ns(ns);
        ch->set_position(pos);
        ch->set_lost(lost);
        for (int k : lost ? e.objection_channel_lost().channels() : e.objection_channel_restored().channels()) {
          ch->add_channels(k);
        }
        break;
      }
      case P::kSensitiveSegmentStarted: {
        const auto& p = e.sensitive_segment_started();
        st::Segment* s = c.add_segments();
        s->set_segment_id(p.segment_id());
        s->set_kind(p.kind());
        s->set_start_ns(ns);
        s->set_start_position(pos);
        if (p.kind() == v1::SENSITIVE_KIND_PAYMENT_CARD && capturing()) {
          stops.emplace_back("LC-DATA-1", "payment-card segment started");
        }
        break;
      }
      case P::kSensitiveSegmentEnded:
        for (auto& s : *c.mutable_segments()) {
          if (s.segment_id() == e.sensitive_segment_ended().segment_id() && s.end_ns() == 0) {
            s.set_end_ns(ns);
            s.set_end_position(pos);
          }
        }
        break;
      case P::kRecordingStarted: {
        const auto& p = e.recording_started();
        st::Recording* r = c.add_recordings();
        r->set_recording_id(p.recording_id());
        r->set_started_position(pos);
        r->set_started_ns(ns);
        r->set_trigger(p.trigger());
        for (int t : capture_tracks) {
          r->add_tracks(static_cast<v1::Track>(t));
          r->add_track_states(kCapturing);
        }
        st::TrackChange* ch = r->add_changes();
        ch->set_position(pos);
        ch->set_ns(ns);
        ch->set_kind(kStart);
        for (int t : capture_tracks) ch->add_tracks(static_cast<v1::Track>(t));
        {
          std::unique_lock<std::shared_mutex> wl(world_mu_);
          recording_calls_[p.recording_id()] = call_id;
          MarkDirty("rc/", p.recording_id());
        }
        count_capture_for_agent = true;
        break;
      }
      case P::kRecordingPaused:
      case P::kRecordingResumed:
      case P::kRecordingStopped: {
        // The three share a shape; resumes carry no pause cause.
        auto apply = [&](int kind, const auto& p, v1::PauseCause cause) {
          if (st::Recording* r = find_recording(p.recording_id())) {
            change(r, kind, p.tracks(), cause, p.cause_ref(), p.has_ack_time() ? &p.ack_time() : nullptr,
                   p.ack_source());
          }
        };
        if (e.has_recording_paused()) {
          apply(kPause, e.recording_paused(), e.recording_paused().cause());
        } else if (e.has_recording_stopped()) {
          apply(kStop, e.recording_stopped(), e.recording_stopped().cause());
        } else {
          apply(kResume, e.recording_resumed(), v1::PAUSE_CAUSE_UNSPECIFIED);
          count_capture_for_agent = true;
        }
        break;
      }
      case P::kRecordingStored:
      case P::kDerivedArtefactCreated: {
        // A stored copy of the recording or of an artefact, or an artefact's first copy.
        const bool artefact = e.has_derived_artefact_created();
        const auto& stored = e.recording_stored();
        const auto& derived = e.derived_artefact_created();
        st::Recording* r = find_recording(artefact ? derived.recording_id() : stored.recording_id());
        if (r == nullptr) break;
        st::Copy* cp = r->add_copies();
        cp->set_copy_id(artefact ? derived.copy_id() : stored.copy_id());
        cp->set_artefact_id(artefact ? derived.artefact_id() : stored.artefact_id());
        cp->set_stored_position(pos);
        cp->set_stored_ns(ns);
        cp->set_content_hash(artefact ? derived.content_hash() : stored.content_hash());
        cp->set_storage_ref(artefact ? derived.storage_ref() : stored.storage_ref());
        if (artefact) {
          cp->set_artefact_kind(derived.kind());
        } else if (!stored.artefact_id().empty()) {
          for (const auto& other : r->copies()) {
            if (other.artefact_id() == stored.artefact_id() && other.artefact_kind() != 0) {
              cp->set_artefact_kind(other.artefact_kind());
              break;
            }
          }
        }
        break;
      }
      case P::kRecordingPurged: {
        const auto& p = e.recording_purged();
        if (st::Recording* r = find_recording(p.recording_id())) {
          for (auto& cp : *r->mutable_copies()) {
            const bool same_copy = (p.copy_id().empty() || cp.copy_id() == p.copy_id()) &&
                                   (p.copy_id().empty() || cp.artefact_id() == p.artefact_id());
            // A later receipt completes a purge recorded without one (LC-RET-4).
            if (same_copy && (cp.purged_position() == 0 || !cp.receipt())) {
              const bool receipt = !p.content_hash().empty() && !p.storage_receipt().empty();
              if (cp.purged_position() == 0) {
                cp.set_purged_position(pos);
                cp.set_purged_ns(ns);
              } else if (receipt) {
                cp.set_purged_position(pos);  // the receipt completes it now
                cp.set_purged_ns(ns);
              }
              cp.set_receipt(receipt);
              cp.set_purge_reason(p.reason());
              cp.set_purge_cause_ref(p.cause_ref());
            }
          }
        }
        break;
      }
      case P::kRetentionOverridden: {
        const auto& p = e.retention_overridden();
        if (st::Recording* r = find_recording(p.recording_id())) {
          if (!p.ground().empty()) {
            st::Override* o = r->add_overrides();
            o->set_cause_ref(p.cause_ref());
            o->set_artefact_id(p.artefact_id());
            if (p.has_keep_until_time()) o->set_keep_until_ns(ToNs(p.keep_until_time()));
            o->set_position(pos);
            o->set_ns(ns);
          }
        }
        break;
      }
      case P::kScreenCaptureStarted:
        c.add_screen_capture_positions(pos);
        break;
      case P::kObjectionRaised: {
        const auto& p = e.objection_raised();
        st::Objection* o = c.add_objections();
        o->set_objection_id(p.objection_id());
        o->set_party(p.party());
        o->set_subject_ref(p.subject_ref());
        o->set_raised_ns(ns);
        o->set_raised_position(pos);
        o->set_call_id(call_id);
        if (capturing()) {
          stops.emplace_back(p.party() == v1::PARTY_AGENT ? "LC-OBJ-2" : "LC-OBJ-1",
                             p.party() == v1::PARTY_AGENT ? "agent objected" : "caller objected");
        }
        break;
      }
      case P::kObjectionDecided:
        if (auto* o = FindObjection(c.mutable_objections(), e.objection_decided().objection_id())) {
          DecideObjection(o, e.objection_decided(), ns, pos);
        }
        break;
      case P::kObjectionWithdrawn:
        if (auto* o = FindObjection(c.mutable_objections(), e.objection_withdrawn().objection_id())) {
          WithdrawObjection(o, e.objection_withdrawn(), ns, pos);
        }
        break;
      case P::kLiveListenStarted:
      case P::kRecordingAccessed:
      case P::kAccessRefused: {
        st::Access* a = c.add_accesses();
        a->set_position(pos);
        a->set_ns(ns);
        std::string principal, role, recording;
        int action = 0, purpose = 0;
        if (e.has_live_listen_started()) {
          const auto& p = e.live_listen_started();
          principal = p.principal_ref();
          role = p.role();
          action = v1::ACCESS_ACTION_LIVE_LISTEN;
          purpose = p.purpose();
        } else if (e.has_recording_accessed()) {
          const auto& p = e.recording_accessed();
          principal = p.principal_ref();
          role = p.role();
          action = p.action();
          purpose = p.purpose();
          recording = p.recording_id().empty() ? p.artefact_id() : p.recording_id();
        } else {
          const auto& p = e.access_refused();
          principal = p.principal_ref();
          role = p.role();
          action = p.action();
          purpose = p.purpose();
          recording = p.recording_id().empty() ? p.artefact_id() : p.recording_id();
          a->set_refused(true);
        }
        a->set_principal_ref(principal);
        a->set_role(role);
        a->set_action(action);
        a->set_purpose(purpose);
        a->set_recording_id(recording);
        a->set_complete(!principal.empty() && !role.empty() && action != 0 && purpose != 0 &&
                        (action == v1::ACCESS_ACTION_LIVE_LISTEN || !recording.empty()));
        bool lawful = false;
        if (!a->refused() && reg_for_access.active) {
          const auto& d = reg_for_access.version_in_force().details();
          const bool role_ok = std::find(d.recipient_roles().begin(), d.recipient_roles().end(), role) != d.recipient_roles().end();
          bool purpose_ok = false;
          for (const auto& pd : d.purposes()) purpose_ok = purpose_ok || pd.purpose() == purpose;
          lawful = role_ok && purpose_ok;
        }
        a->set_lawful(a->refused() || lawful);
        access_lawful = a->lawful();
        if (e.has_live_listen_started()) {
          st::Capture* cap = c.add_captures();
          cap->set_position(pos);
          cap->set_ns(ns);
          cap->set_live_listen(true);
          for (int t : capture_tracks) cap->add_tracks(static_cast<v1::Track>(t));
          for (const auto& f : failures) {
            st::Failure* sf = cap->add_failures();
            sf->set_rule_id(f.rule);
            sf->set_detail(f.detail);
            for (uint64_t ev : f.evidence) sf->add_evidence(ev);
            sf->set_unverified(f.unverified);
          }
        }
        agents_of_call.assign(c.agent_refs().begin(), c.agent_refs().end());
        break;
      }
      default:
        break;
    }
    if (capture_begins && !e.has_live_listen_started()) {
      st::Capture* cap = c.add_captures();
      cap->set_position(pos);
      cap->set_ns(ns);
      for (int t : capture_tracks) cap->add_tracks(static_cast<v1::Track>(t));
      for (const auto& f : failures) {
        st::Failure* sf = cap->add_failures();
        sf->set_rule_id(f.rule);
        sf->set_detail(f.detail);
        for (uint64_t ev : f.evidence) sf->add_evidence(ev);
        sf->set_unverified(f.unverified);
      }
      recorded_agent = c.agent_ref();
    }
    // The call counts once per agent for the recorded share (LC-PROP-1); remembered on the call,
    // so the agent's side needs no search through its recorded calls.
    if (count_capture_for_agent && !recorded_agent.empty()) {
      first_recording_for_agent = std::find(c.recorded_for_agents().begin(), c.recorded_for_agents().end(),
                                            recorded_agent) == c.recorded_for_agents().end();
      if (first_recording_for_agent) c.add_recorded_for_agents(recorded_agent);
    }
    if (count_capture_for_agent) {
      agent_in_window = std::none_of(failures.begin(), failures.end(),
                                     [](const Failing& f) { return std::string_view(f.rule) == "LC-AGT-2"; });
    }
    for (auto& [rule, reason] : stops) EmitStop(c, rule, reason, pos, ns);
    call_start_ns = c.started_ns();
  }
  MarkDirty("c/", call_id);
  if (e.has_call_started() || !new_agent.empty()) {
    std::shared_lock<std::shared_mutex> lock(sh.mu);
    if (auto it = sh.calls.find(call_id); it != sh.calls.end()) {
      IndexCall(it->second, e.has_call_started() ? std::string() : new_agent);
    }
  }

  // Agent side effects (LC-PROP-1 counts, LC-AGT-2 captures, accesses).
  if (!new_agent.empty()) {
    MutateAgent(new_agent, [&](st::Agent& a) { InsertSorted(a.mutable_handled_ns(), call_start_ns); });
  }
  if (count_capture_for_agent && !recorded_agent.empty()) {
    MutateAgent(recorded_agent, [&](st::Agent& a) {
      a.set_captures(a.captures() + 1);
      if (!agent_in_window) a.add_captures_outside_window(pos);
      if (first_recording_for_agent) InsertSorted(a.mutable_recorded_ns(), call_start_ns);
    });
  }
  if (!agents_of_call.empty()) {
    const bool refused = e.has_access_refused();
    const bool lawful = access_lawful;
    for (const auto& ref : agents_of_call) {
      MutateAgent(ref, [&](st::Agent& a) {
        a.set_accesses(a.accesses() + 1);
        if (refused) a.set_accesses_refused(a.accesses_refused() + 1);
        else if (!lawful) a.set_accesses_unlawful(a.accesses_unlawful() + 1);
      });
    }
  }
}

}  // namespace consent::internal
