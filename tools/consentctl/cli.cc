// SPDX-License-Identifier: Apache-2.0
#include "cli.h"

#include "consent/report.h"

#include <unistd.h>

#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <system_error>
#include <utility>

namespace consent::cli {

// ---- Registration on CLI11 ------------------------------------------------------------------

CLI::App* AddCommand(CLI::App& app, const std::string& name, const std::string& description) {
  return app.add_subcommand(name, description)->group("Commands");
}

namespace {

// "hold place": the names from below the top-level app down to `cmd`.
std::string FullName(const CLI::App& cmd) {
  std::string name = cmd.get_name();
  for (const CLI::App* p = cmd.get_parent(); p != nullptr && p->get_parent() != nullptr;
       p = p->get_parent()) {
    name = p->get_name() + " " + name;
  }
  return name;
}

}  // namespace

std::string Synopsis(const CLI::App& cmd) {
  const std::string name = cmd.get_parent() == nullptr ? "" : " " + FullName(cmd);
  CLI::Formatter formatter;
  formatter.label("SUBCOMMAND", "COMMAND");
  std::string usage = formatter.make_usage(&cmd, "consentctl [--db PATH]" + name);
  // CLI11 writes "Usage: ...\n".
  if (usage.starts_with("Usage: ")) usage.erase(0, 7);
  while (!usage.empty() && usage.back() == '\n') usage.pop_back();
  return usage;
}

void SetRun(CLI::App* cmd, Context& ctx, std::function<int(const Context&)> run) {
  cmd->callback([cmd, &ctx, run = std::move(run)] {
    ctx.command = FullName(*cmd);
    ctx.usage = Synopsis(*cmd);
    ctx.exit_code = run(ctx);
  });
}

CLI::Option* AddTimeOption(CLI::App* cmd, const std::string& name,
                           std::optional<std::chrono::system_clock::time_point>* out,
                           const std::string& description) {
  auto parse = [name, out](const std::string& text) {
    StatusOr<TimePoint> t = ParseTime(text);
    if (!t.ok()) {
      throw CLI::ValidationError(name, "expects a time such as 2026-03-02T18:00:00Z or a date such as "
                                       "2026-03-02, got \"" + text + "\"");
    }
    *out = *t;
  };
  return cmd->add_option_function<std::string>(name, parse, description)->type_name("TIME");
}

namespace {

// A decimal unsigned integer (no sign, no spaces); std::nullopt when `text` is not one.
std::optional<uint64_t> ParseUint(std::string_view text) {
  uint64_t v = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, v);
  if (text.empty() || ec != std::errc() || ptr != end) return std::nullopt;
  return v;
}

}  // namespace

CLI::Validator IntegerBetween(uint64_t min, uint64_t max) {
  auto check = [min, max](std::string& text) -> std::string {
    const std::optional<uint64_t> v = ParseUint(text);
    if (v && *v >= min && *v <= max) return "";
    const std::string bounds = max == UINT64_MAX ? ">= " + std::to_string(min)
                                                 : "from " + std::to_string(min) + " to " + std::to_string(max);
    return "expects an integer " + bounds + ", got \"" + text + "\"";
  };
  return CLI::Validator(check, "");
}

CLI::Option* AddFormatOption(CLI::App* cmd, std::string* out, std::vector<std::string> formats) {
  *out = formats.front();
  std::string names;
  for (const std::string& f : formats) names += (names.empty() ? "" : "|") + f;
  return cmd->add_option("--format", *out, "output format (default: " + formats.front() + ")")
      ->check(CLI::IsMember(formats))
      ->option_text(names);
}

const CLI::App& SelectedCommand(const CLI::App& app) {
  for (const CLI::App* sub : app.get_subcommands()) return SelectedCommand(*sub);
  return app;
}

namespace {

// "place, review or release".
std::string SubcommandNames(const CLI::App& app) {
  const std::vector<const CLI::App*> subs = app.get_subcommands([](const CLI::App*) { return true; });
  std::string names;
  for (size_t i = 0; i < subs.size(); ++i) {
    if (i > 0) names += i + 1 == subs.size() ? " or " : ", ";
    names += subs[i]->get_name();
  }
  return names;
}

// CLI11's message, said plainly where a command was expected.
std::string ParseErrorMessage(const CLI::App& failed, const CLI::ParseError& e) {
  const bool has_commands = !failed.get_subcommands([](const CLI::App*) { return true; }).empty();
  const bool no_command = e.get_name() == "RequiredError" && std::string_view(e.what()) == "A subcommand is required";
  if (!has_commands || (!no_command && e.get_name() != "ExtrasError")) return e.what();
  // Arguments a command does not take fall through to its parents.
  for (const CLI::App* a = &failed; a != nullptr; a = a->get_parent()) {
    for (const std::string& arg : a->remaining()) {
      if (!arg.starts_with("-")) return "unknown command \"" + arg + "\" (expected " + SubcommandNames(failed) + ")";
    }
  }
  return no_command ? "expected a command: " + SubcommandNames(failed) : e.what();
}

}  // namespace

