// SPDX-License-Identifier: Apache-2.0
// Crash safety: a child process appends with sync=true and is SIGKILLed at a random moment;
// after every kill the reopened store holds every acknowledged event at its acknowledged
// position, no partial batch, dense positions and a valid chain.
// `make stress` runs it longer: CONSENT_STRESS_ROUNDS kills (default 40) of a child with
// CONSENT_STRESS_WRITERS appending threads (default 1).
#include <doctest/doctest.h>
#include <poll.h>
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "consent/event_store.h"
#include "store_test_helpers.h"
#include "test_util.h"

namespace consent::testing {
namespace {

using SteadyClock = std::chrono::steady_clock;

// A batch is identified by (round, index) and rebuilt identically from them, so that a later
// round can retry a batch whose fate the killed child never reported.
struct BatchId {
  int round = 0;
  int index = 0;
  friend bool operator<(const BatchId& a, const BatchId& b) {
    return a.round != b.round ? a.round < b.round : a.index < b.index;
  }
};

std::string Correlation(const BatchId& b, int size) {
  return "r" + std::to_string(b.round) + "-b" + std::to_string(b.index) + "-n" +
         std::to_string(size);
}

Event CrashEvent(const BatchId& b, int j, int size) {
  std::string id = "CRSH";
  for (uint32_t v :
       {static_cast<uint32_t>(b.round), static_cast<uint32_t>(b.index), static_cast<uint32_t>(j)}) {
    for (int shift = 24; shift >= 0; shift -= 8)
      id.push_back(static_cast<char>((v >> shift) & 0xFF));
  }
  Event e;
  e.set_event_id(id);
  e.mutable_occur_time()->set_seconds(1700000000 + b.round);
  e.mutable_occur_time()->set_nanos(b.index);
  e.set_correlation_id(Correlation(b, size));
  e.mutable_annotation_added()->set_text("crash round " + std::to_string(b.round) + " event " +
                                         std::to_string(j) + std::string(64, '.'));
  return e;
}

// Odd batches are AppendMulti over two streams (3 events), even ones a single Append of 1-3.
bool IsMulti(const BatchId& b) { return b.index % 2 == 1; }
int BatchSize(const BatchId& b) { return IsMulti(b) ? 3 : 1 + (b.index / 2) % 3; }

std::vector<Event> BatchEvents(const BatchId& b) {
  std::vector<Event> out;
  const int n = BatchSize(b);
  for (int j = 0; j < n; ++j) out.push_back(CrashEvent(b, j, n));
  return out;
}

// A positive integer from the environment, `fallback` when unset.
int FromEnvironment(const char* name, int fallback) {
  const char* v = std::getenv(name);
  const int n = v != nullptr ? std::atoi(v) : 0;
  return n > 0 ? n : fallback;
}

struct Ack {
  uint64_t first = 0;
  uint64_t last = 0;
  bool deduplicated = false;
};

// Runs in the child: appends batches until killed, from `writers` threads (thread t takes the
// indexes t, t + writers, ...) after retrying `retries`. Reports each acknowledged batch on
// `fd` after the append returned: "ACK round index first last dedup\n", in one write().
[[noreturn]] void RunChild(const std::string& path, int round,
                           const std::vector<BatchId>& retries, int writers, int fd) {
  auto say = [fd](const std::string& line) {
    if (write(fd, line.data(), line.size()) != static_cast<ssize_t>(line.size())) _exit(5);
  };
  try {
    StoreOptions options;
    options.sync = true;
    auto opened = EventStore::Open(options, path);
    if (!opened.ok()) {
      say("ERR open " + opened.status().ToString() + "\n");
      _exit(3);
    }
    auto& store = **opened;
    say("READY\n");
    auto run = [&](const BatchId& b) {
      const std::vector<Event> events = BatchEvents(b);
      uint64_t first = 0;
      uint64_t last = 0;
      bool dedup = false;
      if (IsMulti(b)) {
        std::vector<StreamAppend> req;
        req.push_back({"crash-b", kAnyRevision, {events[0], events[1]}});
        req.push_back({"crash-c-" + std::to_string(b.index % 3), kAnyRevision, {events[2]}});
        auto r = store.AppendMulti(std::move(req));
        if (!r.ok()) {
          say("ERR append " + r.status().ToString() + "\n");
          _exit(3);
        }
        first = r->first_position;
        last = r->last_position;
        dedup = r->deduplicated;
      } else {
        auto r = store.Append("crash-a", kAnyRevision, events);
        if (!r.ok()) {
          say("ERR append " + r.status().ToString() + "\n");
          _exit(3);
        }
        first = r->first_position;
        last = r->last_position;
        dedup = r->deduplicated;
      }
      say("ACK " + std::to_string(b.round) + " " + std::to_string(b.index) + " " +
          std::to_string(first) + " " + std::to_string(last) + " " + (dedup ? "1" : "0") + "\n");
    };
    for (const BatchId& b : retries) run(b);
    std::vector<std::thread> threads;
    for (int t = 1; t < writers; ++t) {
      threads.emplace_back([&run, round, t, writers] {
        for (int i = t; i < 1000000; i += writers) run(BatchId{round, i});
      });
    }
    for (int i = 0; i < 1000000; i += writers) run(BatchId{round, i});
    for (std::thread& th : threads) th.join();
  } catch (...) {
    _exit(4);
  }
  _exit(0);
}

// Reads from `fd` until EOF or `deadline`; returns false on timeout.
bool ReadAvailable(int fd, std::string* buffer, bool until_eof, const std::string& until_text,
                   SteadyClock::time_point deadline) {
  char chunk[4096];
  while (true) {
    if (!until_eof && buffer->find(until_text) != std::string::npos) return true;
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SteadyClock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd, POLLIN, 0};
    const int ready = poll(&p, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) return false;
    const ssize_t n = read(fd, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return until_eof;  // EOF
    buffer->append(chunk, static_cast<size_t>(n));
  }
}

TEST_CASE("Acknowledged appends survive SIGKILL at random moments, and no batch is partial") {
  TempDir dir;
  const std::string path = dir.sub("store");
  {
    auto store = OpenStore(path);  // create it, then close before forking
  }
  std::mt19937 rng(std::random_device{}());
  std::map<BatchId, Ack> acked;  // every acknowledgement of every round
  std::vector<BatchId> retries;
  const int kRounds = FromEnvironment("CONSENT_STRESS_ROUNDS", 40);
  const int writers = FromEnvironment("CONSENT_STRESS_WRITERS", 1);
  const auto test_start = SteadyClock::now();
  uint64_t last_head = 0;
  int rounds_with_acks = 0;
  int retried_dedup = 0;

  for (int round = 0; round < kRounds; ++round) {
    CAPTURE(round);
    int fds[2];
    REQUIRE(pipe(fds) == 0);
    std::fflush(nullptr);
    const pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      close(fds[0]);
      RunChild(path, round, retries, writers, fds[1]);
    }
    close(fds[1]);

    std::string out;
    const bool kill_during_open = round % 6 == 5;
    if (kill_during_open) {
      std::this_thread::sleep_for(
          std::chrono::milliseconds(std::uniform_int_distribution<>(0, 15)(rng)));
    } else {
      // The kill comes after this round's first acknowledgement (a loaded machine may take
      // long to get there), at a random moment of the appends that follow it.
      const bool acking = ReadAvailable(fds[0], &out, false, "ACK " + std::to_string(round) + " ",
                                        SteadyClock::now() + std::chrono::seconds(30));
      if (!acking) {
        kill(pid, SIGKILL);
        waitpid(pid, nullptr, 0);
        close(fds[0]);
        FAIL("child acknowledged no append within 30 s; output: " << out);
      }
      std::this_thread::sleep_for(
          std::chrono::milliseconds(std::uniform_int_distribution<>(3, 45)(rng)));
    }
    kill(pid, SIGKILL);
    const bool eof =
        ReadAvailable(fds[0], &out, true, "", SteadyClock::now() + std::chrono::seconds(10));
    close(fds[0]);
    int wstatus = 0;
    REQUIRE(waitpid(pid, &wstatus, 0) == pid);
    REQUIRE(eof);
    REQUIRE_MESSAGE(out.find("ERR") == std::string::npos, out);
    REQUIRE_MESSAGE((WIFSIGNALED(wstatus) && WTERMSIG(wstatus) == SIGKILL),
                    "child ended otherwise than by SIGKILL, status " << wstatus << ": " << out);

    // Parse the acknowledgements (a torn last line cannot happen: one write() per line).
    std::istringstream lines(out);
    std::string line;
    int acks_this_round = 0;
    std::set<int> acked_this_round;
    while (std::getline(lines, line)) {
      if (line.rfind("ACK ", 0) != 0) continue;
      std::istringstream f(line.substr(4));
      BatchId b;
      Ack a;
      int dedup = 0;
      f >> b.round >> b.index >> a.first >> a.last >> dedup;
      REQUIRE_MESSAGE(!f.fail(), line);
      a.deduplicated = dedup != 0;
      CHECK(a.last - a.first + 1 == static_cast<uint64_t>(BatchSize(b)));
      auto [it, inserted] = acked.emplace(b, a);
      if (!inserted) {
        // A retried batch must come back at its original positions.
        CHECK(a.deduplicated);
        CHECK(it->second.first == a.first);
        CHECK(it->second.last == a.last);
      } else if (b.round < round) {
        if (a.deduplicated) ++retried_dedup;
      } else {
        CHECK_FALSE(a.deduplicated);
      }
      if (b.round == round) {
        ++acks_this_round;
        acked_this_round.insert(b.index);
      }
    }
    if (acks_this_round > 0) ++rounds_with_acks;
    // Next round first retries the batches that were (maybe) in flight when this child died:
    // each writer's first index without an acknowledgement.
    retries.clear();
    for (int t = 0; t < writers; ++t) {
      int i = t;
      while (acked_this_round.contains(i)) i += writers;
      retries.push_back(BatchId{round, i});
    }

    // Reopen and check everything ever acknowledged.
    auto store = OpenStore(path);
    const uint64_t head = store->HeadPosition();
    CHECK(head >= last_head);
    last_head = head;
    const auto all = ReadAllOrDie(*store);
    REQUIRE(Positions(all) == Range(1, head));
    std::map<std::string, int> per_batch;
    std::set<std::string> ids;
    for (const Event& e : all) {
      ++per_batch[e.correlation_id()];
      CHECK_MESSAGE(ids.insert(e.event_id()).second, "event stored twice at " << e.position());
    }
    for (const auto& [corr, n] : per_batch) {
      const int expected = std::stoi(corr.substr(corr.rfind("-n") + 2));
      CHECK_MESSAGE(n == expected, "partial batch " << corr << ": " << n << " of " << expected);
    }
    for (const auto& [b, a] : acked) {
      const std::vector<Event> events = BatchEvents(b);
      for (size_t j = 0; j < events.size(); ++j) {
        const uint64_t p = a.first + j;
        REQUIRE_MESSAGE(p <= all.size(),
                        "acknowledged position " << p << " lost (head " << head << ")");
        CHECK_MESSAGE(all[p - 1].event_id() == events[j].event_id(),
                      "acknowledged batch r" << b.round << "-b" << b.index << " not at " << p);
      }
    }
    for (const char* s : {"crash-a", "crash-b", "crash-c-0", "crash-c-1", "crash-c-2"}) {
      auto events = store->ReadStream(s);
      if (events.status().code() == StatusCode::kNotFound) continue;
      REQUIRE_MESSAGE(events.ok(), events.status().ToString());
      CHECK(Revisions(*events) == RevRange(0, static_cast<int64_t>(events->size()) - 1));
    }
    auto v = store->Verify();
    REQUIRE_MESSAGE(v.ok(), v.status().ToString());
    CHECK(v->events_checked == head);
    // The store is closed here, before the next fork.
  }
  MESSAGE("rounds: " << kRounds << ", with acks: " << rounds_with_acks << ", acknowledged batches: "
                     << acked.size() << ", retries found already stored: " << retried_dedup
                     << ", head: " << last_head << ", took "
                     << std::chrono::duration_cast<std::chrono::milliseconds>(SteadyClock::now() -
                                                                              test_start)
                            .count()
                     << " ms");
  CHECK(rounds_with_acks >= kRounds / 2);
}

}  // namespace
}  // namespace consent::testing
