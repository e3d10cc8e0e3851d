// SPDX-License-Identifier: Apache-2.0
// Built against the installed libconsent: opens a store, appends, reads, verifies.
#include <consent/event_store.h>

#include <cstdio>

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  auto store = consent::EventStore::Open({}, argv[1]);
  if (!store.ok()) {
    std::fprintf(stderr, "%s\n", store.status().ToString().c_str());
    return 1;
  }
  consent::Event e;
  e.set_event_id(consent::NewEventId());
  *e.mutable_occur_time() = consent::ToTimestamp(std::chrono::system_clock::now());
  e.mutable_annotation_added()->set_text("from the consumer project");
  auto r = (*store)->Append("note-consumer", consent::kNoStream, {e});
  if (!r.ok()) {
    std::fprintf(stderr, "%s\n", r.status().ToString().c_str());
    return 1;
  }
  auto v = (*store)->Verify();
  if (!v.ok() || v->events_checked != 1) return 1;
  std::printf("consumer ok: position %llu\n", static_cast<unsigned long long>(r->last_position));
  return 0;
}
