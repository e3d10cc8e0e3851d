#include "cli.h"

#include "consent/report.h"

#include <unistd.h>

#include <charconv>
#include <cstdio>
#include <filesystem>
#include <system_error>
#include <utility>

namespace consent::cli {

std::optional<std::string> ParsedArgs::get(std::string_view name) const {
  auto it = options.find(name);
  if (it == options.end() || it->second.empty()) return std::nullopt;
  return it->second.back();
}

std::vector<std::string> ParsedArgs::all(std::string_view name) const {
  auto it = options.find(name);
  if (it == options.end()) return {};
  return it->second;
}

std::optional<std::string> ParseArgs(std::span<const std::string> args,
                                     std::span<const OptionSpec> specs, ParsedArgs* out) {
  bool options_ended = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (options_ended || arg == "-" || !arg.starts_with("-")) {
      out->positionals.push_back(arg);
      continue;
    }
    if (arg == "--") {
      options_ended = true;
      continue;
    }
    std::string_view name = arg;
    std::optional<std::string> inline_value;
    if (size_t eq = name.find('='); eq != std::string_view::npos) {
      inline_value = std::string(name.substr(eq + 1));
      name = name.substr(0, eq);
    }
    const OptionSpec* spec = nullptr;
    for (const OptionSpec& s : specs) {
      if (s.name == name) spec = &s;
    }
    if (spec == nullptr) return "unknown option \"" + std::string(name) + "\"";
    std::string value;
    if (spec->takes_value) {
      if (inline_value) {
        value = std::move(*inline_value);
      } else if (i + 1 < args.size()) {
        value = args[++i];
      } else {
        return "option " + std::string(name) + " needs a value";
      }
    } else if (inline_value) {
      return "option " + std::string(name) + " takes no value";
    }
    auto [it, inserted] = out->options.try_emplace(std::string(name));
    if (!inserted && !spec->repeatable) {
      return "option " + std::string(name) + " given twice";
    }
    it->second.push_back(std::move(value));
  }
  return std::nullopt;
}

std::optional<uint64_t> ParseUint(std::string_view text) {
  uint64_t v = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, v);
  if (text.empty() || ec != std::errc() || ptr != end) return std::nullopt;
  return v;
}

std::optional<std::string> GetUintOption(const ParsedArgs& parsed, std::string_view name,
                                         uint64_t min, uint64_t* out) {
  std::optional<std::string> text = parsed.get(name);
  if (!text) return std::nullopt;
  std::optional<uint64_t> v = ParseUint(*text);
  if (!v || *v < min) {
    return "option " + std::string(name) + " expects an integer >= " + std::to_string(min) +
           ", got \"" + *text + "\"";
  }
  *out = *v;
  return std::nullopt;
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

std::optional<std::string> GetTimeOption(const ParsedArgs& parsed, std::string_view name,
                                         std::optional<std::chrono::system_clock::time_point>* out) {
  std::optional<std::string> text = parsed.get(name);
  if (!text) return std::nullopt;
  StatusOr<TimePoint> t = ParseTime(*text);
  if (!t.ok()) {
    return "option " + std::string(name) + " expects a time such as 2026-03-02T18:00:00Z or " +
           "a date such as 2026-03-02, got \"" + *text + "\"";
  }
  *out = *t;
  return std::nullopt;
}

int Fail(const Context& ctx, std::string_view message) {
  PrintError(ctx, message);
  return kExitFailure;
}

int Fail(const Context& ctx, const Status& status) { return Fail(ctx, status.message()); }

int UsageError(const Context& ctx, std::string_view message) {
  PrintError(ctx, message);
  std::string usage = "usage: consentctl [--db PATH] ";
  usage.append(ctx.command);
  if (!ctx.usage.empty()) {
    usage.push_back(' ');
    usage.append(ctx.usage);
  }
  usage.append("\nRun 'consentctl --help' for the list of commands.\n");
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

std::string JsonQuote(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\u%04x", static_cast<unsigned>(c));
          out += buf;
        } else {
          out.push_back(c);
        }
    }
  }
  out.push_back('"');
  return out;
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
