// SPDX-License-Identifier: Apache-2.0
// Fault injection against a real 3-node nats-server cluster: SIGKILL of the stream leader, of a
// follower, of the replicator process and of the group consumer process at seeded random points.
// The group store must end with every site event exactly once and every chain verifying.
#include <doctest/doctest.h>

#include <chrono>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "consent/group.h"
#include "consent/replication.h"
#include "nats_cluster.h"
#include "store_test_helpers.h"

namespace consent::testing {
namespace {

using namespace std::chrono_literals;

const std::string kCtl = std::string(CONSENT_TOOLS_DIR) + "/consentctl";

enum class Fault { kStreamLeader, kFollower, kReplicator, kGroupConsumer };

const char* Name(Fault f) {
  switch (f) {
    case Fault::kStreamLeader: return "stream leader";
    case Fault::kFollower: return "follower";
    case Fault::kReplicator: return "replicator";
    case Fault::kGroupConsumer: return "group consumer";
  }
  return "";
}

class FaultRig {
 public:
  FaultRig() { REQUIRE_MESSAGE(cluster_.Start(), "nats-server cluster did not start; logs in " << cluster_.dir()); }

  // Appends `n` events to `site` (the store is closed again: the replicator is a process).
  void Append(const std::string& site, int n) {
    StoreOptions so;
    so.sync = false;
    auto store = OpenStore(dir_.sub(site), so);
    for (int i = 0; i < n; i += 50) {
      std::vector<Event> batch;
      for (int j = i; j < std::min(n, i + 50); ++j) batch.push_back(MakeEvent("note " + std::to_string(j)));
      CONSENT_REQUIRE_OK(store->Append("note-" + std::to_string(i % 7), kAnyRevision, std::move(batch)));
    }
    heads_[site] = store->HeadPosition();
  }

  pid_t StartReplicator(const std::string& site) const {
    return Spawn({kCtl, "--db", dir_.sub(site), "replicate", "--nats", cluster_.Urls(), "--site", site,
                  "--ack-timeout", "1000", "--window", "512"},
                 dir_.sub("replicate.log"));
  }
  pid_t StartConsumer(bool follow) const {
    std::vector<std::string> argv = {kCtl, "--db", dir_.sub("group"), "group", "pull", "--nats", cluster_.Urls(),
                                     "--ack-wait", "2000", "--batch", "128"};
    if (follow) argv.push_back("--follow");
    return Spawn(argv, dir_.sub("group.log"));
  }
  // Runs a process to its end; its exit code (nullopt when it had to be killed).
  std::optional<int> Finish(pid_t pid, std::chrono::seconds timeout = 40s) const {
    auto code = WaitExit(pid, timeout);
    if (!code) KillAndReap(pid);
    return code;
  }

  void Round(Fault fault, std::mt19937_64& rng) {
    const std::string site = rng() % 2 ? "a" : "b";
    Append(site, 300 + static_cast<int>(rng() % 300));
    const auto delay = std::chrono::milliseconds(rng() % 150);
    switch (fault) {
      case Fault::kStreamLeader:
      case Fault::kFollower: {
        const pid_t r = StartReplicator(site);
        std::this_thread::sleep_for(delay);
        const int leader = cluster_.StreamLeader("CONSENT");
        const int victim = fault == Fault::kStreamLeader ? leader : (leader + 1 + static_cast<int>(rng() % 2)) % 3;
        if (victim >= 0) cluster_.Kill(victim);
        CHECK_MESSAGE(Finish(r) == 0, "replicator after killing the " << Name(fault) << "; see " << dir_.sub("replicate.log"));
        if (victim >= 0) cluster_.Restart(victim);
        REQUIRE(cluster_.WaitReady(20s));
        REQUIRE(cluster_.WaitStreamHealthy("CONSENT", 20s));
        break;
      }
      case Fault::kReplicator: {
        KillAndReap([&] {
          const pid_t r = StartReplicator(site);
          std::this_thread::sleep_for(delay);
          return r;
        }());
        CHECK(Finish(StartReplicator(site)) == 0);
        break;
      }
      case Fault::kGroupConsumer: {
        CHECK(Finish(StartReplicator(site)) == 0);
        const pid_t c = StartConsumer(/*follow=*/true);
        std::this_thread::sleep_for(delay + std::chrono::milliseconds(rng() % 300));
        KillAndReap(c);
        break;
      }
    }
    CHECK_MESSAGE(Finish(StartConsumer(/*follow=*/false)) == 0, "group pull; see " << dir_.sub("group.log"));
  }

  // Pulls until the group holds every site's head (bounded), then checks it.
  void CheckGroup() {
    std::map<std::pair<std::string, uint64_t>, int> counts;
    for (int attempt = 0; attempt < 5; ++attempt) {
      counts.clear();
      {
        auto group = OpenStore(dir_.sub("group"));
        auto proof = VerifyGroup(*group);
        CONSENT_REQUIRE_OK(proof);
        CONSENT_REQUIRE_OK(group->ScanAll({}, [&](const Event& e) {
          if (e.has_origin()) ++counts[{e.origin().site(), e.origin().position()}];
          return true;
        }));
      }
      if (counts.size() == heads_["a"] + heads_["b"]) break;
      REQUIRE(Finish(StartConsumer(false)) == 0);
    }
    for (const auto& [site, head] : heads_) {
      for (uint64_t p = 1; p <= head; ++p) {
        auto it = counts.find({site, p});
        CHECK_MESSAGE(it != counts.end(), "site " << site << " position " << p << " missing");
        if (it != counts.end()) CHECK_MESSAGE(it->second == 1, "site " << site << " position " << p << " repeated");
      }
    }
    CHECK(counts.size() == heads_["a"] + heads_["b"]);
  }

 private:
  NatsCluster cluster_;
  TempDir dir_;
  std::map<std::string, uint64_t> heads_;
};

}  // namespace

TEST_CASE("Killing the stream leader, a follower, the replicator or the group consumer loses and repeats nothing") {
  if (FindNatsServer().empty()) {
    MESSAGE("nats-server is not installed: replication test skipped");
    return;
  }
  FaultRig rig;
  std::mt19937_64 rng(20261208);
  const Fault faults[] = {Fault::kStreamLeader, Fault::kFollower, Fault::kReplicator, Fault::kGroupConsumer};
  for (int round = 0; round < 20; ++round) {
    const Fault f = faults[round % 4];
    CAPTURE(round);
    CAPTURE(Name(f));
    rig.Round(f, rng);
  }
  rig.CheckGroup();
}

}  // namespace consent::testing
