// SPDX-License-Identifier: Apache-2.0
// consent::BuildGroupReport — the audit report of a group store, per site and in total.
//
// Each site's report is built by a Compliance engine that folds only that site's events
// (ComplianceOptions::site) of the group store, in memory; the total is MergeReports() of the
// site reports, so the group's figures are by construction the sum of the sites'.
//
//   auto group = consent::EventStore::Open({}, "./group");
//   auto report = consent::BuildGroupReport(**group, {});
//   std::cout << consent::FormatGroupReport(*report, consent::ReportFormat::kTable);
//
// Thread-safety: the functions keep no state; the store may be used concurrently.

#ifndef CONSENT_GROUP_REPORT_H_
#define CONSENT_GROUP_REPORT_H_

#include <string>
#include <vector>

#include "consent/compliance.h"
#include "consent/event_store.h"
#include "consent/report.h"
#include "consent/status.h"

namespace consent {

struct SiteReport {
  std::string site;
  AuditReport report;
};

struct GroupReport {
  std::vector<SiteReport> sites;  // by site name
  AuditReport total;              // MergeReports(sites)
};

// Sums the sites' reports: verdict counts per rule, totals, agents, accesses and purge-plan
// counts. The recorded share is recomputed from the sums; pause-latency percentiles cannot be
// merged from percentiles and are left unset; examples, agent rows, registrations and purge examples (call id) are prefixed
// with "<site>/" so every row names its site; `position` is the highest of the sites'.
AuditReport MergeReports(const std::vector<SiteReport>& sites);

// One report per site found in `group` (VerifyGroup's sites) and their merge.
// `base` gives the clock and bounds (persist and site are set per site).
// Errors: those of VerifyGroup (kDataLoss: a site's chain does not verify), of the engines and
// of EventStore reads.
StatusOr<GroupReport> BuildGroupReport(EventStore& group, const ReportOptions& options,
                                       const ComplianceOptions& base = {});

// Each site's report under a "== site <name>" heading, then the total ("== group"); JSON:
// {"sites":[{"site":..,"report":{..}}],"total":{..}}; CSV: the rule rows with a leading `site`
// column ("*" for the total).
std::string FormatGroupReport(const GroupReport& report, ReportFormat format);

}  // namespace consent

#endif  // CONSENT_GROUP_REPORT_H_
