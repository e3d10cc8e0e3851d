// SPDX-License-Identifier: Apache-2.0
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
// On a group store (consentctl group pull) the report has one section per site and the group's
// total (consent::BuildGroupReport / FormatGroupReport); CSV rows then lead with a `site` column.

#include <unistd.h>

#include <cstdio>
#include <span>
#include <string>

#include "cli.h"
#include "consent/compliance.h"
#include "consent/event_store.h"
#include "consent/group.h"
#include "consent/group_report.h"
#include "consent/report.h"

namespace consent::cli {
namespace {

struct ReportArgs {
  std::string format;
  ReportOptions options;
};

ComplianceOptions EngineOptions(const ReportOptions& ropt) {
  ComplianceOptions copt;
  if (ropt.at) {
    const TimePoint at = *ropt.at;
    copt.clock = [at] { return at; };
  }
  return copt;
}

int RunGroupReport(const Context& ctx, EventStore& group, const ReportOptions& ropt, ReportFormat format) {
  StatusOr<GroupReport> report = BuildGroupReport(group, ropt, EngineOptions(ropt));
  if (!report.ok()) return Fail(ctx, report.status());
  return WriteOut(ctx, FormatGroupReport(*report, format));
}

int RunReport(const Context& ctx, const ReportArgs& args) {
  const ReportFormat format = args.format == "json"  ? ReportFormat::kJson
                              : args.format == "csv" ? ReportFormat::kCsv
                                                     : ReportFormat::kTable;
  const ReportOptions& ropt = args.options;
  if (ropt.from && ropt.to && *ropt.to < *ropt.from) {
    return UsageError(ctx, "--to is before --from");
  }

  StatusOr<std::unique_ptr<EventStore>> store = OpenStoreForReading(ctx);
  if (!store.ok()) return Fail(ctx, store.status());
  StatusOr<bool> group = IsGroupStore(**store);
  if (!group.ok()) return Fail(ctx, group.status());
  if (*group) return RunGroupReport(ctx, **store, ropt, format);
  StatusOr<std::unique_ptr<Compliance>> compliance = Compliance::Open(store->get(), EngineOptions(ropt));
  if (!compliance.ok()) return Fail(ctx, compliance.status());
  if (auto why = (*compliance)->recovery()) PrintError(ctx, *why);
  StatusOr<uint64_t> folded = (*compliance)->CatchUp();
  if (!folded.ok()) return Fail(ctx, folded.status());
  StatusOr<AuditReport> report = BuildReport(**compliance, **store, ropt);
  if (!report.ok()) return Fail(ctx, report.status());

  FormatOptions fopt;
  fopt.color = format == ReportFormat::kTable && UseColor(stdout);
  const std::string out = FormatReport(*report, format, fopt);
  if (std::fwrite(out.data(), 1, out.size(), stdout) != out.size()) {
    return Fail(ctx, "writing to standard output failed");
  }
  return kExitOk;
}

}  // namespace

void AddReportCommand(CLI::App& app, Context& ctx) {
  auto args = std::make_shared<ReportArgs>();
  CLI::App* cmd = AddCommand(app, "report", "print the audit report (verdicts by rule, objections, sampling, accesses)");
  AddFormatOption(cmd, &args->format, {"table", "json", "csv"});
  AddTimeOption(cmd, "--at", &args->options.at, "the time to judge at (default: now)");
  AddTimeOption(cmd, "--from", &args->options.from, "count only calls started at or after TIME");
  AddTimeOption(cmd, "--to", &args->options.to, "count only calls started before TIME");
  cmd->footer("Times are RFC 3339 (2026-03-02T18:00:00Z) or dates (2026-03-02, midnight UTC). The "
              "projections' state is kept in the store: the next run folds only what is new.");
  SetRun(cmd, ctx, [args](const Context& c) { return RunReport(c, *args); });
}

}  // namespace consent::cli
