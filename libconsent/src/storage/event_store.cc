// SPDX-License-Identifier: Apache-2.0
// EventStore on RocksDB. Layout: storage/layout.h. Hash chain: internal/chain.h.
//
// Write path (group commit, after leveldb's DBImpl::Write): every appender validates and
// serializes its events in its own thread, then queues a Writer. The writer at the front of the
// queue is the leader: it takes every queued writer (up to max_group_commit_bytes), checks
// idempotency and expected revisions for each in order against the log plus the group's own
// pending changes, assigns positions and revisions, chains hashes, and writes one WriteBatch
// (synced if any member asked for sync). A writer whose checks fail gets its error and adds
// nothing to the batch; the others are unaffected. Only the leader touches the leader state
// (last position, last hash, stream head cache), so it needs no lock of its own.
//
// Stored bytes: the appender serializes its Event with stream_id set and the store-assigned
// fields unset (the "body"); the leader prefixes the body with the encoded stream_revision,
// position and record_time fields ("stamp"). Protobuf accepts fields in any order, so the value
// parses as one Event, and the payload hash can be computed by the appender in parallel.

#include <google/protobuf/descriptor.h>
#include <google/protobuf/util/message_differencer.h>
#include <rocksdb/db.h>
#include <rocksdb/env.h>
#include <rocksdb/file_system.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/slice_transform.h>
#include <rocksdb/table.h>
#include <rocksdb/utilities/checkpoint.h>
#include <rocksdb/utilities/debug.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <cstring>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <mutex>
#include <thread>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <unordered_map>
#include <unordered_set>

#include "consent/event_store.h"
#include "internal/chain.h"
#include "storage/layout.h"
#include "storage/open_hooks.h"
#include "storage/rocks_status.h"
#include "storage/secrets.h"

namespace consent {
namespace internal {
namespace {

using rocksdb::ColumnFamilyHandle;
using rocksdb::Slice;

std::string Quote(std::string_view s) {
  std::string out = "\"";
  out.append(s.substr(0, 120));
  if (s.size() > 120) out += "...";
  out += '"';
  return out;
}

std::string HashHex(const Hash& h) {
  return ToHex(std::string_view(reinterpret_cast<const char*>(h.data()), h.size()));
}

// ---- Event encoding ----------------------------------------------------------------------

void PutVarint(std::string* out, uint64_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

// The store-assigned fields (3: stream_revision, 4: position, 5: record_time), wire-encoded.
void EncodeStamp(std::string* out, uint64_t revision, uint64_t position,
                 const google::protobuf::Timestamp& record_time) {
  if (revision != 0) {
    out->push_back(static_cast<char>((3 << 3) | 0));
    PutVarint(out, revision);
  }
  out->push_back(static_cast<char>((4 << 3) | 0));
  PutVarint(out, position);
  std::string ts;
  if (record_time.seconds() != 0) {
    ts.push_back(static_cast<char>((1 << 3) | 0));
    PutVarint(&ts, static_cast<uint64_t>(record_time.seconds()));
  }
  if (record_time.nanos() != 0) {
    ts.push_back(static_cast<char>((2 << 3) | 0));
    PutVarint(&ts, static_cast<uint64_t>(static_cast<int64_t>(record_time.nanos())));
  }
  out->push_back(static_cast<char>((5 << 3) | 2));
  PutVarint(out, ts.size());
  out->append(ts);
}

// Parses an `events` value. kDataLoss names the position when it cannot.
Status ParseStoredEvent(uint64_t position, Slice value, Event* out) {
  if (value.size() < kEventRecordHeaderSize ||
      static_cast<uint8_t>(value[0]) != kEventRecordVersion) {
    ErrorContext ctx;
    ctx.position = position;
    return DataLossError("event at position " + std::to_string(position) +
                             ": unknown record version or truncated record",
                         std::move(ctx));
  }
  if (!out->ParseFromArray(value.data() + kEventRecordHeaderSize,
                           static_cast<int>(value.size() - kEventRecordHeaderSize))) {
    ErrorContext ctx;
    ctx.position = position;
    return DataLossError("event at position " + std::to_string(position) + ": cannot be decoded",
                         std::move(ctx));
  }
  return Status();
}

Hash StoredHash(Slice value) {
  Hash h{};
  if (value.size() >= kEventRecordHeaderSize) std::memcpy(h.data(), value.data() + 1, kHashSize);
  return h;
}

// The `head` meta record (layout.h): u64be(position) || h_n.
std::string HeadRecord(uint64_t position, const Hash& hash) {
  std::string v;
  PutU64BE(&v, position);
  v.append(reinterpret_cast<const char*>(hash.data()), hash.size());
  return v;
}

// The index entries (layout.h) of a stored event.
std::string StreamIndexKeyOf(const Event& e) { return StreamKey(e.stream_id(), e.stream_revision()); }
std::string IdIndexKeyOf(const Event& e) { return e.event_id(); }

// RocksDB's diagnostics go nowhere: its default logger writes a LOG file into the store
// directory, which fails on a read-only directory and, on a full disk, aborts in the assertions
// of some distributions' builds. Failures reach callers as statuses instead.
class SilentLogger final : public rocksdb::Logger {
 public:
  SilentLogger() : rocksdb::Logger(rocksdb::InfoLogLevel::FATAL_LEVEL) {}
  using rocksdb::Logger::Logv;
  void Logv(const char*, va_list) override {}
};

// A file system that never syncs, for building a new store in a staging directory: the store
// is synced once, file by file, before it is renamed into place (a new RocksDB database
// otherwise syncs ~30 times while it creates its column families and option files).
class NoSyncFileSystem final : public rocksdb::FileSystemWrapper {
 public:
  explicit NoSyncFileSystem(std::shared_ptr<rocksdb::FileSystem> base)
      : rocksdb::FileSystemWrapper(std::move(base)) {}
  static const char* kClassName() { return "consent.NoSyncFileSystem"; }
  const char* Name() const override { return kClassName(); }

  rocksdb::IOStatus NewWritableFile(const std::string& name, const rocksdb::FileOptions& options,
                                    std::unique_ptr<rocksdb::FSWritableFile>* result,
                                    rocksdb::IODebugContext* dbg) override {
    std::unique_ptr<rocksdb::FSWritableFile> file;
    rocksdb::IOStatus s = target()->NewWritableFile(name, options, &file, dbg);
    if (s.ok()) result->reset(new File(std::move(file)));
    return s;
  }
  rocksdb::IOStatus NewDirectory(const std::string& name, const rocksdb::IOOptions& options,
                                 std::unique_ptr<rocksdb::FSDirectory>* result,
                                 rocksdb::IODebugContext* dbg) override {
    std::unique_ptr<rocksdb::FSDirectory> dir;
    rocksdb::IOStatus s = target()->NewDirectory(name, options, &dir, dbg);
    if (s.ok()) result->reset(new Directory(std::move(dir)));
    return s;
  }

 private:
  class File final : public rocksdb::FSWritableFileOwnerWrapper {
   public:
    explicit File(std::unique_ptr<rocksdb::FSWritableFile> f)
        : rocksdb::FSWritableFileOwnerWrapper(std::move(f)) {}
    rocksdb::IOStatus Sync(const rocksdb::IOOptions&, rocksdb::IODebugContext*) override { return {}; }
    rocksdb::IOStatus Fsync(const rocksdb::IOOptions&, rocksdb::IODebugContext*) override { return {}; }
    rocksdb::IOStatus RangeSync(uint64_t, uint64_t, const rocksdb::IOOptions&, rocksdb::IODebugContext*) override {
      return {};
    }
  };
  class Directory final : public rocksdb::FSDirectoryWrapper {
   public:
    explicit Directory(std::unique_ptr<rocksdb::FSDirectory> d) : rocksdb::FSDirectoryWrapper(std::move(d)) {}
    rocksdb::IOStatus Fsync(const rocksdb::IOOptions&, rocksdb::IODebugContext*) override { return {}; }
    rocksdb::IOStatus FsyncWithDirOptions(const rocksdb::IOOptions&, rocksdb::IODebugContext*,
                                          const rocksdb::DirFsyncOptions&) override {
      return {};
    }
  };
};

// fsync(2) of one file or directory; an error message or "".
std::string FsyncPath(const std::filesystem::path& p, bool directory) {
  const int fd = ::open(p.c_str(), directory ? (O_RDONLY | O_DIRECTORY) : O_RDONLY);
  if (fd < 0) return "open " + p.string() + ": " + std::strerror(errno);
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  return rc == 0 ? std::string() : "fsync " + p.string() + ": " + std::strerror(err);
}

// A RocksDB snapshot, released at scope exit; options() read at it.
class ScopedSnapshot {
 public:
  explicit ScopedSnapshot(rocksdb::DB* db) : db_(db), snapshot_(db->GetSnapshot()) {
    options_.snapshot = snapshot_;
  }
  ~ScopedSnapshot() { db_->ReleaseSnapshot(snapshot_); }
  ScopedSnapshot(const ScopedSnapshot&) = delete;
  ScopedSnapshot& operator=(const ScopedSnapshot&) = delete;
  rocksdb::ReadOptions& options() { return options_; }

 private:
  rocksdb::DB* db_;
  const rocksdb::Snapshot* snapshot_;
  rocksdb::ReadOptions options_;
};

// Prefix of a stream index key: the stream name and its 0x00 terminator.
class StreamPrefix final : public rocksdb::SliceTransform {
 public:
  const char* Name() const override { return "consent.StreamPrefix"; }
  Slice Transform(const Slice& key) const override {
    const void* nul = std::memchr(key.data(), 0, key.size());
    const size_t n = nul ? static_cast<size_t>(static_cast<const char*>(nul) - key.data()) + 1 : key.size();
    return Slice(key.data(), n);
  }
  bool InDomain(const Slice&) const override { return true; }
};

// ---- Filters -------------------------------------------------------------------------------

struct CompiledFilter {
  std::vector<std::string> categories;
  std::vector<int> payload_fields;
  std::vector<std::string> integrator_types;
  bool Matches(const Event& e) const {
    if (!payload_fields.empty() &&
        std::find(payload_fields.begin(), payload_fields.end(), static_cast<int>(e.payload_case())) ==
            payload_fields.end()) {
      return false;
    }
    if (!categories.empty()) {
      const std::string_view cat = StreamCategory(e.stream_id());
      if (std::find(categories.begin(), categories.end(), cat) == categories.end()) return false;
    }
    if (!integrator_types.empty()) {
      if (!e.has_integrator_event()) return false;
      const std::string& type = e.integrator_event().type();
      if (std::find(integrator_types.begin(), integrator_types.end(), type) == integrator_types.end()) {
        return false;
      }
    }
    return true;
  }
  bool empty() const { return categories.empty() && payload_fields.empty() && integrator_types.empty(); }
};

StatusOr<CompiledFilter> CompileFilter(const EventFilter& f, std::string_view op) {
  CompiledFilter out;
  out.categories = f.categories;
  out.integrator_types = f.integrator_types;
  const auto* oneof = Event::descriptor()->FindOneofByName("payload");
  for (const std::string& name : f.types) {
    int number = 0;
    for (int i = 0; i < oneof->field_count(); ++i) {
      const auto* field = oneof->field(i);
      if (field->name() == name || field->message_type()->name() == name ||
          field->message_type()->full_name() == name) {
        number = field->number();
        break;
      }
    }
    if (number == 0) {
      ErrorContext ctx;
      ctx.field = "types";
      return InvalidArgumentError(std::string(op) + ": unknown event type " + Quote(name), std::move(ctx));
    }
    out.payload_fields.push_back(number);
  }
  return out;
}

// ---- Stream head cache (leader-only) -------------------------------------------------------

// Two generations approximate an LRU at O(1): hits in the old generation are promoted; when the
// young one fills up it becomes the old one.
class StreamHeadCache {
 public:
  explicit StreamHeadCache(size_t capacity) : half_(std::max<size_t>(capacity / 2, 1)) {}
  std::optional<int64_t> Get(const std::string& stream) {
    if (auto it = young_.find(stream); it != young_.end()) return it->second;
    if (auto it = old_.find(stream); it != old_.end()) {
      const int64_t v = it->second;
      Put(stream, v);
      return v;
    }
    return std::nullopt;
  }
  void Put(const std::string& stream, int64_t revision) {
    if (young_.size() >= half_ && young_.find(stream) == young_.end()) {
      old_ = std::move(young_);
      young_ = {};
    }
    young_[stream] = revision;
  }

 private:
  size_t half_;
  std::unordered_map<std::string, int64_t> young_, old_;
};

// ---- Writers --------------------------------------------------------------------------------

struct PreparedEvent {
  std::string body;  // serialized Event: stream_id set, store-assigned fields unset
  PayloadSpan span;
  Hash payload_hash;
};

struct Writer {
  std::vector<StreamAppend>* appends = nullptr;
  std::vector<std::vector<PreparedEvent>> prepared;  // parallel to *appends
  bool sync = true;
  size_t bytes = 0;
  bool multi = false;
  // Rows of the `keys` column family written in the same batch as the events (secrets.h).
  const std::vector<SecretWrite>* secrets = nullptr;
  // Set by the leader.
  bool done = false;
  Status status;
  MultiAppendResult result;
  std::condition_variable cv;
};

std::string_view IdOf(const Event& e) { return e.event_id(); }

bool SameContent(const Event& stored, const Event& proposed, const std::string& stream) {
  Event a = stored;
  a.clear_stream_revision();
  a.clear_position();
  a.clear_record_time();
  Event b = proposed;
  b.set_stream_id(stream);
  return google::protobuf::util::MessageDifferencer::Equals(a, b);
}

class EventStoreImpl;

// ---- Subscriptions ---------------------------------------------------------------------------

class SubscriptionImpl final : public Subscription {
 public:
  SubscriptionImpl(EventStoreImpl* store, SubscribeOptions options, CompiledFilter filter,
                   EventHandler handler)
      : store_(store),
        options_(std::move(options)),
        filter_(std::move(filter)),
        handler_(std::move(handler)),
        last_(options_.from_position == 0 ? 0 : options_.from_position - 1) {}
  ~SubscriptionImpl() override { Stop(); }

  void Start() { thread_ = std::thread([this] { Run(); }); }
  void Stop() override;
  bool is_live() const override { return live_.load(std::memory_order_acquire); }
  uint64_t last_position() const override { return last_.load(std::memory_order_acquire); }
  Status status() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return status_;
  }
  bool WaitFor(uint64_t position, std::chrono::milliseconds timeout) const override {
    std::unique_lock<std::mutex> lock(mu_);
    progress_cv_.wait_for(lock, timeout, [&] { return last_.load() >= position || finished_; });
    return last_.load() >= position;
  }
  // Called by the store when it is destroyed first.
  void Detach() {
    Stop();
    std::lock_guard<std::mutex> lock(mu_);
    store_ = nullptr;
  }

 private:
  void Run();
  void Finish(Status s) {
    std::lock_guard<std::mutex> lock(mu_);
    if (status_.ok()) status_ = std::move(s);
    finished_ = true;
    progress_cv_.notify_all();
  }

  EventStoreImpl* store_;
  const SubscribeOptions options_;
  const CompiledFilter filter_;
  const EventHandler handler_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> live_{false};
  std::atomic<uint64_t> last_;
  mutable std::mutex mu_;
  mutable std::condition_variable progress_cv_;
  Status status_;         // GUARDED_BY(mu_)
  bool finished_ = false; // GUARDED_BY(mu_)
  std::mutex stop_mu_;    // serializes Stop()
};

// ---- The store -------------------------------------------------------------------------------

class EventStoreImpl final : public EventStore {
 public:
  EventStoreImpl(const StoreOptions& options, std::string path,
                 std::shared_ptr<rocksdb::FileSystem> fs = nullptr)
      : options_(options), path_(std::move(path)), fs_(std::move(fs)), cache_(options.stream_cache_entries) {
    if (!options_.clock) options_.clock = [] { return std::chrono::system_clock::now(); };
  }
  ~EventStoreImpl() override;

