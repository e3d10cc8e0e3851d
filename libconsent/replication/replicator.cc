// SPDX-License-Identifier: Apache-2.0
#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>

#include "consent/replication.h"
#include "internal/chain.h"
#include "nats_support.h"

namespace consent {

using internal::Hash;
using replication::Hex;

Status ValidateSiteName(std::string_view site) {
  const bool ok_chars = std::all_of(site.begin(), site.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
  if (site.empty() || site.size() > 64 || !ok_chars) {
    return InvalidArgumentError("Site(\"" + std::string(site) +
                                "\"): a site name is 1 to 64 characters of A-Z, a-z, 0-9, '_' or '-'");
  }
  return Status::Ok();
}

std::string ReplicationCheckpointName(std::string_view stream, std::string_view site) {
  return "replication/" + std::string(stream) + "/" + std::string(site);
}

namespace {

// Acknowledgements arrive on a libnats thread; the publishing thread waits on them.
class AckTracker {
 public:
  void Reset(uint64_t acknowledged) {
    std::lock_guard<std::mutex> lock(mu_);
    contiguous_ = acknowledged;
    ahead_.clear();
    in_flight_ = 0;
    failure_.clear();
  }
  void Sent() {
    std::lock_guard<std::mutex> lock(mu_);
    ++in_flight_;
  }
  void Acked(uint64_t position) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (in_flight_ > 0) --in_flight_;
      if (position == contiguous_ + 1) {
        ++contiguous_;
        while (!ahead_.empty() && *ahead_.begin() == contiguous_ + 1) {
          ahead_.erase(ahead_.begin());
          ++contiguous_;
        }
      } else if (position > contiguous_) {
        ahead_.insert(position);
      }
    }
    cv_.notify_all();
  }
  void Failed(uint64_t position, std::string why) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (in_flight_ > 0) --in_flight_;
      if (failure_.empty()) failure_ = "position " + std::to_string(position) + ": " + why;
    }
    cv_.notify_all();
  }
  // Waits until fewer than `window` publishes are in flight. False on failure or timeout.
  bool WaitForRoom(size_t window, std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return !failure_.empty() || in_flight_ < window; }) &&
           failure_.empty();
  }
  // Waits until nothing is in flight or a failure. True when every publish was acknowledged.
  bool WaitForAll(std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return !failure_.empty() || in_flight_ == 0; }) &&
           failure_.empty();
  }
  uint64_t contiguous() const {
    std::lock_guard<std::mutex> lock(mu_);
    return contiguous_;
  }
  std::string failure() const {
    std::lock_guard<std::mutex> lock(mu_);
    return failure_;
  }

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  uint64_t contiguous_ = 0;
  std::set<uint64_t> ahead_;
  size_t in_flight_ = 0;
  std::string failure_;
};

void OnPublishAck(jsCtx*, natsMsg* msg, jsPubAck* ack, jsPubAckErr* err, void* closure) {
  auto* tracker = static_cast<AckTracker*>(closure);
  const auto header = replication::Header(msg, replication::kPositionHeader);
  const uint64_t position = header ? replication::ParseU64(*header).value_or(0) : 0;
  if (ack != nullptr) {
    tracker->Acked(position);
  } else {
    tracker->Failed(position, err != nullptr && err->ErrText != nullptr ? err->ErrText
                                                                        : natsStatus_GetText(err ? err->Err : NATS_ERR));
  }
  natsMsg_Destroy(msg);
}

// The bytes the store keeps (and chains) for `e`: its store-assigned fields (revision, position,
// record time) first, then the event as appended (event_store.cc, "Stored bytes").
std::string StoredBytes(const Event& e) {
  Event stamp;
  stamp.set_stream_revision(e.stream_revision());
  stamp.set_position(e.position());
  *stamp.mutable_record_time() = e.record_time();
  Event body = e;
  body.clear_stream_revision();
  body.clear_position();
  body.clear_record_time();
  return stamp.SerializeAsString() + body.SerializeAsString();
}

