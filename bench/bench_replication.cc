// SPDX-License-Identifier: Apache-2.0
// bench_replication: consent::Replicator to a 3-node JetStream cluster (R3) on 127.0.0.1.
//
//   bench_replication [--events N] [--lag-seconds S] [--rate R] [--json]      (--help)
//
// 1. Throughput: a site store of N events of simulated days (default 1,000,000) is replicated;
//    beside it, in the same run, a plain libnats async publish of the same bytes with the same
//    window and message ids to a stream with the same settings (the baseline; ratio = replicator
//    / baseline, target >= 0.5).
// 2. End-to-end lag: a writer appends R events/s (default 1,000) for S seconds (default 10) to
//    another site store while a Replicator follows it and a GroupConsumer follows the stream;
//    lag = time the event is applied in the group store - time its append returned at the site;
//    p50 and p99 from a Boost.Histogram with 0.1 ms bins.

#include <atomic>
#include <boost/histogram.hpp>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <limits>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "bench_util.h"
#include "consent/event_store.h"
#include "consent/group.h"
#include "consent/replication.h"
#include "consent/simulator.h"
#include "nats_cluster.h"

namespace consent::bench {
namespace {

using namespace std::chrono_literals;

struct Config {
  size_t events = 1000000;
  double lag_seconds = 10;
  double rate = 1000;
  bool json = false;
};

template <typename T>
T Must(StatusOr<T> v, const char* what) {
  if (!v.ok()) throw BenchError(std::string(what) + ": " + v.status().ToString());
  return std::move(v).value();
}
void Must(const Status& s, const char* what) {
  if (!s.ok()) throw BenchError(std::string(what) + ": " + s.ToString());
}

std::unique_ptr<EventStore> SimulatedStore(const std::string& path, size_t events) {
  StoreOptions so;
  so.sync = false;
  auto store = Must(EventStore::Open(so, path), "open site store");
  for (uint64_t day = 0; store->HeadPosition() < events; ++day) {
    CheckInterrupted();
    SimulationOptions sim;
    sim.seed = 1000 + day;
    sim.calls = 5000;
    Must(SimulateDay(store.get(), sim), "simulate");
  }
  return store;
}

StreamSettings Stream(const std::string& name) {
  StreamSettings s;
  s.name = name;
  s.subject_prefix = "bench" + name;
  return s;
}

struct Baseline {
  std::atomic<uint64_t> acked{0};
};

void OnBaselineAck(jsCtx*, natsMsg* msg, jsPubAck* ack, jsPubAckErr*, void* closure) {
  if (ack != nullptr) static_cast<Baseline*>(closure)->acked.fetch_add(1);
  natsMsg_Destroy(msg);
}

// The same bytes, window and message ids, published with libnats alone (no checkpoint, no
// chain check, no resend). Returns seconds.
double PlainPublish(const testing::NatsCluster& cluster, const EventStore& site, size_t window) {
  const StreamSettings s = Stream("RAW");
  Baseline b;
  double seconds = 0;
  const bool ok = cluster.WithJetStream([&](jsCtx* setup) {
    const std::string all = s.subject_prefix + ".*.events";
    const char* subjects[] = {all.c_str()};
    jsStreamConfig cfg;
    jsStreamConfig_Init(&cfg);
    cfg.Name = s.name.c_str();
    cfg.Subjects = subjects;
    cfg.SubjectsLen = 1;
    cfg.Storage = js_FileStorage;
    cfg.Replicas = 3;
    cfg.Duplicates = int64_t{120} * 1000000000;
    jsStreamInfo* si = nullptr;
    if (js_AddStream(&si, setup, &cfg, nullptr, nullptr) != NATS_OK) throw BenchError("baseline stream");
    jsStreamInfo_Destroy(si);
  });
  if (!ok) throw BenchError("baseline: no cluster");
  natsConnection* nc = nullptr;
  jsCtx* js = nullptr;
  const std::string url = cluster.Url(0);
  if (natsConnection_ConnectTo(&nc, url.c_str()) != NATS_OK) throw BenchError("baseline connect");
  jsOptions jo;
  jsOptions_Init(&jo);
  jo.PublishAsync.MaxPending = static_cast<int64_t>(window);
  jo.PublishAsync.AckHandler = OnBaselineAck;
  jo.PublishAsync.AckHandlerClosure = &b;
  natsConnection_JetStream(&js, nc, &jo);
  const std::string subject = s.subject_prefix + ".site.events";
  const auto start = SteadyClock::now();
  Must(site.ScanAll({}, [&](const Event& e) {
    const std::string bytes = e.SerializeAsString();
    natsMsg* m = nullptr;
    natsMsg_Create(&m, subject.c_str(), nullptr, bytes.data(), static_cast<int>(bytes.size()));
    static const char* kHex = "0123456789abcdef";
    std::string id;
    for (unsigned char c : e.event_id()) {
      id.push_back(kHex[c >> 4]);
      id.push_back(kHex[c & 15]);
    }
    natsMsgHeader_Set(m, "Nats-Msg-Id", id.c_str());
    natsStatus st;
    while ((st = js_PublishMsgAsync(js, &m, nullptr)) == NATS_TIMEOUT) {
    }
    natsMsg_Destroy(m);
    return st == NATS_OK;
  }), "baseline scan");
  jsPubOptions po;
  jsPubOptions_Init(&po);
  po.MaxWait = 60000;
  js_PublishAsyncComplete(js, &po);
  seconds = Secs(SteadyClock::now() - start);
  jsCtx_Destroy(js);
  natsConnection_Destroy(nc);
  if (b.acked.load() != site.HeadPosition()) {
    throw BenchError("baseline: " + std::to_string(b.acked.load()) + " acknowledged of " + std::to_string(site.HeadPosition()));
  }
  return seconds;
}

double Replicate(const testing::NatsCluster& cluster, EventStore* site, size_t window) {
  ReplicatorOptions o;
  o.nats.urls = cluster.Url(0);
  o.site = "site";
  o.stream = Stream("REP");
  o.max_in_flight = window;
  auto r = Must(Replicator::Open(site, o), "replicator");
  const auto start = SteadyClock::now();
  const auto p = Must(r->CatchUp(), "replicate");
  const double seconds = Secs(SteadyClock::now() - start);
  if (p.acknowledged != site->HeadPosition()) throw BenchError("replicator stopped early");
  return seconds;
}

struct Lag {
  double p50_ms = 0, p99_ms = 0;
  uint64_t events = 0;
};

double Quantile(const auto& h, double q, uint64_t total) {
  uint64_t seen = 0;
  for (auto&& bin : boost::histogram::indexed(h, boost::histogram::coverage::all)) {
    seen += static_cast<uint64_t>(*bin);
    if (static_cast<double>(seen) >= q * static_cast<double>(total)) return bin.bin().upper();
  }
  return std::numeric_limits<double>::infinity();
}

Lag MeasureLag(const testing::NatsCluster& cluster, const TempDir& dir, const Config& cfg) {
  StoreOptions so;
  so.sync = false;
  auto site = Must(EventStore::Open(so, dir.Sub("lag-site")), "lag site");
  auto group = Must(EventStore::Open(so, dir.Sub("lag-group")), "lag group");
  const uint64_t total = static_cast<uint64_t>(cfg.rate * cfg.lag_seconds);
  std::vector<SteadyClock::time_point> appended(total + 1);
  ReplicatorOptions ro;
  ro.nats.urls = cluster.Urls();
  ro.site = "lag";
  ro.stream = Stream("LAG");
  auto replicator = Must(Replicator::Open(site.get(), ro), "lag replicator");
  GroupConsumerOptions co;
  co.nats.urls = cluster.Urls();
  co.stream = ro.stream;
  co.fetch_timeout = 100ms;
  auto consumer = Must(GroupConsumer::Open(group.get(), co), "lag consumer");

  auto h = boost::histogram::make_histogram(boost::histogram::axis::regular<>(20000, 0.0, 2000.0, "ms"));
  std::atomic<bool> stop{false};
  std::mutex mu;
  uint64_t measured = 0, seen = 0;
  Status rep_status, con_status;
  std::thread rep([&] { rep_status = replicator->Follow(stop); });
  std::thread con([&] {
    con_status = consumer->Follow(stop, [&](uint64_t) {
      const auto now = SteadyClock::now();
      const uint64_t at = consumer->sites().empty() ? 0 : consumer->sites().front().position;
      std::lock_guard<std::mutex> lock(mu);
      for (; seen < at && seen < total; ++seen) {
        h(std::chrono::duration<double, std::milli>(now - appended[seen + 1]).count());
        ++measured;
      }
    });
  });
  const auto period = std::chrono::duration<double>(1.0 / cfg.rate);
  const auto start = SteadyClock::now();
  for (uint64_t i = 1; i <= total && !g_interrupted.load(); ++i) {
    std::this_thread::sleep_until(start + std::chrono::duration_cast<SteadyClock::duration>(period * static_cast<double>(i)));
    Event e;
    e.set_event_id(NewEventId());
    *e.mutable_occur_time() = ToTimestamp(std::chrono::system_clock::now());
    e.mutable_annotation_added()->set_text("lag probe");
    {
      std::lock_guard<std::mutex> lock(mu);
      appended[i] = SteadyClock::now();
    }
    Must(site->Append("probe-" + std::to_string(i % 64), kAnyRevision, {std::move(e)}).status(), "append");
  }
  const auto until = SteadyClock::now() + 30s;
  while (SteadyClock::now() < until) {
    {
      std::lock_guard<std::mutex> lock(mu);
      if (measured >= total) break;
    }
    std::this_thread::sleep_for(10ms);
  }
  stop.store(true);
  rep.join();
  con.join();
  Must(rep_status, "lag replicator");
  Must(con_status, "lag consumer");
  Lag lag;
  lag.events = measured;
  lag.p50_ms = Quantile(h, 0.50, measured);
  lag.p99_ms = Quantile(h, 0.99, measured);
  return lag;
}

int Run(const Config& cfg) {
  if (testing::FindNatsServer().empty()) throw BenchError("nats-server is not installed");
  TempDir dir("bench-replication");
  testing::NatsCluster cluster;
  if (!cluster.Start()) throw BenchError("the nats-server cluster did not start");
  const size_t window = 4096;
  const auto sim_start = SteadyClock::now();
  auto site = SimulatedStore(dir.Sub("site"), cfg.events);
  const double sim_s = Secs(SteadyClock::now() - sim_start);
  const uint64_t n = site->HeadPosition();
  const double base_s = PlainPublish(cluster, *site, window);
  const double rep_s = Replicate(cluster, site.get(), window);
  const Lag lag = MeasureLag(cluster, dir, cfg);
  const double base_rate = n / base_s, rep_rate = n / rep_s;
  std::fprintf(stderr, "bench_replication: %llu events (simulated in %.1f s), R3 cluster of 3 nats-server on 127.0.0.1, %d cores, build %s\n",
               static_cast<unsigned long long>(n), sim_s, Nproc(), CONSENT_BENCH_BUILD_TYPE);
  std::fprintf(stderr, "%-22s %10s %14s %8s\n", "measure", "seconds", "events/s", "ratio");
  std::fprintf(stderr, "%-22s %10.3f %14.0f %8.2f\n", "baseline_async_publish", base_s, base_rate, 1.0);
  std::fprintf(stderr, "%-22s %10.3f %14.0f %8.2f\n", "replicator", rep_s, rep_rate, rep_rate / base_rate);
  std::fprintf(stderr, "lag at %.0f events/s over %.0f s (%llu events): p50 %.1f ms, p99 %.1f ms\n", cfg.rate,
               cfg.lag_seconds, static_cast<unsigned long long>(lag.events), lag.p50_ms, lag.p99_ms);
  if (cfg.json) {
    std::printf("[{\"name\": \"baseline_async_publish\", \"seconds\": %.6f, \"events_per_s\": %.1f, \"ratio\": 1.0},"
                " {\"name\": \"replicator\", \"seconds\": %.6f, \"events_per_s\": %.1f, \"ratio\": %.4f},"
                " {\"name\": \"lag\", \"rate\": %.0f, \"events\": %llu, \"p50_ms\": %.3f, \"p99_ms\": %.3f}]\n",
                base_s, base_rate, rep_s, rep_rate, rep_rate / base_rate, cfg.rate,
                static_cast<unsigned long long>(lag.events), lag.p50_ms, lag.p99_ms);
  }
  return 0;
}

}  // namespace
}  // namespace consent::bench

int main(int argc, char** argv) {
  using namespace consent::bench;
  Config cfg;
  try {
    for (int i = 1; i < argc; ++i) {
      if (std::strcmp(argv[i], "--events") == 0 && i + 1 < argc) {
        cfg.events = ParseSize(argv[++i], "--events");
      } else if (std::strcmp(argv[i], "--lag-seconds") == 0 && i + 1 < argc) {
        cfg.lag_seconds = ParseDouble(argv[++i], "--lag-seconds");
      } else if (std::strcmp(argv[i], "--rate") == 0 && i + 1 < argc) {
        cfg.rate = ParseDouble(argv[++i], "--rate");
      } else if (std::strcmp(argv[i], "--json") == 0) {
        cfg.json = true;
      } else {
        std::fprintf(stderr, "usage: bench_replication [--events N] [--lag-seconds S] [--rate R] [--json]\n");
        return std::strcmp(argv[i], "--help") == 0 ? 0 : 1;
      }
    }
    return Run(cfg);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_replication: %s\n", e.what());
    return 1;
  }
}
