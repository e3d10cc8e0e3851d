// SPDX-License-Identifier: Apache-2.0
// Catch-up subscriptions: history, the switch to live delivery, filters, Stop, errors, WaitFor.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
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

using namespace std::chrono_literals;
using SteadyClock = std::chrono::steady_clock;

constexpr auto kLongWait = 10s;

// Records what a subscription delivers; safe to read from the test thread.
class Collector {
 public:
  EventHandler Handler() {
    return [this](const Event& e) {
      std::lock_guard<std::mutex> l(mu_);
      if (!events_.empty() && e.position() <= events_.back().position()) ++out_of_order_;
      events_.push_back(e);
      threads_.insert(std::this_thread::get_id());
      return Status::Ok();
    };
  }
  std::vector<Event> events() const {
    std::lock_guard<std::mutex> l(mu_);
    return events_;
  }
  std::vector<uint64_t> positions() const { return Positions(events()); }
  size_t size() const {
    std::lock_guard<std::mutex> l(mu_);
    return events_.size();
  }
  int out_of_order() const {
    std::lock_guard<std::mutex> l(mu_);
    return out_of_order_;
  }
  std::set<std::thread::id> threads() const {
    std::lock_guard<std::mutex> l(mu_);
    return threads_;
  }

 private:
  mutable std::mutex mu_;
  std::vector<Event> events_;
  std::set<std::thread::id> threads_;
  int out_of_order_ = 0;
};

std::unique_ptr<Subscription> SubscribeOrDie(EventStore& store, SubscribeOptions options,
                                             EventHandler handler) {
  auto s = store.Subscribe(std::move(options), std::move(handler));
  REQUIRE_MESSAGE(s.ok(), s.status().ToString());
  return std::move(s).value();
}

void AppendNotes(EventStore& store, const std::string& stream, size_t n) {
  auto r = store.Append(stream, kAnyRevision, MakeNotes(n, stream));
  REQUIRE_MESSAGE(r.ok(), r.status().ToString());
}

TEST_CASE(
    "A subscription delivers history then live events exactly once, in order, across the switch") {
  TempDir dir;
  StoreOptions store_options;
  store_options.sync = false;
  auto store = OpenStore(dir.path(), store_options);
  for (int i = 0; i < 60; ++i) AppendNotes(*store, "call-" + std::to_string(i % 7), 5);
  REQUIRE(store->HeadPosition() == 300);

  Collector got;
  std::atomic<int> on_live_calls{0};
  std::atomic<uint64_t> delivered_at_live{0};
  SubscribeOptions options;
  options.batch_size = 16;
  options.on_live = [&] {
    ++on_live_calls;
    delivered_at_live = got.size();
  };
  auto sub = SubscribeOrDie(*store, options, got.Handler());

  // A concurrent appender keeps writing through catch-up, the switch, and live delivery.
  std::atomic<bool> append_failed{false};
  std::thread appender([&] {
    const auto deadline = SteadyClock::now() + 5s;
    int after_live = 0;
    for (int i = 0; after_live < 150 && SteadyClock::now() < deadline; ++i) {
      std::vector<StreamAppend> req;
      req.push_back({"agent-" + std::to_string(i % 3), kAnyRevision, MakeNotes(1 + i % 3)});
      if (i % 4 == 0) req.push_back({"call-x" + std::to_string(i), kNoStream, MakeNotes(2)});
      if (!store->AppendMulti(req).ok()) append_failed = true;
      if (sub->is_live()) ++after_live;
      if (i % 10 == 0) std::this_thread::sleep_for(1ms);
    }
  });
  appender.join();
  CHECK_FALSE(append_failed.load());
  const uint64_t head = store->HeadPosition();
  REQUIRE(sub->WaitFor(head, kLongWait));
  const auto deadline = SteadyClock::now() + kLongWait;
  while (!sub->is_live() && SteadyClock::now() < deadline) std::this_thread::sleep_for(1ms);
  CHECK(sub->is_live());
  sub->Stop();

  CHECK(on_live_calls.load() == 1);
  CHECK(delivered_at_live.load() >= 300);
  CHECK(got.out_of_order() == 0);
  CHECK(got.positions() == Range(1, head));
  CHECK(sub->last_position() == head);
  CONSENT_CHECK_OK(sub->status());
  const auto all = ReadAllOrDie(*store);
  const auto events = got.events();
  REQUIRE(events.size() == all.size());
  for (size_t i = 0; i < all.size(); ++i) {
    CHECK(events[i].SerializeAsString() == all[i].SerializeAsString());
  }
  const auto threads = got.threads();
  CHECK(threads.size() == 1);
  CHECK(threads.count(std::this_thread::get_id()) == 0);
}

