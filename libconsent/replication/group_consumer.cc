// SPDX-License-Identifier: Apache-2.0
#include <algorithm>
#include <map>
#include <optional>
#include <thread>
#include <unordered_map>

#include "consent/group.h"
#include "group_store.h"
#include "nats_support.h"

namespace consent {

using internal::Hash;
using replication::HashString;

namespace {

struct SiteState {
  uint64_t position = 0;
  Hash chain{};
  uint64_t sequence = 0;
};

// A group event and the stream it goes to, in site order.
struct Applied {
  std::string stream;
  Event event;
};

// Appends in order. A stream appears once per AppendMulti, so the events are cut into runs that
// keep the order across streams; only the last run is synced (the WAL keeps them in order).
Status AppendInOrder(EventStore* store, std::vector<Applied> events) {
  std::vector<std::vector<StreamAppend>> runs(1);
  std::unordered_map<std::string, size_t> in_run;
  for (Applied& a : events) {
    auto it = in_run.find(a.stream);
    if (it != in_run.end() && it->second + 1 != runs.back().size()) {
      runs.emplace_back();
      in_run.clear();
      it = in_run.end();
    }
    if (it == in_run.end()) {
      runs.back().push_back({a.stream, kAnyRevision, {}});
      in_run[a.stream] = runs.back().size() - 1;
    }
    runs.back().back().events.push_back(std::move(a.event));
  }
  for (size_t i = 0; i < runs.size(); ++i) {
    if (runs[i].empty()) continue;
    AppendOptions o;
    o.sync = i + 1 == runs.size() ? std::nullopt : std::optional<bool>(false);
    auto r = store->AppendMulti(std::move(runs[i]), o);
    if (!r.ok()) return r.status();
  }
  return Status::Ok();
}

}  // namespace

struct GroupConsumer::Impl {
  EventStore* store = nullptr;
  GroupConsumerOptions options;
  std::string op;
  std::unique_ptr<replication::NatsSession> nats;
  natsSubscription* sub = nullptr;
  std::map<std::string, SiteState, std::less<>> sites;
  uint64_t last_sequence = 0;
  // last_sequence when the consumer was last recreated for a jump in sequences: a second jump
  // from the same place is a hole in the stream (deleted messages), not a redelivery.
  std::optional<uint64_t> resynced_at;

  ~Impl() {
    if (sub != nullptr) natsSubscription_Destroy(sub);
  }

  Status Fail(StatusCode code, const std::string& site, uint64_t position, const std::string& why) const {
    ErrorContext ctx;
    ctx.position = position;
    return Status(code, op + ": site \"" + site + "\" position " + std::to_string(position) + ": " + why, ctx);
  }

  StatusOr<bool> Exists(const std::string& site, uint64_t position) const {
    auto p = store->FindEvent(GroupEventId(site, position));
    if (p.ok()) return true;
    if (p.status().code() == StatusCode::kNotFound) return false;
    return p.status();
  }

  // The site's last applied position: positions are dense from 1, so search for the boundary.
  StatusOr<uint64_t> LastPosition(const std::string& site) const {
    uint64_t lo = 0, hi = 1;  // Exists(lo) (or lo == 0), hi unknown
    for (;;) {
      CONSENT_ASSIGN_OR_RETURN(bool e, Exists(site, hi));
      if (!e) break;
      lo = hi;
      hi *= 2;
    }
    while (hi - lo > 1) {
      const uint64_t mid = lo + (hi - lo) / 2;
      CONSENT_ASSIGN_OR_RETURN(bool e, Exists(site, mid));
      (e ? lo : hi) = mid;
    }
    return lo;
  }

  Status LoadSites() {
    std::vector<std::string> names;
    CONSENT_RETURN_IF_ERROR(store->ScanProjection(replication::kGroupProjection, replication::kSiteKeyPrefix,
                                                  [&](std::string_view key, std::string_view) {
                                                    names.emplace_back(key.substr(replication::kSiteKeyPrefix.size()));
                                                    return true;
                                                  }));
    for (const std::string& site : names) {
      SiteState s;
      CONSENT_ASSIGN_OR_RETURN(s.position, LastPosition(site));
      if (s.position > 0) {
        CONSENT_ASSIGN_OR_RETURN(uint64_t at, store->FindEvent(GroupEventId(site, s.position)));
        CONSENT_ASSIGN_OR_RETURN(Event e, store->ReadEvent(at));
        if (e.origin().chain_hash().size() != s.chain.size()) {
          return Fail(StatusCode::kDataLoss, site, s.position, "stored origin has no chain hash");
        }
        std::copy(e.origin().chain_hash().begin(), e.origin().chain_hash().end(), s.chain.begin());
        s.sequence = e.origin().stream_sequence();
        last_sequence = std::max(last_sequence, s.sequence);
      }
      sites[site] = s;
    }
    return Status::Ok();
  }

