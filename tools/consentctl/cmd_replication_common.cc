// SPDX-License-Identifier: Apache-2.0
#include "cmd_replication_common.h"

#include <csignal>

namespace consent::cli {
namespace {

std::atomic<bool> g_stop{false};

void OnStopSignal(int) { g_stop.store(true); }

}  // namespace

std::optional<std::string> ParseNatsOptions(const ParsedArgs& parsed, NatsOptions* nats, StreamSettings* stream) {
  if (!parsed.has("--nats")) return "--nats URLS is required (e.g. nats://127.0.0.1:4222)";
  nats->urls = *parsed.get("--nats");
  if (auto name = parsed.get("--stream")) stream->name = *name;
  uint64_t replicas = static_cast<uint64_t>(stream->replicas);
  uint64_t window_s = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::seconds>(stream->duplicate_window).count());
  if (auto err = GetUintOption(parsed, "--replicas", 1, &replicas)) return err;
  if (auto err = GetUintOption(parsed, "--dedupe-window", 1, &window_s)) return err;
  stream->replicas = static_cast<int>(replicas);
  stream->duplicate_window = std::chrono::seconds(window_s);
  return std::nullopt;
}

void InstallStopHandlers() {
  std::signal(SIGINT, OnStopSignal);
  std::signal(SIGTERM, OnStopSignal);
}

const std::atomic<bool>& StopRequested() { return g_stop; }

}  // namespace consent::cli
