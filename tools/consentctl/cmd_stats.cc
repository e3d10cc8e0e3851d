// consentctl stats [--format table|json]
//
// Prints StoreStats: path, store id, format version, head position, stream count, head hash and
// approximate size. The JSON form is one object with lowerCamel keys (as protobuf's mapping
// names fields), integers as JSON numbers.

#include <cstdio>
#include <span>
#include <string>

#include "cli.h"
#include "consent/event_store.h"

namespace consent::cli {
namespace {

constexpr OptionSpec kStatsOptions[] = {
    {.name = "--format"},
};

std::string StatsJson(const StoreStats& s) {
  return "{\"path\":" + JsonQuote(s.path) + ",\"storeId\":" + JsonQuote(s.store_id) +
         ",\"formatVersion\":" + std::to_string(s.format_version) +
         ",\"headPosition\":" + std::to_string(s.head_position) +
         ",\"streamCount\":" + std::to_string(s.stream_count) +
         ",\"headHash\":" + JsonQuote(s.head_hash_hex) +
         ",\"approximateBytes\":" + std::to_string(s.approximate_bytes) + "}\n";
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

}  // namespace

int RunStats(const Context& ctx, std::span<const std::string> args) {
  ParsedArgs parsed;
  if (auto err = ParseArgs(args, kStatsOptions, &parsed)) return UsageError(ctx, *err);
  if (!parsed.positionals.empty()) {
    return UsageError(ctx, "unexpected argument \"" + parsed.positionals.front() + "\"");
  }
  const std::string format = parsed.get("--format").value_or("table");
  if (format != "table" && format != "json") {
    return UsageError(ctx, "--format must be table or json, got \"" + format + "\"");
  }

  StatusOr<std::unique_ptr<EventStore>> store = OpenStoreForReading(ctx);
  if (!store.ok()) return Fail(ctx, store.status());
  StatusOr<StoreStats> stats = (*store)->Stats();
  if (!stats.ok()) return Fail(ctx, stats.status());
  const std::string out = format == "json" ? StatsJson(*stats) : StatsTable(*stats);
  std::fwrite(out.data(), 1, out.size(), stdout);
  return kExitOk;
}

}  // namespace consent::cli