  // Registers a new site before any of its events is applied (so LoadSites finds it).
  Status Register(const std::string& site) {
    if (sites.count(site) != 0) return Status::Ok();
    ProjectionBatch b;
    b.Put(std::string(replication::kSiteKeyPrefix) + site, "");
    CONSENT_RETURN_IF_ERROR(store->CommitProjection(replication::kGroupProjection, b));
    sites[site] = SiteState{};
    return Status::Ok();
  }

  // (Re)creates the durable consumer at the first sequence not applied.
  Status Subscribe() {
    if (sub != nullptr) {
      natsSubscription_Destroy(sub);
      sub = nullptr;
    }
    jsErrCode jerr = static_cast<jsErrCode>(0);
    natsStatus s = js_DeleteConsumer(nats->js(), options.stream.name.c_str(), options.durable.c_str(), nullptr, &jerr);
    if (s != NATS_OK && s != NATS_NOT_FOUND) return replication::NatsError(op + ": delete consumer", s);
    const std::string subject = replication::AllSitesSubject(options.stream);
    jsSubOptions so;
    jsSubOptions_Init(&so);
    so.Stream = options.stream.name.c_str();
    so.Config.AckPolicy = js_AckExplicit;
    so.Config.DeliverPolicy = last_sequence == 0 ? js_DeliverAll : js_DeliverByStartSequence;
    so.Config.OptStartSeq = last_sequence == 0 ? 0 : last_sequence + 1;
    so.Config.AckWait = static_cast<int64_t>(options.ack_wait.count()) * 1000000;
    so.Config.MaxAckPending = options.batch * 4;
    s = js_PullSubscribe(&sub, nats->js(), subject.c_str(), options.durable.c_str(), nullptr, &so, &jerr);
    if (s != NATS_OK) return replication::NatsError(op + ": create durable consumer \"" + options.durable + "\"", s);
    return Status::Ok();
  }

  // Decodes one message into a group event; nullopt when it was applied before.
  StatusOr<std::optional<Applied>> Decode(natsMsg* msg, uint64_t sequence,
                                          std::map<std::string, SiteState, std::less<>>& staged) {
    const auto site_h = replication::Header(msg, replication::kSiteHeader);
    const auto pos_h = replication::Header(msg, replication::kPositionHeader);
    const auto chain_h = replication::Header(msg, replication::kChainHeader);
    const std::string where = "stream sequence " + std::to_string(sequence);
    if (!site_h || !pos_h || !chain_h) {
      return DataLossError(op + ": " + where + ": a Consent-Site, Consent-Position or Consent-Chain header is missing");
    }
    const std::string site(*site_h);
    const auto position = replication::ParseU64(*pos_h);
    if (!ValidateSiteName(site).ok() || !position || natsMsg_GetSubject(msg) != replication::SiteSubject(options.stream, site)) {
      return DataLossError(op + ": " + where + ": site header \"" + site + "\" or position \"" + std::string(*pos_h) +
                           "\" malformed or not matching the subject");
    }
    auto it = staged.find(site);
    if (it == staged.end()) {
      CONSENT_RETURN_IF_ERROR(Register(site));
      it = staged.emplace(site, sites[site]).first;
    }
    SiteState& st = it->second;
    if (*position <= st.position) return std::optional<Applied>();
    if (*position != st.position + 1) {
      return Fail(StatusCode::kFailedPrecondition, site, *position,
                  "gap: the next position is " + std::to_string(st.position + 1) + " (" + where + ")");
    }
    const std::string_view data(natsMsg_GetData(msg), static_cast<size_t>(natsMsg_GetDataLength(msg)));
    const auto span = internal::FindPayload(data);
    const auto claimed = replication::Unhex(*chain_h);
    if (!span) return Fail(StatusCode::kDataLoss, site, *position, "not a well-formed event (" + where + ")");
    const std::string_view payload = data.substr(span->value_start, span->value_end - span->value_start);
    const std::string header = std::string(data.substr(0, span->value_start)) + std::string(data.substr(span->value_end));
    const Hash h = replication::SiteChainStep(st.chain, header, payload);
    if (!claimed || *claimed != HashString(h)) {
      return Fail(StatusCode::kDataLoss, site, *position,
                  "chain mismatch: the event was modified or does not follow position " +
                      std::to_string(st.position) + " (" + where + ")");
    }
    Applied a;
    Event& e = a.event;
    if (!e.ParseFromArray(data.data(), static_cast<int>(data.size())) || e.position() != *position) {
      return Fail(StatusCode::kDataLoss, site, *position, "cannot be decoded or claims another position");
    }
    a.stream = GroupStreamName(site, e.stream_id());
    v1::Origin* o = e.mutable_origin();
    o->set_site(site);
    o->set_position(*position);
    o->set_chain_hash(HashString(h));
    o->set_header(header);
    o->set_event_id(e.event_id());
    o->set_stream_sequence(sequence);
    e.set_event_id(GroupEventId(site, *position));
    e.clear_stream_id();
    e.clear_stream_revision();
    e.clear_position();
    e.clear_record_time();
    // The group store keeps the payload bytes it is given; they must be the site's, or the
    // site's chain could not be recomputed from the group store.
    if (replication::PayloadBytes(e.SerializeAsString()) != payload) {
      return Fail(StatusCode::kDataLoss, site, *position, "payload does not re-encode to the same bytes");
    }
    st.position = *position;
    st.chain = h;
    st.sequence = sequence;
    return std::optional<Applied>(std::move(a));
  }

