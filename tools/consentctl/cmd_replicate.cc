// SPDX-License-Identifier: Apache-2.0
// consentctl replicate --nats URLS --site S [--stream N] [--follow] ...
//
// Ships the store's events to the group's JetStream stream (consent::Replicator): once up to the
// head, or following new appends until interrupted. Prints progress and lag on a terminal.

#include <csignal>
#include <cstdio>
#include <span>
#include <string>

#include "cli.h"
#include "cmd_replication_common.h"
#include "consent/replication.h"

namespace consent::cli {
namespace {

constexpr OptionSpec kReplicateOptions[] = {
    {.name = "--nats"},
    {.name = "--site"},
    {.name = "--stream"},
    {.name = "--replicas"},
    {.name = "--dedupe-window"},
    {.name = "--ack-timeout"},
    {.name = "--window"},
    {.name = "--follow", .takes_value = false},
};

void PrintDone(const ReplicationProgress& p) {
  std::printf("replicated up to position %llu of %llu (published %llu, resent %llu)\n",
              static_cast<unsigned long long>(p.acknowledged), static_cast<unsigned long long>(p.head),
              static_cast<unsigned long long>(p.published), static_cast<unsigned long long>(p.resent));
}

// The work, once the command line is understood.
int Replicate(const Context& ctx, const ReplicatorOptions& options, bool follow) {
  auto store = OpenStore(ctx, /*create=*/false);
  if (!store.ok()) return Fail(ctx, store.status());
  auto replicator = Replicator::Open(store->get(), options);
  if (!replicator.ok()) return Fail(ctx, replicator.status());
  if (!follow) {
    auto done = (*replicator)->CatchUp();
    if (!done.ok()) return Fail(ctx, done.status());
    PrintDone(*done);
    return kExitOk;
  }
  InstallStopHandlers();
  Progress progress("replicate");
  Status s = (*replicator)->Follow(StopRequested(), [&](const ReplicationProgress& p) {
    progress.Update("acknowledged (lag " + std::to_string(p.lag()) + ")", p.acknowledged, p.head);
  });
  progress.Clear();
  if (!s.ok()) return Fail(ctx, s);
  PrintDone((*replicator)->progress());
  return kExitOk;
}

}  // namespace

int RunReplicate(const Context& ctx, std::span<const std::string> args) {
  ParsedArgs parsed;
  if (auto err = ParseArgs(args, kReplicateOptions, &parsed)) return UsageError(ctx, *err);
  if (!parsed.positionals.empty()) return UsageError(ctx, "unexpected argument \"" + parsed.positionals.front() + "\"");
  ReplicatorOptions o;
  if (auto err = ParseNatsOptions(parsed, &o.nats, &o.stream)) return UsageError(ctx, *err);
  if (!parsed.has("--site")) return UsageError(ctx, "--site is required");
  o.site = *parsed.get("--site");
  uint64_t ack_ms = static_cast<uint64_t>(o.ack_timeout.count());
  uint64_t window = o.max_in_flight;
  if (auto err = GetUintOption(parsed, "--ack-timeout", 1, &ack_ms)) return UsageError(ctx, *err);
  if (auto err = GetUintOption(parsed, "--window", 1, &window)) return UsageError(ctx, *err);
  o.ack_timeout = std::chrono::milliseconds(ack_ms);
  o.max_in_flight = window;
  return Replicate(ctx, o, parsed.has("--follow"));
}

}  // namespace consent::cli
