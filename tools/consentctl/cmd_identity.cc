// consentctl identity set REF --kind caller|agent [--phone P] [--name N] [--note T]
// consentctl identity show REF [--format table|json]
//   (both: [--master-key-file FILE], or LIBCONSENT_MASTER_KEY in the environment)
//
// `set` seals the identity with the subject's key (SubjectDirectory::SealIdentity) and appends
// SubjectIdentitySealed to "subject-REF"; `show` prints the latest identity, or "erased".
// Everything is checked before the store is opened: bad input creates and changes nothing.

#include <cstdio>
#include <span>
#include <string>

#include "cli.h"
#include "master_key.h"

namespace consent::cli {
namespace {

constexpr OptionSpec kSetOptions[] = {
    {.name = "--kind"}, {.name = "--phone"}, {.name = "--name"}, {.name = "--note"},
    kMasterKeyFileOption,
};
constexpr OptionSpec kShowOptions[] = {
    {.name = "--format"},
    kMasterKeyFileOption,
};

std::string_view KindName(v1::Party kind) {
  return kind == v1::PARTY_CALLER ? "caller" : kind == v1::PARTY_AGENT ? "agent" : "unspecified";
}

int RunSet(const Context& ctx, std::span<const std::string> args) {
  ParsedArgs parsed;
  if (auto err = ParseArgs(args, kSetOptions, &parsed)) return UsageError(ctx, *err);
  if (parsed.positionals.size() != 1) {
    return UsageError(ctx, parsed.positionals.empty() ? "identity set: missing REF"
                                                      : "identity set: unexpected argument \"" +
                                                            parsed.positionals[1] + "\"");
  }
  const std::string& ref = parsed.positionals[0];
  if (Status s = ValidateSubjectRef(ref); !s.ok()) return UsageError(ctx, s.message());
  const std::string kind_text = parsed.get("--kind").value_or("");
  v1::Party kind = v1::PARTY_UNSPECIFIED;
  if (kind_text == "caller") {
    kind = v1::PARTY_CALLER;
  } else if (kind_text == "agent") {
    kind = v1::PARTY_AGENT;
  } else {
    return UsageError(ctx, kind_text.empty() ? "identity set: --kind caller|agent is required"
                                             : "identity set: --kind must be caller or agent, not \"" +
                                                   kind_text + "\"");
  }
  Identity identity;
  identity.phone_number = parsed.get("--phone").value_or("");
  identity.name = parsed.get("--name").value_or("");
  identity.note = parsed.get("--note").value_or("");
  if (Status s = ValidateIdentity(identity); !s.ok()) return UsageError(ctx, s.message());

  int code = kExitOk;
  std::optional<MasterKey> key = LoadMasterKey(ctx, parsed, &code);
  if (!key) return code;
  std::unique_ptr<EventStore> store;
  std::unique_ptr<SubjectDirectory> dir = OpenDirectory(ctx, *key, /*create=*/true, &store, &code);
  if (!dir) return code;
  StatusOr<SealResult> r = dir->SealIdentity(ref, kind, identity);
  if (!r.ok()) return Fail(ctx, r.status());
  std::printf("sealed the identity of %s (%s) with key %s%s, SubjectIdentitySealed at position %llu\n",
              ref.c_str(), std::string(KindName(kind)).c_str(), r->key_id.c_str(),
              r->key_created ? " (new)" : "", static_cast<unsigned long long>(r->position));
  return kExitOk;
}

int RunShow(const Context& ctx, std::span<const std::string> args) {
  ParsedArgs parsed;
  if (auto err = ParseArgs(args, kShowOptions, &parsed)) return UsageError(ctx, *err);
  if (parsed.positionals.size() != 1) {
    return UsageError(ctx, parsed.positionals.empty() ? "identity show: missing REF"
                                                      : "identity show: unexpected argument \"" +
                                                            parsed.positionals[1] + "\"");
  }
  const std::string& ref = parsed.positionals[0];
  if (Status s = ValidateSubjectRef(ref); !s.ok()) return UsageError(ctx, s.message());
  const std::string format = parsed.get("--format").value_or("table");
  if (format != "table" && format != "json") {
    return UsageError(ctx, "identity show: --format must be table or json, not \"" + format + "\"");
  }
  int code = kExitOk;
  std::optional<MasterKey> key = LoadMasterKey(ctx, parsed, &code);
  if (!key) return code;
  std::unique_ptr<EventStore> store;
  std::unique_ptr<SubjectDirectory> dir = OpenDirectory(ctx, *key, /*create=*/false, &store, &code);
  if (!dir) return code;
  StatusOr<IdentityRecord> r = dir->Lookup(ref);
  if (!r.ok()) return Fail(ctx, r.status());
  if (format == "json") {
    std::string out = "{\"subject_ref\":" + JsonQuote(r->subject_ref) +
                      ",\"kind\":" + JsonQuote(KindName(r->kind)) + ",\"key_id\":" + JsonQuote(r->key_id) +
                      ",\"erased\":" + (r->erased ? "true" : "false") +
                      ",\"sealed_position\":" + std::to_string(r->sealed_position) +
                      ",\"erased_position\":" + std::to_string(r->erased_position);
    if (r->identity) {
      out += ",\"phone_number\":" + JsonQuote(r->identity->phone_number) +
             ",\"name\":" + JsonQuote(r->identity->name) + ",\"note\":" + JsonQuote(r->identity->note);
    }
    out += "}\n";
    std::fputs(out.c_str(), stdout);
    return kExitOk;
  }
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

}  // namespace

int RunIdentity(const Context& ctx, std::span<const std::string> args) {
  if (args.empty()) return UsageError(ctx, "missing the subcommand: set or show");
  if (args[0] == "set") return RunSet(ctx, args.subspan(1));
  if (args[0] == "show") return RunShow(ctx, args.subspan(1));
  return UsageError(ctx, "unknown subcommand \"" + args[0] + "\" (expected set or show)");
}

}  // namespace consent::cli
