#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Weekly compliance report: a CSV of violations by rule and a PNG chart.

Reads a libconsent store (e.g. the one `make demo` fills), judges the week that ends at
--at (default: midnight after the last event in the log), and writes

  <out>/violations_by_rule.csv   rule_id, title, calls_violated, agents_violated, example
  <out>/weekly_report.png        violations by rule, and the pause latency distribution of
                                 objections raised during capture (with the 2 s budget)

Usage: weekly_report.py [--db ./consent-data] [--out .] [--at 2026-03-03T00:00:00Z] [--days 7]
"""

import argparse
import datetime as dt
import os
import sys

import matplotlib

matplotlib.use("Agg")  # files only, no display
import matplotlib.pyplot as plt  # noqa: E402

import libconsent  # noqa: E402


def last_midnight_after_log(store):
    """Midnight (UTC) after the latest event of the log."""
    last = next(store.read_all(backward=True, max_count=1), None)
    if last is None:
        sys.exit("weekly_report: the store is empty (run `make demo` first)")
    t = last.occur_time.ToDatetime(tzinfo=dt.timezone.utc)
    return dt.datetime(t.year, t.month, t.day, tzinfo=dt.timezone.utc) + dt.timedelta(days=1)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", default="./consent-data")
    ap.add_argument("--out", default=".")
    ap.add_argument("--at", type=dt.datetime.fromisoformat, help="end of the week (UTC)")
    ap.add_argument("--days", type=int, default=7)
    args = ap.parse_args()

    with libconsent.open(args.db) as store:
        at = args.at or last_midnight_after_log(store)
        start = at - dt.timedelta(days=args.days)
        compliance = libconsent.Compliance(store, at=at, persist=False)

        violations = compliance.violations.to_pandas()
        in_week = violations["call_started"].isna() | (
            (violations["call_started"] >= start) & (violations["call_started"] < at))
        week = violations[in_week]
        objections = compliance.objections.to_pandas()
        objections = objections[(objections["raised"] >= start) & (objections["raised"] < at)]
        budget_ms = compliance.policy()["pause_budget_ms"]

    titles = {r["id"]: r["title"] for r in libconsent.rule_catalogue()}
    by_rule = (week.groupby(["rule_id", "subject_kind"], observed=True).size()
               .unstack(fill_value=0)
               .reindex(columns=["call", "agent"], fill_value=0)
               .rename(columns={"call": "calls_violated", "agent": "agents_violated"}))
    by_rule["total"] = by_rule.sum(axis=1)
    by_rule = by_rule.sort_values("total", ascending=False)
    by_rule.insert(0, "title", [titles.get(r, r) for r in by_rule.index])
    by_rule["example"] = [week.loc[week["rule_id"] == r, "subject"].iloc[0] for r in by_rule.index]

    os.makedirs(args.out, exist_ok=True)
    csv_path = os.path.join(args.out, "violations_by_rule.csv")
    by_rule.drop(columns="total").to_csv(csv_path)

    latency = objections.loc[objections["capture_running"], "pause_latency_ms"].dropna()
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4.5))
    by_rule["total"].iloc[::-1].plot.barh(ax=ax1, color="#b03a2e")
    ax1.set_title(f"Violations by rule, {start:%Y-%m-%d} to {at:%Y-%m-%d}")
    ax1.set_xlabel("violations (calls and agents)")
    if len(latency):
        ax2.hist(latency, bins=30, color="#2e86c1")
    ax2.axvline(budget_ms, color="black", linestyle="--", label=f"budget {budget_ms} ms")
    ax2.set_title(f"Pause latency after an objection ({len(latency)} objections)")
    ax2.set_xlabel("ms from objection to the last acknowledged pause")
    ax2.legend()
    fig.tight_layout()
    png_path = os.path.join(args.out, "weekly_report.png")
    fig.savefig(png_path, dpi=100)

    print(f"{len(week)} violations of {len(by_rule)} rules between {start:%Y-%m-%d} and "
          f"{at:%Y-%m-%d}; {len(latency)} pause latencies (median "
          f"{latency.median() if len(latency) else float('nan'):.0f} ms)")
    print(f"wrote {csv_path} and {png_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
