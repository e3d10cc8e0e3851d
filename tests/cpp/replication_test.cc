// SPDX-License-Identifier: Apache-2.0
// Replication to NATS JetStream and the group store, against a real 3-node nats-server cluster
// on 127.0.0.1 (nats_cluster.h). Skipped when nats-server is not installed.
#include <doctest/doctest.h>

#include <chrono>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "consent/compliance.h"
#include "consent/group.h"
#include "consent/group_report.h"
#include "consent/replication.h"
#include "consent/simulator.h"
#include "consent/time_format.h"
#include "ctl_runner.h"
#include "nats_cluster.h"
#include "store_test_helpers.h"

namespace consent::testing {
namespace {

using namespace std::chrono_literals;

// A cluster, a stream and a directory for the stores of one test.
struct GroupRig {
  NatsCluster cluster;
  TempDir dir;
  StreamSettings stream;

  explicit GroupRig(std::chrono::milliseconds dedupe = 10s) {
    stream.duplicate_window = dedupe;
    REQUIRE_MESSAGE(cluster.Start(), "nats-server cluster did not start; logs in " << cluster.dir());
  }
  ReplicatorOptions Site(const std::string& site) const {
    ReplicatorOptions o;
    o.nats.urls = cluster.Urls();
    o.site = site;
    o.stream = stream;
    o.ack_timeout = 1000ms;
    o.retry_backoff = 100ms;
    o.max_failed_rounds = 60;
    return o;
  }
  GroupConsumerOptions Consumer() const {
    GroupConsumerOptions o;
    o.nats.urls = cluster.Urls();
    o.stream = stream;
    o.fetch_timeout = 200ms;
    o.ack_wait = 2s;
    o.max_failed_fetches = 100;
    return o;
  }
};

std::unique_ptr<EventStore> SimulatedSite(const std::string& path, uint64_t seed, uint32_t calls) {
  StoreOptions so;
  so.sync = false;
  auto store = OpenStore(path, so);
  SimulationOptions sim;
  sim.seed = seed;
  sim.calls = calls;
  sim.agents = 12;
  CONSENT_REQUIRE_OK(SimulateDay(store.get(), sim));
  return store;
}

void Replicate(EventStore* site, const ReplicatorOptions& o) {
  auto r = Replicator::Open(site, o);
  CONSENT_REQUIRE_OK(r);
  auto p = (*r)->CatchUp();
  CONSENT_REQUIRE_OK(p);
  CHECK(p->acknowledged == site->HeadPosition());
}

// Applies until the group holds every site up to `heads` (bounded), returns the sites it holds.
std::map<std::string, uint64_t> ApplyUntil(GroupConsumer* c, const std::map<std::string, uint64_t>& heads,
                                           std::chrono::seconds timeout = 30s) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  std::map<std::string, uint64_t> held;
  while (std::chrono::steady_clock::now() < until) {
    CONSENT_REQUIRE_OK(c->CatchUp());
    held.clear();
    for (const GroupSite& s : c->sites()) held[s.site] = s.position;
    if (held == heads) break;
  }
  return held;
}

std::string ChainAt(const EventStore& store, uint64_t position) {
  auto v = store.Verify(1, position);
  REQUIRE(v.ok());
  return v->chain_hash_hex;
}

// Events in the group store that came from a site, and how often each (site, position) appears.
std::map<std::pair<std::string, uint64_t>, int> OriginCounts(const EventStore& group) {
  std::map<std::pair<std::string, uint64_t>, int> counts;
  CONSENT_REQUIRE_OK(group.ScanAll({}, [&](const Event& e) {
    if (e.has_origin()) ++counts[{e.origin().site(), e.origin().position()}];
    return true;
  }));
  return counts;
}

// Publishes `bytes` as the site would, with the given headers (synchronously).
void PublishRaw(const NatsCluster& cluster, const StreamSettings& stream, const std::string& site, uint64_t position,
                const std::string& bytes, const std::string& chain_hex, const std::string& msg_id) {
  const std::string subject = stream.subject_prefix + "." + site + ".events";
  bool published = false;
  REQUIRE(cluster.WithJetStream([&](jsCtx* js) {
    natsMsg* m = nullptr;
    natsMsg_Create(&m, subject.c_str(), nullptr, bytes.data(), static_cast<int>(bytes.size()));
    natsMsgHeader_Set(m, "Nats-Msg-Id", msg_id.c_str());
    natsMsgHeader_Set(m, "Consent-Site", site.c_str());
    natsMsgHeader_Set(m, "Consent-Position", std::to_string(position).c_str());
    natsMsgHeader_Set(m, "Consent-Chain", chain_hex.c_str());
    jsPubAck* ack = nullptr;
    published = js_PublishMsg(&ack, js, m, nullptr, nullptr) == NATS_OK;
    jsPubAck_Destroy(ack);
    natsMsg_Destroy(m);
  }));
  REQUIRE(published);
}

std::string HexOf(const std::string& bytes) {
  static const char* d = "0123456789abcdef";
  std::string s;
  for (unsigned char c : bytes) {
    s.push_back(d[c >> 4]);
    s.push_back(d[c & 15]);
  }
  return s;
}

// The figures of a report that do not depend on which store's positions it cites.
std::string Figures(const AuditReport& r) {
  std::string s = "calls " + std::to_string(r.totals.calls) + " recorded " + std::to_string(r.totals.recorded_calls) +
                  " violated " + std::to_string(r.totals.calls_violated) + " unverified " +
                  std::to_string(r.totals.calls_unverified) + " objections " +
                  std::to_string(r.totals.objections_caller + r.totals.objections_agent) + " agents " +
                  std::to_string(r.agents) + " overdue " + std::to_string(r.retention.overdue) + "\n";
  for (const RuleTally& t : r.rules) {
    s += t.rule_id + "/" + t.attaches_to + " " + std::to_string(t.violated) + " " + std::to_string(t.unverified) +
         " " + std::to_string(t.pending) + " " + std::to_string(t.ok) + " " + std::to_string(t.not_applicable) + "\n";
  }
  return s;
}

// The report of a store of its own (a site), at `at`.
AuditReport SiteStoreReport(EventStore* store, TimePoint at) {
  ComplianceOptions o;
  o.persist = false;
  auto engine = Compliance::Open(store, o);
  CONSENT_REQUIRE_OK(engine);
  CONSENT_REQUIRE_OK((*engine)->CatchUp());
  ReportOptions ro;
  ro.at = at;
  auto r = BuildReport(**engine, *store, ro);
  CONSENT_REQUIRE_OK(r);
  return *r;
}

#define REQUIRE_NATS_SERVER()                                          \
  if (FindNatsServer().empty()) {                                      \
    MESSAGE("nats-server is not installed: replication test skipped"); \
    return;                                                            \
  }

}  // namespace

