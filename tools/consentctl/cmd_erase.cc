// SPDX-License-Identifier: Apache-2.0
// consentctl erase REF [--request ID] [--master-key-file FILE]
//
// Crypto-shredding of one subject (SubjectDirectory::EraseSubject): destroys the subject's key
// and appends SubjectErased to "subject-REF" in one atomic write, then scrubs the store's files
// so that no byte of the key remains on disk. The sealed identity stays in the log, unreadable;
// `consentctl verify` still passes. Erasing an erased subject changes nothing and says so.

#include <cstdio>
#include <memory>
#include <string>

#include "cli.h"
#include "master_key.h"

namespace consent::cli {
namespace {

struct EraseArgs {
  std::string ref;
  std::string request;
  std::string master_key_file;
};

int RunErase(const Context& ctx, const EraseArgs& args) {
  const std::string& ref = args.ref;
  const std::string& request = args.request;
  if (Status s = ValidateSubjectRef(ref); !s.ok()) return UsageError(ctx, s.message());

  int code = kExitOk;
  std::optional<MasterKey> key = LoadMasterKey(ctx, args.master_key_file, &code);
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

}  // namespace

void AddEraseCommand(CLI::App& app, Context& ctx) {
  auto args = std::make_shared<EraseArgs>();
  CLI::App* cmd = AddCommand(app, "erase", "crypto-shred a subject: destroy its key, record SubjectErased, scrub the files");
  cmd->add_option("REF", args->ref, "the subject's reference")->required();
  cmd->add_option("--request", args->request, "the erasure request it answers (recorded with SubjectErased)")
      ->type_name("ID");
  AddMasterKeyFileOption(cmd, &args->master_key_file);
  SetRun(cmd, ctx, [args](const Context& c) { return RunErase(c, *args); });
}

}  // namespace consent::cli
