// consentctl backup DEST
// consentctl restore BACKUP        (into --db PATH, which must not hold a store)
//
// An online, consistent backup of the store into the new directory DEST (consent/backup.h), and
// its restore after a full verification. `consentctl verify --backup DIR` checks a backup in
// place.

#include <cstdio>
#include <span>
#include <string>

#include "cli.h"
#include "consent/backup.h"
#include "consent/event_store.h"

namespace consent::cli {
namespace {

std::string Describe(const BackupInfo& info) {
  return std::to_string(info.head_position) + " events, chain head " + info.head_hash_hex;
}

int OnePositional(const Context& ctx, std::span<const std::string> args, std::string* out,
                  std::string_view what) {
  ParsedArgs parsed;
  if (auto err = ParseArgs(args, {}, &parsed)) return UsageError(ctx, *err);
  if (parsed.positionals.size() != 1) return UsageError(ctx, "expected one " + std::string(what));
  *out = parsed.positionals.front();
  return kExitOk;
}

}  // namespace

int BackupTo(const Context& ctx, const std::string& dest) {
  StatusOr<std::unique_ptr<EventStore>> store = OpenStore(ctx, /*create=*/false);
  if (!store.ok()) return Fail(ctx, store.status());
  StatusOr<BackupInfo> info = BackupStore(**store, dest);
  if (!info.ok()) return Fail(ctx, info.status());
  std::printf("backed up %s to %s\n", Describe(*info).c_str(), info->path.c_str());
  return kExitOk;
}

int RestoreFrom(const Context& ctx, const std::string& backup) {
  StatusOr<BackupInfo> info = RestoreBackup(backup, ctx.db_path);
  if (!info.ok()) return Fail(ctx, info.status());
  std::printf("restored %s from %s to %s (verified)\n", Describe(*info).c_str(), backup.c_str(),
              info->path.c_str());
  return kExitOk;
}

int VerifyBackupAt(const Context& ctx, const std::string& backup) {
  StatusOr<BackupInfo> info = VerifyBackup(backup);
  if (!info.ok()) return Fail(ctx, info.status());
  std::printf("verified backup %s: %s\n", backup.c_str(), Describe(*info).c_str());
  return kExitOk;
}

int RunBackup(const Context& ctx, std::span<const std::string> args) {
  std::string dest;
  if (int code = OnePositional(ctx, args, &dest, "destination directory"); code != kExitOk) return code;
  return BackupTo(ctx, dest);
}

int RunRestore(const Context& ctx, std::span<const std::string> args) {
  std::string backup;
  if (int code = OnePositional(ctx, args, &backup, "backup directory"); code != kExitOk) return code;
  return RestoreFrom(ctx, backup);
}

}  // namespace consent::cli