TEST_CASE(
    "Subscriptions with tiny catch-up batches miss and repeat nothing under a fast appender") {
  TempDir dir;
  StoreOptions store_options;
  store_options.sync = false;
  auto store = OpenStore(dir.path(), store_options);
  AppendNotes(*store, "call-0", 50);
  for (int round = 0; round < 12; ++round) {
    CAPTURE(round);
    Collector got;
    std::atomic<int> lives{0};
    SubscribeOptions options;
    options.batch_size = static_cast<size_t>(1 + round % 3);
    options.from_position = 1 + static_cast<uint64_t>(round) * 7;
    options.on_live = [&] { ++lives; };
    const uint64_t from = options.from_position;
    auto sub = SubscribeOrDie(*store, options, got.Handler());
    std::thread appender([&] {
      for (int i = 0; i < 150; ++i) {
        if (!store->Append("call-" + std::to_string(i % 5), kAnyRevision, MakeNotes(1 + i % 2))
                 .ok()) {
          return;
        }
      }
    });
    appender.join();
    const uint64_t head = store->HeadPosition();
    REQUIRE(sub->WaitFor(head, kLongWait));
    // Having processed the head, an idle subscription turns live (exactly once).
    const auto deadline = SteadyClock::now() + kLongWait;
    while (!sub->is_live() && SteadyClock::now() < deadline) std::this_thread::sleep_for(1ms);
    CHECK(sub->is_live());
    sub->Stop();
    CHECK(got.positions() == Range(from, head));
    CHECK(lives.load() == 1);
  }
}

TEST_CASE("Two subscriptions on one store each receive every event") {
  TempDir dir;
  auto store = OpenStore(dir.path());
  AppendNotes(*store, "call-1", 20);
  Collector a;
  Collector b;
  auto sa = SubscribeOrDie(*store, {}, a.Handler());
  auto sb = SubscribeOrDie(*store, {}, b.Handler());
  for (int i = 0; i < 20; ++i) AppendNotes(*store, "call-2", 1);
  REQUIRE(sa->WaitFor(40, kLongWait));
  REQUIRE(sb->WaitFor(40, kLongWait));
  CHECK(a.positions() == Range(1, 40));
  CHECK(b.positions() == Range(1, 40));
}

TEST_CASE("A subscription from a middle position starts exactly there") {
  TempDir dir;
  auto store = OpenStore(dir.path());
  AppendNotes(*store, "call-1", 10);

  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::promise<uint64_t> first;
  std::atomic<bool> first_seen{false};
  Collector got;
  auto inner = got.Handler();
  SubscribeOptions options;
  options.from_position = 6;
  auto sub = SubscribeOrDie(*store, options, [&](const Event& e) {
    if (!first_seen.exchange(true)) {
      first.set_value(e.position());
      released.wait();
    }
    return inner(e);
  });
  auto first_future = first.get_future();
  REQUIRE(first_future.wait_for(kLongWait) == std::future_status::ready);
  CHECK(first_future.get() == 6);
  // While the handler holds position 6, nothing after from_position - 1 has been processed.
  CHECK(sub->last_position() == 5);
  CHECK_FALSE(sub->WaitFor(6, 50ms));
  release.set_value();

  REQUIRE(sub->WaitFor(10, kLongWait));
  AppendNotes(*store, "call-2", 2);
  REQUIRE(sub->WaitFor(12, kLongWait));
  CHECK(got.positions() == Range(6, 12));
}

TEST_CASE("A subscription from past the head waits for new events and goes live at once") {
  TempDir dir;
  auto store = OpenStore(dir.path());
  AppendNotes(*store, "call-1", 3);
  std::atomic<int> lives{0};
  Collector got;
  SubscribeOptions options;
  options.from_position = 4;
  options.on_live = [&] { ++lives; };
  auto sub = SubscribeOrDie(*store, options, got.Handler());
  const auto deadline = SteadyClock::now() + kLongWait;
  while (!sub->is_live() && SteadyClock::now() < deadline) std::this_thread::sleep_for(1ms);
  CHECK(sub->is_live());
  CHECK(lives.load() == 1);
  CHECK(sub->last_position() == 3);
  CHECK(got.size() == 0);
  AppendNotes(*store, "call-1", 2);
  REQUIRE(sub->WaitFor(5, kLongWait));
  CHECK(got.positions() == Range(4, 5));
}

TEST_CASE("A subscription on an empty store goes live and delivers the first events") {
  TempDir dir;
  auto store = OpenStore(dir.path());
  std::atomic<int> lives{0};
  Collector got;
  SubscribeOptions options;
  options.on_live = [&] { ++lives; };
  auto sub = SubscribeOrDie(*store, options, got.Handler());
  const auto deadline = SteadyClock::now() + kLongWait;
  while (lives.load() == 0 && SteadyClock::now() < deadline) std::this_thread::sleep_for(1ms);
  CHECK(lives.load() == 1);
  CHECK(sub->is_live());
  CHECK(sub->last_position() == 0);
  AppendNotes(*store, "call-1", 1);
  REQUIRE(sub->WaitFor(1, kLongWait));
  CHECK(got.positions() == std::vector<uint64_t>{1});
  CHECK(lives.load() == 1);
}

