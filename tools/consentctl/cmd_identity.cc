// SPDX-License-Identifier: Apache-2.0
// consentctl identity set REF --kind caller|agent [--phone P] [--name N] [--note T]
// consentctl identity show REF [--format table|json]
//   (both: [--master-key-file FILE], or LIBCONSENT_MASTER_KEY in the environment)
//
// `set` seals the identity with the subject's key (SubjectDirectory::SealIdentity) and appends
// SubjectIdentitySealed to "subject-REF"; `show` prints the latest identity, or "erased".
// Everything is checked before the store is opened: bad input creates and changes nothing.

#include <cstdio>
#include <memory>
#include <string>

#include "cli.h"
#include "consent/output.h"
#include "master_key.h"

namespace consent::cli {
namespace {

struct SetArgs {
  std::string ref;
  std::string kind;
  Identity identity;
  std::string master_key_file;
};

struct ShowArgs {
  std::string ref;
  std::string format;
  std::string master_key_file;
};

std::string_view KindName(v1::Party kind) {
  return kind == v1::PARTY_CALLER ? "caller" : kind == v1::PARTY_AGENT ? "agent" : "unspecified";
}

int RunSet(const Context& ctx, const SetArgs& args) {
  const std::string& ref = args.ref;
  if (Status s = ValidateSubjectRef(ref); !s.ok()) return UsageError(ctx, s.message());
  const v1::Party kind = args.kind == "caller" ? v1::PARTY_CALLER : v1::PARTY_AGENT;
  if (Status s = ValidateIdentity(args.identity); !s.ok()) return UsageError(ctx, s.message());

  int code = kExitOk;
  std::optional<MasterKey> key = LoadMasterKey(ctx, args.master_key_file, &code);
  if (!key) return code;
  std::unique_ptr<EventStore> store;
  std::unique_ptr<SubjectDirectory> dir = OpenDirectory(ctx, *key, /*create=*/true, &store, &code);
  if (!dir) return code;
  StatusOr<SealResult> r = dir->SealIdentity(ref, kind, args.identity);
  if (!r.ok()) return Fail(ctx, r.status());
  std::printf("sealed the identity of %s (%s) with key %s%s, SubjectIdentitySealed at position %llu\n",
              ref.c_str(), std::string(KindName(kind)).c_str(), r->key_id.c_str(),
              r->key_created ? " (new)" : "", static_cast<unsigned long long>(r->position));
  return kExitOk;
}

std::string IdentityJson(const IdentityRecord& r) {
  JsonWriter w;
  w.BeginObject();
  w.String("subject_ref", r.subject_ref);
  w.String("kind", KindName(r.kind));
  w.String("key_id", r.key_id);
  w.Bool("erased", r.erased);
  w.Uint("sealed_position", r.sealed_position);
  w.Uint("erased_position", r.erased_position);
  if (r.identity) {
    w.String("phone_number", r.identity->phone_number);
    w.String("name", r.identity->name);
    w.String("note", r.identity->note);
  } else {
    w.Null("phone_number");
    w.Null("name");
    w.Null("note");
  }
  w.EndObject();
  return w.Take();
}

int RunShow(const Context& ctx, const ShowArgs& args) {
  const std::string& ref = args.ref;
  if (Status s = ValidateSubjectRef(ref); !s.ok()) return UsageError(ctx, s.message());
  int code = kExitOk;
  std::optional<MasterKey> key = LoadMasterKey(ctx, args.master_key_file, &code);
  if (!key) return code;
  std::unique_ptr<EventStore> store;
  std::unique_ptr<SubjectDirectory> dir = OpenDirectory(ctx, *key, /*create=*/false, &store, &code);
  if (!dir) return code;
  StatusOr<IdentityRecord> r = dir->Lookup(ref);
  if (!r.ok()) return Fail(ctx, r.status());
  if (args.format == "json") return WriteOut(ctx, IdentityJson(*r));
  std::printf("subject   %s\nkind      %s\nkey       %s\n", r->subject_ref.c_str(),
              std::string(KindName(r->kind)).c_str(), r->key_id.c_str());
  if (r->erased) {
    std::printf("status    ERASED (SubjectErased at position %llu): identity destroyed\n",
                static_cast<unsigned long long>(r->erased_position));
  } else if (r->identity) {
    std::printf("phone     %s\nname      %s\nnote      %s\nsealed at position %llu\n",
                r->identity->phone_number.c_str(), r->identity->name.c_str(), r->identity->note.c_str(),
                static_cast<unsigned long long>(r->sealed_position));
  } else {
    std::printf("status    key only, no identity sealed yet\n");
  }
  return kExitOk;
}

void AddSetCommand(CLI::App* identity, Context& ctx) {
  auto args = std::make_shared<SetArgs>();
  CLI::App* cmd = AddCommand(
      *identity, "set", "seal a subject's identity (SubjectIdentitySealed); creates the store when missing");
  cmd->add_option("REF", args->ref, "the subject's reference (caller-..., agent-...)")->required();
  cmd->add_option("--kind", args->kind, "the kind of subject")
      ->required()
      ->check(CLI::IsMember({"caller", "agent"}))
      ->option_text("caller|agent");
  cmd->add_option("--phone", args->identity.phone_number, "phone number (E.164: +3225551234)")->type_name("P");
  cmd->add_option("--name", args->identity.name, "full name")->type_name("N");
  cmd->add_option("--note", args->identity.note, "free text, bounded")->type_name("T");
  AddMasterKeyFileOption(cmd, &args->master_key_file);
  SetRun(cmd, ctx, [args](const Context& c) { return RunSet(c, *args); });
}

void AddShowCommand(CLI::App* identity, Context& ctx) {
  auto args = std::make_shared<ShowArgs>();
  CLI::App* cmd = AddCommand(*identity, "show", "print a subject's latest identity, or that it was erased");
  cmd->add_option("REF", args->ref, "the subject's reference")->required();
  AddFormatOption(cmd, &args->format, {"table", "json"});
  AddMasterKeyFileOption(cmd, &args->master_key_file);
  SetRun(cmd, ctx, [args](const Context& c) { return RunShow(c, *args); });
}

}  // namespace

void AddIdentityCommand(CLI::App& app, Context& ctx) {
  CLI::App* identity = AddCommand(
      app, "identity", "seal a subject's real identity in the subject directory, or show it (or \"erased\")");
  identity->require_subcommand(1);
  AddSetCommand(identity, ctx);
  AddShowCommand(identity, ctx);
}

}  // namespace consent::cli
