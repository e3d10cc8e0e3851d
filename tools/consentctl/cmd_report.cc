// consentctl report [--format table|json|csv] [--at TIME] [--from TIME] [--to TIME]
//
// Opens an existing store, brings the compliance projections up to the head of the log (their
// state and checkpoint are persisted in the store, so the next run folds only what is new), and
// prints the audit report (consent::BuildReport / FormatReport):
//   table  aligned sections for a reader, 100 columns (colour only when stdout is a terminal);
//   json   one object with snake_case keys;
//   csv    one row per rule: rule_id,title,violated,unverified,pending,ok,not_applicable,
//          example_calls.
// --at is the evaluation time (default: now); --from/--to restrict the calls counted to those
// started in [from, to). Times are RFC 3339 ("2026-03-02T18:00:00Z") or dates ("2026-03-02").

#include <unistd.h>

#include <cstdio>
#include <span>
#include <string>

#include "cli.h"
#include "consent/compliance.h"
#include "consent/event_store.h"
#include "consent/report.h"

namespace consent::cli {
namespace {

constexpr OptionSpec kReportOptions[] = {
    {.name = "--format"},
    {.name = "--at"},
    {.name = "--from"},
    {.name = "--to"},
};

}  // namespace

int RunReport(const Context& ctx, std::span<const std::string> args) {
  ParsedArgs parsed;
  if (auto err = ParseArgs(args, kReportOptions, &parsed)) return UsageError(ctx, *err);
  if (!parsed.positionals.empty()) {
    return UsageError(ctx, "unexpected argument \"" + parsed.positionals.front() + "\"");
  }
  const std::string format_name = parsed.get("--format").value_or("table");
  ReportFormat format;
  if (format_name == "table") {
    format = ReportFormat::kTable;
  } else if (format_name == "json") {
    format = ReportFormat::kJson;
  } else if (format_name == "csv") {
    format = ReportFormat::kCsv;
  } else {
    return UsageError(ctx, "--format must be table, json or csv, got \"" + format_name + "\"");
  }
  ReportOptions ropt;
  if (auto err = GetTimeOption(parsed, "--at", &ropt.at)) return UsageError(ctx, *err);
  if (auto err = GetTimeOption(parsed, "--from", &ropt.from)) return UsageError(ctx, *err);
  if (auto err = GetTimeOption(parsed, "--to", &ropt.to)) return UsageError(ctx, *err);
  if (ropt.from && ropt.to && *ropt.to < *ropt.from) {
    return UsageError(ctx, "--to is before --from");
  }

  StatusOr<std::unique_ptr<EventStore>> store = OpenStoreForReading(ctx);
  if (!store.ok()) return Fail(ctx, store.status());
  ComplianceOptions copt;
  if (ropt.at) {
    const TimePoint at = *ropt.at;
    copt.clock = [at] { return at; };
  }
  StatusOr<std::unique_ptr<Compliance>> compliance = Compliance::Open(store->get(), copt);
  if (!compliance.ok()) return Fail(ctx, compliance.status());
  if (auto why = (*compliance)->recovery()) PrintError(ctx, *why);
  StatusOr<uint64_t> folded = (*compliance)->CatchUp();
  if (!folded.ok()) return Fail(ctx, folded.status());
  StatusOr<AuditReport> report = BuildReport(**compliance, **store, ropt);
  if (!report.ok()) return Fail(ctx, report.status());

  FormatOptions fopt;
  fopt.color = format == ReportFormat::kTable && isatty(STDOUT_FILENO) == 1;
  const std::string out = FormatReport(*report, format, fopt);
  if (std::fwrite(out.data(), 1, out.size(), stdout) != out.size()) {
    return Fail(ctx, "writing to standard output failed");
  }
  return kExitOk;
}

}  // namespace consent::cli
