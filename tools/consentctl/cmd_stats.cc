// SPDX-License-Identifier: Apache-2.0
// consentctl stats [--format table|json]
//
// Prints StoreStats: path, store id, format version, head position, stream count, head hash and
// approximate size. The JSON form is one object with snake_case keys (docs/output.md),
// integers as JSON numbers.

#include <cstdio>
#include <memory>
#include <string>

#include "cli.h"
#include "consent/event_store.h"
#include "consent/output.h"

namespace consent::cli {
namespace {

struct StatsArgs {
  std::string format;
};

std::string StatsJson(const StoreStats& s) {
  JsonWriter w;
  w.BeginObject();
  w.String("path", s.path);
  w.String("store_id", s.store_id);
  w.Uint("format_version", s.format_version);
  w.Uint("head_position", s.head_position);
  w.Uint("stream_count", s.stream_count);
  w.String("head_hash", s.head_hash_hex);
  w.Uint("approximate_bytes", s.approximate_bytes);
  w.EndObject();
  return w.Take();
}

std::string StatsTable(const StoreStats& s) {
  return "path               " + s.path +
         "\nstore id           " + s.store_id +
         "\nformat version     " + std::to_string(s.format_version) +
         "\nhead position      " + std::to_string(s.head_position) +
         "\nstreams            " + std::to_string(s.stream_count) +
         "\nhead hash          " + s.head_hash_hex +
         "\napproximate bytes  " + std::to_string(s.approximate_bytes) + "\n";
}

int RunStats(const Context& ctx, const StatsArgs& args) {
  StatusOr<std::unique_ptr<EventStore>> store = OpenStoreForReading(ctx);
  if (!store.ok()) return Fail(ctx, store.status());
  StatusOr<StoreStats> stats = (*store)->Stats();
  if (!stats.ok()) return Fail(ctx, stats.status());
  return WriteOut(ctx, args.format == "json" ? StatsJson(*stats) : StatsTable(*stats));
}

}  // namespace

void AddStatsCommand(CLI::App& app, Context& ctx) {
  auto args = std::make_shared<StatsArgs>();
  CLI::App* cmd = AddCommand(app, "stats", "print the store's figures");
  AddFormatOption(cmd, &args->format, {"table", "json"});
  SetRun(cmd, ctx, [args](const Context& c) { return RunStats(c, *args); });
}

}  // namespace consent::cli
