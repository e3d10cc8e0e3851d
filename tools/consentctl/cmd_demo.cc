// SPDX-License-Identifier: Apache-2.0
// consentctl demo [--seed N] [--calls N] [--agents N]
//
// Simulates a contact-centre day into the store (created when missing) through the Ledger
// (consent::SimulateDay), folds the compliance projections, and prints the audit report of
// that day as a table. On a store that already holds events it says so and simulates the day
// after the last call. The report is evaluated at the midnight that ends the simulated day, so
// the same options on a fresh store print the same report; 'consentctl report --at' with that
// time prints the same verdicts later (only the store position differs).
//
// Then six months pass: a legal hold is placed on a few of the day's calls the next morning,
// the host's purge job deletes what the purge plan lists as due around the six-month deadline
// (through Ledger::Record, with receipts; it misses a few and one storage system returns no
// receipt), and the report judged three days after the deadline shows due, overdue and held
// purges.
//
// stdout: a short summary of the simulation, the day's report, the purge job's summary and the
// report six months later. stderr: progress (only when it is a terminal), the continuation
// notice and timings.

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <span>
#include <string>

#include "cli.h"
#include "consent/compliance.h"
#include "consent/event_store.h"
#include "consent/ledger.h"
#include "consent/report.h"
#include "consent/retention.h"
#include "consent/simulator.h"

