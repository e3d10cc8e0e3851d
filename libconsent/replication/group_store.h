// SPDX-License-Identifier: Apache-2.0
// What the group consumer and VerifyGroup share: the site chain step and the byte split.
#ifndef CONSENT_REPLICATION_GROUP_STORE_H_
#define CONSENT_REPLICATION_GROUP_STORE_H_

#include <string>
#include <string_view>

#include "consent/event_store.h"
#include "internal/chain.h"

namespace consent::replication {

inline constexpr std::string_view kGroupProjection = "group";
inline constexpr std::string_view kSiteKeyPrefix = "site/";

std::string HashString(const internal::Hash& h);

// The site's chain after an event, from its header (origin.header) and payload bytes.
internal::Hash SiteChainStep(const internal::Hash& prev, std::string_view header, std::string_view payload);

// The payload value bytes of a serialized Event; empty view when it has none.
std::string_view PayloadBytes(std::string_view event_bytes);

}  // namespace consent::replication

#endif  // CONSENT_REPLICATION_GROUP_STORE_H_