  // Applies one fetched batch. Acknowledges what was applied or skipped.
  StatusOr<uint64_t> ApplyBatch(natsMsgList& list) {
    std::map<std::string, SiteState, std::less<>> staged;
    std::vector<Applied> out;
    Status refusal;
    bool resync = false;
    int handled = 0;
    uint64_t sequence = last_sequence;
    for (; handled < list.Count; ++handled) {
      natsMsg* msg = list.Msgs[handled];
      jsMsgMetaData* meta = nullptr;
      if (natsMsg_GetMetaData(&meta, msg) != NATS_OK) {
        refusal = DataLossError(op + ": a message without JetStream metadata");
        break;
      }
      const uint64_t seq = meta->Sequence.Stream;
      jsMsgMetaData_Destroy(meta);
      if (seq <= sequence) continue;
      if (seq > sequence + 1 && resynced_at != sequence) {
        resync = true;  // an earlier message is still owed (redelivery pending): start again there
        break;
      }
      auto decoded = Decode(msg, seq, staged);
      if (!decoded.ok()) {
        refusal = decoded.status();
        break;
      }
      sequence = seq;
      if (*decoded) out.push_back(std::move(**decoded));
    }
    const uint64_t applied = out.size();
    CONSENT_RETURN_IF_ERROR(AppendInOrder(store, std::move(out)));
    for (auto& [site, st] : staged) sites[site] = st;
    if (sequence != last_sequence) resynced_at.reset();
    last_sequence = sequence;
    for (int i = 0; i < handled; ++i) natsMsg_Ack(list.Msgs[i], nullptr);
    if (!refusal.ok()) return refusal;
    if (resync) {
      resynced_at = last_sequence;
      CONSENT_RETURN_IF_ERROR(Subscribe());
    }
    return applied;
  }