TEST_CASE("A subscription delivers only events matching its filter, in history and live") {
  TempDir dir;
  auto store = OpenStore(dir.path());
  CONSENT_REQUIRE_OK(store->Append("call-1", kAnyRevision, MakeNotes(2)));                   // 1-2
  CONSENT_REQUIRE_OK(store->Append("agent-1", kAnyRevision, MakeNotes(1)));                  // 3
  CONSENT_REQUIRE_OK(store->Append("call-1", kAnyRevision, {MakeCheckpointEvent("s", 1)}));  // 4
  CONSENT_REQUIRE_OK(store->Append("callback-1", kAnyRevision, MakeNotes(1)));               // 5

  Collector by_category;
  SubscribeOptions c;
  c.filter.categories = {"call"};
  auto sc = SubscribeOrDie(*store, c, by_category.Handler());
  Collector by_type;
  SubscribeOptions t;
  t.filter.types = {"source_checkpointed"};
  auto st = SubscribeOrDie(*store, t, by_type.Handler());
  Collector both;
  SubscribeOptions b;
  b.filter.categories = {"call"};
  b.filter.types = {"AnnotationAdded"};
  auto sb = SubscribeOrDie(*store, b, both.Handler());

  CONSENT_REQUIRE_OK(store->Append("call-2", kAnyRevision, {MakeCheckpointEvent("s", 2)}));  // 6
  CONSENT_REQUIRE_OK(store->Append("agent-1", kAnyRevision, MakeNotes(1)));                  // 7
  CONSENT_REQUIRE_OK(store->Append("call-2", kAnyRevision, MakeNotes(1)));                   // 8
  CONSENT_REQUIRE_OK(store->Append("agent-2", kAnyRevision, MakeNotes(1)));                  // 9

  // The head is filtered out for every subscription, yet each one reaches it.
  for (Subscription* s : {sc.get(), st.get(), sb.get()}) {
    REQUIRE(s->WaitFor(9, kLongWait));
    CHECK(s->last_position() == 9);
  }
  CHECK(by_category.positions() == std::vector<uint64_t>{1, 2, 4, 6, 8});
  CHECK(by_type.positions() == std::vector<uint64_t>{4, 6});
  CHECK(both.positions() == std::vector<uint64_t>{1, 2, 8});
}

TEST_CASE("Subscribe rejects an unknown payload type name") {
  TempDir dir;
  auto store = OpenStore(dir.path());
  SubscribeOptions options;
  options.filter.types = {"NoSuchEvent"};
  auto s = store->Subscribe(options, [](const Event&) { return Status::Ok(); });
  CHECK(s.status().code() == StatusCode::kInvalidArgument);
}

TEST_CASE("Stop returns promptly from an idle live subscription and is idempotent") {
  TempDir dir;
  auto store = OpenStore(dir.path());
  AppendNotes(*store, "call-1", 3);
  Collector got;
  auto sub = SubscribeOrDie(*store, {}, got.Handler());
  REQUIRE(sub->WaitFor(3, kLongWait));
  std::this_thread::sleep_for(50ms);
  const auto start = SteadyClock::now();
  sub->Stop();
  const auto took = SteadyClock::now() - start;
  CHECK_MESSAGE(
      took < 500ms,
      "Stop took " << std::chrono::duration_cast<std::chrono::milliseconds>(took).count() << " ms");
  sub->Stop();
  CONSENT_CHECK_OK(sub->status());
  AppendNotes(*store, "call-1", 2);
  std::this_thread::sleep_for(50ms);
  CHECK(got.positions() == Range(1, 3));
  const auto wait_start = SteadyClock::now();
  CHECK_FALSE(sub->WaitFor(5, 2s));
  CHECK(SteadyClock::now() - wait_start <
        1s);  // a stopped subscription never reaches 5: no waiting
}

