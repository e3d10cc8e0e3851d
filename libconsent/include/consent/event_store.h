// SPDX-License-Identifier: Apache-2.0
// consent::EventStore — an embedded, durable, hash-chained event log.
//
// The store knows nothing of calls: it keeps immutable `consent::v1::Event`s in named streams
// (`category-id`, e.g. "call-42"; names starting with '$' are reserved), gives each a 0-based
// stream revision and a dense, gapless global position starting at 1, and chains every event to
// the previous one with a BLAKE2b-256 hash so that tampering is detectable.
//
//   auto store = consent::EventStore::Open({}, "./consent-data");
//   if (!store.ok()) return fail(store.status());
//   consent::v1::Event e;
//   e.set_event_id(consent::NewEventId());
//   *e.mutable_occur_time() = consent::ToTimestamp(std::chrono::system_clock::now());
//   e.mutable_annotation_added()->set_text("hello");
//   auto r = (*store)->Append("note-1", consent::kNoStream, {e});
//   auto events = (*store)->ReadStream("note-1");
//
// Thread-safety: an EventStore is safe for concurrent use by any number of threads. Concurrent
// appends are merged into one RocksDB write (and one sync) by a leader thread: group commit.
//
// Semantics:
//  * Expected revision: kAnyRevision (-2) appends unconditionally; kNoStream (-1) requires that
//    the stream does not exist; kStreamExists (-4) requires that it does; N >= 0 requires that
//    the stream's last revision is exactly N. A mismatch is kAborted with
//    context().expected_revision / actual_revision set.
//  * Idempotency: event ids are indexed persistently. Re-appending events whose ids are already
//    stored, to the same stream with the same content, succeeds without writing and returns the
//    original positions (AppendResult::deduplicated). An id reused for different content, or an
//    append mixing stored and new ids, is kAlreadyExists.
//  * Atomicity: one Append or AppendMulti is one RocksDB WriteBatch: all or nothing.
//  * Reads see a consistent snapshot: no read ever observes a partial append or a gap.
//  * Hash chain: h_n = BLAKE2b-256(h_{n-1} || u32le(len(header)) || header || BLAKE2b-256(payload)),
//    h_0 = 32 zero bytes, where the stored event bytes (the serialized Event) are split into the
//    payload field's value (`payload`: the embedded message bytes) and every other byte, in order
//    (`header`, which includes the payload field's tag and length). See Verify().

#ifndef CONSENT_EVENT_STORE_H_
#define CONSENT_EVENT_STORE_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "consent/event_id.h"
#include "consent/status.h"
#include "consent/v1/event.pb.h"