  Status Init();

  StatusOr<AppendResult> Append(std::string_view stream, int64_t expected_revision,
                                std::vector<Event> events, const AppendOptions& options) override;
  StatusOr<MultiAppendResult> AppendMulti(std::vector<StreamAppend> appends,
                                          const AppendOptions& options) override;
  StatusOr<std::vector<Event>> ReadStream(std::string_view stream,
                                          const ReadStreamOptions& options) const override;
  StatusOr<std::vector<Event>> ReadAll(const ReadAllOptions& options) const override;
  Status ScanAll(const ReadAllOptions& options,
                 const std::function<bool(const Event&)>& visit) const override;
  StatusOr<Event> ReadEvent(uint64_t position) const override;
  StatusOr<uint64_t> FindEvent(std::string_view event_id) const override;
  StatusOr<int64_t> StreamRevision(std::string_view stream) const override;
  uint64_t HeadPosition() const override { return committed_.load(std::memory_order_acquire); }
  bool read_only() const override { return options_.read_only; }
  StatusOr<std::unique_ptr<Subscription>> Subscribe(SubscribeOptions options,
                                                    EventHandler handler) override;
  StatusOr<VerifyReport> Verify(uint64_t from, uint64_t to) const override;
  StatusOr<StoreStats> Stats() const override;
  Status CommitProjection(std::string_view projection, const ProjectionBatch& batch,
                          const AppendOptions& options) override;
  StatusOr<uint64_t> ProjectionCheckpoint(std::string_view projection) const override;
  StatusOr<uint64_t> CheckedProjectionCheckpoint(std::string_view projection) const override;
  StatusOr<std::optional<std::string>> GetProjectionValue(std::string_view projection,
                                                          std::string_view key) const override;
  Status ScanProjection(
      std::string_view projection, std::string_view prefix,
      const std::function<bool(std::string_view, std::string_view)>& visit) const override;
  Status CompactAll() override;

  // ---- Secrets (storage/secrets.h) ----
  StatusOr<MultiAppendResult> AppendWithSecrets(std::vector<StreamAppend> appends,
                                                const std::vector<SecretWrite>& secrets,
                                                const AppendOptions& options);
  Status WriteSecrets(const std::vector<SecretWrite>& secrets, bool sync);
  StatusOr<std::optional<std::string>> GetSecret(std::string_view key) const;
  StatusOr<std::vector<std::string>> ListSecretKeys(std::string_view prefix) const;
  Status ScrubDeletedSecrets(const std::vector<std::string>& deleted_keys);
  Status CreateCheckpoint(const std::string& dest);

  // For subscriptions: blocks until the head passes `after`, `stop` is set, or a timeout.
  void WaitForCommit(uint64_t after, const std::atomic<bool>& stop) const {
    std::unique_lock<std::mutex> lock(commit_mu_);
    commit_cv_.wait_for(lock, std::chrono::milliseconds(200), [&] {
      return committed_.load(std::memory_order_acquire) > after || stop.load();
    });
  }
  void WakeSubscribers() const {
    { std::lock_guard<std::mutex> lock(commit_mu_); }
    commit_cv_.notify_all();
  }
  void Unregister(SubscriptionImpl* s) {
    std::lock_guard<std::mutex> lock(subs_mu_);
    subs_.erase(s);
  }
  // Visits stored events with positions in [lo, hi] (forward) or [hi, lo] (backward) that pass
  // `filter`. `visit` returns false to stop.
  template <typename Fn>
  Status ScanRange(uint64_t lo, uint64_t hi, Direction dir, const CompiledFilter& filter,
                   std::string_view op, Fn&& visit) const;

 private:
  Status Submit(Writer* w);
  Status Prepare(Writer* w, std::string_view op);
  void ProcessGroup(const std::vector<Writer*>& group);
  StatusOr<int64_t> LookupHead(const std::string& stream);
  StatusOr<int64_t> ReadHeadFromDb(std::string_view stream) const;
  Status CheckExpected(const std::string& stream, int64_t expected, int64_t actual,
                       std::string_view op) const;
  // "" when the `head` meta record agrees with the last stored event (or is absent), else how
  // they differ; *position is set to the first position where they disagree.
  StatusOr<std::string> HeadRecordProblem(uint64_t* position) const;
  // Every entry of the index column family `index` that points into [from, to] must be the
  // entry of the event it points at (`key_of`); `events` is how many events [from, to] holds.
  Status CheckIndexEntries(size_t index, std::string (*key_of)(const Event&), uint64_t from,
                           uint64_t to, uint64_t events, const std::string& op) const;
  ColumnFamilyHandle* cf(size_t i) const { return handles_[i]; }
  // The `keys` column family, created on first use; nullptr while it does not exist.
  StatusOr<ColumnFamilyHandle*> EnsureKeysCf();
  ColumnFamilyHandle* keys_cf() const { return keys_cf_.load(std::memory_order_acquire); }
  // Names of the table files of every column family.
  std::unordered_set<std::string> LiveTableFiles() const;

  enum CfIndex : size_t { kDefault = 0, kEvents, kStreams, kIds, kProjections, kCheckpoints, kMeta, kCfCount };

  // kFailedPrecondition when the store was opened read-only.
  Status CheckWritable(std::string_view op) const;
  // Before a write: when an earlier write failed (e.g. the disk was full), asks RocksDB to
  // resume, so that the store is usable again once the cause is gone.
  Status ResumeAfterWriteError(std::string_view op);
  // db_->Write, remembering a failure for ResumeAfterWriteError.
  Status WriteOrMark(const rocksdb::WriteOptions& wo, rocksdb::WriteBatch* batch, std::string_view op);
  // Opens RocksDB (read-only when options_.read_only).
  rocksdb::Status OpenDb(const rocksdb::DBOptions& db_opts,
                         const std::vector<rocksdb::ColumnFamilyDescriptor>& cfs);
  // The stored chain hash h_position (zeros at position 0); kNotFound when no event is there.
  StatusOr<Hash> StoredHashAt(uint64_t position, std::string_view op) const;
  // The raw checkpoint value of `projection`; std::nullopt when none.
  StatusOr<std::optional<std::string>> CheckpointValue(std::string_view projection, std::string_view op) const;
  // Creates a new, empty store at path_: built without syncs in a staging directory beside it,
  // synced file by file, then renamed into place (a crash leaves no half-made store at path_).
  Status CreateStaged(const std::string& op);
  // Deletes the empty WAL files that RocksDB leaves behind at each close.
  void RemoveEmptyWalFiles() const;