constexpr size_t kReadChunk = 1024;
constexpr uint64_t kCommitEvery = 4096;

}  // namespace

struct Replicator::Impl {
  EventStore* store = nullptr;
  ReplicatorOptions options;
  std::string subject;
  std::string checkpoint;
  std::string op;
  AckTracker tracker;
  std::unique_ptr<replication::NatsSession> nats;
  uint64_t acknowledged = 0;
  uint64_t committed = 0;
  uint64_t highest_published = 0;
  ReplicationProgress totals;

  StatusOr<Hash> HashAt(uint64_t position) const {
    Hash h{};
    if (position == 0) return h;
    auto v = store->Verify(position, position);
    if (!v.ok()) return v.status();
    auto raw = replication::Unhex(v->chain_hash_hex);
    if (!raw || raw->size() != h.size()) return InternalError(op + ": unreadable chain hash");
    std::copy(raw->begin(), raw->end(), h.begin());
    return h;
  }

  Status Commit(uint64_t position) {
    if (position <= committed) return Status::Ok();
    ProjectionBatch batch;
    batch.SetCheckpoint(position);
    CONSENT_RETURN_IF_ERROR(store->CommitProjection(checkpoint, batch));
    committed = position;
    return Status::Ok();
  }

  // Resumes after the last message the stream holds for this site when it is this site's.
  Status ResumeFromStream() {
    natsMsg* last = nullptr;
    jsErrCode jerr = static_cast<jsErrCode>(0);
    natsStatus s = js_GetLastMsg(&last, nats->js(), options.stream.name.c_str(), subject.c_str(), nullptr, &jerr);
    if (s == NATS_NOT_FOUND) return Status::Ok();
    if (s != NATS_OK) return replication::NatsError(op + ": last message of \"" + subject + "\"", s);
    const auto pos = replication::Header(last, replication::kPositionHeader);
    const auto chain = replication::Header(last, replication::kChainHeader);
    const std::optional<uint64_t> parsed = pos ? replication::ParseU64(*pos) : std::nullopt;
    const std::string chain_hex = chain ? std::string(*chain) : "";
    natsMsg_Destroy(last);
    if (!parsed) return FailedPreconditionError(op + ": the last message of \"" + subject + "\" has no position");
    const uint64_t position = *parsed;
    const uint64_t head = store->HeadPosition();
    if (position > head) {
      return FailedPreconditionError(op + ": the stream holds site position " + std::to_string(position) +
                                     " but the store's head is " + std::to_string(head) +
                                     " (a store restored from an older copy, or another site under this name)");
    }
    auto local = HashAt(position);
    if (!local.ok()) return local.status();
    if (Hex(std::string_view(reinterpret_cast<const char*>(local->data()), local->size())) != chain_hex) {
      ErrorContext ctx;
      ctx.position = position;
      return FailedPreconditionError(op + ": the stream holds another history at site position " +
                                         std::to_string(position) + " (chain hash differs)",
                                     std::move(ctx));
    }
    if (position > acknowledged) {
      acknowledged = position;
      return Commit(acknowledged);
    }
    return Status::Ok();
  }

  Status Publish(const Event& e, const std::string& bytes, const Hash& chain) {
    natsMsg* msg = nullptr;
    natsStatus s = natsMsg_Create(&msg, subject.c_str(), nullptr, bytes.data(), static_cast<int>(bytes.size()));
    // JetStream de-duplicates across the whole stream: the site keeps two sites' ids apart.
    const std::string id = options.site + "." + Hex(e.event_id());
    const std::string position = std::to_string(e.position());
    const std::string chain_hex = Hex(std::string_view(reinterpret_cast<const char*>(chain.data()), chain.size()));
    if (s == NATS_OK) s = natsMsgHeader_Set(msg, "Nats-Msg-Id", id.c_str());
    if (s == NATS_OK) s = natsMsgHeader_Set(msg, replication::kSiteHeader, options.site.c_str());
    if (s == NATS_OK) s = natsMsgHeader_Set(msg, replication::kPositionHeader, position.c_str());
    if (s == NATS_OK) s = natsMsgHeader_Set(msg, replication::kChainHeader, chain_hex.c_str());
    jsPubOptions po;
    jsPubOptions_Init(&po);
    po.MaxWait = options.ack_timeout.count();
    if (s == NATS_OK) {
      tracker.Sent();
      s = js_PublishMsgAsync(nats->js(), &msg, &po);
      if (s != NATS_OK) tracker.Failed(e.position(), natsStatus_GetText(s));
    }
    natsMsg_Destroy(msg);
    if (s != NATS_OK) return replication::NatsError(op + ": publish position " + position, s);
    ++totals.published;
    if (e.position() <= highest_published) ++totals.resent;
    highest_published = std::max(highest_published, e.position());
    return Status::Ok();
  }

