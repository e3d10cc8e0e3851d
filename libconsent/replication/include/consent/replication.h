// SPDX-License-Identifier: Apache-2.0
// consent::Replicator — ships a site store's events to a NATS JetStream stream, exactly once.
//
// A group runs many sites; each keeps its own EventStore and runs one Replicator that publishes
// every event, in position order, to the subject `<subject_prefix>.<site>.events` of one
// JetStream stream. Each message carries the stored event bytes and the headers
//   Nats-Msg-Id      "<site>.<event id, lower-case hex>" (JetStream drops a repeat inside its
//                    window; its window spans the stream, so the site keeps sites apart)
//   Consent-Site     the site name
//   Consent-Position the event's position in the site store
//   Consent-Chain    the site's chain hash after the event, lower-case hex
// A GroupConsumer (consent/group.h) applies them to a group store.
//
//   auto site = consent::EventStore::Open({}, "./paris");
//   consent::ReplicatorOptions o;
//   o.nats_urls = "nats://127.0.0.1:4222,nats://127.0.0.1:4223";
//   o.site = "paris";
//   auto r = consent::Replicator::Open(site->get(), o);
//   auto progress = (*r)->CatchUp();     // or Follow(stop, on_progress)
//
// Exactly once: publishes are asynchronous with at most `max_in_flight` unacknowledged. The
// position up to which every publish was acknowledged is committed in the site store (a
// projection checkpoint named "replication/<stream>/<site>") after the acknowledgements; after
// a timeout, a lost connection or a leader change the Replicator resends from the first
// unacknowledged position with the same Nats-Msg-Id, so the stream drops what it already holds
// within its duplicate window, and the group consumer skips any older repeat by position.
// On start it also reads the last message of its subject (js_GetLastMsg) and resumes after it
// when its chain hash matches the site's, so a site restored to an old checkpoint does not
// republish what the stream already holds.
//
// Thread-safety: a Replicator is not safe for concurrent use; run one per site and stream.
// It links libnats; the core library does not.

#ifndef CONSENT_REPLICATION_H_
#define CONSENT_REPLICATION_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "consent/event_store.h"
#include "consent/status.h"

namespace consent {

// The JetStream stream a group uses. Replicator and GroupConsumer create it when missing and
// refuse one whose settings would break exactly-once delivery (CheckStreamSettings).
struct StreamSettings {
  // Stream name. Default: "CONSENT".
  std::string name = "CONSENT";
  // Sites publish to `<subject_prefix>.<site>.events`; the stream holds
  // `<subject_prefix>.*.events`. Default: "consent".
  std::string subject_prefix = "consent";
  // Replicas of the stream (1, 3 or 5). Default: 3.
  int replicas = 3;
  // JetStream's de-duplication window by Nats-Msg-Id; the stream must have at least this.
  // Default: 2 minutes.
  std::chrono::milliseconds duplicate_window{std::chrono::minutes(2)};
  // Create the stream when it does not exist. Default: true.
  bool create_if_missing = true;
};

// How to reach the cluster. Shared by Replicator and GroupConsumer.
struct NatsOptions {
  // Comma-separated server URLs ("nats://127.0.0.1:4222,nats://127.0.0.1:4223"). Required.
  std::string urls;
  // Timeout of a connection attempt and of JetStream API requests. Default: 2 s.
  std::chrono::milliseconds timeout{2000};
  // Client name shown by the server. Default: "" (the library's).
  std::string client_name;
};

// Checks a site name: 1 to 64 characters of [A-Za-z0-9_-] (it becomes a NATS subject token
// and part of the group store's stream names). kInvalidArgument otherwise.
Status ValidateSiteName(std::string_view site);

struct ReplicatorOptions {
  NatsOptions nats;
  // This site's name (ValidateSiteName). Required.
  std::string site;
  StreamSettings stream;
  // Publishes awaiting acknowledgement at any time. Default: 4096.
  size_t max_in_flight = 4096;
  // Wait for one publish acknowledgement before treating it as lost. Default: 2 s.
  std::chrono::milliseconds ack_timeout{2000};
  // Consecutive rounds without progress before CatchUp/Follow give up with kUnavailable.
  // Default: 30.
  int max_failed_rounds = 30;
  // Pause between rounds after a failure. Default: 250 ms.
  std::chrono::milliseconds retry_backoff{250};
};

struct ReplicationProgress {
  // Every event up to this site position is acknowledged by the stream (and checkpointed).
  uint64_t acknowledged = 0;
  // The site store's head when the figures were taken.
  uint64_t head = 0;
  // Messages published, and among them resent after a failure, by this Replicator.
  uint64_t published = 0;
  uint64_t resent = 0;
  // lag = head - acknowledged.
  uint64_t lag() const { return head > acknowledged ? head - acknowledged : 0; }
};

class Replicator {
 public:
  // Connects, creates or checks the stream, loads the checkpoint and the stream's resume point.
  // The store must outlive the Replicator.
  // Errors: kInvalidArgument (options), kUnavailable (no server answers), kFailedPrecondition
  // (stream settings that break exactly-once; the stream holds another history for this site,
  // or more events than the store).
  static StatusOr<std::unique_ptr<Replicator>> Open(EventStore* site_store,
                                                    ReplicatorOptions options);
  ~Replicator();
  Replicator(const Replicator&) = delete;
  Replicator& operator=(const Replicator&) = delete;

  // Publishes every event up to the store's head at the call, and returns once all are
  // acknowledged. Errors: kUnavailable after max_failed_rounds rounds without progress,
  // kDataLoss when the site's chain does not verify.
  StatusOr<ReplicationProgress> CatchUp();

  // Follows the store until `stop` is set (checked at least every 100 ms), calling
  // `on_progress` (optional) after each round. Returns OK when stopped.
  Status Follow(const std::atomic<bool>& stop,
                const std::function<void(const ReplicationProgress&)>& on_progress = {});

  ReplicationProgress progress() const;

 private:
  struct Impl;
  explicit Replicator(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Name of the site store projection that holds the Replicator's checkpoint.
std::string ReplicationCheckpointName(std::string_view stream, std::string_view site);

}  // namespace consent

#endif  // CONSENT_REPLICATION_H_