  StoreOptions options_;
  std::string path_;
  std::shared_ptr<rocksdb::FileSystem> fs_;  // nullptr: the default file system
  std::unique_ptr<rocksdb::Env> env_;        // wraps fs_ when set
  std::shared_ptr<rocksdb::Logger> logger_ = std::make_shared<SilentLogger>();
  std::atomic<bool> write_failed_{false};
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<ColumnFamilyHandle*> handles_;
  std::string store_id_;
  // Set by Init when the head record and the log disagree: appends are refused with it.
  Status head_problem_;
  // The optional `keys` column family (layout.h): not in handles_, which holds the format-1 set.
  rocksdb::ColumnFamilyOptions keys_cf_options_;
  std::mutex keys_mu_;  // serializes its creation and scrubs
  std::atomic<ColumnFamilyHandle*> keys_cf_{nullptr};

  // Group commit queue.
  std::mutex write_mu_;
  std::deque<Writer*> writers_;  // GUARDED_BY(write_mu_)

  // Leader state: touched only by the current leader.
  uint64_t last_position_ = 0;
  Hash last_hash_{};
  uint64_t stream_count_ = 0;
  StreamHeadCache cache_;

  std::atomic<uint64_t> committed_{0};
  mutable std::mutex commit_mu_;
  mutable std::condition_variable commit_cv_;

  std::mutex subs_mu_;
  std::unordered_set<SubscriptionImpl*> subs_;  // GUARDED_BY(subs_mu_)
};

const char* const kCfNames[] = {"default", kEventsCf, kStreamsCf,
                                kEventIdsCf, kProjectionsCf, kCheckpointsCf, kMetaCf};

EventStoreImpl::~EventStoreImpl() {
  std::vector<SubscriptionImpl*> subs;
  {
    std::lock_guard<std::mutex> lock(subs_mu_);
    subs.assign(subs_.begin(), subs_.end());
    subs_.clear();
  }
  for (SubscriptionImpl* s : subs) s->Detach();
  if (db_) {
    for (ColumnFamilyHandle* h : handles_) db_->DestroyColumnFamilyHandle(h).PermitUncheckedError();
    if (ColumnFamilyHandle* k = keys_cf()) db_->DestroyColumnFamilyHandle(k).PermitUncheckedError();
    const bool closed = db_->Close().ok();
    db_.reset();
    if (closed && !options_.read_only) RemoveEmptyWalFiles();
  }
}

void EventStoreImpl::RemoveEmptyWalFiles() const {
  // RocksDB 7.x starts a new WAL file at every open and leaves the last one, empty, at close.
  // A closed store's empty WAL holds nothing to recover; the next open starts its own.
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(path_, ec)) {
    if (entry.path().extension() == ".log" && entry.is_regular_file(ec) && entry.file_size(ec) == 0) {
      std::filesystem::remove(entry.path(), ec);
    }
  }
}

Status EventStoreImpl::CreateStaged(const std::string& op) {
  namespace fs = std::filesystem;
  fs::path target = fs::path(path_).lexically_normal();
  if (!target.has_filename()) target = target.parent_path();
  const fs::path parent = target.has_parent_path() ? target.parent_path() : fs::path(".");
  std::error_code ec;
  fs::create_directories(parent, ec);
  if (ec) return UnavailableError(op + ": cannot create " + Quote(parent.string()) + ": " + ec.message());
  const fs::path staging = parent / ("." + target.filename().string() + ".creating-" + EventIdToString(NewEventId()));
  struct Cleanup {
    fs::path dir;
    ~Cleanup() {
      std::error_code ignored;
      if (!dir.empty()) fs::remove_all(dir, ignored);
    }
  } cleanup{staging};

  auto no_sync = std::make_shared<NoSyncFileSystem>(fs_ ? fs_ : rocksdb::FileSystem::Default());
  std::unique_ptr<rocksdb::Env> env = rocksdb::NewCompositeEnv(no_sync);
  rocksdb::DBOptions db_opts;
  db_opts.env = env.get();
  db_opts.info_log = logger_;
  db_opts.create_if_missing = true;
  db_opts.create_missing_column_families = true;
  std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
  for (size_t i = 0; i < kCfCount; ++i) cfs.emplace_back(kCfNames[i], rocksdb::ColumnFamilyOptions());
  std::vector<ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(db_opts, staging.string(), cfs, &handles, &raw);
  if (!s.ok()) return FromRocks(s, op + ": create");
  std::unique_ptr<rocksdb::DB> db(raw);
  rocksdb::WriteBatch b;
  b.Put(handles[kMeta], std::string(kMetaFormatVersion), std::to_string(kFormatVersion));
  b.Put(handles[kMeta], std::string(kMetaStoreId), NewEventId());
  const auto now = std::chrono::duration_cast<std::chrono::nanoseconds>(options_.clock().time_since_epoch()).count();
  b.Put(handles[kMeta], std::string(kMetaCreatedTime), std::to_string(now));
  s = db->Write(rocksdb::WriteOptions(), &b);
  for (ColumnFamilyHandle* h : handles) db->DestroyColumnFamilyHandle(h).PermitUncheckedError();
  if (s.ok()) s = db->Close();
  db.reset();
  if (!s.ok()) return FromRocks(s, op + ": create");

  for (const auto& entry : fs::directory_iterator(staging, ec)) {
    if (std::string err = FsyncPath(entry.path(), false); !err.empty()) return UnavailableError(op + ": " + err);
  }
  if (ec) return UnavailableError(op + ": cannot list " + Quote(staging.string()) + ": " + ec.message());
  if (std::string err = FsyncPath(staging, true); !err.empty()) return UnavailableError(op + ": " + err);
  fs::rename(staging, target, ec);  // replaces an empty directory
  if (ec) return UnavailableError(op + ": cannot move the new store into place: " + ec.message());
  cleanup.dir.clear();
  if (std::string err = FsyncPath(parent, true); !err.empty()) return UnavailableError(op + ": " + err);
  return Status();
}

Status EventStoreImpl::CheckWritable(std::string_view op) const {
  if (!options_.read_only) return Status();
  return FailedPreconditionError(std::string(op) + ": the store at " + Quote(path_) +
                                 " is open read-only");
}

Status EventStoreImpl::ResumeAfterWriteError(std::string_view op) {
  if (!write_failed_.load(std::memory_order_acquire)) return Status();
  // Busy: RocksDB is already recovering by itself (it does for a full disk); give it up to
  // about 2 s before reporting the store as unavailable for now.
  rocksdb::Status s = db_->Resume();
  for (int i = 0; i < 40 && s.IsBusy(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    s = db_->Resume();
  }
  if (s.IsBusy()) {
    return UnavailableError(std::string(op) + ": the store is recovering from a failed write (disk full?); retry");
  }
  CONSENT_RETURN_IF_ERROR(FromRocks(s, std::string(op) + ": resume after a failed write"));
  write_failed_.store(false, std::memory_order_release);
  return Status();
}

Status EventStoreImpl::WriteOrMark(const rocksdb::WriteOptions& wo, rocksdb::WriteBatch* batch,
                                   std::string_view op) {
  rocksdb::Status s = db_->Write(wo, batch);
  if (!s.ok()) write_failed_.store(true, std::memory_order_release);
  return FromRocks(s, op);
}

rocksdb::Status EventStoreImpl::OpenDb(const rocksdb::DBOptions& db_opts,
                                       const std::vector<rocksdb::ColumnFamilyDescriptor>& cfs) {
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = options_.read_only
                          ? rocksdb::DB::OpenForReadOnly(db_opts, path_, cfs, &handles_, &raw)
                          : rocksdb::DB::Open(db_opts, path_, cfs, &handles_, &raw);
  db_.reset(raw);
  return s;
}

Status EventStoreImpl::Init() {
  const std::string op = "Open(" + Quote(path_) + ")";
  namespace fs = std::filesystem;
  std::error_code ec;
  const bool exists = fs::exists(fs::path(path_) / "CURRENT", ec);
  if (exists && !options_.read_only && ::access(path_.c_str(), W_OK) != 0) options_.read_only = true;
  if (!exists) {
    if (options_.read_only) return NotFoundError(op + ": no store at this path (opening read-only)");
    if (!options_.create_if_missing) {
      return NotFoundError(op + ": no store at this path (create_if_missing is false)");
    }
    if (fs::exists(path_, ec) && fs::is_directory(path_, ec) && !fs::is_empty(path_, ec)) {
      return FailedPreconditionError(op + ": directory is not empty and holds no libconsent store");
    }
  } else if (options_.error_if_exists) {
    return AlreadyExistsError(op + ": a store already exists here (error_if_exists is true)");
  }
  if (!exists) CONSENT_RETURN_IF_ERROR(CreateStaged(op));

  rocksdb::DBOptions db_opts;
  if (fs_) {
    env_ = rocksdb::NewCompositeEnv(fs_);
    db_opts.env = env_.get();
  }
  db_opts.info_log = logger_;
  db_opts.create_if_missing = false;
  db_opts.create_missing_column_families = false;
  db_opts.info_log_level = rocksdb::InfoLogLevel::WARN_LEVEL;
  db_opts.keep_log_file_num = 3;
  db_opts.max_background_jobs = 2;
  // Crypto-shredding (ScrubDeletedSecrets) relies on obsolete WAL files being deleted, never
  // archived or reused: these are RocksDB's defaults, stated so that nobody changes them
  // without seeing why.
  db_opts.WAL_ttl_seconds = 0;
  db_opts.WAL_size_limit_MB = 0;
  db_opts.recycle_log_file_num = 0;

  auto cache = rocksdb::NewLRUCache(options_.block_cache_bytes);
  // Memtable insert hints: consecutive inserts sharing a prefix start their skiplist search at
  // the previous insert's position instead of the head. Positions and UUIDv7 ids share their
  // leading bytes with the previous key; stream index keys share the stream name. This only
  // changes insert speed, never what is stored or how it reads.
  std::shared_ptr<const rocksdb::SliceTransform> sequential_hint(rocksdb::NewFixedPrefixTransform(6));
  std::shared_ptr<const rocksdb::SliceTransform> stream_hint = std::make_shared<StreamPrefix>();
  auto make_cf = [&](bool point_lookups) {
    rocksdb::ColumnFamilyOptions o;
    rocksdb::BlockBasedTableOptions t;
    t.block_cache = cache;
    if (point_lookups) {
      t.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
      t.whole_key_filtering = true;
      o.memtable_prefix_bloom_size_ratio = 0.02;
      o.memtable_whole_key_filtering = true;
    }
    o.table_factory.reset(rocksdb::NewBlockBasedTableFactory(t));
    return o;
  };

  keys_cf_options_ = make_cf(true);  // every seal and read checks for an erasure: bloom-filtered
  keys_cf_options_.compression = rocksdb::kNoCompression;
  keys_cf_options_.bottommost_compression = rocksdb::kNoCompression;
  bool has_keys_cf = false;
  {
    std::vector<std::string> names;
    rocksdb::Status ls = rocksdb::DB::ListColumnFamilies(db_opts, path_, &names);
    if (!ls.ok()) return FromRocks(ls, op);
    for (size_t i = 1; i < kCfCount; ++i) {
      if (std::find(names.begin(), names.end(), kCfNames[i]) == names.end()) {
        return FailedPreconditionError(op + ": not a libconsent store (column family \"" +
                                       std::string(kCfNames[i]) + "\" missing)");
      }
    }
    has_keys_cf = std::find(names.begin(), names.end(), kKeysCf) != names.end();
  }
  std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
  for (size_t i = 0; i < kCfCount; ++i) {
    const bool point = (i == kStreams || i == kIds);
    cfs.emplace_back(kCfNames[i], make_cf(point));
    if (i == kEvents || i == kIds) cfs.back().options.memtable_insert_with_hint_prefix_extractor = sequential_hint;
    if (i == kStreams) cfs.back().options.memtable_insert_with_hint_prefix_extractor = stream_hint;
  }
  if (has_keys_cf) cfs.emplace_back(kKeysCf, keys_cf_options_);
  rocksdb::Status s = OpenDb(db_opts, cfs);
  if (!s.ok()) return FromRocks(s, op);
  if (has_keys_cf) {
    keys_cf_.store(handles_.back(), std::memory_order_release);
    handles_.pop_back();
  }

  // Format version and identity.
  std::string value;
  s = db_->Get(rocksdb::ReadOptions(), cf(kMeta), std::string(kMetaFormatVersion), &value);
  if (s.IsNotFound()) {
    return FailedPreconditionError(op + ": not a libconsent store (no format version)");
  } else if (!s.ok()) {
    return FromRocks(s, op);
  } else if (value != std::to_string(kFormatVersion)) {
    return FailedPreconditionError(op + ": store format version " + Quote(value) +
                                   ", this library reads version " + std::to_string(kFormatVersion));
  } else {
    s = db_->Get(rocksdb::ReadOptions(), cf(kMeta), std::string(kMetaStoreId), &store_id_);
    if (!s.ok() && !s.IsNotFound()) return FromRocks(s, op);
  }
  s = db_->Get(rocksdb::ReadOptions(), cf(kMeta), std::string(kMetaStreamCount), &value);
  if (s.ok()) stream_count_ = GetU64BE(value);

  // Head and chain hash come from the last event.
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), cf(kEvents)));
  it->SeekToLast();
  if (it->Valid()) {
    if (it->key().size() != 8) {
      return DataLossError(op + ": malformed key in the events column family");
    }
    last_position_ = GetU64BE(std::string_view(it->key().data(), 8));
    last_hash_ = StoredHash(it->value());
  }
  if (!it->status().ok()) return FromRocks(it->status(), op);
  committed_.store(last_position_, std::memory_order_release);
  uint64_t where = 0;
  CONSENT_ASSIGN_OR_RETURN(std::string problem, HeadRecordProblem(&where));
  if (!problem.empty()) {
    ErrorContext ctx;
    ctx.position = where;
    head_problem_ = DataLossError(op + ": " + problem + "; appends are refused (run verify)", std::move(ctx));
  }
  return Status();
}