  // Publishes (acknowledged, target] with the window; stops at the first failure. Returns
  // kDataLoss when the site's chain does not verify; publish failures only end the round.
  Status PublishRange(uint64_t target) {
    auto prev = HashAt(acknowledged);
    if (!prev.ok()) return prev.status();
    Hash chain = *prev;
    uint64_t next = acknowledged + 1;
    while (next <= target) {
      ReadAllOptions r;
      r.from_position = next;
      r.to_position = target;
      r.max_count = kReadChunk;
      auto events = store->ReadAll(r);
      if (!events.ok()) return events.status();
      if (events->empty()) break;
      for (const Event& e : *events) {
        if (!tracker.WaitForRoom(options.max_in_flight, options.ack_timeout)) return Status::Ok();
        const std::string bytes = StoredBytes(e);
        const auto h = internal::ChainHashOfStored(chain, bytes);
        if (!h) return DataLossError(op + ": event at position " + std::to_string(e.position()) + " cannot be split");
        chain = *h;
        if (!Publish(e, bytes, chain).ok()) return Status::Ok();
      }
      next = events->back().position() + 1;
      auto stored = HashAt(next - 1);
      if (!stored.ok()) return stored.status();
      if (*stored != chain) {
        ErrorContext ctx;
        ctx.position = next - 1;
        return DataLossError(op + ": the chain recomputed up to position " + std::to_string(next - 1) +
                                 " differs from the store's",
                             std::move(ctx));
      }
      const uint64_t acked = tracker.contiguous();
      if (acked >= committed + kCommitEvery) CONSENT_RETURN_IF_ERROR(Commit(acked));
    }
    return Status::Ok();
  }

  // Discards whatever is still pending so that late acknowledgements cannot mix with a resend.
  void DropPending() {
    if (totals.published == 0) return;  // libnats 3.4 crashes on a context that never published
    natsMsgList pending;
    if (js_PublishAsyncGetPendingList(&pending, nats->js()) == NATS_OK) natsMsgList_Destroy(&pending);
  }

  // One round towards `target`. Sets *done when everything up to it is acknowledged.
  Status Round(uint64_t target, bool* done) {
    tracker.Reset(acknowledged);
    CONSENT_RETURN_IF_ERROR(PublishRange(target));
    tracker.WaitForAll(options.ack_timeout + std::chrono::milliseconds(500));
    const std::string failure = tracker.failure();
    if (!failure.empty() || tracker.contiguous() < target) DropPending();
    acknowledged = std::max(acknowledged, tracker.contiguous());
    CONSENT_RETURN_IF_ERROR(Commit(acknowledged));
    *done = acknowledged >= target;
    return Status::Ok();
  }

  Status Advance(uint64_t target, const std::atomic<bool>* stop) {
    int failed_rounds = 0;
    while (acknowledged < target) {
      if (stop != nullptr && stop->load()) return Status::Ok();
      const uint64_t before = acknowledged;
      bool done = false;
      CONSENT_RETURN_IF_ERROR(Round(target, &done));
      if (done) return Status::Ok();
      failed_rounds = acknowledged > before ? 0 : failed_rounds + 1;
      if (failed_rounds >= options.max_failed_rounds) {
        std::string why = tracker.failure();
        if (why.empty()) why = "acknowledgements stopped";
        return UnavailableError(op + ": no progress after " + std::to_string(failed_rounds) +
                                " rounds, at position " + std::to_string(acknowledged + 1) + ": " + why);
      }
      std::this_thread::sleep_for(options.retry_backoff);
    }
    return Status::Ok();
  }

