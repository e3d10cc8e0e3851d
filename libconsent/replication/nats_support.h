// SPDX-License-Identifier: Apache-2.0
// libnats plumbing shared by the Replicator and the GroupConsumer: connection, stream checks,
// message headers, status translation.
#ifndef CONSENT_REPLICATION_NATS_SUPPORT_H_
#define CONSENT_REPLICATION_NATS_SUPPORT_H_

#include <nats/nats.h>

#include <array>
#include <chrono>
#include <thread>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "consent/replication.h"
#include "consent/status.h"

namespace consent::replication {

inline constexpr const char* kSiteHeader = "Consent-Site";
inline constexpr const char* kPositionHeader = "Consent-Position";
inline constexpr const char* kChainHeader = "Consent-Chain";

// "Op: <libnats text> (<last error>)" as kUnavailable (kInternal for programming errors).
Status NatsError(std::string_view op, natsStatus s);

// Owns a connection and its JetStream context.
class NatsSession {
 public:
  static StatusOr<std::unique_ptr<NatsSession>> Connect(const NatsOptions& options,
                                                        const jsOptions* js_options);
  ~NatsSession();
  NatsSession(const NatsSession&) = delete;
  NatsSession& operator=(const NatsSession&) = delete;
  natsConnection* connection() const { return nc_; }
  jsCtx* js() const { return js_; }

 private:
  NatsSession() = default;
  natsConnection* nc_ = nullptr;
  jsCtx* js_ = nullptr;
};

// `<prefix>.<site>.events` and `<prefix>.*.events`.
std::string SiteSubject(const StreamSettings& s, std::string_view site);
std::string AllSitesSubject(const StreamSettings& s);

// Creates the stream when missing (and allowed) or checks it; kFailedPrecondition for settings
// that break exactly-once, kInvalidArgument for bad settings.
Status EnsureStream(jsCtx* js, const StreamSettings& settings, std::string_view op);

// Runs `fn` until it succeeds or fails with something else than kUnavailable (a cluster
// electing a leader answers nothing for a few seconds), at most `attempts` times.
template <typename Fn>
Status RetryUnavailable(int attempts, std::chrono::milliseconds pause, Fn&& fn) {
  Status s;
  for (int i = 0; i < attempts; ++i) {
    s = fn();
    if (s.code() != StatusCode::kUnavailable) return s;
    std::this_thread::sleep_for(pause);
  }
  return s;
}

// Header value or nullopt.
std::optional<std::string_view> Header(natsMsg* msg, const char* key);
std::optional<uint64_t> ParseU64(std::string_view s);

std::string Hex(std::string_view bytes);
std::optional<std::string> Unhex(std::string_view hex);

}  // namespace consent::replication

#endif  // CONSENT_REPLICATION_NATS_SUPPORT_H_
