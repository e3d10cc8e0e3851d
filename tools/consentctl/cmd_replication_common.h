// SPDX-License-Identifier: Apache-2.0
// Options and signal handling shared by `replicate` and `group`.
#ifndef CONSENT_TOOLS_CONSENTCTL_CMD_REPLICATION_COMMON_H_
#define CONSENT_TOOLS_CONSENTCTL_CMD_REPLICATION_COMMON_H_

#include <atomic>
#include <cstdint>

#include "cli.h"
#include "consent/replication.h"

namespace consent::cli {

// The cluster and stream options as given on the command line, before conversion.
struct NatsArgs {
  std::string urls;
  std::string stream = StreamSettings{}.name;
  uint64_t replicas = static_cast<uint64_t>(StreamSettings{}.replicas);
  uint64_t dedupe_window_s =
      static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::seconds>(StreamSettings{}.duplicate_window).count());
};

// Adds --nats (required when `nats_required`), --stream, --replicas and --dedupe-window to
// `cmd`, stored into *args. Returns the --nats option.
CLI::Option* AddNatsOptions(CLI::App* cmd, NatsArgs* args, bool nats_required);

// The options from what AddNatsOptions read.
void ApplyNatsArgs(const NatsArgs& args, NatsOptions* nats, StreamSettings* stream);

// SIGINT and SIGTERM set the flag StopRequested() returns.
void InstallStopHandlers();
const std::atomic<bool>& StopRequested();

}  // namespace consent::cli

#endif  // CONSENT_TOOLS_CONSENTCTL_CMD_REPLICATION_COMMON_H_
