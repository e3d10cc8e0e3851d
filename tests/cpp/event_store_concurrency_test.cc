// SPDX-License-Identifier: Apache-2.0
// Concurrent appenders (group commit): optimistic concurrency on one stream, independent streams,
// concurrent retries, and snapshot-consistent reads while appends run.
#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <latch>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "consent/event_store.h"
#include "store_test_helpers.h"
#include "test_util.h"

namespace consent::testing {
namespace {

constexpr int kThreads = 8;

// What an appender thread was told by the store.
struct Ack {
  std::string event_id;
  uint64_t position = 0;
  int64_t revision = 0;
  std::string stream;
};

// Thread-safe list of failures, reported on the test thread (doctest assertions are not
// thread-safe).
class Failures {
 public:
  void Add(std::string what) {
    std::lock_guard<std::mutex> l(mu_);
    if (list_.size() < 20) list_.push_back(std::move(what));
    ++count_;
  }
  void Check() const {
    std::lock_guard<std::mutex> l(mu_);
    for (const std::string& f : list_) FAIL_CHECK(f);
    CHECK(count_ == 0);
  }

 private:
  mutable std::mutex mu_;
  std::vector<std::string> list_;
  int count_ = 0;
};

// Starts a large synced append on another stream and returns once it is under way, so that
// appenders started right after queue up behind it and are committed together as one group.
std::thread StartPlug(EventStore& store, std::latch& plugged) {
  return std::thread([&store, &plugged] {
    Event big = MakeBulkyNote(1 << 20, 'p');
    plugged.count_down();
    AppendOptions sync;
    sync.sync = true;
    auto r = store.Append("plug-1", kAnyRevision, {big}, sync);
    (void)r;
  });
}

TEST_CASE("Eight threads doing read-decide-append on one stream lose and duplicate nothing") {
  TempDir dir;
  auto store = OpenStore(dir.path());
  constexpr int kPerThread = 50;
  const std::string stream = "race-1";
  Failures failures;
  std::mutex acks_mu;
  std::vector<Ack> acks;
  std::atomic<int> conflicts{0};
  std::latch start(kThreads);

  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      start.arrive_and_wait();
      for (int k = 0; k < kPerThread; ++k) {
        Event e = MakeEvent("t" + std::to_string(t) + "-" + std::to_string(k));
        for (int attempt = 0;; ++attempt) {
          if (attempt > 10000) {
            failures.Add("thread " + std::to_string(t) + " never got through");
            return;
          }
          auto rev = store->StreamRevision(stream);
          if (!rev.ok()) {
            failures.Add("StreamRevision: " + rev.status().ToString());
            return;
          }
          // Retrying with the same event: had a rejected append been written, this retry would
          // come back deduplicated.
          auto r = store->Append(stream, *rev, {e});
          if (r.ok()) {
            if (r->deduplicated) failures.Add("append after kAborted was deduplicated");
            if (r->next_expected_revision != *rev + 1) {
              failures.Add("next_expected_revision " + std::to_string(r->next_expected_revision) +
                           " after expecting " + std::to_string(*rev));
            }
            if (r->first_position != r->last_position) failures.Add("one event, two positions");
            std::lock_guard<std::mutex> l(acks_mu);
            acks.push_back({e.event_id(), r->first_position, *rev + 1, stream});
            break;
          }
          if (r.status().code() != StatusCode::kAborted) {
            failures.Add("unexpected " + r.status().ToString());
            return;
          }
          ++conflicts;
          const auto& ctx = r.status().context();
          if (ctx.expected_revision != *rev) failures.Add("conflict: wrong expected_revision");
          if (!ctx.actual_revision || *ctx.actual_revision <= *rev) {
            failures.Add("conflict reported although the stream was at the expected revision: " +
                         r.status().ToString());
          }
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  failures.Check();
  MESSAGE("conflicts reported: " << conflicts.load());

  constexpr int kTotal = kThreads * kPerThread;
  REQUIRE(acks.size() == kTotal);
  auto events = ReadStreamOrDie(*store, stream);
  REQUIRE(events.size() == kTotal);
  CHECK(Revisions(events) == RevRange(0, kTotal - 1));
  CHECK(Positions(events) == Range(1, kTotal));
  std::map<std::string, const Event*> by_id;
  for (const Event& e : events) by_id[e.event_id()] = &e;
  CHECK(by_id.size() == kTotal);
  for (const Ack& a : acks) {
    auto it = by_id.find(a.event_id);
    REQUIRE(it != by_id.end());
    CHECK(it->second->position() == a.position);
    CHECK(static_cast<int64_t>(it->second->stream_revision()) == a.revision);
  }
  auto v = store->Verify();
  REQUIRE_MESSAGE(v.ok(), v.status().ToString());
  CHECK(v->events_checked == kTotal);
}

TEST_CASE(
    "Eight threads appending to distinct streams get dense unique positions, seen by consistent "
    "reads") {
  TempDir dir;
  auto store = OpenStore(dir.path());
  constexpr int kIterations = 150;
  Failures failures;
  std::mutex acks_mu;
  std::vector<Ack> acks;
  std::atomic<bool> done{false};
  std::latch start(kThreads + 1);

  // Multi-stream batches carry correlation id "b<t>-<i>-n<size>": a read must see all or none.
  auto batch_size_of = [](const std::string& corr) -> size_t {
    const auto n = corr.rfind("-n");
    return n == std::string::npos ? 0 : std::stoul(corr.substr(n + 2));
  };

  std::thread reader([&] {
    start.arrive_and_wait();
    uint64_t last_head = 0;
    int reads = 0;
    while (!done.load() || reads < 3) {
      const uint64_t head_before = store->HeadPosition();
      if (head_before < last_head) failures.Add("HeadPosition went backwards");
      last_head = head_before;
      auto all = store->ReadAll();
      if (!all.ok()) {
        failures.Add("ReadAll: " + all.status().ToString());
        return;
      }
      ++reads;
      std::map<std::string, size_t> batches;
      for (size_t i = 0; i < all->size(); ++i) {
        if ((*all)[i].position() != i + 1) {
          failures.Add("ReadAll saw a gap: index " + std::to_string(i) + " holds position " +
                       std::to_string((*all)[i].position()));
          break;
        }
        const std::string& corr = (*all)[i].correlation_id();
        if (!corr.empty()) ++batches[corr];
      }
      if (all->size() < head_before) failures.Add("ReadAll returned less than the head before it");
      for (const auto& [corr, n] : batches) {
        if (n != batch_size_of(corr)) failures.Add("ReadAll saw a partial batch " + corr);
      }
    }
  });

  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      const std::string own = "own-" + std::to_string(t);
      const std::string pair = "pair-" + std::to_string(t);
      int64_t own_rev = kNoStream;
      int64_t pair_rev = kNoStream;
      start.arrive_and_wait();
      for (int i = 0; i < kIterations; ++i) {
        if (i % 5 == 4) {
          const std::string corr =
              "b" + std::to_string(t) + "-" + std::to_string(i) + "-n" + std::to_string(3);
          std::vector<StreamAppend> req;
          req.push_back({own, own_rev, {MakeNote("m0", corr), MakeNote("m1", corr)}});
          req.push_back({pair, pair_rev, {MakeNote("p0", corr)}});
          const auto copy = req;
          auto r = store->AppendMulti(std::move(req));
          if (!r.ok()) {
            failures.Add("AppendMulti: " + r.status().ToString());
            return;
          }
          if (r->last_position != r->first_position + 2) failures.Add("multi range not contiguous");
          std::lock_guard<std::mutex> l(acks_mu);
          uint64_t p = r->first_position;
          for (const Event& e : copy[0].events) acks.push_back({e.event_id(), p++, ++own_rev, own});
          for (const Event& e : copy[1].events)
            acks.push_back({e.event_id(), p++, ++pair_rev, pair});
        } else {
          auto events = MakeNotes(static_cast<size_t>(1 + i % 2), own);
          auto r = store->Append(own, own_rev, events);
          if (!r.ok()) {
            failures.Add("Append: " + r.status().ToString());
            return;
          }
          if (r->last_position != r->first_position + events.size() - 1) {
            failures.Add("append range does not match its size");
          }
          std::lock_guard<std::mutex> l(acks_mu);
          uint64_t p = r->first_position;
          for (const Event& e : events) acks.push_back({e.event_id(), p++, ++own_rev, own});
          if (r->next_expected_revision != own_rev) failures.Add("next_expected_revision wrong");
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  done = true;
  reader.join();
  failures.Check();

  const uint64_t total = acks.size();
  CHECK(store->HeadPosition() == total);
  const auto all = ReadAllOrDie(*store);
  CHECK(Positions(all) == Range(1, total));
  std::map<std::string, int> seen;
  for (const Event& e : all) ++seen[e.event_id()];
  CHECK(seen.size() == total);
  std::set<uint64_t> positions;
  for (const Ack& a : acks) {
    CAPTURE(a.position);
    CHECK(seen[a.event_id] == 1);
    CHECK(positions.insert(a.position).second);
    REQUIRE(a.position >= 1);
    REQUIRE(a.position <= all.size());
    const Event& e = all[a.position - 1];
    CHECK(e.event_id() == a.event_id);
    CHECK(e.stream_id() == a.stream);
    CHECK(static_cast<int64_t>(e.stream_revision()) == a.revision);
  }
  for (int t = 0; t < kThreads; ++t) {
    for (const std::string& s : {"own-" + std::to_string(t), "pair-" + std::to_string(t)}) {
      auto events = ReadStreamOrDie(*store, s);
      CHECK(Revisions(events) == RevRange(0, static_cast<int64_t>(events.size()) - 1));
    }
  }
  CHECK(store->Stats()->stream_count == 2 * kThreads);
  auto v = store->Verify();
  REQUIRE_MESSAGE(v.ok(), v.status().ToString());
  CHECK(v->events_checked == total);
}

TEST_CASE("The same append retried concurrently from eight threads is written once") {
  TempDir dir;
  auto store = OpenStore(dir.path());
  for (int round = 0; round < 25; ++round) {
    CAPTURE(round);
    const std::string stream = "retry-" + std::to_string(round);
    const auto events = MakeNotes(3, stream);
    std::latch start(kThreads);
    std::latch plugged(1);
    std::mutex mu;
    std::vector<StatusOr<AppendResult>> results;
    // Half the rounds queue the retries behind a slow commit, so that they share one group.
    std::thread plug = round % 2 == 0 ? StartPlug(*store, plugged) : std::thread();
    if (round % 2 != 0) plugged.count_down();
    plugged.wait();
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&] {
        start.arrive_and_wait();
        auto r = store->Append(stream, kNoStream, events);
        std::lock_guard<std::mutex> l(mu);
        results.push_back(std::move(r));
      });
    }
    for (auto& th : threads) th.join();
    if (plug.joinable()) plug.join();
    int written = 0;
    std::set<std::pair<uint64_t, uint64_t>> ranges;
    for (const auto& r : results) {
      REQUIRE_MESSAGE(r.ok(), r.status().ToString());
      if (!r->deduplicated) ++written;
      ranges.insert({r->first_position, r->last_position});
    }
    CHECK(written == 1);
    CHECK(ranges.size() == 1);
    auto stored = ReadStreamOrDie(*store, stream);
    REQUIRE(stored.size() == 3);
    CHECK(ranges.begin()->first == stored.front().position());
    CHECK(ranges.begin()->second == stored.back().position());
  }
  CHECK(store->HeadPosition() == 75 + 13);  // 25 rounds of 3, and 13 plugs
  CHECK(Positions(ReadAllOrDie(*store)) == Range(1, 75 + 13));
  CONSENT_CHECK_OK(store->Verify());
}

TEST_CASE("One event id raced with different contents from eight threads is stored once") {
  TempDir dir;
  auto store = OpenStore(dir.path());
  for (int round = 0; round < 25; ++round) {
    CAPTURE(round);
    const std::string id = NewEventId();
    std::latch start(kThreads);
    std::latch plugged(1);
    std::mutex mu;
    std::vector<StatusCode> codes;
    std::thread plug = round % 2 == 0 ? StartPlug(*store, plugged) : std::thread();
    if (round % 2 != 0) plugged.count_down();
    plugged.wait();
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        Event e = MakeEvent("contender " + std::to_string(t));
        e.set_event_id(id);
        start.arrive_and_wait();
        auto r = store->Append("contended-" + std::to_string(t), kAnyRevision, {e});
        std::lock_guard<std::mutex> l(mu);
        codes.push_back(r.status().code());
      });
    }
    for (auto& th : threads) th.join();
    if (plug.joinable()) plug.join();
    CHECK(std::count(codes.begin(), codes.end(), StatusCode::kOk) == 1);
    CHECK(std::count(codes.begin(), codes.end(), StatusCode::kAlreadyExists) == kThreads - 1);
    auto pos = store->FindEvent(id);
    REQUIRE_MESSAGE(pos.ok(), pos.status().ToString());
    CHECK(store->ReadEvent(*pos)->event_id() == id);
  }
  std::set<std::string> ids;
  for (const Event& e : ReadAllOrDie(*store)) {
    if (e.stream_id() != "plug-1") CHECK(ids.insert(e.event_id()).second);
  }
  CHECK(ids.size() == 25);
  CHECK(store->Stats()->stream_count <= static_cast<uint64_t>(kThreads) + 1);
  CONSENT_CHECK_OK(store->Verify());
}

