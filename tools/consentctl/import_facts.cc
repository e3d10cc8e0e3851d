#include "import_facts.h"

#include <algorithm>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace consent::cli {

// The store as it would be after the appends made so far: reads see the store underneath
// (possibly none) and then the events appended here, which never leave memory. Only what a
// Ledger uses is implemented; the rest answers kUnimplemented.
class OverlayStore final : public EventStore {
 public:
  explicit OverlayStore(const EventStore* base)
      : base_(base), base_head_(base != nullptr ? base->HeadPosition() : 0) {}

  StatusOr<AppendResult> Append(std::string_view stream, int64_t expected_revision,
                                std::vector<Event> events, const AppendOptions&) override {
    const std::string name(stream);
    const std::string op = "Append(stream \"" + name + "\")";
    if (Status s = ValidateStreamName(name); !s.ok()) return s;
    CONSENT_ASSIGN_OR_RETURN(int64_t revision, StreamRevision(name));
    AppendResult result;
    result.stream = name;
    bool all_stored = !events.empty();
    for (const Event& e : events) {
      StatusOr<uint64_t> found = FindEvent(e.event_id());
      if (!found.ok() && found.status().code() != StatusCode::kNotFound) return found.status();
      if (found.ok()) {
        result.first_position = result.first_position == 0 ? *found : result.first_position;
        result.last_position = *found;
      }
      all_stored = all_stored && found.ok();
    }
    if (all_stored) {
      result.next_expected_revision = revision;
      result.deduplicated = true;
      return result;
    }
    if (!RevisionMatches(expected_revision, revision)) {
      return AbortedError(op + ": expected revision " + std::to_string(expected_revision) +
                          ", stream is at " + std::to_string(revision));
    }
    result.first_position = HeadPosition() + 1;
    for (const Event& e : events) {
      if (Status s = ValidateEventForAppend(name, e); !s.ok()) return s;
    }
    for (Event& e : events) {
      e.set_stream_id(name);
      e.set_position(HeadPosition() + 1);
      e.set_stream_revision(static_cast<uint64_t>(++revision));
      ids_[e.event_id()] = e.position();
      streams_[name].push_back(events_.size());
      events_.push_back(std::move(e));
    }
    result.last_position = HeadPosition();
    result.next_expected_revision = revision;
    return result;
  }

  StatusOr<MultiAppendResult> AppendMulti(std::vector<StreamAppend>,
                                          const AppendOptions&) override {
    return Unimplemented("AppendMulti");
  }

  StatusOr<std::vector<Event>> ReadStream(std::string_view stream,
                                          const ReadStreamOptions& options) const override {
    std::vector<Event> all;
    bool exists = false;
    if (base_ != nullptr) {
      StatusOr<std::vector<Event>> stored = base_->ReadStream(stream);
      if (!stored.ok() && stored.status().code() != StatusCode::kNotFound) return stored.status();
      if (stored.ok()) {
        exists = true;
        all = std::move(stored).value();
      }
    }
    if (auto it = streams_.find(std::string(stream)); it != streams_.end()) {
      exists = true;
      for (size_t index : it->second) all.push_back(events_[index]);
    }
    if (!exists) {
      return NotFoundError("ReadStream(stream \"" + std::string(stream) + "\"): no such stream");
    }
    return Window(std::move(all), options);
  }

  StatusOr<std::vector<Event>> ReadAll(const ReadAllOptions&) const override {
    return Unimplemented("ReadAll");
  }
  Status ScanAll(const ReadAllOptions&, const std::function<bool(const Event&)>&) const override {
    return Unimplemented("ScanAll");
  }

  StatusOr<Event> ReadEvent(uint64_t position) const override {
    if (position > base_head_ && position <= HeadPosition()) {
      return events_[position - base_head_ - 1];
    }
    if (base_ != nullptr && position > 0 && position <= base_head_) {
      return base_->ReadEvent(position);
    }
    return NotFoundError("ReadEvent(position " + std::to_string(position) + "): past the head");
  }

  StatusOr<uint64_t> FindEvent(std::string_view event_id) const override {
    if (auto it = ids_.find(std::string(event_id)); it != ids_.end()) return it->second;
    if (base_ != nullptr) return base_->FindEvent(event_id);
    return NotFoundError("FindEvent: no such event id");
  }