StatusOr<std::string> EventStoreImpl::HeadRecordProblem(uint64_t* position) const {
  ScopedSnapshot snapshot(db_.get());
  rocksdb::ReadOptions& ro = snapshot.options();
  std::string record;
  rocksdb::Status s = db_->Get(ro, cf(kMeta), std::string(kMetaHead), &record);
  if (s.IsNotFound()) return std::string();
  if (!s.ok()) return FromRocks(s, "read the head record");
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, cf(kEvents)));
  it->SeekToLast();
  if (!it->status().ok()) return FromRocks(it->status(), "read the last event");
  const uint64_t last = it->Valid() ? GetU64BE(it->key().ToStringView()) : 0;
  const Hash last_hash = it->Valid() ? StoredHash(it->value()) : Hash{};
  if (record.size() != 8 + kHashSize) {
    *position = last;
    return std::string("the head record is malformed (" + std::to_string(record.size()) + " bytes)");
  }
  const uint64_t head = GetU64BE(record);
  if (head != last) {
    *position = std::min(head, last) + 1;
    return "the head record says the log ends at position " + std::to_string(head) +
           " but the last stored event is at position " + std::to_string(last) +
           (head > last ? " (events lost)" : " (events added outside the store)");
  }
  if (std::memcmp(record.data() + 8, last_hash.data(), kHashSize) != 0) {
    *position = last;
    return std::string("the head record's chain hash differs from the last event's (log rewritten)");
  }
  return std::string();
}

// ---- Append -----------------------------------------------------------------------------

StatusOr<AppendResult> EventStoreImpl::Append(std::string_view stream, int64_t expected_revision,
                                              std::vector<Event> events,
                                              const AppendOptions& options) {
  std::vector<StreamAppend> appends(1);
  appends[0].stream = std::string(stream);
  appends[0].expected_revision = expected_revision;
  appends[0].events = std::move(events);
  Writer w;
  w.appends = &appends;
  w.sync = options.sync.value_or(options_.sync);
  CONSENT_RETURN_IF_ERROR(Submit(&w));
  AppendResult r = std::move(w.result.streams[0]);
  return r;
}

StatusOr<MultiAppendResult> EventStoreImpl::AppendMulti(std::vector<StreamAppend> appends,
                                                        const AppendOptions& options) {
  Writer w;
  w.appends = &appends;
  w.multi = true;
  w.sync = options.sync.value_or(options_.sync);
  CONSENT_RETURN_IF_ERROR(Submit(&w));
  return std::move(w.result);
}

// Validates and serializes in the caller's thread.
Status EventStoreImpl::Prepare(Writer* w, std::string_view op_prefix) {
  auto& appends = *w->appends;
  if (appends.empty()) return InvalidArgumentError(std::string(op_prefix) + ": no streams to append to");
  std::unordered_set<std::string_view> streams_seen;
  std::unordered_set<std::string_view> ids_seen;
  w->prepared.resize(appends.size());
  for (size_t s = 0; s < appends.size(); ++s) {
    StreamAppend& a = appends[s];
    // Built only when an error is reported: this is the hot path.
    struct LazyOp {
      std::string_view prefix;
      const std::string& stream;
      operator std::string() const { return std::string(prefix) + "(stream " + Quote(stream) + ")"; }
      std::string operator+(std::string_view tail) const { return std::string(*this) + std::string(tail); }
    } op{op_prefix, a.stream};
    ErrorContext base;
    base.stream = a.stream;
    if (Status st = ValidateStreamName(a.stream); !st.ok()) {
      return InvalidArgumentError(op + ": " + st.message(), st.context());
    }
    if (!streams_seen.insert(a.stream).second) {
      return InvalidArgumentError(op + ": stream appears twice in one append", base);
    }
    if (a.expected_revision < 0 && a.expected_revision != kAnyRevision &&
        a.expected_revision != kNoStream && a.expected_revision != kStreamExists) {
      ErrorContext ctx = base;
      ctx.expected_revision = a.expected_revision;
      ctx.field = "expected_revision";
      return InvalidArgumentError(op + (": expected revision " + std::to_string(a.expected_revision)) +
                                      " is not a revision nor ANY (-2), NO_STREAM (-1), STREAM_EXISTS (-4)",
                                  std::move(ctx));
    }
    if (a.events.empty()) return InvalidArgumentError(op + ": no events to append", base);
    auto& prepared = w->prepared[s];
    prepared.resize(a.events.size());
    for (size_t i = 0; i < a.events.size(); ++i) {
      Event& e = a.events[i];
      if (Status st = ValidateEventForAppend(a.stream, e); !st.ok()) {
        ErrorContext ctx = st.context();
        ctx.index = i;
        return InvalidArgumentError(op + (": event " + std::to_string(i) + ": " + st.message()),
                                    std::move(ctx));
      }
      if (!ids_seen.insert(e.event_id()).second) {
        ErrorContext ctx = base;
        ctx.index = i;
        ctx.field = "event_id";
        return InvalidArgumentError(op + (": event " + std::to_string(i) + ": event id " +
                                          EventIdToString(e.event_id()) + " appears twice in one append"),
                                    std::move(ctx));
      }
      e.set_stream_id(a.stream);
      PreparedEvent& p = prepared[i];
      if (!e.SerializeToString(&p.body)) return InternalError(op + ": cannot serialize event");
      const auto span = FindPayload(p.body);
      if (!span) return InternalError(op + ": serialized event has no single payload field");
      p.span = *span;
      p.payload_hash = HashBytes(std::string_view(p.body).substr(span->value_start,
                                                                 span->value_end - span->value_start));
      w->bytes += p.body.size();
    }
  }
  return Status();
}

Status EventStoreImpl::Submit(Writer* w) {
  const char* op = w->multi ? "AppendMulti" : "Append";
  CONSENT_RETURN_IF_ERROR(CheckWritable(op));
  CONSENT_RETURN_IF_ERROR(Prepare(w, op));
  std::unique_lock<std::mutex> lock(write_mu_);
  writers_.push_back(w);
  while (!w->done && w != writers_.front()) w->cv.wait(lock);
  if (w->done) return w->status;

  // Leader: take the queue, up to the byte budget.
  std::vector<Writer*> group;
  size_t bytes = 0;
  for (Writer* x : writers_) {
    if (!group.empty() && bytes + x->bytes > options_.max_group_commit_bytes) break;
    group.push_back(x);
    bytes += x->bytes;
  }
  lock.unlock();
  ProcessGroup(group);
  lock.lock();
  for (Writer* x : group) {
    writers_.pop_front();
    x->done = true;
    if (x != w) x->cv.notify_one();
  }
  if (!writers_.empty()) writers_.front()->cv.notify_one();
  return w->status;
}

StatusOr<int64_t> EventStoreImpl::ReadHeadFromDb(std::string_view stream) const {
  // A point lookup of revision 0 is bloom-filtered, which makes "new stream" cheap.
  std::string ignored;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), cf(kStreams), StreamKey(stream, 0), &ignored);
  if (s.IsNotFound()) return kNoStream;
  if (!s.ok()) return FromRocks(s, "stream head of " + Quote(stream));
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), cf(kStreams)));
  it->SeekForPrev(StreamKey(stream, std::numeric_limits<uint64_t>::max()));
  if (!it->Valid()) return FromRocks(it->status(), "stream head of " + Quote(stream));
  const Slice k = it->key();
  if (k.size() != stream.size() + 9 || std::memcmp(k.data(), stream.data(), stream.size()) != 0) {
    return DataLossError("stream index of " + Quote(stream) + " is inconsistent");
  }
  return static_cast<int64_t>(GetU64BE(std::string_view(k.data() + stream.size() + 1, 8)));
}

StatusOr<int64_t> EventStoreImpl::LookupHead(const std::string& stream) {
  if (auto v = cache_.Get(stream)) return *v;
  return ReadHeadFromDb(stream);
}

Status EventStoreImpl::CheckExpected(const std::string& stream, int64_t expected, int64_t actual,
                                     std::string_view op) const {
  bool ok = true;
  std::string want;
  if (expected == kAnyRevision) {
    ok = true;
  } else if (expected == kNoStream) {
    ok = actual == kNoStream;
    want = "no stream";
  } else if (expected == kStreamExists) {
    ok = actual != kNoStream;
    want = "an existing stream";
  } else {
    ok = actual == expected;
    want = "revision " + std::to_string(expected);
  }
  if (ok) return Status();
  ErrorContext ctx;
  ctx.stream = stream;
  ctx.expected_revision = expected;
  ctx.actual_revision = actual;
  const std::string is = actual == kNoStream ? "stream does not exist"
                                             : "stream is at " + std::to_string(actual);
  return AbortedError(std::string(op) + "(stream " + Quote(stream) + "): expected " + want + ", " + is,
                      std::move(ctx));
}