  // One fetch and its batch. *empty when the fetch found nothing.
  StatusOr<uint64_t> Step(bool* empty, int* failed_fetches) {
    natsMsgList list{};
    jsErrCode jerr = static_cast<jsErrCode>(0);
    natsStatus s = natsSubscription_Fetch(&list, sub, options.batch, options.fetch_timeout.count(), &jerr);
    *empty = s == NATS_TIMEOUT || (s == NATS_OK && list.Count == 0);
    if (s != NATS_OK && s != NATS_TIMEOUT) {
      natsMsgList_Destroy(&list);
      if (++*failed_fetches >= options.max_failed_fetches) {
        return replication::NatsError(op + ": fetch failed " + std::to_string(*failed_fetches) + " times", s);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      Subscribe().IgnoreError();  // the cluster may still be electing: the next step retries
      return uint64_t{0};
    }
    *failed_fetches = 0;
    auto applied = ApplyBatch(list);
    natsMsgList_Destroy(&list);
    return applied;
  }
};

GroupConsumer::GroupConsumer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
GroupConsumer::~GroupConsumer() = default;

StatusOr<std::unique_ptr<GroupConsumer>> GroupConsumer::Open(EventStore* group_store, GroupConsumerOptions options) {
  auto impl = std::make_unique<Impl>();
  impl->op = "GroupConsumer(\"" + options.durable + "\")";
  if (group_store == nullptr) return InvalidArgumentError(impl->op + ": no group store");
  if (options.durable.empty() || options.durable.find_first_of(" .*>") != std::string::npos) {
    return InvalidArgumentError(impl->op + ": a durable name is non-empty, without spaces, '.', '*' or '>'");
  }
  if (options.batch <= 0 || options.fetch_timeout.count() <= 0 || options.ack_wait.count() <= 0 ||
      options.max_failed_fetches <= 0) {
    return InvalidArgumentError(impl->op + ": batch, fetch_timeout, ack_wait and max_failed_fetches must be positive");
  }
  impl->store = group_store;
  impl->options = std::move(options);
  CONSENT_RETURN_IF_ERROR(impl->LoadSites());
  auto session = replication::NatsSession::Connect(impl->options.nats, nullptr);
  if (!session.ok()) return session.status().Annotate(impl->op);
  impl->nats = std::move(*session);
  Impl* c = impl.get();
  const Status ready = replication::RetryUnavailable(c->options.max_failed_fetches, std::chrono::milliseconds(200), [c] {
    CONSENT_RETURN_IF_ERROR(replication::EnsureStream(c->nats->js(), c->options.stream, c->op));
    return c->Subscribe();
  });
  if (!ready.ok()) return ready;
  return std::unique_ptr<GroupConsumer>(new GroupConsumer(std::move(impl)));
}

StatusOr<uint64_t> GroupConsumer::CatchUp() {
  uint64_t total = 0;
  int failed = 0;
  for (;;) {
    bool empty = false;
    CONSENT_ASSIGN_OR_RETURN(uint64_t n, impl_->Step(&empty, &failed));
    total += n;
    if (empty && failed == 0) return total;
  }
}

Status GroupConsumer::Follow(const std::atomic<bool>& stop, const std::function<void(uint64_t)>& on_batch) {
  uint64_t total = 0;
  int failed = 0;
  while (!stop.load()) {
    bool empty = false;
    CONSENT_ASSIGN_OR_RETURN(uint64_t n, impl_->Step(&empty, &failed));
    total += n;
    if (n > 0 && on_batch) on_batch(total);
  }
  return Status::Ok();
}

std::vector<GroupSite> GroupConsumer::sites() const {
  std::vector<GroupSite> out;
  for (const auto& [site, st] : impl_->sites) {
    out.push_back({site, st.position, replication::Hex(HashString(st.chain)), st.sequence});
  }
  return out;
}

}  // namespace consent

namespace consent {

StatusOr<std::vector<uint64_t>> PublishedPositions(const NatsOptions& nats, const StreamSettings& stream,
                                                   const std::vector<std::string>& sites) {
  const std::string op = "PublishedPositions(stream \"" + stream.name + "\")";
  auto session = replication::NatsSession::Connect(nats, nullptr);
  if (!session.ok()) return session.status().Annotate(op);
  std::vector<uint64_t> out;
  for (const std::string& site : sites) {
    const std::string subject = replication::SiteSubject(stream, site);
    natsMsg* last = nullptr;
    jsErrCode jerr = static_cast<jsErrCode>(0);
    natsStatus s = js_GetLastMsg(&last, (*session)->js(), stream.name.c_str(), subject.c_str(), nullptr, &jerr);
    if (s == NATS_NOT_FOUND && jerr == JSNoMessageFoundErr) {
      out.push_back(0);
      continue;
    }
    if (s == NATS_NOT_FOUND) return NotFoundError(op + ": no such stream");
    if (s != NATS_OK) return replication::NatsError(op + ": last message of \"" + subject + "\"", s);
    const auto pos = replication::Header(last, replication::kPositionHeader);
    out.push_back(pos ? replication::ParseU64(*pos).value_or(0) : 0);
    natsMsg_Destroy(last);
  }
  return out;
}

}  // namespace consent
