// SPDX-License-Identifier: Apache-2.0
// Projection state: CommitProjection, GetProjectionValue, ScanProjection, ProjectionCheckpoint.
#include <doctest/doctest.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "consent/event_store.h"
#include "store_test_helpers.h"
#include "test_util.h"

namespace consent::testing {
namespace {

using Pairs = std::vector<std::pair<std::string, std::string>>;

Pairs Scan(const EventStore& store, std::string_view projection, std::string_view prefix = "") {
  Pairs out;
  Status s = store.ScanProjection(projection, prefix, [&](std::string_view k, std::string_view v) {
    out.emplace_back(std::string(k), std::string(v));
    return true;
  });
  REQUIRE_MESSAGE(s.ok(), s.ToString());
  return out;
}

std::optional<std::string> Get(const EventStore& store, std::string_view projection,
                               std::string_view key) {
  auto r = store.GetProjectionValue(projection, key);
  REQUIRE_MESSAGE(r.ok(), r.status().ToString());
  return *r;
}

uint64_t Checkpoint(const EventStore& store, std::string_view projection) {
  auto r = store.ProjectionCheckpoint(projection);
  REQUIRE_MESSAGE(r.ok(), r.status().ToString());
  return *r;
}

TEST_CASE("A new projection has checkpoint 0 and no state") {
  TempDir dir;
  auto store = OpenStore(dir.path());
  CHECK(Checkpoint(*store, "gate") == 0);
  CHECK(Get(*store, "gate", "call-1") == std::nullopt);
  CHECK(Scan(*store, "gate").empty());
}

TEST_CASE("CommitProjection writes values and the checkpoint together") {
  TempDir dir;
  auto store = OpenStore(dir.path());
  ProjectionBatch batch;
  batch.Put("call-1", "allow");
  batch.Put("call-2", "deny");
  batch.SetCheckpoint(42);
  CHECK(batch.size() == 2);
  CHECK_FALSE(batch.empty());
  CONSENT_REQUIRE_OK(store->CommitProjection("gate", batch));
  CHECK(Get(*store, "gate", "call-1") == std::optional<std::string>("allow"));
  CHECK(Get(*store, "gate", "call-2") == std::optional<std::string>("deny"));
  CHECK(Get(*store, "gate", "call-3") == std::nullopt);
  CHECK(Checkpoint(*store, "gate") == 42);
}

TEST_CASE("Later commits overwrite and delete values, and keep the checkpoint unless set") {
  TempDir dir;
  auto store = OpenStore(dir.path());
  ProjectionBatch first;
  first.Put("a", "1");
  first.Put("b", "2");
  first.Put("c", "3");
  first.SetCheckpoint(10);
  CONSENT_REQUIRE_OK(store->CommitProjection("p", first));

  ProjectionBatch second;
  second.Put("a", "1bis");
  second.Delete("b");
  second.Delete("never-there");
  CONSENT_REQUIRE_OK(store->CommitProjection("p", second));
  CHECK(Scan(*store, "p") == Pairs{{"a", "1bis"}, {"c", "3"}});
  CHECK(Checkpoint(*store, "p") == 10);

  ProjectionBatch third;
  third.SetCheckpoint(25);
  CHECK_FALSE(third.empty());
  CONSENT_REQUIRE_OK(store->CommitProjection("p", third));
  CHECK(Checkpoint(*store, "p") == 25);
  CHECK(Scan(*store, "p") == Pairs{{"a", "1bis"}, {"c", "3"}});
}

TEST_CASE("Operations in one batch apply in order") {
  TempDir dir;
  auto store = OpenStore(dir.path());
  ProjectionBatch batch;
  batch.Put("k1", "v1");
  batch.Delete("k1");
  batch.Delete("k2");
  batch.Put("k2", "v2");
  batch.Put("k3", "old");
  batch.Put("k3", "new");
  CONSENT_REQUIRE_OK(store->CommitProjection("p", batch));
  CHECK(Get(*store, "p", "k1") == std::nullopt);
  CHECK(Get(*store, "p", "k2") == std::optional<std::string>("v2"));
  CHECK(Get(*store, "p", "k3") == std::optional<std::string>("new"));
}

TEST_CASE("An empty batch commits nothing") {
  TempDir dir;
  auto store = OpenStore(dir.path());
  ProjectionBatch batch;
  batch.Put("a", "1");
  batch.SetCheckpoint(3);
  CONSENT_REQUIRE_OK(store->CommitProjection("p", batch));
  ProjectionBatch empty;
  CHECK(empty.empty());
  CONSENT_REQUIRE_OK(store->CommitProjection("p", empty));
  CHECK(Checkpoint(*store, "p") == 3);
  CHECK(Scan(*store, "p") == Pairs{{"a", "1"}});
}

TEST_CASE("ScanProjection visits keys with a prefix in key order and stops on request") {
  TempDir dir;
  auto store = OpenStore(dir.path());
  ProjectionBatch batch;
  for (const char* k : {"call/2", "agent/1", "call/10", "call/1", "call", "callx/1", "call/3"}) {
    batch.Put(k, std::string("v-") + k);
  }
  CONSENT_REQUIRE_OK(store->CommitProjection("p", batch));
  CHECK(Scan(*store, "p", "call/") == Pairs{{"call/1", "v-call/1"},
                                            {"call/10", "v-call/10"},
                                            {"call/2", "v-call/2"},
                                            {"call/3", "v-call/3"}});
  CHECK(Scan(*store, "p", "agent/") == Pairs{{"agent/1", "v-agent/1"}});
  CHECK(Scan(*store, "p", "zzz").empty());
  const auto all = Scan(*store, "p");
  REQUIRE(all.size() == 7);
  for (size_t i = 1; i < all.size(); ++i) CHECK(all[i - 1].first < all[i].first);
  CHECK(Scan(*store, "p", "call").size() == 6);

  std::vector<std::string> seen;
  CONSENT_REQUIRE_OK(store->ScanProjection("p", "call/", [&](std::string_view k, std::string_view) {
    seen.emplace_back(k);
    return seen.size() < 2;
  }));
  CHECK(seen == std::vector<std::string>{"call/1", "call/10"});
}

TEST_CASE("Projection keys and values may hold any bytes, including NUL and 0xFF") {
  TempDir dir;
  auto store = OpenStore(dir.path());
  const std::string k1("a\0b", 3);
  const std::string k2("a\xFF", 2);
  const std::string k3("a", 1);
  const std::string v1("\0\0\x01", 3);
  const std::string v2("\xFF\xFE", 2);
  ProjectionBatch batch;
  batch.Put(k1, v1);
  batch.Put(k2, v2);
  batch.Put(k3, "");
  CONSENT_REQUIRE_OK(store->CommitProjection("p", batch));
  CHECK(Get(*store, "p", k1) == std::optional<std::string>(v1));
  CHECK(Get(*store, "p", k2) == std::optional<std::string>(v2));
  CHECK(Get(*store, "p", k3) == std::optional<std::string>(""));  // empty value != absent
  CHECK(Get(*store, "p", "a\xFF\xFF") == std::nullopt);
  CHECK(Scan(*store, "p", std::string("a\0", 2)) == Pairs{{k1, v1}});
  CHECK(Scan(*store, "p", "a\xFF") == Pairs{{k2, v2}});
  CHECK(Scan(*store, "p", "a") == Pairs{{k3, ""}, {k1, v1}, {k2, v2}});
}

TEST_CASE("ClearAll removes a projection's state and checkpoint before applying the batch") {
  TempDir dir;
  auto store = OpenStore(dir.path());
  ProjectionBatch fill;
  for (int i = 0; i < 50; ++i) fill.Put("key-" + std::to_string(i), "v");
  fill.SetCheckpoint(50);
  CONSENT_REQUIRE_OK(store->CommitProjection("p", fill));

  SUBCASE("alone") {
    ProjectionBatch clear;
    clear.ClearAll();
    CHECK_FALSE(clear.empty());
    CONSENT_REQUIRE_OK(store->CommitProjection("p", clear));
    CHECK(Scan(*store, "p").empty());
    CHECK(Checkpoint(*store, "p") == 0);
  }
  SUBCASE("with new state and checkpoint, as a rebuild does") {
    ProjectionBatch rebuild;
    rebuild.Put("key-1", "rebuilt");
    rebuild.Put("fresh", "x");
    rebuild.SetCheckpoint(7);
    rebuild.ClearAll();  // order of the call does not matter: clearing happens first
    CONSENT_REQUIRE_OK(store->CommitProjection("p", rebuild));
    CHECK(Scan(*store, "p") == Pairs{{"fresh", "x"}, {"key-1", "rebuilt"}});
    CHECK(Checkpoint(*store, "p") == 7);
  }
}

TEST_CASE("Projections are isolated from each other, even when one name prefixes another") {
  TempDir dir;
  auto store = OpenStore(dir.path());
  ProjectionBatch a;
  a.Put("k", "from-gate");
  a.Put("only-gate", "1");
  a.SetCheckpoint(5);
  CONSENT_REQUIRE_OK(store->CommitProjection("gate", a));
  ProjectionBatch b;
  b.Put("k", "from-gate2");
  b.SetCheckpoint(9);
  CONSENT_REQUIRE_OK(store->CommitProjection("gate2", b));
  ProjectionBatch c;
  c.Put("x", "from-ga");
  c.SetCheckpoint(1);
  CONSENT_REQUIRE_OK(store->CommitProjection("ga", c));

  CHECK(Get(*store, "gate", "k") == std::optional<std::string>("from-gate"));
  CHECK(Get(*store, "gate2", "k") == std::optional<std::string>("from-gate2"));
  CHECK(Get(*store, "gate2", "only-gate") == std::nullopt);
  CHECK(Scan(*store, "gate") == Pairs{{"k", "from-gate"}, {"only-gate", "1"}});
  CHECK(Scan(*store, "gate2") == Pairs{{"k", "from-gate2"}});
  CHECK(Scan(*store, "ga") == Pairs{{"x", "from-ga"}});
  CHECK(Checkpoint(*store, "gate") == 5);
  CHECK(Checkpoint(*store, "gate2") == 9);
  CHECK(Checkpoint(*store, "ga") == 1);
  CHECK(Checkpoint(*store, "gat") == 0);

  ProjectionBatch clear;
  clear.ClearAll();
  CONSENT_REQUIRE_OK(store->CommitProjection("gate", clear));
  CHECK(Scan(*store, "gate").empty());
  CHECK(Checkpoint(*store, "gate") == 0);
  CHECK(Scan(*store, "gate2") == Pairs{{"k", "from-gate2"}});
  CHECK(Checkpoint(*store, "gate2") == 9);
  CHECK(Scan(*store, "ga") == Pairs{{"x", "from-ga"}});
  CHECK(Checkpoint(*store, "ga") == 1);
}

TEST_CASE("Projection state and checkpoints survive reopening the store") {
  TempDir dir;
  {
    auto store = OpenStore(dir.path());
    ProjectionBatch batch;
    batch.Put("call-1", "allow");
    batch.Put("call-2", "deny");
    batch.SetCheckpoint(123);
    CONSENT_REQUIRE_OK(store->CommitProjection("gate", batch));
    ProjectionBatch other;
    other.Put("agent-1", "informed");
    other.SetCheckpoint(7);
    CONSENT_REQUIRE_OK(store->CommitProjection("ledger", other, AppendOptions{.sync = false}));
    ProjectionBatch del;
    del.Delete("call-2");
    CONSENT_REQUIRE_OK(store->CommitProjection("gate", del));
  }
  auto store = OpenStore(dir.path());
  CHECK(Scan(*store, "gate") == Pairs{{"call-1", "allow"}});
  CHECK(Checkpoint(*store, "gate") == 123);
  CHECK(Scan(*store, "ledger") == Pairs{{"agent-1", "informed"}});
  CHECK(Checkpoint(*store, "ledger") == 7);
}

TEST_CASE("Projection state does not touch the event log") {
  TempDir dir;
  auto store = OpenStore(dir.path());
  CONSENT_REQUIRE_OK(store->Append("call-1", kNoStream, MakeNotes(3)));
  const auto before = TakeSnapshot(*store);
  ProjectionBatch batch;
  batch.Put("call-1", "allow");
  batch.SetCheckpoint(3);
  CONSENT_REQUIRE_OK(store->CommitProjection("gate", batch));
  CHECK(TakeSnapshot(*store) == before);
  auto v = store->Verify();
  REQUIRE_MESSAGE(v.ok(), v.status().ToString());
  CHECK(v->events_checked == 3);
}

TEST_CASE("Projection names must be non-empty and free of NUL") {
  TempDir dir;
  auto store = OpenStore(dir.path());
  ProjectionBatch batch;
  batch.Put("k", "v");
  batch.SetCheckpoint(1);
  for (const std::string& bad : {std::string(""), std::string("ga\0te", 5)}) {
    CAPTURE(bad.size());
    CHECK(store->CommitProjection(bad, batch).code() == StatusCode::kInvalidArgument);
    CHECK(store->ProjectionCheckpoint(bad).status().code() == StatusCode::kInvalidArgument);
    CHECK(store->GetProjectionValue(bad, "k").status().code() == StatusCode::kInvalidArgument);
    CHECK(store->ScanProjection(bad, "", [](std::string_view, std::string_view) { return true; })
              .code() == StatusCode::kInvalidArgument);
  }
  // The rejected commit with "ga\0te" must not have landed under "ga" with key "te\0k".
  CHECK(Scan(*store, "ga").empty());
  CHECK(Checkpoint(*store, "ga") == 0);
}

TEST_CASE("ClearAll of a large projection removes every key") {
  TempDir dir;
  auto store = OpenStore(dir.path());
  for (int round = 0; round < 4; ++round) {
    ProjectionBatch batch;
    for (int i = 0; i < 2500; ++i) {
      batch.Put("k" + std::to_string(round) + "-" + std::to_string(i), std::string(100, 'v'));
    }
    CONSENT_REQUIRE_OK(store->CommitProjection("big", batch));
  }
  CONSENT_REQUIRE_OK(store->CompactAll());
  CHECK(Scan(*store, "big").size() == 10000);
  ProjectionBatch clear;
  clear.ClearAll();
  clear.Put("after", "1");
  CONSENT_REQUIRE_OK(store->CommitProjection("big", clear));
  CHECK(Scan(*store, "big") == Pairs{{"after", "1"}});
}

}  // namespace
}  // namespace consent::testing