void EventStoreImpl::ProcessGroup(const std::vector<Writer*>& group) {
  Status blocked = head_problem_.ok() ? ResumeAfterWriteError("Append") : head_problem_;
  if (!blocked.ok()) {
    for (Writer* w : group) w->status = blocked;
    return;
  }
  const google::protobuf::Timestamp record_time = ToTimestamp(options_.clock());
  rocksdb::WriteBatch batch;
  uint64_t pos = last_position_;
  Hash hash = last_hash_;
  uint64_t new_streams = 0;
  // Changes made by earlier members of this group, visible to later ones.
  std::unordered_map<std::string, int64_t> heads;
  struct PendingId {
    uint64_t position;
    int64_t revision;
    const Event* event;
  };
  // Keys view the event ids inside the writers' requests, alive until the group completes.
  std::unordered_map<std::string_view, PendingId> pending_ids;
  bool any_sync = false;
  bool any_written = false;
  std::vector<Writer*> written;

  for (Writer* w : group) {
    const std::string op = w->multi ? "AppendMulti" : "Append";
    auto& appends = *w->appends;
    // 1. Idempotency: which ids are already stored (or pending in this group)?
    std::vector<std::string_view> keys;
    for (const auto& a : appends) {
      for (const auto& e : a.events) keys.emplace_back(IdOf(e));
    }
    std::vector<Slice> key_slices(keys.begin(), keys.end());
    std::vector<rocksdb::PinnableSlice> values(keys.size());
    std::vector<rocksdb::Status> statuses(keys.size());
    db_->MultiGet(rocksdb::ReadOptions(), cf(kIds), key_slices.size(), key_slices.data(), values.data(),
                  statuses.data());
    size_t found = 0;
    Status err;
    std::vector<uint64_t> found_pos(keys.size(), 0);
    std::vector<int64_t> found_rev(keys.size(), -1);
    for (size_t k = 0; k < keys.size() && err.ok(); ++k) {
      if (auto it = pending_ids.find(keys[k]); it != pending_ids.end()) {
        found_pos[k] = it->second.position;
        found_rev[k] = it->second.revision;
        ++found;
      } else if (statuses[k].ok()) {
        found_pos[k] = GetU64BE(values[k].ToStringView());
        ++found;
      } else if (!statuses[k].IsNotFound()) {
        err = FromRocks(statuses[k], op);
      }
    }
    if (err.ok() && found > 0) {
      // Every id must be stored, in the same stream, with the same content.
      size_t k = 0;
      MultiAppendResult r;
      r.deduplicated = true;
      r.first_position = std::numeric_limits<uint64_t>::max();
      for (size_t s = 0; s < appends.size() && err.ok(); ++s) {
        AppendResult ar;
        ar.stream = appends[s].stream;
        ar.deduplicated = true;
        ar.first_position = std::numeric_limits<uint64_t>::max();
        for (size_t i = 0; i < appends[s].events.size() && err.ok(); ++i, ++k) {
          const Event& e = appends[s].events[i];
          ErrorContext ctx;
          ctx.stream = appends[s].stream;
          ctx.index = i;
          ctx.field = "event_id";
          if (found_pos[k] == 0) {
            err = AlreadyExistsError(op + "(stream " + Quote(appends[s].stream) + "): event " +
                                         std::to_string(i) + " is new but other events of this append are "
                                         "already stored; retry an append whole or not at all",
                                     ctx);
            break;
          }
          Event stored;
          bool same;
          if (auto it = pending_ids.find(keys[k]); it != pending_ids.end()) {
            const Event& p = *it->second.event;
            same = p.stream_id() == appends[s].stream && SameContent(p, e, appends[s].stream);
          } else {
            auto ev = ReadEvent(found_pos[k]);
            if (!ev.ok()) {
              err = ev.status();
              break;
            }
            stored = std::move(ev).value();
            found_rev[k] = static_cast<int64_t>(stored.stream_revision());
            same = stored.stream_id() == appends[s].stream && SameContent(stored, e, appends[s].stream);
          }
          if (!same) {
            ctx.position = found_pos[k];
            err = AlreadyExistsError(op + "(stream " + Quote(appends[s].stream) + "): event " +
                                         std::to_string(i) + ": event id " + EventIdToString(e.event_id()) +
                                         " is already stored at position " + std::to_string(found_pos[k]) +
                                         " with different content or stream",
                                     ctx);
            break;
          }
          ar.first_position = std::min(ar.first_position, found_pos[k]);
          ar.last_position = std::max(ar.last_position, found_pos[k]);
          ar.next_expected_revision = std::max(ar.next_expected_revision, found_rev[k]);
        }
        r.first_position = std::min(r.first_position, ar.first_position);
        r.last_position = std::max(r.last_position, ar.last_position);
        r.streams.push_back(std::move(ar));
      }
      if (err.ok()) w->result = std::move(r);
      w->status = err;
      continue;
    }
    if (!err.ok()) {
      w->status = err;
      continue;
    }

    // 2. Expected revisions, against the log and this group's earlier members.
    std::vector<int64_t> current(appends.size());
    for (size_t s = 0; s < appends.size() && err.ok(); ++s) {
      const std::string& stream = appends[s].stream;
      if (auto it = heads.find(stream); it != heads.end()) {
        current[s] = it->second;
      } else {
        auto head = LookupHead(stream);
        if (!head.ok()) {
          err = head.status();
          break;
        }
        current[s] = *head;
      }
      err = CheckExpected(stream, appends[s].expected_revision, current[s], op);
    }
    if (!err.ok()) {
      w->status = err;
      continue;
    }

    // 3. Assign positions and revisions, chain, and add to the batch.
    MultiAppendResult r;
    r.first_position = pos + 1;
    std::string value;
    for (size_t s = 0; s < appends.size(); ++s) {
      const std::string& stream = appends[s].stream;
      AppendResult ar;
      ar.stream = stream;
      ar.first_position = pos + 1;
      int64_t rev = current[s];
      if (rev == kNoStream) ++new_streams;
      for (size_t i = 0; i < appends[s].events.size(); ++i) {
        const PreparedEvent& p = w->prepared[s][i];
        ++pos;
        ++rev;
        value.clear();
        value.push_back(static_cast<char>(kEventRecordVersion));
        value.append(kHashSize, '\0');
        const size_t stamp_start = value.size();
        EncodeStamp(&value, static_cast<uint64_t>(rev), pos, record_time);
        const std::string_view stamp(value.data() + stamp_start, value.size() - stamp_start);
        const std::string_view body(p.body);
        hash = ChainHash(hash, stamp, body.substr(0, p.span.value_start), body.substr(p.span.value_end),
                         p.payload_hash);
        std::memcpy(value.data() + 1, hash.data(), kHashSize);
        value.append(p.body);
        const std::string pkey = PositionKey(pos);
        batch.Put(cf(kEvents), pkey, value);
        batch.Put(cf(kStreams), StreamKey(stream, static_cast<uint64_t>(rev)), pkey);
        batch.Put(cf(kIds), appends[s].events[i].event_id(), pkey);
        if (group.size() > 1) pending_ids[appends[s].events[i].event_id()] = PendingId{pos, rev, &appends[s].events[i]};
      }
      heads[stream] = rev;
      ar.last_position = pos;
      ar.next_expected_revision = rev;
      r.streams.push_back(std::move(ar));
    }
    if (w->secrets != nullptr) {
      // AppendWithSecrets created the column family before queueing this writer.
      ColumnFamilyHandle* keys_handle = keys_cf();
      for (const SecretWrite& sw : *w->secrets) {
        if (sw.value) {
          batch.Put(keys_handle, sw.key, *sw.value);
        } else {
          batch.Delete(keys_handle, sw.key);
        }
      }
    }
    r.last_position = pos;
    w->result = std::move(r);
    any_sync = any_sync || w->sync;
    any_written = true;
    written.push_back(w);
  }

  if (!any_written) return;
  if (new_streams > 0) {
    std::string v;
    PutU64BE(&v, stream_count_ + new_streams);
    batch.Put(cf(kMeta), std::string(kMetaStreamCount), v);
  }
  batch.Put(cf(kMeta), std::string(kMetaHead), HeadRecord(pos, hash));
  rocksdb::WriteOptions wo;
  wo.sync = any_sync;
  const Status err = WriteOrMark(wo, &batch, "Append");
  if (!err.ok()) {
    for (Writer* w : written) {
      w->status = err;
      w->result = {};
    }
    return;
  }
  last_position_ = pos;
  last_hash_ = hash;
  stream_count_ += new_streams;
  for (const auto& [stream, rev] : heads) cache_.Put(stream, rev);
  committed_.store(pos, std::memory_order_release);
  WakeSubscribers();
}

// ---- Reads -----------------------------------------------------------------------------

template <typename Fn>
Status EventStoreImpl::ScanRange(uint64_t lo, uint64_t hi, Direction dir, const CompiledFilter& filter,
                                 std::string_view op, Fn&& visit) const {
  if (lo > hi) return Status();
  rocksdb::ReadOptions ro;
  const std::string lower = PositionKey(lo);
  const std::string upper = PositionKey(hi + 1);
  Slice lower_s(lower), upper_s(upper);
  ro.iterate_lower_bound = &lower_s;
  ro.iterate_upper_bound = &upper_s;
  if (dir == Direction::kForward && hi - lo > 64) ro.readahead_size = 2 << 20;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, cf(kEvents)));
  if (dir == Direction::kForward) {
    it->Seek(lower_s);
  } else {
    it->SeekToLast();
  }
  for (; it->Valid(); dir == Direction::kForward ? it->Next() : it->Prev()) {
    const uint64_t position = GetU64BE(std::string_view(it->key().data(), it->key().size()));
    bool keep_going = true;
    CONSENT_RETURN_IF_ERROR(visit(position, it->value(), filter, &keep_going));
    if (!keep_going) break;
  }
  if (!it->status().ok()) return FromRocks(it->status(), op);
  return Status();
}

namespace {
// Bounds [lo, hi] for a ReadAll over a log whose head is `head`.
std::pair<uint64_t, uint64_t> Bounds(const ReadAllOptions& o, uint64_t head) {
  if (o.direction == Direction::kForward) {
    const uint64_t lo = std::max<uint64_t>(o.from_position, 1);
    const uint64_t hi = o.to_position == 0 ? head : std::min(o.to_position, head);
    return {lo, hi};
  }
  const uint64_t hi = o.from_position == kHeadPosition ? head : std::min(o.from_position, head);
  const uint64_t lo = std::max<uint64_t>(o.to_position, 1);
  return {lo, hi};
}
}  // namespace

StatusOr<std::vector<Event>> EventStoreImpl::ReadAll(const ReadAllOptions& options) const {
  CONSENT_ASSIGN_OR_RETURN(CompiledFilter filter, CompileFilter(options.filter, "ReadAll"));
  const auto [lo, hi] = Bounds(options, HeadPosition());
  std::vector<Event> out;
  if (options.max_count == 0) return out;
  Status s = ScanRange(lo, hi, options.direction, filter, "ReadAll",
                       [&](uint64_t position, Slice value, const CompiledFilter& f, bool* more) -> Status {
                         out.emplace_back();
                         CONSENT_RETURN_IF_ERROR(ParseStoredEvent(position, value, &out.back()));
                         if (!f.Matches(out.back())) out.pop_back();
                         *more = out.size() < options.max_count;
                         return Status();
                       });
  if (!s.ok()) return s;
  return out;
}

Status EventStoreImpl::ScanAll(const ReadAllOptions& options,
                               const std::function<bool(const Event&)>& visit) const {
  CONSENT_ASSIGN_OR_RETURN(CompiledFilter filter, CompileFilter(options.filter, "ScanAll"));
  const auto [lo, hi] = Bounds(options, HeadPosition());
  if (options.max_count == 0) return Status();
  Event e;
  size_t n = 0;
  return ScanRange(lo, hi, options.direction, filter, "ScanAll",
                   [&](uint64_t position, Slice value, const CompiledFilter& f, bool* more) -> Status {
                     e.Clear();
                     CONSENT_RETURN_IF_ERROR(ParseStoredEvent(position, value, &e));
                     if (f.Matches(e)) {
                       ++n;
                       *more = visit(e) && n < options.max_count;
                     }
                     return Status();
                   });
}