int ReportParseError(const CLI::App& failed, const CLI::ParseError& e) {
  const std::string name = failed.get_parent() == nullptr ? "" : " " + FullName(failed);
  const std::string text = "consentctl" + name + ": " + ParseErrorMessage(failed, e) + "\nusage: " +
                           Synopsis(failed) + "\nRun 'consentctl" + name + " --help' for " +
                           (name.empty() ? "the commands." : "its options.") + "\n";
  std::fflush(stdout);
  std::fwrite(text.data(), 1, text.size(), stderr);
  return kExitUsage;
}

bool UseColor(std::FILE* stream) {
  const char* no_color = std::getenv("NO_COLOR");
  if (no_color != nullptr && *no_color != '\0') return false;
  return isatty(fileno(stream)) == 1;
}

int WriteOut(const Context& ctx, std::string_view text) {
  if (std::fwrite(text.data(), 1, text.size(), stdout) != text.size()) {
    return Fail(ctx, "writing to standard output failed");
  }
  return kExitOk;
}

void PrintError(const Context& ctx, std::string_view message) {
  std::string line = "consentctl ";
  line.append(ctx.command);
  line.append(": ");
  line.append(message);
  line.push_back('\n');
  std::fflush(stdout);
  std::fwrite(line.data(), 1, line.size(), stderr);
}

int Fail(const Context& ctx, std::string_view message) {
  PrintError(ctx, message);
  return kExitFailure;
}

int Fail(const Context& ctx, const Status& status) { return Fail(ctx, status.message()); }

int UsageError(const Context& ctx, std::string_view message) {
  PrintError(ctx, message);
  const std::string usage =
      "usage: " + ctx.usage + "\nRun 'consentctl " + ctx.command + " --help' for its options.\n";
  std::fwrite(usage.data(), 1, usage.size(), stderr);
  return kExitUsage;
}

StatusOr<std::unique_ptr<EventStore>> OpenStoreWith(const Context& ctx, bool create, bool read_only);

bool StoreExists(const Context& ctx) {
  std::error_code ec;
  const std::filesystem::path path(ctx.db_path);
  if (!std::filesystem::exists(path, ec)) return false;
  return !(std::filesystem::is_directory(path, ec) && std::filesystem::is_empty(path, ec));
}

StatusOr<std::unique_ptr<EventStore>> OpenStore(const Context& ctx, bool create) {
  return OpenStoreWith(ctx, create, /*read_only=*/false);
}

StatusOr<std::unique_ptr<EventStore>> OpenStoreForReading(const Context& ctx) {
  return OpenStoreWith(ctx, /*create=*/false, /*read_only=*/true);
}

StatusOr<std::unique_ptr<EventStore>> OpenStoreWith(const Context& ctx, bool create, bool read_only) {
  const std::string& path = ctx.db_path;
  // Checked here rather than left to Open(): RocksDB may create the directory (and a LOCK
  // file) before it notices that there is no database, and a read-only command leaves no trace.
  if (!create && !StoreExists(ctx)) {
    return NotFoundError("no store at " + path +
                         " (give its directory with --db PATH; 'consentctl import' creates one)");
  }
  StoreOptions options;
  options.create_if_missing = create;
  options.read_only = read_only;
  auto store = EventStore::Open(options, path);
  if (!store.ok() && store.status().code() == StatusCode::kNotFound) {
    return NotFoundError("no store at " + path + " (it exists but holds no libconsent store)",
                         store.status().context());
  }
  return store;
}

Progress::Progress(std::string_view label)
    : label_(label),
      enabled_(isatty(STDERR_FILENO) == 1),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_) {}

Progress::~Progress() { Clear(); }

void Progress::Update(std::string_view what, uint64_t done, uint64_t total) {
  if (!enabled_) return;
  auto now = std::chrono::steady_clock::now();
  if (now - start_ < std::chrono::seconds(1)) return;
  if (drawn_ && now - last_draw_ < std::chrono::milliseconds(200)) return;
  last_draw_ = now;
  std::string line = "\r\033[Kconsentctl " + label_ + ": " + std::string(what) + " " +
                     std::to_string(done);
  if (total > 0) {
    line += "/" + std::to_string(total) + " (" + std::to_string(done * 100 / total) + "%)";
  }
  const double seconds = std::chrono::duration<double>(now - start_).count();
  line += ", " + std::to_string(static_cast<uint64_t>(static_cast<double>(done) / seconds)) + "/s";
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
  drawn_ = true;
}

void Progress::Clear() {
  if (!drawn_) return;
  std::fputs("\r\033[K", stderr);
  std::fflush(stderr);
  drawn_ = false;
}

}  // namespace consent::cli
