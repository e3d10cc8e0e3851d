// SPDX-License-Identifier: Apache-2.0
// IntegratorEvent: the integrator's own events are stored, chained, verified and filtered by
// their type like any other event, and the compliance rules never read them.
#include <doctest/doctest.h>

#include <chrono>
#include <mutex>
#include <string>
#include <vector>

#include "consent/compliance.h"
#include "consent/event_store.h"
#include "store_test_helpers.h"

namespace consent::testing {
namespace {

Event MakeIntegratorEvent(const std::string& type, const std::string& data) {
  Event e;
  e.set_event_id(NewEventId());
  *e.mutable_occur_time() = ToTimestamp(std::chrono::system_clock::now());
  e.mutable_integrator_event()->set_type(type);
  e.mutable_integrator_event()->set_content_type("application/json");
  e.mutable_integrator_event()->set_data(data);
  return e;
}

std::vector<uint64_t> Positions(const std::vector<Event>& events) {
  std::vector<uint64_t> out;
  for (const Event& e : events) out.push_back(e.position());
  return out;
}

std::vector<uint64_t> ReadIntegratorTypes(const EventStore& store, std::vector<std::string> types) {
  ReadAllOptions o;
  o.filter.integrator_types = std::move(types);
  auto events = store.ReadAll(o);
  REQUIRE_MESSAGE(events.ok(), events.status().ToString());
  return Positions(*events);
}

TEST_CASE("Integrator events are read back filtered by the integrator's own type") {
  TempDir dir;
  auto store = OpenStore(dir.path());
  CONSENT_REQUIRE_OK(store->Append("order-1", kNoStream,
                                   {MakeIntegratorEvent("order.Placed", R"({"total":12})"),
                                    MakeIntegratorEvent("order.Paid", "{}")}));
  CONSENT_REQUIRE_OK(store->Append("note-1", kNoStream, {MakeNote("not an integrator event")}));

  CHECK(ReadIntegratorTypes(*store, {"order.Placed"}) == std::vector<uint64_t>{1});
  CHECK(ReadIntegratorTypes(*store, {"order.Paid", "order.Placed"}) == std::vector<uint64_t>{1, 2});
  CHECK(ReadIntegratorTypes(*store, {"order.Shipped"}).empty());
  CHECK(ReadIntegratorTypes(*store, {}) == std::vector<uint64_t>{1, 2, 3});

  auto first = store->ReadEvent(1);
  CONSENT_REQUIRE_OK(first);
  CHECK(first->integrator_event().data() == R"({"total":12})");
  auto verified = store->Verify();
  CONSENT_REQUIRE_OK(verified);
  CHECK(verified->events_checked == 3);
}

TEST_CASE("A subscription delivers only the integrator types it asked for") {
  TempDir dir;
  auto store = OpenStore(dir.path());
  CONSENT_REQUIRE_OK(store->Append("order-1", kNoStream,
                                   {MakeIntegratorEvent("order.Placed", "1"), MakeNote("n"),
                                    MakeIntegratorEvent("order.Paid", "2")}));
  std::mutex mu;
  std::vector<std::string> got;
  SubscribeOptions o;
  o.filter.integrator_types = {"order.Paid"};
  auto sub = store->Subscribe(o, [&](const Event& e) {
    std::lock_guard<std::mutex> lock(mu);
    got.push_back(e.integrator_event().data());
    return Status();
  });
  CONSENT_REQUIRE_OK(sub);
  CONSENT_REQUIRE_OK(store->Append("order-2", kNoStream, {MakeIntegratorEvent("order.Paid", "3")}));
  REQUIRE((*sub)->WaitFor(4, std::chrono::seconds(10)));
  (*sub)->Stop();
  std::lock_guard<std::mutex> lock(mu);
  CHECK(got == std::vector<std::string>{"2", "3"});
}

TEST_CASE("An integrator event without a type is refused and nothing is written") {
  TempDir dir;
  auto store = OpenStore(dir.path());
  auto r = store->Append("order-1", kNoStream, {MakeIntegratorEvent("", "{}")});
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == StatusCode::kInvalidArgument);
  CHECK(r.status().context().field == "integrator_event.type");
  CHECK(r.status().message().find("order-1") != std::string::npos);
  CHECK(store->HeadPosition() == 0);
}

TEST_CASE("The compliance projections fold integrator events without judging them") {
  TempDir dir;
  auto store = OpenStore(dir.path());
  CONSENT_REQUIRE_OK(store->Append("call-c-1", kNoStream, {MakeIntegratorEvent("crm.TicketOpened", "{}")}));
  auto compliance = Compliance::Open(store.get());
  CONSENT_REQUIRE_OK(compliance);
  auto folded = (*compliance)->CatchUp();
  CONSENT_REQUIRE_OK(folded);
  CHECK(*folded == 1);
  size_t calls = 0;
  (*compliance)->calls().ForEach((*compliance)->Now(), [&](const CallVerdicts&) {
    ++calls;
    return true;
  });
  CHECK(calls == 0);
}

}  // namespace
}  // namespace consent::testing