StatusOr<std::vector<Event>> EventStoreImpl::ReadStream(std::string_view stream,
                                                        const ReadStreamOptions& options) const {
  const std::string op = "ReadStream(stream " + Quote(stream) + ")";
  if (Status s = ValidateStreamName(stream); !s.ok()) return s.Annotate("ReadStream");
  ScopedSnapshot snapshot(db_.get());
  rocksdb::ReadOptions& ro = snapshot.options();
  const std::string lower = StreamKey(stream, 0);
  std::string upper(stream);
  upper.push_back('\1');
  Slice lower_s(lower), upper_s(upper);
  ro.iterate_lower_bound = &lower_s;
  ro.iterate_upper_bound = &upper_s;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, cf(kStreams)));
  std::vector<std::string> positions;
  const bool forward = options.direction == Direction::kForward;
  if (forward) {
    it->Seek(StreamKey(stream, static_cast<uint64_t>(std::max<int64_t>(options.from_revision, 0))));
  } else if (options.from_revision < 0) {
    it->SeekToLast();
  } else {
    it->SeekForPrev(StreamKey(stream, static_cast<uint64_t>(options.from_revision)));
  }
  for (; it->Valid() && positions.size() < options.max_count; forward ? it->Next() : it->Prev()) {
    positions.emplace_back(it->value().data(), it->value().size());
  }
  if (!it->status().ok()) return FromRocks(it->status(), op);
  if (positions.empty()) {
    // Distinguish "no such stream" from "nothing in that range".
    it->SeekToFirst();
    if (!it->Valid()) {
      if (!it->status().ok()) return FromRocks(it->status(), op);
      ErrorContext ctx;
      ctx.stream = std::string(stream);
      return NotFoundError(op + ": stream does not exist", std::move(ctx));
    }
    return std::vector<Event>{};
  }
  std::vector<Slice> keys(positions.begin(), positions.end());
  std::vector<rocksdb::PinnableSlice> values(keys.size());
  std::vector<rocksdb::Status> statuses(keys.size());
  db_->MultiGet(ro, cf(kEvents), keys.size(), keys.data(), values.data(), statuses.data());
  std::vector<Event> out(keys.size());
  for (size_t i = 0; i < keys.size(); ++i) {
    const uint64_t position = GetU64BE(positions[i]);
    if (!statuses[i].ok()) {
      ErrorContext ctx;
      ctx.stream = std::string(stream);
      ctx.position = position;
      if (statuses[i].IsNotFound()) {
        return DataLossError(op + ": stream index points at missing position " + std::to_string(position),
                             std::move(ctx));
      }
      return FromRocks(statuses[i], op);
    }
    CONSENT_RETURN_IF_ERROR(ParseStoredEvent(position, values[i], &out[i]));
    if (out[i].stream_id() != stream) {
      ErrorContext ctx;
      ctx.stream = std::string(stream);
      ctx.position = position;
      return DataLossError(op + ": stream index points at position " + std::to_string(position) +
                               ", which holds an event of stream " + Quote(out[i].stream_id()) +
                               " (run verify)",
                           std::move(ctx));
    }
  }
  return out;
}

StatusOr<Event> EventStoreImpl::ReadEvent(uint64_t position) const {
  const std::string op = "ReadEvent(" + std::to_string(position) + ")";
  // No check against HeadPosition() first: the head counter moves just after the write, while
  // the id index (FindEvent) already shows the event. Each commit is one atomic batch and only
  // the leader writes, so whatever RocksDB shows is a complete prefix of the log.
  const uint64_t head = HeadPosition();
  rocksdb::PinnableSlice value;
  rocksdb::Status s = position == 0 ? rocksdb::Status::NotFound()
                                    : db_->Get(rocksdb::ReadOptions(), cf(kEvents), PositionKey(position), &value);
  if (s.IsNotFound()) {
    ErrorContext ctx;
    ctx.position = position;
    if (position != 0 && position <= head) {
      return DataLossError(op + ": event missing below the head", std::move(ctx));
    }
    return NotFoundError(op + ": no event at this position (head is " + std::to_string(head) + ")",
                         std::move(ctx));
  }
  if (!s.ok()) return FromRocks(s, op);
  Event e;
  CONSENT_RETURN_IF_ERROR(ParseStoredEvent(position, value, &e));
  return e;
}

StatusOr<uint64_t> EventStoreImpl::FindEvent(std::string_view event_id) const {
  const std::string op = "FindEvent(" + EventIdToString(event_id) + ")";
  if (event_id.size() != kEventIdSize) {
    ErrorContext ctx;
    ctx.field = "event_id";
    return InvalidArgumentError(op + ": an event id has 16 bytes, got " + std::to_string(event_id.size()),
                                std::move(ctx));
  }
  std::string value;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), cf(kIds), Slice(event_id.data(), event_id.size()),
                               &value);
  if (s.IsNotFound()) return NotFoundError(op + ": no event with this id");
  if (!s.ok()) return FromRocks(s, op);
  return GetU64BE(value);
}

StatusOr<int64_t> EventStoreImpl::StreamRevision(std::string_view stream) const {
  if (Status s = ValidateStreamName(stream); !s.ok()) return s.Annotate("StreamRevision");
  return ReadHeadFromDb(stream);
}

// ---- Subscriptions -------------------------------------------------------------------------

void SubscriptionImpl::Stop() {
  std::lock_guard<std::mutex> guard(stop_mu_);
  stop_.store(true);
  EventStoreImpl* store;
  {
    std::lock_guard<std::mutex> lock(mu_);
    store = store_;
  }
  if (store) store->WakeSubscribers();
  if (thread_.joinable()) thread_.join();
  if (store) {
    store->Unregister(this);
    std::lock_guard<std::mutex> lock(mu_);
    store_ = nullptr;
  }
  std::lock_guard<std::mutex> lock(mu_);
  finished_ = true;
  progress_cv_.notify_all();
}

void SubscriptionImpl::Run() {
  Event e;
  while (!stop_.load()) {
    const uint64_t head = store_->HeadPosition();
    const uint64_t next = last_.load() + 1;
    if (next <= head) {
      const uint64_t hi = std::min(head, next + options_.batch_size - 1);
      Status handler_status;
      uint64_t done_to = next - 1;
      Status s = store_->ScanRange(
          next, hi, Direction::kForward, filter_, "Subscribe",
          [&](uint64_t position, Slice value, const CompiledFilter& f, bool* more) -> Status {
            if (stop_.load()) {
              *more = false;
              return Status();
            }
            e.Clear();
            CONSENT_RETURN_IF_ERROR(ParseStoredEvent(position, value, &e));
            if (f.Matches(e)) {
              handler_status = handler_(e);
              if (!handler_status.ok()) {
                *more = false;
                return Status();
              }
            }
            done_to = position;
            last_.store(position, std::memory_order_release);
            return Status();
          });
      {
        std::lock_guard<std::mutex> lock(mu_);
        progress_cv_.notify_all();
      }
      if (!s.ok()) return Finish(s);
      if (!handler_status.ok()) return Finish(handler_status.Annotate("Subscribe: handler"));
      if (done_to < hi && !stop_.load()) {
        ErrorContext ctx;
        ctx.position = done_to + 1;
        return Finish(DataLossError("Subscribe: event missing at position " + std::to_string(done_to + 1),
                                    std::move(ctx)));
      }
      continue;
    }
    if (!live_.load()) {
      live_.store(true, std::memory_order_release);
      if (options_.on_live) options_.on_live();
    }
    store_->WaitForCommit(last_.load(), stop_);
  }
  Finish(Status());
}

StatusOr<std::unique_ptr<Subscription>> EventStoreImpl::Subscribe(SubscribeOptions options,
                                                                  EventHandler handler) {
  if (!handler) return InvalidArgumentError("Subscribe: handler is empty");
  if (options.batch_size == 0) options.batch_size = 512;
  CONSENT_ASSIGN_OR_RETURN(CompiledFilter filter, CompileFilter(options.filter, "Subscribe"));
  auto sub = std::make_unique<SubscriptionImpl>(this, std::move(options), std::move(filter), std::move(handler));
  {
    std::lock_guard<std::mutex> lock(subs_mu_);
    subs_.insert(sub.get());
  }
  sub->Start();
  return std::unique_ptr<Subscription>(std::move(sub));
}

// ---- Verify and stats ----------------------------------------------------------------------

StatusOr<VerifyReport> EventStoreImpl::Verify(uint64_t from, uint64_t to) const {
  const uint64_t head = HeadPosition();
  if (to == kHeadPosition) to = head;
  const std::string op = "Verify(" + std::to_string(from) + ".." + std::to_string(to) + ")";
  VerifyReport report;
  report.from_position = from;
  report.to_position = to;
  if (from == 0) return InvalidArgumentError(op + ": positions start at 1");
  if (to > head) return OutOfRangeError(op + ": head is " + std::to_string(head));
  Hash prev{};
  auto loss = [&](uint64_t position, const std::string& why) {
    ErrorContext ctx;
    ctx.position = position;
    return DataLossError(op + ": event at position " + std::to_string(position) + ": " + why, std::move(ctx));
  };
  if (from > 1 && from <= to) {
    rocksdb::PinnableSlice v;
    rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), cf(kEvents), PositionKey(from - 1), &v);
    if (s.IsNotFound()) return loss(from - 1, "missing");
    if (!s.ok()) return FromRocks(s, op);
    prev = StoredHash(v);
  }
  if (from > to) {
    report.chain_hash_hex = HashHex(prev);
    return report;
  }
  uint64_t expected = from;
  Event e;
  Status inner = ScanRange(
      from, to, Direction::kForward, CompiledFilter{}, op,
      [&](uint64_t position, Slice value, const CompiledFilter&, bool*) -> Status {
        if (position != expected) return loss(expected, "missing (next stored is " + std::to_string(position) + ")");
        if (value.size() < kEventRecordHeaderSize || static_cast<uint8_t>(value[0]) != kEventRecordVersion) {
          return loss(position, "truncated record or unknown record version");
        }
        const std::string_view bytes(value.data() + kEventRecordHeaderSize, value.size() - kEventRecordHeaderSize);
        const auto h = ChainHashOfStored(prev, bytes);
        if (!h) return loss(position, "stored bytes are not a well-formed event");
        if (*h != StoredHash(value)) return loss(position, "hash chain broken (content or order modified)");
        e.Clear();
        if (!e.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
          return loss(position, "cannot be decoded");
        }
        if (e.position() != position) {
          return loss(position, "claims position " + std::to_string(e.position()) + " (moved or reordered)");
        }
        std::string idx;
        rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), cf(kStreams), StreamKey(e.stream_id(), e.stream_revision()), &idx);
        if (!s.ok() && !s.IsNotFound()) return FromRocks(s, op);
        if (!s.ok() || GetU64BE(idx) != position || idx.size() != 8) {
          return loss(position, "stream index entry for " + Quote(e.stream_id()) + " revision " +
                                    std::to_string(e.stream_revision()) + " is missing or points elsewhere");
        }
        s = db_->Get(rocksdb::ReadOptions(), cf(kIds), e.event_id(), &idx);
        if (!s.ok() && !s.IsNotFound()) return FromRocks(s, op);
        if (!s.ok() || GetU64BE(idx) != position || idx.size() != 8) {
          return loss(position, "event id index entry is missing or points elsewhere");
        }
        prev = *h;
        ++expected;
        ++report.events_checked;
        return Status();
      });
  if (!inner.ok()) return inner;
  if (expected != to + 1) return loss(expected, "missing");
  if (to == head) {
    uint64_t where = 0;
    CONSENT_ASSIGN_OR_RETURN(std::string problem, HeadRecordProblem(&where));
    if (!problem.empty()) return loss(where, problem);
  }
  CONSENT_RETURN_IF_ERROR(CheckIndexEntries(kStreams, StreamIndexKeyOf, from, to, report.events_checked, op));
  CONSENT_RETURN_IF_ERROR(CheckIndexEntries(kIds, IdIndexKeyOf, from, to, report.events_checked, op));
  report.chain_hash_hex = HashHex(prev);
  return report;
}