TEST_CASE("A group commit budget smaller than one append still commits every concurrent append") {
  TempDir dir;
  StoreOptions options;
  options.max_group_commit_bytes = 1;
  auto store = OpenStore(dir.path(), options);
  Failures failures;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      int64_t rev = kNoStream;
      for (int i = 0; i < 20; ++i) {
        auto r = store->Append("tiny-" + std::to_string(t), rev, MakeNotes(2));
        if (!r.ok()) {
          failures.Add(r.status().ToString());
          return;
        }
        rev = r->next_expected_revision;
      }
    });
  }
  for (auto& th : threads) th.join();
  failures.Check();
  CHECK(store->HeadPosition() == kThreads * 20 * 2);
  CHECK(Positions(ReadAllOrDie(*store)) == Range(1, kThreads * 20 * 2));
  CONSENT_CHECK_OK(store->Verify());
}

TEST_CASE("Concurrent appends with and without sync share commits and all survive a reopen") {
  TempDir dir;
  std::vector<std::string> ids;
  std::mutex mu;
  {
    auto store = OpenStore(dir.path());
    Failures failures;
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < 40; ++i) {
          auto events = MakeNotes(2);
          AppendOptions o;
          o.sync = (i + t) % 2 == 0;
          auto r = store->Append("mixed-" + std::to_string(t), kAnyRevision, events, o);
          if (!r.ok()) {
            failures.Add(r.status().ToString());
            return;
          }
          std::lock_guard<std::mutex> l(mu);
          for (const Event& e : events) ids.push_back(e.event_id());
        }
      });
    }
    for (auto& th : threads) th.join();
    failures.Check();
  }
  auto store = OpenStore(dir.path());
  CHECK(store->HeadPosition() == ids.size());
  for (const std::string& id : ids) CHECK(store->FindEvent(id).ok());
  CONSENT_CHECK_OK(store->Verify());
}

}  // namespace
}  // namespace consent::testing
