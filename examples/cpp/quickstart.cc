// SPDX-License-Identifier: Apache-2.0
// Quickstart: open an embedded store, append to a stream, read it back, verify the chain.
//
//   quickstart [PATH]     (default ./consent-data)
#include <cstdio>
#include <string>

#include "consent/event_store.h"

int main(int argc, char** argv) {
  const std::string path = argc > 1 ? argv[1] : "./consent-data";
  auto opened = consent::EventStore::Open({}, path);
  if (!opened.ok()) {
    std::fprintf(stderr, "%s\n", opened.status().ToString().c_str());
    return 1;
  }
  consent::EventStore& store = **opened;

  // Every event needs a unique id, the time the fact happened, and a payload.
  consent::Event note;
  note.set_event_id(consent::NewEventId());
  *note.mutable_occur_time() = consent::ToTimestamp(std::chrono::system_clock::now());
  note.mutable_annotation_added()->set_text("quickstart ran");
  note.mutable_actor()->set_principal_ref("svc-quickstart");

  auto appended = store.Append("note-quickstart", consent::kAnyRevision, {note});
  if (!appended.ok()) {
    std::fprintf(stderr, "%s\n", appended.status().ToString().c_str());
    return 1;
  }
  std::printf("appended at position %llu (stream revision %lld)\n",
              static_cast<unsigned long long>(appended->last_position),
              static_cast<long long>(appended->next_expected_revision));

  // Retrying the same append is idempotent: same position, nothing written.
  auto retried = store.Append("note-quickstart", consent::kAnyRevision, {note});
  if (!retried.ok() || !retried->deduplicated || retried->last_position != appended->last_position) {
    std::fprintf(stderr, "retry was not idempotent\n");
    return 1;
  }

  auto events = store.ReadStream("note-quickstart");
  if (!events.ok()) {
    std::fprintf(stderr, "%s\n", events.status().ToString().c_str());
    return 1;
  }
  for (const consent::Event& e : *events) {
    std::printf("  #%llu rev %llu %s: %s\n", static_cast<unsigned long long>(e.position()),
                static_cast<unsigned long long>(e.stream_revision()),
                std::string(consent::PayloadTypeName(e)).c_str(), e.annotation_added().text().c_str());
  }

  auto verified = store.Verify();
  if (!verified.ok()) {
    std::fprintf(stderr, "%s\n", verified.status().ToString().c_str());
    return 1;
  }
  std::printf("verified %llu events, chain head %s\n",
              static_cast<unsigned long long>(verified->events_checked), verified->chain_hash_hex.c_str());
  return 0;
}