namespace consent {

using Event = v1::Event;

// Expected-revision codes (the conventions of the best-known event stores).
inline constexpr int64_t kAnyRevision = -2;
inline constexpr int64_t kNoStream = -1;
inline constexpr int64_t kStreamExists = -4;

// The on-disk format this library writes and reads. Open() refuses any other.
inline constexpr uint32_t kFormatVersion = 1;

// Limits on what a store accepts (Append refuses more with kInvalidArgument naming the field):
// Times: every google.protobuf.Timestamp of an event (envelope and payload) must lie in
// [1970-01-01T00:00:00Z, 2200-01-01T00:00:00Z): nanoseconds since the epoch then always fit in
// 64 bits.
inline constexpr int64_t kMinTimeSeconds = 0;
inline constexpr int64_t kEndTimeSeconds = 7258118400;  // 2200-01-01T00:00:00Z
// Ids (correlation_id, causation_id, actor.principal_ref and every payload string field whose
// name ends in _id, _ids, _ref or _refs): at most 256 bytes each.
inline constexpr size_t kMaxIdBytes = 256;
// Every other string field: at most 64 KiB.
inline constexpr size_t kMaxTextBytes = size_t{64} << 10;
// One serialized event: at most 1 MiB.
inline constexpr size_t kMaxEventBytes = size_t{1} << 20;

// Source of record times. Must be safe to call from any thread.
using Clock = std::function<std::chrono::system_clock::time_point()>;

struct StoreOptions {
  // Create the store when `path` holds none. Default: true.
  bool create_if_missing = true;
  // Fail with kAlreadyExists when `path` already holds a store. Default: false.
  bool error_if_exists = false;
  // Sync the write-ahead log before acknowledging an append (per-append override in
  // AppendOptions). An append acknowledged with sync survives a crash of the process or the
  // machine. Default: true.
  bool sync = true;
  // Source of `record_time`. Default: std::chrono::system_clock::now.
  Clock clock;
  // Stream heads kept in memory to check expected revisions without a disk read. Default: 1<<20.
  size_t stream_cache_entries = size_t{1} << 20;
  // RocksDB block cache shared by all column families. Default: 64 MiB.
  size_t block_cache_bytes = size_t{64} << 20;
  // Upper bound on the bytes merged into one group commit. Default: 4 MiB.
  size_t max_group_commit_bytes = size_t{4} << 20;
  // Open for reading only: nothing in the directory is created or changed (no lock file, no
  // log), so a store the process cannot write (another user's, a mounted snapshot) can be read;
  // every write fails with kFailedPrecondition, and events appended by another process after
  // the open are not seen. A store whose directory is not writable is opened read-only even
  // when this is false (read_only() tells). A missing store is kNotFound. Default: false.
  bool read_only = false;
};

struct AppendOptions {
  // Overrides StoreOptions::sync for this append. Default: the store's setting.
  std::optional<bool> sync;
};

// The events to append to one stream, with the revision the caller expects it to be at.
struct StreamAppend {
  std::string stream;
  int64_t expected_revision = kAnyRevision;
  // Each event needs event_id (16 bytes, unique), occur_time and a payload. stream_id may be
  // empty or equal to `stream`; stream_revision, position and record_time must be unset: the
  // store sets them.
  std::vector<Event> events;
};

struct AppendResult {
  std::string stream;
  // The stream's last revision after the append: pass it as expected_revision next time.
  int64_t next_expected_revision = kNoStream;
  uint64_t first_position = 0;
  uint64_t last_position = 0;
  // True when every event was already stored (a retried append): nothing was written.
  bool deduplicated = false;
};

struct MultiAppendResult {
  std::vector<AppendResult> streams;  // in the order of the request
  uint64_t first_position = 0;
  uint64_t last_position = 0;
  bool deduplicated = false;
};

enum class Direction { kForward, kBackward };

// Sentinel for "the end" of a stream or of the log, depending on the direction.
inline constexpr int64_t kEndRevision = -1;
inline constexpr uint64_t kHeadPosition = 0;

struct ReadStreamOptions {
  Direction direction = Direction::kForward;
  // First revision to return. Forward default 0; backward: kEndRevision means the last one.
  int64_t from_revision = 0;
  // Default: no limit.
  size_t max_count = std::numeric_limits<size_t>::max();
};

// Filters shared by ReadAll, ScanAll and Subscribe. An empty list does not filter.
struct EventFilter {
  // Stream categories: the part of the stream name before the first '-' ("call").
  std::vector<std::string> categories;
  // Payload message names ("AnnotationAdded") or field names ("annotation_added").
  std::vector<std::string> types;
  // IntegratorEvent type names ("order.Placed"): when not empty, only IntegratorEvents whose
  // `type` is listed pass (every other payload is filtered out). Matched exactly.
  std::vector<std::string> integrator_types;
};

struct ReadAllOptions {
  Direction direction = Direction::kForward;
  // First position to consider. Forward: 1 by default; backward: kHeadPosition means the head.
  uint64_t from_position = 1;
  // Last position to consider (inclusive bound in the direction of reading); 0: no bound.
  uint64_t to_position = 0;
  size_t max_count = std::numeric_limits<size_t>::max();
  EventFilter filter;
};

struct VerifyReport {
  uint64_t from_position = 0;
  uint64_t to_position = 0;
  uint64_t events_checked = 0;
  // Chain hash after `to_position`, lower-case hex: anchor it outside the store to detect a
  // rewrite of the whole chain.
  std::string chain_hash_hex;
};

struct StoreStats {
  std::string path;
  std::string store_id;           // UUID given to the store at creation
  uint32_t format_version = 0;
  uint64_t head_position = 0;     // number of events
  uint64_t stream_count = 0;
  std::string head_hash_hex;      // chain hash of the last event (zeros when empty)
  uint64_t approximate_bytes = 0; // on-disk size of all column families
};

// Atomic update of a projection's state and its checkpoint. See EventStore::CommitProjection.
class ProjectionBatch {
 public:
  void Put(std::string_view key, std::string_view value);
  void Delete(std::string_view key);
  // Position of the last event folded into the state.
  void SetCheckpoint(uint64_t position) { checkpoint_ = position; }
  // Removes all state and the checkpoint before applying the rest (for rebuilds).
  void ClearAll() { clear_all_ = true; }

  bool empty() const { return ops_.empty() && !checkpoint_ && !clear_all_; }
  size_t size() const { return ops_.size(); }

