// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: one binary consent.v1.Event recorded through Ledger::Record into a store
// that lives for the whole run (so inputs build on each other, as a log does), then folded by
// an in-memory Compliance engine and judged (call verdicts, agent summary, purge plan).
//
// Oracle besides the sanitizers: folding what the Ledger accepted never fails.

#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include <google/protobuf/stubs/logging.h>

#include "consent/compliance.h"
#include "consent/event_store.h"
#include "consent/ledger.h"
#include "consent/retention.h"

namespace {

struct World {
  std::string path;
  std::unique_ptr<consent::EventStore> store;
  std::unique_ptr<consent::Ledger> ledger;
  std::unique_ptr<consent::Compliance> compliance;
};

World* world = nullptr;

void DestroyWorld() {
  if (world == nullptr) return;
  world->compliance.reset();
  world->ledger.reset();
  world->store.reset();
  std::error_code ignored;
  std::filesystem::remove_all(world->path, ignored);
  delete world;
  world = nullptr;
}

World& GetWorld() {
  if (world != nullptr) return *world;
  world = new World();
  std::string tmpl = (std::filesystem::temp_directory_path() / "consent-fuzz-XXXXXX").string();
  if (::mkdtemp(tmpl.data()) == nullptr) std::abort();
  world->path = tmpl;
  consent::StoreOptions options;
  options.sync = false;
  auto store = consent::EventStore::Open(options, world->path + "/store");
  if (!store.ok()) std::abort();
  world->store = std::move(store).value();
  auto ledger = consent::Ledger::Create(world->store.get());
  if (!ledger.ok()) std::abort();
  world->ledger = std::move(ledger).value();
  consent::ComplianceOptions co;
  co.persist = false;
  co.clock = [] {  // a fixed "now": the same input gives the same verdicts
    return std::chrono::system_clock::time_point(std::chrono::seconds(1772442000));
  };
  auto compliance = consent::Compliance::Open(world->store.get(), co);
  if (!compliance.ok()) std::abort();
  world->compliance = std::move(compliance).value();
  std::atexit(DestroyWorld);
  return *world;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // Mutated strings are mostly invalid UTF-8, which protobuf logs on every refused parse.
  static const bool quiet = [] {
    google::protobuf::SetLogHandler(nullptr);
    return true;
  }();
  (void)quiet;
  consent::Event event;
  if (!event.ParseFromArray(data, static_cast<int>(size))) return 0;
  World& w = GetWorld();
  auto recorded = w.ledger->Record(event, /*sync=*/false);
  if (!recorded.ok() || recorded->deduplicated) return 0;
  if (!w.compliance->CatchUp().ok()) std::abort();
  const std::string& stream = recorded->stream;
  if (stream.starts_with("call-")) (void)w.compliance->calls().Evaluate(stream.substr(5));
  if (stream.starts_with("agent-")) (void)w.compliance->agents().Evaluate(stream.substr(6));
  (void)w.compliance->retention().Plan(w.compliance->Now());
  return 0;
}
