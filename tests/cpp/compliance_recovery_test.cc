// SPDX-License-Identifier: Apache-2.0
// Persisted compliance state is checked against the log at open: a checkpoint past the head,
// rewound, deleted or malformed is detected, said, and the state refolded from position 1.
#include <doctest/doctest.h>

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "consent/compliance.h"
#include "consent/event_store.h"
#include "consent/simulator.h"
#include "store_test_helpers.h"
#include "test_util.h"

namespace consent::testing {
namespace {

using internal::kCheckpointsCf;
using internal::PositionKey;

constexpr const char* kProjection = "compliance";

// A store with one simulated day folded into persisted compliance state, then more calls
// appended after the checkpoint.
struct FoldedStore {
  TempDir dir;
  uint64_t checkpoint = 0;
  uint64_t head = 0;

  FoldedStore() {
    auto store = OpenStore(dir.path());
    SimulationOptions day;
    day.calls = 30;
    day.agents = 12;
    CONSENT_REQUIRE_OK(SimulateDay(store.get(), day));
    {
      auto compliance = Compliance::Open(store.get());
      CONSENT_REQUIRE_OK(compliance);
      CONSENT_REQUIRE_OK((*compliance)->CatchUp());
      checkpoint = (*compliance)->position();
    }
    day.seed = 7;
    CONSENT_REQUIRE_OK(SimulateDay(store.get(), day));
    head = store->HeadPosition();
    REQUIRE(head > checkpoint);
  }
};

// What a fresh fold of the whole log gives.
std::vector<std::pair<std::string, std::string>> FreshState(EventStore* store) {
  ComplianceOptions options;
  options.persist = false;
  auto compliance = Compliance::Open(store, options);
  REQUIRE_MESSAGE(compliance.ok(), compliance.status().ToString());
  CONSENT_REQUIRE_OK((*compliance)->CatchUp());
  return (*compliance)->DumpState();
}

void ExpectRecovered(const std::string& path, const std::string& expected_words) {
  auto store = OpenStore(path);
  const auto expected = FreshState(store.get());
  auto compliance = Compliance::Open(store.get());
  REQUIRE_MESSAGE(compliance.ok(), compliance.status().ToString());
  const std::optional<std::string> recovery = (*compliance)->recovery();
  REQUIRE(recovery.has_value());
  CHECK_MESSAGE(recovery->find(expected_words) != std::string::npos, *recovery);
  CHECK((*compliance)->position() == 0);
  auto folded = (*compliance)->CatchUp();
  CONSENT_REQUIRE_OK(folded);
  CHECK(*folded == store->HeadPosition());
  CHECK((*compliance)->DumpState() == expected);
  // The refolded state was persisted with a good checkpoint: the next open trusts it.
  compliance->reset();
  auto again = Compliance::Open(store.get());
  CONSENT_REQUIRE_OK(again);
  CHECK_FALSE((*again)->recovery().has_value());
  CHECK((*again)->position() == store->HeadPosition());
}

TEST_CASE("Compliance state whose checkpoint matches the log is used as stored") {
  FoldedStore f;
  auto store = OpenStore(f.dir.path());
  auto compliance = Compliance::Open(store.get());
  CONSENT_REQUIRE_OK(compliance);
  CHECK_FALSE((*compliance)->recovery().has_value());
  CHECK((*compliance)->position() == f.checkpoint);
  CONSENT_REQUIRE_OK((*compliance)->CatchUp());
  CHECK((*compliance)->DumpState() == FreshState(store.get()));
}

TEST_CASE("A compliance checkpoint set past the head is detected and the state refolded") {
  FoldedStore f;
  {
    RawDb raw(f.dir.path());
    auto v = raw.Get(kCheckpointsCf, kProjection);
    REQUIRE(v.has_value());
    raw.Put(kCheckpointsCf, kProjection, PositionKey(f.head + 833) + v->substr(8));
  }
  ExpectRecovered(f.dir.path(), "past the head");
}

TEST_CASE("A rewound compliance checkpoint is detected and the state refolded") {
  FoldedStore f;
  {
    RawDb raw(f.dir.path());
    auto v = raw.Get(kCheckpointsCf, kProjection);
    REQUIRE(v.has_value());
    raw.Put(kCheckpointsCf, kProjection, PositionKey(f.checkpoint / 2) + v->substr(8));
  }
  ExpectRecovered(f.dir.path(), "does not match");
}

TEST_CASE("A deleted compliance checkpoint is detected and the state refolded") {
  FoldedStore f;
  {
    RawDb raw(f.dir.path());
    raw.Delete(kCheckpointsCf, kProjection);
  }
  ExpectRecovered(f.dir.path(), "no checkpoint");
}

TEST_CASE("A 3-byte compliance checkpoint is detected and the state refolded") {
  FoldedStore f;
  {
    RawDb raw(f.dir.path());
    raw.Put(kCheckpointsCf, kProjection, std::string("\x01\x02\x03", 3));
  }
  ExpectRecovered(f.dir.path(), "malformed");
}

TEST_CASE("CheckedProjectionCheckpoint returns a checkpoint that matches the log") {
  TempDir dir;
  auto store = OpenStore(dir.path());
  CONSENT_REQUIRE_OK(store->Append("call-1", kNoStream, MakeNotes(3)));
  ProjectionBatch batch;
  batch.SetCheckpoint(2);
  CONSENT_REQUIRE_OK(store->CommitProjection("p", batch));
  auto checked = store->CheckedProjectionCheckpoint("p");
  CONSENT_REQUIRE_OK(checked);
  CHECK(*checked == 2);
  CHECK(store->CheckedProjectionCheckpoint("other").status().code() == StatusCode::kNotFound);
}

}  // namespace
}  // namespace consent::testing