Status EventStoreImpl::CheckIndexEntries(size_t index, std::string (*key_of)(const Event&), uint64_t from,
                                         uint64_t to, uint64_t events, const std::string& op) const {
  const std::string what = index == kStreams ? "stream index entry " : "event id index entry ";
  auto stray = [&](std::string_view key, uint64_t position, const std::string& why) {
    ErrorContext ctx;
    ctx.position = position;
    const std::string name = index == kStreams ? Quote(key.substr(0, key.find('\0')))
                                               : EventIdToString(key);
    return DataLossError(op + ": " + what + name + " " + why, std::move(ctx));
  };
  // Pass 1 counts; every event already has its own entry (checked from the event's side), so
  // a count above `events` means a stray entry, which pass 2 looks for.
  for (int pass = 1; pass <= 2; ++pass) {
    uint64_t in_range = 0;
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), cf(index)));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      const std::string_view key = it->key().ToStringView();
      const std::string_view value = it->value().ToStringView();
      const uint64_t position = GetU64BE(value);
      if (value.size() != 8 || position == 0) return stray(key, position, "holds no position");
      if (position < from || position > to) continue;
      ++in_range;
      if (pass == 1) continue;
      CONSENT_ASSIGN_OR_RETURN(Event e, ReadEvent(position));
      if (key_of(e) != key) {
        return stray(key, position, "points at position " + std::to_string(position) +
                                        ", an event of stream " + Quote(e.stream_id()) + " with other keys");
      }
    }
    if (!it->status().ok()) return FromRocks(it->status(), op);
    if (in_range == events) return Status();
  }
  return DataLossError(op + ": the " + what + "count differs from the number of events");
}

StatusOr<StoreStats> EventStoreImpl::Stats() const {
  StoreStats st;
  st.path = path_;
  st.store_id = EventIdToString(store_id_);
  st.format_version = kFormatVersion;
  st.head_position = HeadPosition();
  std::string v;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), cf(kMeta), std::string(kMetaStreamCount), &v);
  if (s.ok()) st.stream_count = GetU64BE(v);
  else if (!s.IsNotFound()) return FromRocks(s, "Stats");
  if (st.head_position > 0) {
    rocksdb::PinnableSlice last;
    s = db_->Get(rocksdb::ReadOptions(), cf(kEvents), PositionKey(st.head_position), &last);
    if (!s.ok()) return FromRocks(s, "Stats");
    st.head_hash_hex = HashHex(StoredHash(last));
  } else {
    st.head_hash_hex = HashHex(Hash{});
  }
  for (size_t i = 0; i < kCfCount; ++i) {
    uint64_t sst = 0, mem = 0;
    db_->GetIntProperty(cf(i), rocksdb::DB::Properties::kTotalSstFilesSize, &sst);
    db_->GetIntProperty(cf(i), rocksdb::DB::Properties::kCurSizeAllMemTables, &mem);
    st.approximate_bytes += sst + mem;
  }
  if (ColumnFamilyHandle* k = keys_cf()) {
    uint64_t sst = 0, mem = 0;
    db_->GetIntProperty(k, rocksdb::DB::Properties::kTotalSstFilesSize, &sst);
    db_->GetIntProperty(k, rocksdb::DB::Properties::kCurSizeAllMemTables, &mem);
    st.approximate_bytes += sst + mem;
  }
  return st;
}

// ---- Projection state ------------------------------------------------------------------------

namespace {
Status CheckProjectionName(std::string_view projection, std::string_view op) {
  if (projection.empty() || projection.find('\0') != std::string_view::npos) {
    ErrorContext ctx;
    ctx.field = "projection";
    return InvalidArgumentError(std::string(op) + ": projection name must be non-empty and contain no NUL",
                                std::move(ctx));
  }
  return Status();
}
}  // namespace

Status EventStoreImpl::CommitProjection(std::string_view projection, const ProjectionBatch& batch,
                                        const AppendOptions& options) {
  const std::string op = "CommitProjection(" + Quote(projection) + ")";
  CONSENT_RETURN_IF_ERROR(CheckProjectionName(projection, op));
  CONSENT_RETURN_IF_ERROR(CheckWritable(op));
  CONSENT_RETURN_IF_ERROR(ResumeAfterWriteError(op));
  rocksdb::WriteBatch b;
  if (batch.clear_all()) {
    std::string lo(projection), hi(projection);
    lo.push_back('\0');
    hi.push_back('\1');
    b.DeleteRange(cf(kProjections), lo, hi);
    b.Delete(cf(kCheckpoints), Slice(projection.data(), projection.size()));
  }
  for (const auto& o : batch.ops()) {
    if (o.is_delete) {
      b.Delete(cf(kProjections), ProjectionKey(projection, o.key));
    } else {
      b.Put(cf(kProjections), ProjectionKey(projection, o.key), o.value);
    }
  }
  if (batch.checkpoint()) {
    const uint64_t position = *batch.checkpoint();
    // A checkpoint past the head keeps a zero hash: CheckedProjectionCheckpoint refuses it.
    auto hash = StoredHashAt(position, op);
    if (!hash.ok() && hash.status().code() != StatusCode::kNotFound) return hash.status();
    const Hash h = hash.ok() ? *hash : Hash{};
    std::string v;
    PutU64BE(&v, position);
    v.append(reinterpret_cast<const char*>(h.data()), h.size());
    b.Put(cf(kCheckpoints), Slice(projection.data(), projection.size()), v);
  }
  rocksdb::WriteOptions wo;
  wo.sync = options.sync.value_or(options_.sync);
  return WriteOrMark(wo, &b, op);
}

StatusOr<Hash> EventStoreImpl::StoredHashAt(uint64_t position, std::string_view op) const {
  if (position == 0) return Hash{};
  rocksdb::PinnableSlice v;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), cf(kEvents), PositionKey(position), &v);
  if (s.IsNotFound()) return NotFoundError(std::string(op) + ": no event at position " + std::to_string(position));
  if (!s.ok()) return FromRocks(s, op);
  return StoredHash(v);
}

StatusOr<std::optional<std::string>> EventStoreImpl::CheckpointValue(std::string_view projection,
                                                                     std::string_view op) const {
  CONSENT_RETURN_IF_ERROR(CheckProjectionName(projection, op));
  std::string v;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), cf(kCheckpoints), Slice(projection.data(), projection.size()), &v);
  if (s.IsNotFound()) return std::optional<std::string>();
  if (!s.ok()) return FromRocks(s, op);
  if (v.size() != 8 && v.size() != 8 + kHashSize) {
    return DataLossError(std::string(op) + ": the stored checkpoint is malformed (" + std::to_string(v.size()) +
                         " bytes)");
  }
  return std::optional<std::string>(std::move(v));
}

StatusOr<uint64_t> EventStoreImpl::ProjectionCheckpoint(std::string_view projection) const {
  const std::string op = "ProjectionCheckpoint(" + Quote(projection) + ")";
  CONSENT_ASSIGN_OR_RETURN(std::optional<std::string> v, CheckpointValue(projection, op));
  return v ? GetU64BE(*v) : uint64_t{0};
}

StatusOr<uint64_t> EventStoreImpl::CheckedProjectionCheckpoint(std::string_view projection) const {
  const std::string op = "CheckedProjectionCheckpoint(" + Quote(projection) + ")";
  CONSENT_ASSIGN_OR_RETURN(std::optional<std::string> v, CheckpointValue(projection, op));
  if (!v) return NotFoundError(op + ": no checkpoint is stored");
  const uint64_t position = GetU64BE(*v);
  ErrorContext ctx;
  ctx.position = position;
  if (position > HeadPosition()) {
    return DataLossError(op + ": checkpoint " + std::to_string(position) + " is past the head (" +
                             std::to_string(HeadPosition()) + ")",
                         std::move(ctx));
  }
  if (v->size() == 8) return position;  // written before checkpoints carried the chain hash
  CONSENT_ASSIGN_OR_RETURN(Hash hash, StoredHashAt(position, op));
  if (std::memcmp(v->data() + 8, hash.data(), kHashSize) != 0) {
    return DataLossError(op + ": checkpoint " + std::to_string(position) +
                             " does not match the event at that position (rewound, or the log was rewritten)",
                         std::move(ctx));
  }
  return position;
}

StatusOr<std::optional<std::string>> EventStoreImpl::GetProjectionValue(std::string_view projection,
                                                                        std::string_view key) const {
  const std::string op = "GetProjectionValue(" + Quote(projection) + ")";
  CONSENT_RETURN_IF_ERROR(CheckProjectionName(projection, op));
  std::string v;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), cf(kProjections), ProjectionKey(projection, key), &v);
  if (s.IsNotFound()) return std::optional<std::string>();
  if (!s.ok()) return FromRocks(s, op);
  return std::optional<std::string>(std::move(v));
}

Status EventStoreImpl::ScanProjection(
    std::string_view projection, std::string_view prefix,
    const std::function<bool(std::string_view, std::string_view)>& visit) const {
  const std::string op = "ScanProjection(" + Quote(projection) + ")";
  CONSENT_RETURN_IF_ERROR(CheckProjectionName(projection, op));
  const std::string start = ProjectionKey(projection, prefix);
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), cf(kProjections)));
  const size_t skip = projection.size() + 1;
  for (it->Seek(start); it->Valid(); it->Next()) {
    const Slice k = it->key();
    if (!k.starts_with(start)) break;
    if (!visit(std::string_view(k.data() + skip, k.size() - skip), it->value().ToStringView())) break;
  }
  return FromRocks(it->status(), op);
}

Status EventStoreImpl::CompactAll() {
  CONSENT_RETURN_IF_ERROR(CheckWritable("CompactAll"));
  CONSENT_RETURN_IF_ERROR(ResumeAfterWriteError("CompactAll"));
  rocksdb::FlushOptions fo;
  fo.wait = true;
  for (size_t i = 0; i < kCfCount; ++i) {
    CONSENT_RETURN_IF_ERROR(FromRocks(db_->Flush(fo, cf(i)), "CompactAll"));
    rocksdb::CompactRangeOptions co;
    co.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForce;
    CONSENT_RETURN_IF_ERROR(FromRocks(db_->CompactRange(co, cf(i), nullptr, nullptr), "CompactAll"));
  }
  if (ColumnFamilyHandle* k = keys_cf()) {
    CONSENT_RETURN_IF_ERROR(FromRocks(db_->Flush(fo, k), "CompactAll"));
    rocksdb::CompactRangeOptions co;
    co.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForce;
    CONSENT_RETURN_IF_ERROR(FromRocks(db_->CompactRange(co, k, nullptr, nullptr), "CompactAll"));
  }
  return Status();
}

