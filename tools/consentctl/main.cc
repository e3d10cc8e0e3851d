// consentctl — the command-line face of a libconsent store.
//
//   consentctl [--db PATH] COMMAND [ARGS...]
//
// Adding a command: write cmd_NAME.cc defining `int RunName(const Context&, std::span<...>)`,
// declare it below and add one line to kCommands.

#include <cstdio>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cli.h"

namespace consent::cli {

int RunImport(const Context& ctx, std::span<const std::string> args);
int RunExport(const Context& ctx, std::span<const std::string> args);
int RunVerify(const Context& ctx, std::span<const std::string> args);
int RunStats(const Context& ctx, std::span<const std::string> args);
int RunDemo(const Context& ctx, std::span<const std::string> args);
int RunReport(const Context& ctx, std::span<const std::string> args);
int RunPurgePlan(const Context& ctx, std::span<const std::string> args);
int RunHold(const Context& ctx, std::span<const std::string> args);
int RunSubject(const Context& ctx, std::span<const std::string> args);
int RunIdentity(const Context& ctx, std::span<const std::string> args);
int RunErase(const Context& ctx, std::span<const std::string> args);
int RunReplicate(const Context& ctx, std::span<const std::string> args);
int RunGroup(const Context& ctx, std::span<const std::string> args);

namespace {

constexpr std::string_view kDefaultDb = "./consent-data";

constexpr Command kCommands[] = {
    {"import", "append", "FILE.jsonl|-",
     "append events from JSON Lines (whole file validated first; safe to re-run)", RunImport},
    {"export", "",
     "[--from POS] [--to POS] [--stream S] [--category C]... [--type T]... [--limit N]",
     "write events as JSON Lines to stdout", RunExport},
    {"verify", "", "[--from POS] [--to POS]", "check the hash chain and the indexes", RunVerify},
    {"stats", "", "[--format table|json]", "print the store's figures", RunStats},
    {"demo", "", "[--seed N] [--calls N] [--agents N]",
     "simulate a contact-centre day into the store and print its audit report", RunDemo},
    {"report", "", "[--format table|json|csv] [--at TIME] [--from TIME] [--to TIME]",
     "print the audit report (verdicts by rule, objections, sampling, accesses)", RunReport},
    {"purge-plan", "", "[--at TIME] [--horizon HOURS] [--all] [--format table|json|csv]",
     "what to delete now, why and by when; legal holds and their reviews", RunPurgePlan},
    {"hold", "", "place|review|release --id H [--reason T] [--case REF] [--owner REF] [--by REF] ...",
     "record a legal hold, its review or its release", RunHold},
    {"subject", "", "REF [--at TIME] [--master-key-file F]",
     "subject access export (calls, recordings, access log, documents, requests) as JSON", RunSubject},
    {"identity", "", "set REF --kind caller|agent [--phone P] [--name N] [--note T] | show REF [--format table|json] [--master-key-file F]",
     "seal a subject's real identity in the subject directory, or show it (or \"erased\")", RunIdentity},
    {"erase", "", "REF [--request ID] [--master-key-file F]",
     "crypto-shred a subject: destroy its key, record SubjectErased, scrub the files", RunErase},
    {"replicate", "", "--nats URLS --site S [--stream N] [--follow] [--replicas R] [--dedupe-window SECONDS] [--ack-timeout MS] [--window N]",
     "publish the store's events to the group's NATS JetStream stream, exactly once", RunReplicate},
    {"group", "", "pull --nats URLS [--stream N] [--durable D] [--follow] | status [--nats URLS] [--format table|json]",
     "apply every site's replicated events to this group store, or show each site's position, lag and chain", RunGroup},
};

const Command* FindCommand(std::string_view name) {
  for (const Command& c : kCommands) {
    if (c.name == name || (!c.alias.empty() && c.alias == name)) return &c;
  }
  return nullptr;
}

std::string MainUsage() {
  std::string s =
      "usage: consentctl [--db PATH] COMMAND [ARGS...]\n"
      "\n"
      "Options:\n"
      "  --db PATH   the store's directory (default: ./consent-data)\n"
      "  --help      this text; 'consentctl COMMAND --help' for one command\n"
      "\n"
      "Commands:\n";
  for (const Command& c : kCommands) {
    std::string line = "  " + std::string(c.name);
    if (line.size() < 12) line.resize(12, ' ');
    line += std::string(c.help);
    if (!c.alias.empty()) line += " (alias: " + std::string(c.alias) + ")";
    s += line + "\n";
  }
  s += "\nExit codes: 0 success, 1 the operation failed, 2 usage error.\n";
  return s;
}

std::string CommandUsage(const Command& c) {
  std::string s = "usage: consentctl [--db PATH] " + std::string(c.name);
  if (!c.usage.empty()) s += " " + std::string(c.usage);
  s += "\n\n" + std::string(c.help) + "\n";
  return s;
}

int MainUsageError(std::string_view message) {
  std::fprintf(stderr, "consentctl: %.*s\n%s", static_cast<int>(message.size()), message.data(),
               MainUsage().c_str());
  return kExitUsage;
}

int Main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);

  // Global options may come before or after the command (up to "--"): pull them out first.
  std::string db(kDefaultDb);
  bool help = false;
  std::vector<std::string> rest;
  bool options_ended = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (options_ended) {
      rest.push_back(a);
    } else if (a == "--") {
      options_ended = true;
      rest.push_back(a);
    } else if (a == "--db") {
      if (i + 1 >= args.size()) return MainUsageError("option --db needs a value");
      db = args[++i];
      if (db.empty()) return MainUsageError("option --db needs a non-empty path");
    } else if (a.starts_with("--db=")) {
      db = a.substr(5);
      if (db.empty()) return MainUsageError("option --db needs a non-empty path");
    } else if (a == "--help" || a == "-h") {
      help = true;
    } else {
      rest.push_back(a);
    }
  }

  if (rest.empty() || rest.front() == "--") {
    if (help) {
      std::fputs(MainUsage().c_str(), stdout);
      return kExitOk;
    }
    return MainUsageError("no command given");
  }
  std::string_view name = rest.front();
  if (name == "help") {
    const Command* c = rest.size() > 1 ? FindCommand(rest[1]) : nullptr;
    std::fputs(c != nullptr ? CommandUsage(*c).c_str() : MainUsage().c_str(), stdout);
    return kExitOk;
  }
  const Command* command = FindCommand(name);
  if (command == nullptr) {
    const char* what = name.starts_with("-") ? "unknown option" : "unknown command";
    return MainUsageError(std::string(what) + " \"" + std::string(name) + "\"");
  }
  if (help) {
    std::fputs(CommandUsage(*command).c_str(), stdout);
    return kExitOk;
  }

  Context ctx;
  ctx.db_path = db;
  ctx.command = command->name;
  ctx.usage = command->usage;
  int code = command->run(ctx, std::span<const std::string>(rest).subspan(1));
  if (std::fflush(stdout) != 0 && code == kExitOk) {
    return Fail(ctx, "writing to standard output failed");
  }
  return code;
}

}  // namespace
}  // namespace consent::cli

int main(int argc, char** argv) { return consent::cli::Main(argc, argv); }
