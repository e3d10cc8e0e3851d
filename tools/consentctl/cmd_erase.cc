// consentctl erase REF [--request ID] [--master-key-file FILE]
//
// Crypto-shredding of one subject (SubjectDirectory::EraseSubject): destroys the subject's key
// and appends SubjectErased to "subject-REF" in one atomic write, then scrubs the store's files
// so that no byte of the key remains on disk. The sealed identity stays in the log, unreadable;
// `consentctl verify` still passes. Erasing an erased subject changes nothing and says so.

#include <cstdio>
#include <span>
#include <string>

#include "cli.h"
#include "master_key.h"

namespace consent::cli {
namespace {

constexpr OptionSpec kEraseOptions[] = {
    {.name = "--request"},
    kMasterKeyFileOption,
};

}  // namespace

int RunErase(const Context& ctx, std::span<const std::string> args) {
  ParsedArgs parsed;
  if (auto err = ParseArgs(args, kEraseOptions, &parsed)) return UsageError(ctx, *err);
  if (parsed.positionals.empty()) return UsageError(ctx, "missing the subject reference REF");
  if (parsed.positionals.size() > 1) {
    return UsageError(ctx, "unexpected argument \"" + parsed.positionals[1] + "\"");
  }
  const std::string& ref = parsed.positionals[0];
  const std::string request = parsed.get("--request").value_or("");
  if (Status s = ValidateSubjectRef(ref); !s.ok()) return UsageError(ctx, s.message());

  int code = kExitOk;
  std::optional<MasterKey> key = LoadMasterKey(ctx, parsed, &code);
  if (!key) return code;
  std::unique_ptr<EventStore> store;
  std::unique_ptr<SubjectDirectory> dir = OpenDirectory(ctx, *key, /*create=*/false, &store, &code);
  if (!dir) return code;

  StatusOr<ErasureResult> r = dir->EraseSubject(ref, request);
  if (!r.ok()) return Fail(ctx, r.status());
  if (r->already_erased) {
    std::printf("subject %s was already erased (SubjectErased at position %llu, key %s); nothing changed\n",
                ref.c_str(), static_cast<unsigned long long>(r->position), r->key_id.c_str());
  } else {
    std::printf("erased subject %s: key %s destroyed, SubjectErased at position %llu\n", ref.c_str(),
                r->key_id.c_str(), static_cast<unsigned long long>(r->position));
  }
  return kExitOk;
}

}  // namespace consent::cli
