// SPDX-License-Identifier: Apache-2.0
// Options and signal handling shared by `replicate` and `group`.
#ifndef CONSENT_TOOLS_CONSENTCTL_CMD_REPLICATION_COMMON_H_
#define CONSENT_TOOLS_CONSENTCTL_CMD_REPLICATION_COMMON_H_

#include <atomic>
#include <optional>
#include <string>

#include "cli.h"
#include "consent/replication.h"

namespace consent::cli {

// Reads --nats (required), --stream, --replicas, --dedupe-window (seconds) into the options.
// Returns a usage error message.
std::optional<std::string> ParseNatsOptions(const ParsedArgs& parsed, NatsOptions* nats, StreamSettings* stream);

// SIGINT and SIGTERM set the flag StopRequested() returns.
void InstallStopHandlers();
const std::atomic<bool>& StopRequested();

}  // namespace consent::cli

#endif  // CONSENT_TOOLS_CONSENTCTL_CMD_REPLICATION_COMMON_H_
