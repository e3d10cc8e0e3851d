// SPDX-License-Identifier: Apache-2.0
// consentctl replicate --nats URLS --site S [--stream N] [--follow] ...
//
// Ships the store's events to the group's JetStream stream (consent::Replicator): once up to the
// head, or following new appends until interrupted. Prints progress and lag on a terminal.

#include <cstdio>
#include <memory>
#include <string>

#include "cli.h"
#include "cmd_replication_common.h"
#include "consent/replication.h"

namespace consent::cli {
namespace {

struct ReplicateArgs {
  NatsArgs nats;
  std::string site;
  uint64_t ack_timeout_ms = static_cast<uint64_t>(ReplicatorOptions{}.ack_timeout.count());
  uint64_t window = ReplicatorOptions{}.max_in_flight;
  bool follow = false;
};

void PrintDone(const ReplicationProgress& p) {
  std::printf("replicated up to position %llu of %llu (published %llu, resent %llu)\n",
              static_cast<unsigned long long>(p.acknowledged), static_cast<unsigned long long>(p.head),
              static_cast<unsigned long long>(p.published), static_cast<unsigned long long>(p.resent));
}

int Replicate(const Context& ctx, const ReplicateArgs& args) {
  ReplicatorOptions options;
  ApplyNatsArgs(args.nats, &options.nats, &options.stream);
  options.site = args.site;
  options.ack_timeout = std::chrono::milliseconds(args.ack_timeout_ms);
  options.max_in_flight = args.window;
  auto store = OpenStore(ctx, /*create=*/false);
  if (!store.ok()) return Fail(ctx, store.status());
  auto replicator = Replicator::Open(store->get(), options);
  if (!replicator.ok()) return Fail(ctx, replicator.status());
  if (!args.follow) {
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

void AddReplicateCommand(CLI::App& app, Context& ctx) {
  auto args = std::make_shared<ReplicateArgs>();
  CLI::App* cmd = AddCommand(app, "replicate", "publish the store's events to the group's NATS JetStream stream, exactly once");
  AddNatsOptions(cmd, &args->nats, /*nats_required=*/true);
  cmd->add_option("--site", args->site, "this site's name: 1 to 64 of A-Z a-z 0-9 _ -")->required()->type_name("SITE");
  cmd->add_option("--ack-timeout", args->ack_timeout_ms,
                  "milliseconds to wait for a publish acknowledgement before resending (default: 2000)")
      ->check(IntegerBetween(1))
      ->type_name("MS");
  cmd->add_option("--window", args->window, "publishes awaiting acknowledgement at any time (default: 4096)")
      ->check(IntegerBetween(1))
      ->type_name("N");
  cmd->add_flag("--follow", args->follow, "keep publishing new appends until interrupted (SIGINT, SIGTERM)");
  cmd->footer("Without --follow, publishes up to the head of the log and exits. The position reached is "
              "kept in the store: a rerun resumes there, and the stream drops repeats.");
  SetRun(cmd, ctx, [args](const Context& c) { return Replicate(c, *args); });
}

}  // namespace consent::cli
