// SPDX-License-Identifier: Apache-2.0
// Shared helpers for the C++ test suite.
#ifndef CONSENT_TESTS_TEST_UTIL_H_
#define CONSENT_TESTS_TEST_UTIL_H_

#include <doctest/doctest.h>

#include <filesystem>
#include <random>
#include <string>

#include "consent/event_store.h"

namespace consent::testing {

// A fresh directory under the system temp dir, removed on destruction.
class TempDir {
 public:
  TempDir() {
    std::random_device rd;
    path_ = std::filesystem::temp_directory_path() /
            ("consent-test-" + std::to_string(rd()) + "-" + std::to_string(rd()));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string path() const { return path_.string(); }
  std::string sub(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// A valid event with a fresh id and an AnnotationAdded payload.
inline Event MakeEvent(const std::string& text = "note") {
  Event e;
  e.set_event_id(NewEventId());
  *e.mutable_occur_time() = ToTimestamp(std::chrono::system_clock::now());
  e.mutable_annotation_added()->set_text(text);
  return e;
}

// Opens a store or fails the test.
inline std::unique_ptr<EventStore> OpenStore(const std::string& path, StoreOptions options = {}) {
  auto s = EventStore::Open(options, path);
  REQUIRE_MESSAGE(s.ok(), s.status().ToString());
  return std::move(s).value();
}

}  // namespace consent::testing

#endif  // CONSENT_TESTS_TEST_UTIL_H_