TEST_CASE("Three sites replicate to a 3-node cluster and the group store proves each site's chain") {
  REQUIRE_NATS_SERVER();
  GroupRig rig;
  std::map<std::string, std::unique_ptr<EventStore>> sites;
  std::map<std::string, uint64_t> heads;
  uint64_t seed = 7;
  for (const std::string name : {"paris", "lyon", "nantes"}) {
    sites[name] = SimulatedSite(rig.dir.sub(name), seed++, 25);
    heads[name] = sites[name]->HeadPosition();
    Replicate(sites[name].get(), rig.Site(name));
  }
  auto group = OpenStore(rig.dir.sub("group"));
  auto consumer = GroupConsumer::Open(group.get(), rig.Consumer());
  CONSENT_REQUIRE_OK(consumer);
  CHECK(ApplyUntil(consumer->get(), heads) == heads);

  auto proof = VerifyGroup(*group);
  CONSENT_REQUIRE_OK(proof);
  REQUIRE(proof->sites.size() == 3);
  for (const GroupSite& s : proof->sites) {
    CAPTURE(s.site);
    CHECK(s.position == heads[s.site]);
    CHECK(s.chain_hash_hex == ChainAt(*sites[s.site], heads[s.site]));
  }
  const auto counts = OriginCounts(*group);
  uint64_t total = 0;
  for (const auto& [site, head] : heads) total += head;
  CHECK(counts.size() == total);
  for (const auto& [key, n] : counts) CHECK(n == 1);
  // Streams and ids are per site: "call-..." of paris lives in "call-paris:...".
  auto first = group->ReadEvent(1);
  CONSENT_REQUIRE_OK(first);
  CHECK(SiteOfGroupStream(first->stream_id()) == first->origin().site());

  // Each site's report from the group store is the site's own report, and the group total is
  // the merge of the sites' own reports.
  const TimePoint at = SimulatedFirstDay() + std::chrono::hours(24 * 3);
  ReportOptions ro;
  ro.at = at;
  auto group_report = BuildGroupReport(*group, ro);
  CONSENT_REQUIRE_OK(group_report);
  REQUIRE(group_report->sites.size() == 3);
  std::vector<SiteReport> own;
  for (const SiteReport& s : group_report->sites) {
    CAPTURE(s.site);
    own.push_back({s.site, SiteStoreReport(sites[s.site].get(), at)});
    CHECK(Figures(s.report) == Figures(own.back().report));
    CHECK(s.report.totals.calls == 25);
  }
  CHECK(Figures(group_report->total) == Figures(MergeReports(own)));
  CHECK(group_report->total.totals.calls == 75);

  // consentctl report recognises the group store and prints the per-site report and the total;
  // a site's own store keeps its single report.
  const StatusOr<bool> group_is_group = IsGroupStore(*group);
  const StatusOr<bool> site_is_group = IsGroupStore(*sites["paris"]);
  CONSENT_REQUIRE_OK(group_is_group);
  CONSENT_REQUIRE_OK(site_is_group);
  CHECK(*group_is_group);
  CHECK_FALSE(*site_is_group);
  consumer->reset();
  group.reset();
  const RunResult csv = RunCtl({"--db", rig.dir.sub("group"), "report", "--format", "csv", "--at", FormatTime(at)});
  CHECK(csv.exit_code == 0);
  CHECK(csv.out == FormatGroupReport(*group_report, ReportFormat::kCsv));
  CHECK(csv.out.rfind("site,rule_id,", 0) == 0);
}