  struct Op {
    bool is_delete;
    std::string key;
    std::string value;
  };
  const std::vector<Op>& ops() const { return ops_; }
  const std::optional<uint64_t>& checkpoint() const { return checkpoint_; }
  bool clear_all() const { return clear_all_; }

 private:
  std::vector<Op> ops_;
  std::optional<uint64_t> checkpoint_;
  bool clear_all_ = false;
};

// Receives events on the subscription's own thread, in position order. Returning a non-OK
// status stops the subscription; Subscription::status() then has the handler's code and
// context, its message prefixed with "Subscribe: handler: ".
using EventHandler = std::function<Status(const Event&)>;

struct SubscribeOptions {
  // First position delivered (events with position >= from_position). Default: 1, all history.
  uint64_t from_position = 1;
  EventFilter filter;
  // Events read per catch-up step. Default: 512.
  size_t batch_size = 512;
  // Called once, on the subscription thread, when catch-up reaches the head and delivery turns
  // live. Optional.
  std::function<void()> on_live;
};

// A running catch-up subscription. Destroying it stops it and joins its thread.
// Thread-safety: all methods may be called from any thread, except Stop() and the destructor
// from inside the handler (that would deadlock).
class Subscription {
 public:
  virtual ~Subscription() = default;
  // Stops delivery and joins the thread. Idempotent.
  virtual void Stop() = 0;
  // True once catch-up reached the head.
  virtual bool is_live() const = 0;
  // Last position processed (delivered or filtered out); from_position - 1 before any.
  virtual uint64_t last_position() const = 0;
  // OK while running or after Stop(); the handler's error or a read error otherwise.
  virtual Status status() const = 0;
  // Blocks until the subscription has processed `position` (or stopped). Returns false on
  // timeout or when the subscription ended before reaching it.
  virtual bool WaitFor(uint64_t position, std::chrono::milliseconds timeout) const = 0;
};

class EventStore {
 public:
  // Opens (or creates) the store at `path`.
  // Errors: kInvalidArgument (bad options), kNotFound (no store and !create_if_missing),
  // kAlreadyExists (error_if_exists), kFailedPrecondition (another format version, or a
  // directory that is not a libconsent store), kUnavailable (I/O, lock held by another process).
  static StatusOr<std::unique_ptr<EventStore>> Open(const StoreOptions& options,
                                                    const std::string& path);

  virtual ~EventStore() = default;
  EventStore(const EventStore&) = delete;
  EventStore& operator=(const EventStore&) = delete;

  // Appends `events` to `stream` if it is at `expected_revision`.
  // Errors: kInvalidArgument (malformed stream name or event, or one over the limits above;
  // context().index names the event and context().field the field), kAborted (revision
  // mismatch), kAlreadyExists (id reused), kResourceExhausted (the disk is full),
  // kUnavailable/kInternal (storage), kFailedPrecondition (opened read-only), kDataLoss (the
  // stored head record and the log disagree: events were lost or added outside the store; see
  // Verify). On error nothing is written. After a failed write (a full disk) the next write first
  // resumes the store, so appends succeed again once space is freed.
  virtual StatusOr<AppendResult> Append(std::string_view stream, int64_t expected_revision,
                                        std::vector<Event> events,
                                        const AppendOptions& options = {}) = 0;

  // Appends to several streams at once, each with its own expected revision: all or nothing.
  // Errors as Append; kInvalidArgument when a stream appears twice. context().stream names the
  // stream that failed.
  virtual StatusOr<MultiAppendResult> AppendMulti(std::vector<StreamAppend> appends,
                                                  const AppendOptions& options = {}) = 0;

  // Events of one stream. kNotFound when the stream does not exist; kOutOfRange never: a
  // revision past the end yields an empty list.
  virtual StatusOr<std::vector<Event>> ReadStream(std::string_view stream,
                                                  const ReadStreamOptions& options = {}) const = 0;

  // Events of the whole log, in position order (or reverse), filtered.
  // kInvalidArgument for an unknown type name.
  virtual StatusOr<std::vector<Event>> ReadAll(const ReadAllOptions& options = {}) const = 0;

  // Like ReadAll but streams the events to `visit` (return false to stop early) without
  // materialising them; `visit` sees a reused Event object valid only during the call.
  virtual Status ScanAll(const ReadAllOptions& options,
                         const std::function<bool(const Event&)>& visit) const = 0;

  // The event at `position`; kNotFound past the head.
  virtual StatusOr<Event> ReadEvent(uint64_t position) const = 0;

  // Position of the event with this 16-byte id; kNotFound when it is not stored.
  virtual StatusOr<uint64_t> FindEvent(std::string_view event_id) const = 0;

