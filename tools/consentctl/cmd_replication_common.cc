// SPDX-License-Identifier: Apache-2.0
#include "cmd_replication_common.h"

#include <csignal>

namespace consent::cli {
namespace {

std::atomic<bool> g_stop{false};

void OnStopSignal(int) { g_stop.store(true); }

}  // namespace

CLI::Option* AddNatsOptions(CLI::App* cmd, NatsArgs* args, bool nats_required) {
  CLI::Option* nats = cmd->add_option("--nats", args->urls,
                                      "comma-separated NATS server URLs (nats://127.0.0.1:4222,...)")
                          ->type_name("URLS");
  if (nats_required) nats->required();
  cmd->add_option("--stream", args->stream, "the group's JetStream stream (default: CONSENT)")->type_name("NAME");
  cmd->add_option("--replicas", args->replicas, "replicas of the stream when it is created: 1, 3 or 5 (default: 3)")
      ->check(IntegerBetween(1, 5))
      ->type_name("R");
  cmd->add_option("--dedupe-window", args->dedupe_window_s,
                  "the stream's de-duplication window, in seconds (default: 120)")
      ->check(IntegerBetween(1))
      ->type_name("SECONDS");
  return nats;
}

void ApplyNatsArgs(const NatsArgs& args, NatsOptions* nats, StreamSettings* stream) {
  nats->urls = args.urls;
  stream->name = args.stream;
  stream->replicas = static_cast<int>(args.replicas);
  stream->duplicate_window = std::chrono::seconds(args.dedupe_window_s);
}

void InstallStopHandlers() {
  std::signal(SIGINT, OnStopSignal);
  std::signal(SIGTERM, OnStopSignal);
}

const std::atomic<bool>& StopRequested() { return g_stop; }

}  // namespace consent::cli