TEST_CASE("The group consumer refuses a tampered event in the stream, naming the site and the position") {
  REQUIRE_NATS_SERVER();
  GroupRig rig;
  auto site = SimulatedSite(rig.dir.sub("a"), 11, 5);
  Replicate(site.get(), rig.Site("a"));
  auto group = OpenStore(rig.dir.sub("group"));
  auto consumer = GroupConsumer::Open(group.get(), rig.Consumer());
  CONSENT_REQUIRE_OK(consumer);
  const uint64_t head = site->HeadPosition();
  REQUIRE(ApplyUntil(consumer->get(), {{"a", head}}) == std::map<std::string, uint64_t>{{"a", head}});
  const uint64_t group_head = group->HeadPosition();

  CONSENT_REQUIRE_OK(site->Append("note-1", kAnyRevision, {MakeEvent("genuine")}));
  auto genuine = site->ReadEvent(head + 1);
  CONSENT_REQUIRE_OK(genuine);
  Event forged = *genuine;
  forged.mutable_annotation_added()->set_text("forged");
  PublishRaw(rig.cluster, rig.stream, "a", head + 1, forged.SerializeAsString(), ChainAt(*site, head + 1),
             "a." + HexOf(genuine->event_id()));

  auto applied = (*consumer)->CatchUp();
  REQUIRE_FALSE(applied.ok());
  CHECK(applied.status().code() == StatusCode::kDataLoss);
  CHECK(applied.status().message().find("site \"a\" position " + std::to_string(head + 1)) != std::string::npos);
  CHECK(applied.status().context().position == head + 1);
  CHECK(group->HeadPosition() == group_head);
  CHECK((*consumer)->sites().front().position == head);
}

TEST_CASE("The group consumer refuses a gap in a site's positions, naming the site and the position") {
  REQUIRE_NATS_SERVER();
  GroupRig rig;
  auto site = SimulatedSite(rig.dir.sub("a"), 12, 5);
  Replicate(site.get(), rig.Site("a"));
  const uint64_t head = site->HeadPosition();
  CONSENT_REQUIRE_OK(site->Append("note-1", kAnyRevision, {MakeEvent("one"), MakeEvent("two")}));
  auto skipped_to = site->ReadEvent(head + 2);
  CONSENT_REQUIRE_OK(skipped_to);
  PublishRaw(rig.cluster, rig.stream, "a", head + 2, skipped_to->SerializeAsString(), ChainAt(*site, head + 2),
             "a." + HexOf(skipped_to->event_id()));

  auto group = OpenStore(rig.dir.sub("group"));
  auto consumer = GroupConsumer::Open(group.get(), rig.Consumer());
  CONSENT_REQUIRE_OK(consumer);
  auto applied = (*consumer)->CatchUp();
  REQUIRE_FALSE(applied.ok());
  CHECK(applied.status().code() == StatusCode::kFailedPrecondition);
  CHECK(applied.status().message().find("site \"a\" position " + std::to_string(head + 2)) != std::string::npos);
  CHECK(applied.status().message().find("gap") != std::string::npos);
  // Everything before the gap was applied, nothing after it.
  CHECK((*consumer)->sites().front().position == head);
}

