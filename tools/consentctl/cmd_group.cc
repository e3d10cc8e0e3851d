// SPDX-License-Identifier: Apache-2.0
// consentctl --db GROUP_DB group pull --nats URLS [--stream N] [--durable D] [--follow]
// consentctl --db GROUP_DB group status [--nats URLS] [--stream N] [--format table|json]
//
// `pull` applies every site's replicated events to the group store (consent::GroupConsumer).
// `status` prints, per site, the last applied site position, the site chain hash, whether the
// chain verifies (VerifyGroup) and, with --nats, the lag behind the stream.

#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli.h"
#include "consent/output.h"
#include "cmd_replication_common.h"
#include "consent/group.h"

namespace consent::cli {
namespace {

struct PullArgs {
  NatsArgs nats;
  std::string durable = GroupConsumerOptions{}.durable;
  uint64_t batch = static_cast<uint64_t>(GroupConsumerOptions{}.batch);
  uint64_t ack_wait_ms = static_cast<uint64_t>(GroupConsumerOptions{}.ack_wait.count());
  bool follow = false;
};

struct StatusArgs {
  NatsArgs nats;
  std::string format;
};

int Pull(const Context& ctx, const PullArgs& args) {
  GroupConsumerOptions options;
  ApplyNatsArgs(args.nats, &options.nats, &options.stream);
  options.durable = args.durable;
  options.batch = static_cast<int>(args.batch);
  options.ack_wait = std::chrono::milliseconds(args.ack_wait_ms);
  auto store = OpenStore(ctx, /*create=*/true);
  if (!store.ok()) return Fail(ctx, store.status());
  auto consumer = GroupConsumer::Open(store->get(), options);
  if (!consumer.ok()) return Fail(ctx, consumer.status());
  uint64_t applied = 0;
  if (args.follow) {
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

int ShowStatus(const Context& ctx, const StatusArgs& args) {
  GroupConsumerOptions options;
  ApplyNatsArgs(args.nats, &options.nats, &options.stream);
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
  if (!args.nats.urls.empty() && !rows.empty()) {
    std::vector<std::string> names;
    for (const SiteRow& r : rows) names.push_back(r.site.site);
    auto published = PublishedPositions(options.nats, options.stream, names);
    if (!published.ok()) return Fail(ctx, published.status());
    for (size_t i = 0; i < rows.size(); ++i) rows[i].published = (*published)[i];
  }
  PrintStatus(rows, why.empty(), why, args.format == "json");
  return why.empty() ? kExitOk : kExitFailure;
}

}  // namespace

void AddGroupCommand(CLI::App& app, Context& ctx) {
  CLI::App* group = AddCommand(app, "group", "apply every site's replicated events to this group store, or show each site's position, lag and chain");
  group->require_subcommand(1);

  auto pull = std::make_shared<PullArgs>();
  CLI::App* pull_cmd = AddCommand(*group, "pull", "apply the sites' replicated events from the stream to the group store");
  AddNatsOptions(pull_cmd, &pull->nats, /*nats_required=*/true);
  pull_cmd->add_option("--durable", pull->durable, "the durable consumer's name on the stream (default: consent-group)")
      ->type_name("NAME");
  pull_cmd->add_option("--batch", pull->batch, "messages fetched and applied per atomic append (default: 512)")
      ->check(IntegerBetween(1, 100000))
      ->type_name("N");
  pull_cmd->add_option("--ack-wait", pull->ack_wait_ms,
                       "the server redelivers a message not acknowledged within MS milliseconds (default: 30000)")
      ->check(IntegerBetween(1))
      ->type_name("MS");
  pull_cmd->add_flag("--follow", pull->follow, "keep applying new events until interrupted (SIGINT, SIGTERM)");
  pull_cmd->footer("Without --follow, applies what the stream holds and exits. Each site's chain is checked "
                   "as its events are applied; an event already applied is skipped.");
  SetRun(pull_cmd, ctx, [pull](const Context& c) { return Pull(c, *pull); });

  auto status = std::make_shared<StatusArgs>();
  CLI::App* status_cmd = AddCommand(*group, "status", "each site's last applied position and chain check; with --nats, its lag");
  AddNatsOptions(status_cmd, &status->nats, /*nats_required=*/false);
  AddFormatOption(status_cmd, &status->format, {"table", "json"});
  status_cmd->footer("Exits 1 when a site's chain does not verify.");
  SetRun(status_cmd, ctx, [status](const Context& c) { return ShowStatus(c, *status); });
}

}  // namespace consent::cli
