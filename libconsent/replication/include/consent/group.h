// SPDX-License-Identifier: Apache-2.0
// consent::GroupConsumer — applies every site's replicated events to one group store.
//
// A group store is an ordinary EventStore. Each site event is applied as a new event whose
// `origin` (consent.v1.Origin) keeps its site, its site position, the site's chain hash after it
// and the site's stored header bytes, so that VerifyGroup() recomputes every site's chain from
// the group store alone. Names never collide between sites:
//   stream   "call-42" of site "paris"  ->  "call-paris:42"   (the category stays "call")
//   stream   "subjects" of site "paris" ->  "subjects-paris:"
//   event id                             ->  GroupEventId("paris", position)
// The per-site positions are the events themselves: an event is applied in the same atomic
// append as every other event of its batch, so a crash never separates "applied" from "how
// far"; on start the consumer finds each site's last position in the store.
//
//   auto group = consent::EventStore::Open({}, "./group");
//   consent::GroupConsumerOptions o;
//   o.nats.urls = "nats://127.0.0.1:4222";
//   auto c = consent::GroupConsumer::Open(group->get(), o);
//   auto applied = (*c)->CatchUp();
//   auto proof = consent::VerifyGroup(*group->get());
//
// Delivery: a durable pull consumer (explicit acks) reads the stream in sequence order from the
// first sequence not applied. A message at or below a site's last applied position is
// acknowledged and skipped; a site position beyond the next one (a gap) or a chain hash that does
// not follow from the site's previous one is refused with an error naming site and position,
// and nothing of it is applied.
//
// Thread-safety: a GroupConsumer is not safe for concurrent use; run one per group store.

#ifndef CONSENT_GROUP_H_
#define CONSENT_GROUP_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "consent/event_store.h"
#include "consent/replication.h"
#include "consent/status.h"

namespace consent {

struct GroupConsumerOptions {
  NatsOptions nats;
  StreamSettings stream;
  // Durable consumer name on the stream. Default: "consent-group".
  std::string durable = "consent-group";
  // Messages fetched and applied per atomic append. Default: 512.
  int batch = 512;
  // How long one fetch waits for messages. Default: 500 ms.
  std::chrono::milliseconds fetch_timeout{500};
  // Server-side redelivery delay of an unacknowledged message. Default: 30 s.
  std::chrono::milliseconds ack_wait{30000};
  // Consecutive failed fetches (cluster unavailable) before giving up with kUnavailable.
  // Default: 30.
  int max_failed_fetches = 30;
};

// What the group store holds of one site.
struct GroupSite {
  std::string site;
  uint64_t position = 0;        // last applied site position (0: none)
  std::string chain_hash_hex;   // the site's chain hash after it
  uint64_t stream_sequence = 0; // stream sequence of that event
};

class GroupConsumer {
 public:
  // Loads each site's last applied position from the store, connects, checks (or creates) the
  // stream and (re)creates the durable consumer at the first sequence not applied.
  // Errors: kInvalidArgument (options), kUnavailable, kFailedPrecondition (stream settings).
  static StatusOr<std::unique_ptr<GroupConsumer>> Open(EventStore* group_store,
                                                       GroupConsumerOptions options);
  ~GroupConsumer();
  GroupConsumer(const GroupConsumer&) = delete;
  GroupConsumer& operator=(const GroupConsumer&) = delete;

  // Applies messages until a fetch finds none. Returns the number of events applied.
  // Errors: kDataLoss (chain mismatch, undecodable event: context().position is the site
  // position), kFailedPrecondition (a gap in a site's positions), kUnavailable.
  StatusOr<uint64_t> CatchUp();

  // Applies messages until `stop` is set; `on_batch` (optional) after each applied batch.
  Status Follow(const std::atomic<bool>& stop,
                const std::function<void(uint64_t applied_total)>& on_batch = {});

  // Every site seen, by name.
  std::vector<GroupSite> sites() const;

 private:
  struct Impl;
  explicit GroupConsumer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

struct GroupVerifyReport {
  VerifyReport group;             // the group store's own chain
  std::vector<GroupSite> sites;   // each site's chain, recomputed: position and hash at its end
};

// Recomputes the group store's own chain and, from the origins, every site's chain: positions
// dense from 1 per site, each hash following from the previous one. kDataLoss at the first
// event that breaks either, naming site and site position (context().position: the group
// position).
StatusOr<GroupVerifyReport> VerifyGroup(const EventStore& group_store);

// True when `store` is a group store: a GroupConsumer has applied at least one site's events
// to it (it keeps one marker per site beside the log, so this reads no event).
// Errors: those of EventStore::ScanProjection.
StatusOr<bool> IsGroupStore(const EventStore& store);

// The last site position the stream holds for each of `sites` (0 when it holds none), in the
// order given: a site's lag is this minus the group store's position.
// Errors: kUnavailable (no server answers), kNotFound (no such stream).
StatusOr<std::vector<uint64_t>> PublishedPositions(const NatsOptions& nats, const StreamSettings& stream,
                                                   const std::vector<std::string>& sites);

// Group store stream of `site`'s stream `stream` ("call-42" -> "call-paris:42").
std::string GroupStreamName(std::string_view site, std::string_view stream);
// Group event id of `site`'s event at `position` (16 bytes, deterministic).
std::string GroupEventId(std::string_view site, uint64_t position);
// Site of a group store stream name ("" when it is not one).
std::string_view SiteOfGroupStream(std::string_view group_stream);

}  // namespace consent

#endif  // CONSENT_GROUP_H_