namespace consent::cli {
namespace {

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

std::string FromHex(const std::string& hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) out.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  return out;
}

// Six months later: the host's purge job. A legal hold is placed on a few of the day's calls
// the day after; then, for every purge the plan lists as due around the six-month deadline, the
// job records the deletion with its receipt through the Ledger — except a few it misses (left
// overdue) and a few whose storage system returned no receipt. `compliance` folds `store` and is
// brought to its head after each step (no second engine refolds the log). Returns a summary and
// sets the time to judge at.
StatusOr<std::string> SimulatePurgeJob(EventStore* store, Compliance* c, TimePoint day,
                                       const SimulationSummary& summary, TimePoint* judge_at) {
  CONSENT_ASSIGN_OR_RETURN(auto ledger, Ledger::Create(store));
  const TimePoint deadline_day = AddCalendarMonths(day, 6);
  *judge_at = deadline_day + std::chrono::days(3);
  std::string out;
  // A legal hold over three recorded calls of the day, placed the next morning.
  {
    Event hold;
    auto* p = hold.mutable_legal_hold_placed();
    p->set_hold_id("hold-demo-" + FormatTime(day).substr(0, 10));
    c->calls().ForEach(day + std::chrono::days(1), [&](const CallVerdicts& v) {
      if (v.recorded && v.started >= day && p->scope().call_ids_size() < 3) p->mutable_scope()->add_call_ids(v.call_id);
      return p->scope().call_ids_size() < 3;
    });
    p->set_reason("customer complaint escalated to litigation");
    p->set_case_reference("CASE-" + std::to_string(summary.calls));
    p->set_owner_ref("legal-counsel-1");
    *p->mutable_next_review_time() = ToTimestamp(day + std::chrono::days(60));
    *hold.mutable_occur_time() = ToTimestamp(day + std::chrono::hours(33));
    if (p->scope().call_ids_size() > 0) {
      auto placed = ledger->Record(hold);
      if (!placed.ok()) return placed.status();
      out += "  legal hold " + p->hold_id() + " placed on " + std::to_string(p->scope().call_ids_size()) +
             " calls (reviewed every 90 days)\n";
    }
  }
  CONSENT_RETURN_IF_ERROR(c->CatchUp().status());
  PlanOptions po;
  po.horizon = std::chrono::hours(24 * 3);
  const RetentionPlan plan = c->retention().Plan(deadline_day, po);
  uint64_t purged = 0, missed = 0, no_receipt = 0, n = 0;
  for (const PurgeItem& item : plan.items) {
    if (item.state != PurgeState::kDue && item.state != PurgeState::kOverdue) continue;
    if (item.target == PurgeTarget::kDocument) continue;
    ++n;
    if (n % 19 == 3) {  // the job missed it: overdue at the judging time
      ++missed;
      continue;
    }
    Event e;
    auto* p = e.mutable_recording_purged();
    p->set_recording_id(item.recording_id);
    p->set_artefact_id(item.artefact_id);
    p->set_copy_id(item.copy_id);
    p->set_call_id(item.call_id);
    p->set_reason(item.reason);
    p->set_cause_ref(item.cause_ref);
    if (n % 23 != 5) {
      p->set_content_hash(FromHex(item.content_hash_hex));
      p->set_storage_receipt("del-" + item.copy_id);
    } else {
      ++no_receipt;
    }
    const TimePoint when = item.due - std::chrono::hours(2) > deadline_day - std::chrono::days(3)
                               ? item.due - std::chrono::hours(2)
                               : deadline_day;
    *e.mutable_occur_time() = ToTimestamp(when);
    auto r = ledger->Record(e);
    if (!r.ok()) return r.status();
    ++purged;
  }
  out += "  purge job: " + std::to_string(purged) + " copies deleted (" + std::to_string(no_receipt) +
         " without a storage receipt), " + std::to_string(missed) + " missed\n";
  return out;
}

// What to do after a simulation that stopped part-way: the events it appended stay (the log is
// append-only), so the day cannot be played again into that store.
std::string RestartHint(const std::string& db_path, uint64_t head_before, uint64_t head_after) {
  const std::string partial = "the store at " + db_path + " now holds " + std::to_string(head_after - head_before) +
                              " events of an unfinished day";
  if (head_before == 0) {
    return partial + "; to start again, remove it (rm -r " + db_path + ") or pass a fresh --db";
  }
  return partial + " after its " + std::to_string(head_before) +
         " earlier events; to start again, pass a fresh --db (or restore a copy taken before the demo)";
}

int RunDemo(const Context& ctx, SimulationOptions options) {
  const uint64_t calls = options.calls;

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
  if (!summary.ok()) {
    const int code = Fail(ctx, summary.status());
    PrintError(ctx, RestartHint(ctx.db_path, head, (*store)->HeadPosition()));
    return code;
  }

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
  fopt.color = UseColor(stdout);
  std::string out = SummaryText(*summary, options);
  out += FormatReport(*report, ReportFormat::kTable, fopt);
  out += "\nTo print this report again:\n  consentctl --db " + ctx.db_path + " report --at " +
         FormatTime(at) + " \\\n      --from " + FormatTime(day) + " --to " + FormatTime(at) + "\n";
  if (std::fwrite(out.data(), 1, out.size(), stdout) != out.size()) {
    return Fail(ctx, "writing to standard output failed");
  }
  PrintError(ctx, "simulated in " + Seconds(summary->elapsed) + ", projections and report in " +
                      Seconds(report_time));

  // Six months later: retention. The report at that time shows due, overdue and held purges.
  TimePoint later;
  StatusOr<std::string> job = SimulatePurgeJob(store->get(), compliance->get(), day, *summary, &later);
  if (!job.ok()) return Fail(ctx, job.status());
  if (auto f = (*compliance)->CatchUp(); !f.ok()) return Fail(ctx, f.status());
  ropt.at = later;  // the report judges at ropt.at, whatever the engine's clock
  StatusOr<AuditReport> later_report = BuildReport(**compliance, **store, ropt);
  if (!later_report.ok()) return Fail(ctx, later_report.status());
  std::string tail = "\n==== Six months later: " + FormatTime(later) + " ====\n" + *job + "\n";
  tail += FormatReport(*later_report, ReportFormat::kTable, fopt);
  tail += "\nWhat to delete now, and why:\n  consentctl --db " + ctx.db_path + " purge-plan --at " + FormatTime(later) +
          "\nA caller's access export:\n  consentctl --db " + ctx.db_path + " subject REF --at " + FormatTime(later) + "\n";
  if (std::fwrite(tail.data(), 1, tail.size(), stdout) != tail.size()) {
    return Fail(ctx, "writing to standard output failed");
  }
  return kExitOk;
}

}  // namespace

void AddDemoCommand(CLI::App& app, Context& ctx) {
  auto options = std::make_shared<SimulationOptions>();
  CLI::App* cmd = AddCommand(app, "demo", "simulate a contact-centre day into the store and print its audit report");
  cmd->add_option("--seed", options->seed,
                  "random seed: the same seed gives the same day (default: " + std::to_string(options->seed) + ")")
      ->type_name("N");
  cmd->add_option("--calls", options->calls,
                  "calls in the day, 1 to 10000000 (default: " + std::to_string(options->calls) + ")")
      ->check(IntegerBetween(1, 10'000'000))
      ->type_name("N");
  cmd->add_option("--agents", options->agents,
                  "agents on duty, 12 to 100000 (default: " + std::to_string(options->agents) + ")")
      ->check(IntegerBetween(12, 100'000))
      ->type_name("N");
  cmd->footer("Creates the store when missing; on a store that holds events, simulates the day after "
              "the last one. Then six months pass: a legal hold, a purge job, and the report again.");
  SetRun(cmd, ctx, [options](const Context& c) { return RunDemo(c, *options); });
}

}  // namespace consent::cli