// ---- Secrets -----------------------------------------------------------------------------

StatusOr<ColumnFamilyHandle*> EventStoreImpl::EnsureKeysCf() {
  if (ColumnFamilyHandle* k = keys_cf()) return k;
  CONSENT_RETURN_IF_ERROR(CheckWritable("create column family \"keys\""));
  std::lock_guard<std::mutex> lock(keys_mu_);
  if (ColumnFamilyHandle* k = keys_cf()) return k;
  ColumnFamilyHandle* h = nullptr;
  rocksdb::Status s = db_->CreateColumnFamily(keys_cf_options_, kKeysCf, &h);
  if (!s.ok()) return FromRocks(s, "create column family \"keys\" in " + Quote(path_));
  keys_cf_.store(h, std::memory_order_release);
  return h;
}

StatusOr<MultiAppendResult> EventStoreImpl::AppendWithSecrets(std::vector<StreamAppend> appends,
                                                              const std::vector<SecretWrite>& secrets,
                                                              const AppendOptions& options) {
  if (!secrets.empty()) {
    CONSENT_ASSIGN_OR_RETURN(ColumnFamilyHandle * ignored, EnsureKeysCf());
    (void)ignored;
  }
  Writer w;
  w.appends = &appends;
  w.multi = true;
  w.sync = options.sync.value_or(options_.sync);
  w.secrets = secrets.empty() ? nullptr : &secrets;
  for (const SecretWrite& sw : secrets) w.bytes += sw.key.size() + (sw.value ? sw.value->size() : 0);
  CONSENT_RETURN_IF_ERROR(Submit(&w));
  return std::move(w.result);
}

Status EventStoreImpl::WriteSecrets(const std::vector<SecretWrite>& secrets, bool sync) {
  if (secrets.empty()) return Status();
  CONSENT_RETURN_IF_ERROR(CheckWritable("WriteSecrets"));
  CONSENT_RETURN_IF_ERROR(ResumeAfterWriteError("WriteSecrets"));
  CONSENT_ASSIGN_OR_RETURN(ColumnFamilyHandle * keys, EnsureKeysCf());
  rocksdb::WriteBatch b;
  for (const SecretWrite& sw : secrets) {
    if (sw.value) {
      b.Put(keys, sw.key, *sw.value);
    } else {
      b.Delete(keys, sw.key);
    }
  }
  rocksdb::WriteOptions wo;
  wo.sync = sync;
  return WriteOrMark(wo, &b, "WriteSecrets");
}

StatusOr<std::optional<std::string>> EventStoreImpl::GetSecret(std::string_view key) const {
  ColumnFamilyHandle* keys = keys_cf();
  if (keys == nullptr) return std::optional<std::string>();
  std::string value;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), keys, Slice(key.data(), key.size()), &value);
  if (s.IsNotFound()) return std::optional<std::string>();
  if (!s.ok()) return FromRocks(s, "GetSecret");
  return std::optional<std::string>(std::move(value));
}

StatusOr<std::vector<std::string>> EventStoreImpl::ListSecretKeys(std::string_view prefix) const {
  std::vector<std::string> out;
  ColumnFamilyHandle* keys = keys_cf();
  if (keys == nullptr) return out;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), keys));
  for (it->Seek(Slice(prefix.data(), prefix.size()));
       it->Valid() && it->key().starts_with(Slice(prefix.data(), prefix.size())); it->Next()) {
    out.push_back(it->key().ToString());
  }
  if (!it->status().ok()) return FromRocks(it->status(), "ListSecretKeys");
  return out;
}

std::unordered_set<std::string> EventStoreImpl::LiveTableFiles() const {
  std::vector<rocksdb::LiveFileMetaData> meta;
  db_->GetLiveFilesMetaData(&meta);
  std::unordered_set<std::string> out;
  for (const auto& m : meta) {
    // m.name is "/000123.sst" (relative to the db path) in this RocksDB.
    out.insert(std::filesystem::path(m.name).filename().string());
  }
  return out;
}

Status EventStoreImpl::ScrubDeletedSecrets(const std::vector<std::string>& deleted_keys) {
  const std::string op = "ScrubDeletedSecrets(" + Quote(path_) + ")";
  ColumnFamilyHandle* keys = keys_cf();
  if (keys == nullptr) return Status();  // no secret was ever written
  CONSENT_RETURN_IF_ERROR(CheckWritable(op));
  CONSENT_RETURN_IF_ERROR(ResumeAfterWriteError(op));
  std::lock_guard<std::mutex> lock(keys_mu_);
  // Every write before this point (in particular the deleted rows' Puts) carries a sequence
  // number <= `seq`; a WAL that starts after it holds none of them.
  const rocksdb::SequenceNumber seq = db_->GetLatestSequenceNumber();
  std::vector<ColumnFamilyHandle*> all(handles_.begin(), handles_.end());
  all.push_back(keys);
  // Returns "" when no old byte of a deleted row can remain on disk, else what still holds one.
  auto check = [&]() -> StatusOr<std::string> {
    // No version (value or tombstone) of a deleted row may remain in the keys column family.
    for (const std::string& k : deleted_keys) {
      std::vector<rocksdb::KeyVersion> versions;
      rocksdb::Status s = rocksdb::GetAllKeyVersions(db_.get(), keys, k, k, 16, &versions);
      if (!s.ok()) return FromRocks(s, op + ": check");
      if (!versions.empty()) {
        return std::string("an old version of a deleted key row is still in the keys column family "
                           "(pinned by a reader's snapshot?)");
      }
    }
    // No non-empty WAL file written before this call may remain.
    rocksdb::VectorLogPtr wals;
    CONSENT_RETURN_IF_ERROR(FromRocks(db_->GetSortedWalFiles(wals), op + ": list WAL files"));
    for (const auto& w : wals) {
      if (w->SizeFileBytes() > 0 && w->StartSequence() <= seq) {
        return "WAL file " + w->PathName() + " written before the erasure is still on disk";
      }
    }
    // Every table file in the directory must be live (obsolete ones deleted).
    const auto live = LiveTableFiles();
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(path_, ec)) {
      const std::string name = entry.path().filename().string();
      if (entry.path().extension() == ".sst" && live.count(name) == 0) {
        return "obsolete table file " + name + " is still on disk";
      }
    }
    if (ec) return UnavailableError(op + ": cannot list the directory: " + ec.message());
    return std::string();
  };
  std::string problem;
  for (int round = 0; round < 4; ++round) {
    // 1. Flush every column family: a WAL file is deleted only once no column family needs it.
    rocksdb::FlushOptions fo;
    fo.wait = true;
    CONSENT_RETURN_IF_ERROR(FromRocks(db_->Flush(fo, all), op + ": flush"));
    // 2. Rewrite the keys column family to the bottommost level, where tombstones and the
    // values they shadow are dropped (unless a snapshot still needs them).
    rocksdb::CompactRangeOptions co;
    co.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForce;
    CONSENT_RETURN_IF_ERROR(FromRocks(db_->CompactRange(co, keys, nullptr, nullptr), op + ": compact"));
    // 3. Check. RocksDB deletes obsolete files right after the job that made them obsolete,
    // possibly just after the call returned: wait a little (1, 2, 4, 8, then 20 ms steps, about
    // 0.3 s) before flushing and compacting again.
    for (int wait = 0; wait < 16; ++wait) {
      CONSENT_ASSIGN_OR_RETURN(problem, check());
      if (problem.empty()) return Status();
      std::this_thread::sleep_for(std::chrono::milliseconds(wait < 4 ? (1 << wait) : 20));
    }
  }
  return UnavailableError(op + ": " + problem + "; retry later");
}

Status EventStoreImpl::CreateCheckpoint(const std::string& dest) {
  const std::string op = "CreateCheckpoint(" + Quote(path_) + " into " + Quote(dest) + ")";
  CONSENT_RETURN_IF_ERROR(CheckWritable(op));
  CONSENT_RETURN_IF_ERROR(ResumeAfterWriteError(op));
  rocksdb::Checkpoint* raw = nullptr;
  CONSENT_RETURN_IF_ERROR(FromRocks(rocksdb::Checkpoint::Create(db_.get(), &raw), op));
  std::unique_ptr<rocksdb::Checkpoint> checkpoint(raw);
  return FromRocks(checkpoint->CreateCheckpoint(dest), op);
}

}  // namespace

namespace {
EventStoreImpl* Impl(EventStore& store) { return dynamic_cast<EventStoreImpl*>(&store); }
const EventStoreImpl* Impl(const EventStore& store) {
  return dynamic_cast<const EventStoreImpl*>(&store);
}
Status NotOurs(std::string_view op) {
  return Status(StatusCode::kUnimplemented,
                std::string(op) + ": the store was not opened by consent::EventStore::Open");
}
}  // namespace

StatusOr<std::unique_ptr<EventStore>> OpenWithFileSystem(const StoreOptions& options,
                                                         const std::string& path,
                                                         std::shared_ptr<rocksdb::FileSystem> fs) {
  auto store = std::make_unique<EventStoreImpl>(options, path, std::move(fs));
  CONSENT_RETURN_IF_ERROR(store->Init());
  return std::unique_ptr<EventStore>(std::move(store));
}

Status CreateCheckpoint(EventStore& store, const std::string& dest) {
  EventStoreImpl* impl = Impl(store);
  if (impl == nullptr) return NotOurs("CreateCheckpoint");
  return impl->CreateCheckpoint(dest);
}

StatusOr<MultiAppendResult> AppendWithSecrets(EventStore& store, std::vector<StreamAppend> appends,
                                              std::vector<SecretWrite> secrets,
                                              const AppendOptions& options) {
  EventStoreImpl* impl = Impl(store);
  if (impl == nullptr) return NotOurs("AppendWithSecrets");
  return impl->AppendWithSecrets(std::move(appends), secrets, options);
}

Status WriteSecrets(EventStore& store, std::vector<SecretWrite> secrets, bool sync) {
  EventStoreImpl* impl = Impl(store);
  if (impl == nullptr) return NotOurs("WriteSecrets");
  return impl->WriteSecrets(secrets, sync);
}

StatusOr<std::optional<std::string>> GetSecret(const EventStore& store, std::string_view key) {
  const EventStoreImpl* impl = Impl(store);
  if (impl == nullptr) return NotOurs("GetSecret");
  return impl->GetSecret(key);
}

StatusOr<std::vector<std::string>> ListSecretKeys(const EventStore& store,
                                                  std::string_view prefix) {
  const EventStoreImpl* impl = Impl(store);
  if (impl == nullptr) return NotOurs("ListSecretKeys");
  return impl->ListSecretKeys(prefix);
}

Status ScrubDeletedSecrets(EventStore& store, const std::vector<std::string>& deleted_keys) {
  EventStoreImpl* impl = Impl(store);
  if (impl == nullptr) return NotOurs("ScrubDeletedSecrets");
  return impl->ScrubDeletedSecrets(deleted_keys);
}

}  // namespace internal

StatusOr<std::unique_ptr<EventStore>> EventStore::Open(const StoreOptions& options, const std::string& path) {
  if (path.empty()) return InvalidArgumentError("Open: path is empty");
  if (options.block_cache_bytes == 0) return InvalidArgumentError("Open(" + path + "): block_cache_bytes is 0");
  return internal::OpenWithFileSystem(options, path, nullptr);
}

}  // namespace consent
