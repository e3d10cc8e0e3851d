// SPDX-License-Identifier: Apache-2.0
// consentctl verify [--from POS] [--to POS]
// consentctl verify --backup DIR
//
// Recomputes the hash chain over [from, to] (default: the whole log) and checks positions,
// revisions and indexes (EventStore::Verify). Prints the chain hash after `to`: anchor it
// somewhere else to detect a rewrite of the whole chain.

#include <cstdio>
#include <memory>
#include <string>

#include "cli.h"
#include "consent/event_store.h"

namespace consent::cli {
namespace {

struct VerifyArgs {
  std::string backup;  // empty: verify the store
  uint64_t from = 1;
  uint64_t to = kHeadPosition;
};

}  // namespace

int VerifyBackupAt(const Context& ctx, const std::string& backup);

namespace {

int RunVerify(const Context& ctx, const VerifyArgs& args) {
  if (!args.backup.empty()) return VerifyBackupAt(ctx, args.backup);
  const uint64_t from = args.from;
  const uint64_t to = args.to;
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

}  // namespace

void AddVerifyCommand(CLI::App& app, Context& ctx) {
  auto args = std::make_shared<VerifyArgs>();
  CLI::App* cmd = AddCommand(app, "verify", "check the hash chain, the indexes and the head (of the store, or of a backup)");
  CLI::Option* backup =
      cmd->add_option("--backup", args->backup,
                      "verify the backup in DIR (made by 'consentctl backup') instead of the store")
          ->type_name("DIR");
  cmd->add_option("--from", args->from, "first log position checked (default: 1)")
      ->excludes(backup)
      ->check(IntegerBetween(1))
      ->type_name("POS");
  cmd->add_option("--to", args->to, "last log position checked (default: the head of the log)")
      ->excludes(backup)
      ->check(IntegerBetween(1))
      ->type_name("POS");
  SetRun(cmd, ctx, [args](const Context& c) { return RunVerify(c, *args); });
}

}  // namespace consent::cli
