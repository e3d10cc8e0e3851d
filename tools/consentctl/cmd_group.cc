// SPDX-License-Identifier: Apache-2.0
// consentctl --db GROUP_DB group pull --nats URLS [--stream N] [--durable D] [--follow]
// consentctl --db GROUP_DB group status [--nats URLS] [--stream N] [--format table|json]
//
// `pull` applies every site's replicated events to the group store (consent::GroupConsumer).
// `status` prints, per site, the last applied site position, the site chain hash, whether the
// chain verifies (VerifyGroup) and, with --nats, the lag behind the stream.

#include <algorithm>
#include <cstdio>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "cli.h"
#include "consent/output.h"
#include "cmd_replication_common.h"
#include "consent/group.h"

namespace consent::cli {
namespace {

constexpr OptionSpec kGroupOptions[] = {
    {.name = "--nats"},
    {.name = "--stream"},
    {.name = "--replicas"},
    {.name = "--dedupe-window"},
    {.name = "--durable"},
    {.name = "--batch"},
    {.name = "--ack-wait"},
    {.name = "--format"},
    {.name = "--follow", .takes_value = false},
};

int Pull(const Context& ctx, const GroupConsumerOptions& options, bool follow) {
  auto store = OpenStore(ctx, /*create=*/true);
  if (!store.ok()) return Fail(ctx, store.status());
  auto consumer = GroupConsumer::Open(store->get(), options);
  if (!consumer.ok()) return Fail(ctx, consumer.status());
  uint64_t applied = 0;
  if (follow) {
    InstallStopHandlers();
    Progress progress("group pull");
    Status s = (*consumer)->Follow(StopRequested(), [&](uint64_t total) {
      applied = total;
      progress.Update("events applied", total);
    });
    progress.Clear();
    if (!s.ok()) return Fail(ctx, s);
  } else {
    auto n = (*consumer)->CatchUp();
    if (!n.ok()) return Fail(ctx, n.status());
    applied = *n;
  }
  std::printf("applied %llu events\n", static_cast<unsigned long long>(applied));
  for (const GroupSite& s : (*consumer)->sites()) {
    std::printf("  site %s at position %llu\n", s.site.c_str(), static_cast<unsigned long long>(s.position));
  }
  return kExitOk;
}

struct SiteRow {
  GroupSite site;
  std::optional<uint64_t> published;  // with --nats
};

void PrintStatus(const std::vector<SiteRow>& rows, bool chain_ok, const std::string& why, bool json) {
  if (json) {
    JsonWriter w;
    w.BeginObject();
    w.Bool("chain_ok", chain_ok);
    w.BeginArray("sites");
    for (const SiteRow& r : rows) {
      w.BeginObject();
      w.String("site", r.site.site);
      w.Uint("position", r.site.position);
      w.String("chain_hash", r.site.chain_hash_hex);
      if (r.published) {
        w.Uint("published", *r.published);
        w.Uint("lag", *r.published > r.site.position ? *r.published - r.site.position : 0);
      }
      w.EndObject();
    }
    w.EndArray();
    if (!why.empty()) w.String("error", why);
    w.EndObject();
    const std::string doc = w.Take();
    std::fwrite(doc.data(), 1, doc.size(), stdout);
    return;
  }
  std::printf("%-24s %12s %12s %8s  %s\n", "site", "position", "published", "lag", "chain");
  for (const SiteRow& r : rows) {
    const std::string published = r.published ? std::to_string(*r.published) : "-";
    const std::string lag = r.published ? std::to_string(*r.published > r.site.position ? *r.published - r.site.position : 0) : "-";
    std::printf("%-24s %12llu %12s %8s  %s\n", r.site.site.c_str(), static_cast<unsigned long long>(r.site.position),
                published.c_str(), lag.c_str(), chain_ok ? "ok" : "FAILED");
  }
  if (!why.empty()) std::printf("chain FAILED: %s\n", why.c_str());
}

int ShowStatus(const Context& ctx, const ParsedArgs& parsed, const GroupConsumerOptions& options) {
  const std::string format = parsed.get("--format").value_or("table");
  if (format != "table" && format != "json") return UsageError(ctx, "--format must be table or json");
  auto store = OpenStore(ctx, /*create=*/false);
  if (!store.ok()) return Fail(ctx, store.status());
  auto verified = VerifyGroup(**store);
  std::vector<SiteRow> rows;
  std::string why;
  if (verified.ok()) {
    for (const GroupSite& s : verified->sites) rows.push_back({s, std::nullopt});
  } else {
    why = verified.status().message();
  }
  if (parsed.has("--nats") && !rows.empty()) {
    std::vector<std::string> names;
    for (const SiteRow& r : rows) names.push_back(r.site.site);
    auto published = PublishedPositions(options.nats, options.stream, names);
    if (!published.ok()) return Fail(ctx, published.status());
    for (size_t i = 0; i < rows.size(); ++i) rows[i].published = (*published)[i];
  }
  PrintStatus(rows, why.empty(), why, format == "json");
  return why.empty() ? kExitOk : kExitFailure;
}

}  // namespace

int RunGroup(const Context& ctx, std::span<const std::string> args) {
  if (args.empty()) return UsageError(ctx, "group needs a subcommand: pull or status");
  const std::string sub = args.front();
  ParsedArgs parsed;
  if (auto err = ParseArgs(args.subspan(1), kGroupOptions, &parsed)) return UsageError(ctx, *err);
  if (!parsed.positionals.empty()) return UsageError(ctx, "unexpected argument \"" + parsed.positionals.front() + "\"");
  GroupConsumerOptions o;
  if (sub == "status") {
    if (parsed.has("--nats")) {
      if (auto err = ParseNatsOptions(parsed, &o.nats, &o.stream)) return UsageError(ctx, *err);
    }
    return ShowStatus(ctx, parsed, o);
  }
  if (sub != "pull") return UsageError(ctx, "unknown group subcommand \"" + sub + "\" (pull or status)");
  if (auto err = ParseNatsOptions(parsed, &o.nats, &o.stream)) return UsageError(ctx, *err);
  if (auto d = parsed.get("--durable")) o.durable = *d;
  uint64_t batch = static_cast<uint64_t>(o.batch);
  uint64_t ack_wait_ms = static_cast<uint64_t>(o.ack_wait.count());
  if (auto err = GetUintOption(parsed, "--batch", 1, &batch)) return UsageError(ctx, *err);
  if (auto err = GetUintOption(parsed, "--ack-wait", 1, &ack_wait_ms)) return UsageError(ctx, *err);
  o.batch = static_cast<int>(std::min<uint64_t>(batch, 100000));
  o.ack_wait = std::chrono::milliseconds(ack_wait_ms);
  return Pull(ctx, o, parsed.has("--follow"));
}

}  // namespace consent::cli