TEST_CASE("A site restarted from an old checkpoint after the dedupe window expired adds no duplicate") {
  REQUIRE_NATS_SERVER();
  GroupRig rig(1s);
  auto site = SimulatedSite(rig.dir.sub("a"), 13, 5);
  const uint64_t head = site->HeadPosition();
  Replicate(site.get(), rig.Site("a"));
  auto group = OpenStore(rig.dir.sub("group"));
  auto consumer = GroupConsumer::Open(group.get(), rig.Consumer());
  CONSENT_REQUIRE_OK(consumer);
  REQUIRE(ApplyUntil(consumer->get(), {{"a", head}}).at("a") == head);
  const int64_t stored = rig.cluster.StreamMessages(rig.stream.name);
  REQUIRE(stored == static_cast<int64_t>(head));

  // The site's checkpoint goes back to nothing (a restore from an old backup of the site).
  ProjectionBatch reset;
  reset.ClearAll();
  CONSENT_REQUIRE_OK(site->CommitProjection(ReplicationCheckpointName(rig.stream.name, "a"), reset));
  std::this_thread::sleep_for(1500ms);  // past the duplicate window

  // The Replicator resumes after the stream's last message for the site: nothing is resent.
  Replicate(site.get(), rig.Site("a"));
  CHECK(rig.cluster.StreamMessages(rig.stream.name) == stored);

  // An older replicator that resends positions 1..3 anyway gets them stored (the window is
  // over), and the group consumer skips them by position.
  for (uint64_t p = 1; p <= 3; ++p) {
    auto e = site->ReadEvent(p);
    CONSENT_REQUIRE_OK(e);
    PublishRaw(rig.cluster, rig.stream, "a", p, e->SerializeAsString(), ChainAt(*site, p), "a." + HexOf(e->event_id()));
  }
  CHECK(rig.cluster.StreamMessages(rig.stream.name) == stored + 3);
  auto applied = (*consumer)->CatchUp();
  CONSENT_REQUIRE_OK(applied);
  CHECK(*applied == 0);
  const auto counts = OriginCounts(*group);
  CHECK(counts.size() == head);
  for (const auto& [key, n] : counts) CHECK(n == 1);
  CONSENT_CHECK_OK(VerifyGroup(*group));
}

TEST_CASE("The Replicator refuses a stream whose settings would break exactly-once delivery") {
  REQUIRE_NATS_SERVER();
  GroupRig rig;
  REQUIRE(rig.cluster.WithJetStream([](jsCtx* js) {
    const char* subjects[] = {"mem.*.events"};
    jsStreamConfig cfg;
    jsStreamConfig_Init(&cfg);
    cfg.Name = "MEM";
    cfg.Subjects = subjects;
    cfg.SubjectsLen = 1;
    cfg.Storage = js_MemoryStorage;
    cfg.Replicas = 3;
    cfg.Duplicates = int64_t{60} * 1000000000;
    jsStreamInfo* si = nullptr;
    REQUIRE(js_AddStream(&si, js, &cfg, nullptr, nullptr) == NATS_OK);
    jsStreamInfo_Destroy(si);
  }));
  auto site = OpenStore(rig.dir.sub("a"));
  ReplicatorOptions o = rig.Site("a");
  o.stream.name = "MEM";
  o.stream.subject_prefix = "mem";
  auto r = Replicator::Open(site.get(), o);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == StatusCode::kFailedPrecondition);
  CHECK(r.status().message().find("memory") != std::string::npos);

  o.stream.replicas = 1;  // the stream has 3: a mismatch is refused as well
  o.stream.name = "CONSENT";
  o.stream.subject_prefix = "consent";
  CONSENT_REQUIRE_OK(Replicator::Open(site.get(), rig.Site("a")));
  auto mismatched = Replicator::Open(site.get(), o);
  REQUIRE_FALSE(mismatched.ok());
  CHECK(mismatched.status().message().find("replicas") != std::string::npos);

  ReplicatorOptions bad = rig.Site("a b");
  auto refused = Replicator::Open(site.get(), bad);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.status().code() == StatusCode::kInvalidArgument);
}

}  // namespace consent::testing