  ReplicationProgress Progress() const {
    ReplicationProgress p = totals;
    p.acknowledged = acknowledged;
    p.head = store->HeadPosition();
    return p;
  }
};

Replicator::Replicator(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Replicator::~Replicator() {
  if (impl_ && impl_->nats && impl_->totals.published > 0) {
    jsPubOptions po;
    jsPubOptions_Init(&po);
    po.MaxWait = impl_->options.ack_timeout.count();
    js_PublishAsyncComplete(impl_->nats->js(), &po);
    impl_->DropPending();
    impl_->nats.reset();  // no callback into the tracker after this
  }
}

StatusOr<std::unique_ptr<Replicator>> Replicator::Open(EventStore* site_store, ReplicatorOptions options) {
  auto impl = std::make_unique<Impl>();
  impl->op = "Replicator(site \"" + options.site + "\")";
  if (site_store == nullptr) return InvalidArgumentError(impl->op + ": no site store");
  CONSENT_RETURN_IF_ERROR(ValidateSiteName(options.site).Annotate(impl->op));
  if (options.max_in_flight == 0) return InvalidArgumentError(impl->op + ": max_in_flight must be positive");
  if (options.ack_timeout.count() <= 0) return InvalidArgumentError(impl->op + ": ack_timeout must be positive");
  if (options.max_failed_rounds <= 0) return InvalidArgumentError(impl->op + ": max_failed_rounds must be positive");
  impl->store = site_store;
  impl->options = std::move(options);
  impl->subject = replication::SiteSubject(impl->options.stream, impl->options.site);
  impl->checkpoint = ReplicationCheckpointName(impl->options.stream.name, impl->options.site);
  auto checkpoint = site_store->ProjectionCheckpoint(impl->checkpoint);
  if (!checkpoint.ok()) return checkpoint.status();
  impl->acknowledged = impl->committed = *checkpoint;

  jsOptions jo;
  jsOptions_Init(&jo);
  jo.PublishAsync.AckHandler = OnPublishAck;
  jo.PublishAsync.AckHandlerClosure = &impl->tracker;
  jo.PublishAsync.MaxPending = static_cast<int64_t>(impl->options.max_in_flight) + 1;
  auto session = replication::NatsSession::Connect(impl->options.nats, &jo);
  if (!session.ok()) return session.status().Annotate(impl->op);
  impl->nats = std::move(*session);
  Impl* r = impl.get();
  const Status ready = replication::RetryUnavailable(r->options.max_failed_rounds, r->options.retry_backoff, [r] {
    CONSENT_RETURN_IF_ERROR(replication::EnsureStream(r->nats->js(), r->options.stream, r->op));
    return r->ResumeFromStream();
  });
  if (!ready.ok()) return ready;
  return std::unique_ptr<Replicator>(new Replicator(std::move(impl)));
}

StatusOr<ReplicationProgress> Replicator::CatchUp() {
  CONSENT_RETURN_IF_ERROR(impl_->Advance(impl_->store->HeadPosition(), nullptr));
  return impl_->Progress();
}

Status Replicator::Follow(const std::atomic<bool>& stop,
                          const std::function<void(const ReplicationProgress&)>& on_progress) {
  while (!stop.load()) {
    const uint64_t head = impl_->store->HeadPosition();
    CONSENT_RETURN_IF_ERROR(impl_->Advance(head, &stop));
    if (on_progress) on_progress(impl_->Progress());
    if (impl_->store->HeadPosition() == head) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return Status::Ok();
}

ReplicationProgress Replicator::progress() const { return impl_->Progress(); }

}  // namespace consent
