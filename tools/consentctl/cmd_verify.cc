// consentctl verify [--from POS] [--to POS]
// consentctl verify --backup DIR
//
// Recomputes the hash chain over [from, to] (default: the whole log) and checks positions,
// revisions and indexes (EventStore::Verify). Prints the chain hash after `to`: anchor it
// somewhere else to detect a rewrite of the whole chain.

#include <cstdio>
#include <optional>
#include <span>
#include <string>

#include "cli.h"
#include "consent/event_store.h"

namespace consent::cli {
namespace {

constexpr OptionSpec kVerifyOptions[] = {
    {.name = "--from"},
    {.name = "--to"},
    {.name = "--backup"},
};

}  // namespace

int VerifyBackupAt(const Context& ctx, const std::string& backup);

int RunVerify(const Context& ctx, std::span<const std::string> args) {
  ParsedArgs parsed;
  if (auto err = ParseArgs(args, kVerifyOptions, &parsed)) return UsageError(ctx, *err);
  if (!parsed.positionals.empty()) {
    return UsageError(ctx, "unexpected argument \"" + parsed.positionals.front() + "\"");
  }
  if (std::optional<std::string> backup = parsed.get("--backup")) {
    if (parsed.has("--from") || parsed.has("--to")) {
      return UsageError(ctx, "--backup verifies a whole backup; it takes no --from or --to");
    }
    return VerifyBackupAt(ctx, *backup);
  }
  uint64_t from = 1;
  uint64_t to = kHeadPosition;
  if (auto err = GetUintOption(parsed, "--from", 1, &from)) return UsageError(ctx, *err);
  if (auto err = GetUintOption(parsed, "--to", 1, &to)) return UsageError(ctx, *err);
  if (to != kHeadPosition && to < from) {
    return UsageError(ctx, "--to " + std::to_string(to) + " is before --from " +
                               std::to_string(from));
  }

  StatusOr<std::unique_ptr<EventStore>> store = OpenStoreForReading(ctx);
  if (!store.ok()) return Fail(ctx, store.status());
  StatusOr<VerifyReport> report = (*store)->Verify(from, to);
  if (!report.ok()) {
    const Status& s = report.status();
    if (s.code() == StatusCode::kDataLoss && s.context().position) {
      return Fail(ctx, "verification FAILED at position " + std::to_string(*s.context().position) +
                           ": " + s.message());
    }
    if (s.code() == StatusCode::kDataLoss) return Fail(ctx, "verification FAILED: " + s.message());
    return Fail(ctx, s);
  }
  std::printf("verified %llu events (positions %llu..%llu), chain head %s\n",
              static_cast<unsigned long long>(report->events_checked),
              static_cast<unsigned long long>(report->from_position),
              static_cast<unsigned long long>(report->to_position),
              report->chain_hash_hex.c_str());
  return kExitOk;
}

}  // namespace consent::cli