  StatusOr<int64_t> StreamRevision(std::string_view stream) const override {
    if (auto it = streams_.find(std::string(stream)); it != streams_.end()) {
      return static_cast<int64_t>(events_[it->second.back()].stream_revision());
    }
    if (base_ != nullptr) return base_->StreamRevision(stream);
    return kNoStream;
  }

  uint64_t HeadPosition() const override { return base_head_ + events_.size(); }
  // The dry run never writes to the store it overlays.
  bool read_only() const override { return false; }

  StatusOr<std::unique_ptr<Subscription>> Subscribe(SubscribeOptions, EventHandler) override {
    return Unimplemented("Subscribe");
  }
  StatusOr<VerifyReport> Verify(uint64_t, uint64_t) const override {
    return Unimplemented("Verify");
  }
  StatusOr<StoreStats> Stats() const override { return Unimplemented("Stats"); }
  Status CommitProjection(std::string_view, const ProjectionBatch&,
                          const AppendOptions&) override {
    return Unimplemented("CommitProjection");
  }
  StatusOr<uint64_t> ProjectionCheckpoint(std::string_view) const override {
    return Unimplemented("ProjectionCheckpoint");
  }
  StatusOr<uint64_t> CheckedProjectionCheckpoint(std::string_view) const override {
    return Unimplemented("CheckedProjectionCheckpoint");
  }
  StatusOr<std::optional<std::string>> GetProjectionValue(std::string_view,
                                                          std::string_view) const override {
    return Unimplemented("GetProjectionValue");
  }
  Status ScanProjection(
      std::string_view, std::string_view,
      const std::function<bool(std::string_view, std::string_view)>&) const override {
    return Unimplemented("ScanProjection");
  }
  Status CompactAll() override { return Unimplemented("CompactAll"); }

 private:
  static Status Unimplemented(std::string_view what) {
    return Status(StatusCode::kUnimplemented,
                  std::string(what) + ": not available while an import is checked");
  }

  static bool RevisionMatches(int64_t expected, int64_t actual) {
    if (expected == kAnyRevision) return true;
    if (expected == kStreamExists) return actual >= 0;
    return expected == actual;
  }

  // `all` holds revisions 0..n-1 in order.
  static std::vector<Event> Window(std::vector<Event> all, const ReadStreamOptions& options) {
    std::vector<Event> out;
    const int64_t n = static_cast<int64_t>(all.size());
    if (options.direction == Direction::kForward) {
      for (int64_t r = std::max<int64_t>(options.from_revision, 0);
           r < n && out.size() < options.max_count; ++r) {
        out.push_back(std::move(all[static_cast<size_t>(r)]));
      }
    } else {
      int64_t r =
          options.from_revision == kEndRevision ? n - 1 : std::min(options.from_revision, n - 1);
      for (; r >= 0 && out.size() < options.max_count; --r) {
        out.push_back(std::move(all[static_cast<size_t>(r)]));
      }
    }
    return out;
  }

  const EventStore* const base_;
  const uint64_t base_head_;
  std::vector<Event> events_;                         // positions base_head_+1 ...
  std::map<std::string, std::vector<size_t>> streams_;  // stream -> indexes into events_
  std::map<std::string, uint64_t> ids_;                 // event id -> position
};

StatusOr<std::unique_ptr<FactChecker>> FactChecker::Create(const EventStore* store) {
  auto overlay = std::make_unique<OverlayStore>(store);
  CONSENT_ASSIGN_OR_RETURN(std::unique_ptr<Ledger> ledger, Ledger::Create(overlay.get()));
  return std::unique_ptr<FactChecker>(new FactChecker(std::move(overlay), std::move(ledger)));
}

FactChecker::FactChecker(std::unique_ptr<OverlayStore> overlay, std::unique_ptr<Ledger> ledger)
    : overlay_(std::move(overlay)), ledger_(std::move(ledger)) {}

FactChecker::~FactChecker() = default;

Status FactChecker::Check(const Event& event) {
  StatusOr<Recorded> recorded = ledger_->Record(event);
  if (recorded.ok()) return Status();
  const Status& s = recorded.status();
  // kUnimplemented on "payload": a fact the Ledger does not record; sealed identities and
  // erasures are recorded by the SubjectDirectory.
  const bool not_a_ledger_fact =
      (s.code() == StatusCode::kUnimplemented && s.context().field == "payload") ||
      event.has_subject_identity_sealed() || event.has_subject_erased();
  if (!not_a_ledger_fact) return s;
  return overlay_->Append(event.stream_id(), kAnyRevision, {event}, AppendOptions{}).status();
}

}  // namespace consent::cli