TEST_CASE("Stop returns promptly during a slow catch-up and no event is delivered after it") {
  TempDir dir;
  StoreOptions store_options;
  store_options.sync = false;
  auto store = OpenStore(dir.path(), store_options);
  for (int i = 0; i < 50; ++i) AppendNotes(*store, "call-1", 100);
  std::atomic<uint64_t> calls{0};
  std::atomic<bool> stopped{false};
  std::atomic<int> after_stop{0};
  SubscribeOptions options;
  options.batch_size = 1000;
  auto sub = SubscribeOrDie(*store, options, [&](const Event&) {
    if (stopped) ++after_stop;
    ++calls;
    std::this_thread::sleep_for(1ms);
    return Status::Ok();
  });
  REQUIRE(sub->WaitFor(20, kLongWait));
  const auto start = SteadyClock::now();
  sub->Stop();
  stopped = true;
  const auto took = SteadyClock::now() - start;
  CHECK_MESSAGE(
      took < 500ms,
      "Stop took " << std::chrono::duration_cast<std::chrono::milliseconds>(took).count() << " ms");
  const uint64_t at_stop = calls.load();
  std::this_thread::sleep_for(50ms);
  CHECK(calls.load() == at_stop);
  CHECK(after_stop.load() == 0);
  CHECK(at_stop < 5000);
  CHECK_FALSE(sub->is_live());
  CONSENT_CHECK_OK(sub->status());
}

TEST_CASE("Destroying a subscription stops delivery") {
  TempDir dir;
  auto store = OpenStore(dir.path());
  AppendNotes(*store, "call-1", 2);
  auto got = std::make_shared<Collector>();
  auto sub = SubscribeOrDie(*store, {}, got->Handler());
  REQUIRE(sub->WaitFor(2, kLongWait));
  sub.reset();
  AppendNotes(*store, "call-1", 3);
  std::this_thread::sleep_for(50ms);
  CHECK(got->positions() == Range(1, 2));
}

TEST_CASE("A handler returning an error stops the subscription with that status") {
  TempDir dir;
  auto store = OpenStore(dir.path());
  AppendNotes(*store, "call-1", 10);
  std::atomic<int> calls{0};
  std::atomic<uint64_t> last_seen{0};
  auto sub = SubscribeOrDie(*store, {}, [&](const Event& e) {
    ++calls;
    last_seen = e.position();
    if (e.position() == 4) {
      ErrorContext ctx;
      ctx.rule_id = "LC-TEST-1";
      ctx.position = 4;
      return FailedPreconditionError("projection says no at 4", ctx);
    }
    return Status::Ok();
  });
  const auto start = SteadyClock::now();
  CHECK_FALSE(sub->WaitFor(10, kLongWait));
  CHECK(SteadyClock::now() - start < 5s);  // returns when the subscription ends, not at the timeout
  CHECK(sub->status().code() == StatusCode::kFailedPrecondition);
  CHECK(sub->status().message().find("projection says no at 4") != std::string::npos);
  CHECK(sub->status().context().rule_id == "LC-TEST-1");
  CHECK(sub->status().context().position == std::optional<uint64_t>(4));
  CHECK(calls.load() == 4);
  CHECK(last_seen.load() == 4);
  CHECK(sub->last_position() < 10);
  AppendNotes(*store, "call-1", 2);
  std::this_thread::sleep_for(50ms);
  CHECK(calls.load() == 4);
  sub->Stop();  // still safe after the subscription ended by itself
  CHECK(sub->status().code() == StatusCode::kFailedPrecondition);
}

TEST_CASE("A handler error during live delivery stops the subscription with that status") {
  TempDir dir;
  auto store = OpenStore(dir.path());
  AppendNotes(*store, "call-1", 2);
  std::atomic<int> calls{0};
  auto sub = SubscribeOrDie(*store, {}, [&](const Event& e) {
    ++calls;
    if (e.stream_id() == "poison-1") return InvalidArgumentError("cannot fold poison");
    return Status::Ok();
  });
  REQUIRE(sub->WaitFor(2, kLongWait));
  AppendNotes(*store, "poison-1", 1);  // 3
  AppendNotes(*store, "call-1", 1);    // 4
  CHECK_FALSE(sub->WaitFor(4, kLongWait));
  CHECK(sub->status().code() == StatusCode::kInvalidArgument);
  CHECK(calls.load() == 3);
}

TEST_CASE("WaitFor times out for a position not yet committed and succeeds once it is") {
  TempDir dir;
  auto store = OpenStore(dir.path());
  AppendNotes(*store, "call-1", 2);
  Collector got;
  auto sub = SubscribeOrDie(*store, {}, got.Handler());
  REQUIRE(sub->WaitFor(2, kLongWait));
  const auto start = SteadyClock::now();
  CHECK_FALSE(sub->WaitFor(3, 200ms));
  const auto took = SteadyClock::now() - start;
  CHECK(took >= 150ms);
  CHECK(took < 2s);
  CHECK(sub->WaitFor(1, 0ms));  // already processed: true at once

  std::thread later([&] {
    std::this_thread::sleep_for(100ms);
    AppendNotes(*store, "call-1", 1);
  });
  CHECK(sub->WaitFor(3, kLongWait));
  later.join();
  CHECK(got.positions() == Range(1, 3));
}

}  // namespace
}  // namespace consent::testing
