// SPDX-License-Identifier: Apache-2.0
#include "group_store.h"

#include <cstring>
#include <map>

#include "consent/group.h"
#include "nats_support.h"

namespace consent {

using internal::Hash;

namespace replication {

std::string HashString(const Hash& h) { return std::string(reinterpret_cast<const char*>(h.data()), h.size()); }

Hash SiteChainStep(const Hash& prev, std::string_view header, std::string_view payload) {
  return internal::ChainHash(prev, header, {}, {}, internal::HashBytes(payload));
}

std::string_view PayloadBytes(std::string_view event_bytes) {
  const auto span = internal::FindPayload(event_bytes);
  if (!span) return {};
  return event_bytes.substr(span->value_start, span->value_end - span->value_start);
}

}  // namespace replication

std::string GroupStreamName(std::string_view site, std::string_view stream) {
  const size_t dash = stream.find('-');
  if (dash == std::string_view::npos) return std::string(stream) + "-" + std::string(site) + ":";
  return std::string(stream.substr(0, dash)) + "-" + std::string(site) + ":" + std::string(stream.substr(dash + 1));
}

std::string_view SiteOfGroupStream(std::string_view group_stream) {
  const size_t dash = group_stream.find('-');
  if (dash == std::string_view::npos) return {};
  const size_t colon = group_stream.find(':', dash + 1);
  if (colon == std::string_view::npos) return {};
  return group_stream.substr(dash + 1, colon - dash - 1);
}

std::string GroupEventId(std::string_view site, uint64_t position) {
  std::string seed = "consent.group.event";
  seed.push_back('\0');
  seed += site;
  seed.push_back('\0');
  for (int i = 0; i < 8; ++i) seed.push_back(static_cast<char>(position >> (8 * i)));
  const Hash h = internal::HashBytes(seed);
  std::string id(reinterpret_cast<const char*>(h.data()), 16);
  id[0] |= 1;  // never all zero
  return id;
}

StatusOr<bool> IsGroupStore(const EventStore& store) {
  bool found = false;
  Status s = store.ScanProjection(replication::kGroupProjection, replication::kSiteKeyPrefix,
                                  [&](std::string_view, std::string_view) {
                                    found = true;
                                    return false;
                                  });
  if (!s.ok()) return s;
  return found;
}

StatusOr<GroupVerifyReport> VerifyGroup(const EventStore& group_store) {
  GroupVerifyReport report;
  auto own = group_store.Verify();
  if (!own.ok()) return own.status();
  report.group = *own;
  struct Chain {
    uint64_t position = 0;
    Hash hash{};
    uint64_t sequence = 0;
  };
  std::map<std::string, Chain, std::less<>> chains;
  Status failure;
  std::string bytes;
  Status scan = group_store.ScanAll({}, [&](const Event& e) {
    if (!e.has_origin()) return true;
    const v1::Origin& o = e.origin();
    Chain& c = chains[o.site()];
    const std::string where = "VerifyGroup: site \"" + o.site() + "\" position " + std::to_string(o.position()) +
                              " (group position " + std::to_string(e.position()) + ")";
    ErrorContext ctx;
    ctx.position = e.position();
    ctx.stream = e.stream_id();
    if (o.position() != c.position + 1) {
      failure = DataLossError(where + ": expected site position " + std::to_string(c.position + 1), ctx);
      return false;
    }
    bytes.clear();
    e.SerializeToString(&bytes);
    const Hash h = replication::SiteChainStep(c.hash, o.header(), replication::PayloadBytes(bytes));
    if (replication::HashString(h) != o.chain_hash()) {
      failure = DataLossError(where + ": the site's chain does not verify (event modified)", ctx);
      return false;
    }
    c.position = o.position();
    c.hash = h;
    c.sequence = o.stream_sequence();
    return true;
  });
  if (!scan.ok()) return scan;
  if (!failure.ok()) return failure;
  for (const auto& [site, c] : chains) {
    report.sites.push_back({site, c.position, replication::Hex(replication::HashString(c.hash)), c.sequence});
  }
  return report;
}

}  // namespace consent