  // Last revision of `stream`, kNoStream (-1) when it does not exist.
  virtual StatusOr<int64_t> StreamRevision(std::string_view stream) const = 0;

  // Position of the last committed event (0 when empty).
  virtual uint64_t HeadPosition() const = 0;

  // True when the store was opened read-only (asked for, or its directory is not writable).
  virtual bool read_only() const = 0;

  // Delivers every event from options.from_position, then new ones as they are committed,
  // with none missed or repeated across the switch to live delivery.
  virtual StatusOr<std::unique_ptr<Subscription>> Subscribe(SubscribeOptions options,
                                                            EventHandler handler) = 0;

  // Recomputes the hash chain over [from, to] (to = kHeadPosition: the head) and checks that
  // positions are dense, that each event sits at the position and revision it claims, that the
  // stream and id indexes point at it, that no other index entry points into [from, to], and
  // (when `to` is the head) that the stored head record (position and chain hash) matches the
  // last event. kDataLoss at the first modified, missing or reordered event or stray index
  // entry, with context().position set.
  virtual StatusOr<VerifyReport> Verify(uint64_t from = 1, uint64_t to = kHeadPosition) const = 0;

  virtual StatusOr<StoreStats> Stats() const = 0;

  // ---- Projection state -------------------------------------------------------------------
  // Projections keep their state as key/value pairs under their name, and write it together
  // with their checkpoint in one atomic batch, so that a crash never separates the two.
  // `projection` must be non-empty and contain no '\0'.
  virtual Status CommitProjection(std::string_view projection, const ProjectionBatch& batch,
                                  const AppendOptions& options = {}) = 0;
  // Checkpoint of `projection`: position of the last event folded in, 0 when none. kDataLoss
  // when the stored value is malformed.
  virtual StatusOr<uint64_t> ProjectionCheckpoint(std::string_view projection) const = 0;
  // The checkpoint, checked against the log before a projection trusts its state: CommitProjection
  // stores the chain hash of the event at the checkpoint beside it. kNotFound when no checkpoint is stored; kDataLoss when
  // it is malformed, lies past the head, or its chain hash differs from the event's at that
  // position (the checkpoint was rewound or the log rewritten). A checkpoint stored before
  // hashes were kept is checked against the head only.
  virtual StatusOr<uint64_t> CheckedProjectionCheckpoint(std::string_view projection) const = 0;
  // Value stored under `key`; std::nullopt when absent.
  virtual StatusOr<std::optional<std::string>> GetProjectionValue(std::string_view projection,
                                                                  std::string_view key) const = 0;
  // Visits the pairs whose key starts with `prefix`, in key order; return false to stop.
  virtual Status ScanProjection(
      std::string_view projection, std::string_view prefix,
      const std::function<bool(std::string_view key, std::string_view value)>& visit) const = 0;

  // Flushes memtables and compacts every column family (used after erasures so that deleted
  // bytes leave the disk).
  virtual Status CompactAll() = 0;

 protected:
  EventStore() = default;
};

// ---- Helpers -----------------------------------------------------------------------------

// Conversions between std::chrono and google.protobuf.Timestamp (UTC).
google::protobuf::Timestamp ToTimestamp(std::chrono::system_clock::time_point t);
std::chrono::system_clock::time_point FromTimestamp(const google::protobuf::Timestamp& t);

// "AnnotationAdded" for an event whose payload is annotation_added; "" when unset.
std::string_view PayloadTypeName(const Event& event);

// The category of a stream name: "call" for "call-42", the whole name when it has no '-'.
std::string_view StreamCategory(std::string_view stream);

// Checks a stream name: non-empty, at most 512 bytes, valid UTF-8, no NUL, no control
// characters, not starting with '$' (reserved). kInvalidArgument otherwise.
Status ValidateStreamName(std::string_view stream);

// Everything Append checks about one event without looking at the store: event id (16 bytes,
// not all zero), occur_time set and valid, every time in [kMinTimeSeconds, kEndTimeSeconds),
// payload set and known, store-assigned fields unset, stream_id empty or equal to `stream`,
// valid UTF-8 in every string, ids and texts within kMaxIdBytes and kMaxTextBytes, known enum
// values, no unknown fields, and at most kMaxEventBytes serialized. kInvalidArgument with context().field naming the offending field.
// Lets a tool validate a whole import before writing anything.
Status ValidateEventForAppend(std::string_view stream, const Event& event);

}  // namespace consent

#endif  // CONSENT_EVENT_STORE_H_
