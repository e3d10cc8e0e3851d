// consentctl demo [--seed N] [--calls N] [--agents N]
//
// Simulates a contact-centre day into the store (created when missing) through the Ledger
// (consent::SimulateDay), folds the compliance projections, and prints the audit report of
// that day as a table. On a store that already holds events it says so and simulates the day
// after the last event. The report is evaluated at the midnight that ends the simulated day, so
// the same options on a fresh store print the same report; 'consentctl report --at' with that
// time prints it again later.
//
// stdout: a short summary of the simulation, then the report. stderr: progress (only when it
// is a terminal), the continuation notice and timings.

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <span>
#include <string>

#include "cli.h"
#include "consent/compliance.h"
#include "consent/event_store.h"
#include "consent/report.h"
#include "consent/simulator.h"

namespace consent::cli {
namespace {

constexpr OptionSpec kDemoOptions[] = {
    {.name = "--seed"},
    {.name = "--calls"},
    {.name = "--agents"},
};

std::string Seconds(std::chrono::milliseconds d) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.1f s", static_cast<double>(d.count()) / 1000.0);
  return buf;
}

std::string SummaryText(const SimulationSummary& s, const SimulationOptions& o) {
  std::string out;
  out += "Simulated day " + FormatTime(s.day_start).substr(0, 10) + " (seed " +
         std::to_string(o.seed) + ", " + std::to_string(o.agents) + " agents)\n";
  out += "  " + std::to_string(s.calls) + " calls, " + std::to_string(s.recorded_calls) +
         " recorded (" + std::to_string(s.recordings) + " recordings, " +
         std::to_string(s.recordings_without_gate) + " started without asking the gate)\n";
  out += "  gate asked " + std::to_string(s.gate_asked) + " times, allowed " +
         std::to_string(s.gate_allowed) + "\n";
  out += "  " + std::to_string(s.objections_caller) + " caller and " +
         std::to_string(s.objections_agent) + " agent objections, " +
         std::to_string(s.private_calls) + " private calls, " + std::to_string(s.transfers) +
         " transfers, " + std::to_string(s.live_listens) + " live listens\n";
  out += "  " + std::to_string(s.accesses) + " accesses to recordings, " +
         std::to_string(s.refused_accesses) + " refused\n";
  out += "  " + std::to_string(s.events) + " events appended";
  if (s.events > 0) {
    out += " (positions " + std::to_string(s.first_position) + ".." +
           std::to_string(s.last_position) + ")";
  }
  out += "\n\n";
  return out;
}

}  // namespace

int RunDemo(const Context& ctx, std::span<const std::string> args) {
  ParsedArgs parsed;
  if (auto err = ParseArgs(args, kDemoOptions, &parsed)) return UsageError(ctx, *err);
  if (!parsed.positionals.empty()) {
    return UsageError(ctx, "unexpected argument \"" + parsed.positionals.front() + "\"");
  }
  SimulationOptions options;
  uint64_t seed = options.seed, calls = options.calls, agents = options.agents;
  if (auto err = GetUintOption(parsed, "--seed", 0, &seed)) return UsageError(ctx, *err);
  if (auto err = GetUintOption(parsed, "--calls", 1, &calls)) return UsageError(ctx, *err);
  if (auto err = GetUintOption(parsed, "--agents", 12, &agents)) return UsageError(ctx, *err);
  if (calls > 10'000'000) return UsageError(ctx, "option --calls expects at most 10000000");
  if (agents > 100'000) return UsageError(ctx, "option --agents expects at most 100000");
  options.seed = seed;
  options.calls = static_cast<uint32_t>(calls);
  options.agents = static_cast<uint32_t>(agents);

  StatusOr<std::unique_ptr<EventStore>> store = OpenStore(ctx, /*create=*/true);
  if (!store.ok()) return Fail(ctx, store.status());
  const uint64_t head = (*store)->HeadPosition();
  if (head > 0) {
    PrintError(ctx, "the store at " + ctx.db_path + " already holds " + std::to_string(head) +
                        " events; simulating the day after its last event");
  }

  Progress progress("demo");
  options.progress = [&](uint64_t, uint64_t done) { progress.Update("calls", done, calls); };
  StatusOr<SimulationSummary> summary = SimulateDay(store->get(), options);
  progress.Clear();
  if (!summary.ok()) return Fail(ctx, summary.status());

  // The report covers the simulated day (midnight to midnight, UTC) and is judged at its end.
  const auto day = std::chrono::floor<std::chrono::days>(summary->day_start);
  const TimePoint at = day + std::chrono::days(1);
  const auto fold_start = std::chrono::steady_clock::now();
  ComplianceOptions copt;
  copt.clock = [at] { return at; };
  StatusOr<std::unique_ptr<Compliance>> compliance = Compliance::Open(store->get(), copt);
  if (!compliance.ok()) return Fail(ctx, compliance.status());
  StatusOr<uint64_t> folded = (*compliance)->CatchUp();
  if (!folded.ok()) return Fail(ctx, folded.status());
  ReportOptions ropt;
  ropt.at = at;
  ropt.from = day;
  ropt.to = at;
  StatusOr<AuditReport> report = BuildReport(**compliance, **store, ropt);
  if (!report.ok()) return Fail(ctx, report.status());
  const auto report_time = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - fold_start);

  FormatOptions fopt;
  fopt.color = isatty(STDOUT_FILENO) == 1;
  std::string out = SummaryText(*summary, options);
  out += FormatReport(*report, ReportFormat::kTable, fopt);
  out += "\nTo print this report again:\n  consentctl --db " + ctx.db_path + " report --at " +
         FormatTime(at) + " \\\n      --from " + FormatTime(day) + " --to " + FormatTime(at) + "\n";
  if (std::fwrite(out.data(), 1, out.size(), stdout) != out.size()) {
    return Fail(ctx, "writing to standard output failed");
  }
  PrintError(ctx, "simulated in " + Seconds(summary->elapsed) + ", projections and report in " +
                      Seconds(report_time));
  return kExitOk;
}

}  // namespace consent::cli
