# SPDX-License-Identifier: Apache-2.0
"""The output contract: the purge plan and the report's rule tallies have the same columns, in
the same order, with compatible values, in consentctl's CSV and JSON and in the pandas tables
(docs/output.md)."""

import csv
import datetime as dt
import io
import json
import os
import subprocess

import pandas as pd
import pytest

import libconsent

AT = dt.datetime(2026, 9, 5, tzinfo=dt.timezone.utc)
AT_TEXT = "2026-09-05T00:00:00Z"
DAY_END = "2026-03-03T00:00:00Z"


@pytest.fixture(scope="module")
def ctl_store(build_dir, tmp_path_factory):
    """(run, path): a demo store written by consentctl, and a function running consentctl on it."""
    binary = os.path.join(build_dir, "tools", "consentctl", "consentctl")
    path = str(tmp_path_factory.mktemp("contract") / "store")

    def run(*args):
        r = subprocess.run([binary, "--db", path, *args], capture_output=True, check=False)
        assert r.returncode == 0, r.stderr.decode()
        return r.stdout.decode()

    run("demo", "--calls", "300")
    return run, path


def read_csv(text):
    # RFC 4180 line endings: CRLF after every row (these tables hold no line breaks in fields).
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    return rows[0], rows[1:]


def as_text(series):
    return series.astype(object).where(series.notna(), "").astype(str).tolist()


def test_the_purge_plan_has_one_set_of_columns_and_values_in_csv_json_and_pandas(ctl_store):
    run, path = ctl_store
    header, rows = read_csv(run("purge-plan", "--at", AT_TEXT, "--all", "--format", "csv"))
    plan = json.loads(run("purge-plan", "--at", AT_TEXT, "--all", "--format", "json"))
    store = libconsent.Store.open(path)
    try:
        compliance = libconsent.Compliance(store, at=AT, persist=False)
        frame = compliance.retention.plan(AT, include_scheduled=True, include_done=True).to_pandas()
    finally:
        store.close()

    assert rows and plan["items"]
    assert header == list(plan["items"][0].keys()) == list(frame.columns)
    assert len(rows) == len(plan["items"]) == len(frame)
    by_column = {name: [row[i] for row in rows] for i, name in enumerate(header)}
    items = plan["items"]

    for name in ("due", "collected"):
        from_csv = pd.to_datetime(pd.Series(by_column[name]), utc=True)
        from_json = pd.to_datetime(pd.Series([i[name] for i in items]), utc=True)
        assert (from_csv == frame[name].reset_index(drop=True)).all(), name
        assert (from_json == frame[name].reset_index(drop=True)).all(), name

    overdue = frame["overdue_seconds"].tolist()
    assert [float(v) for v in by_column["overdue_seconds"]] == overdue
    assert all(isinstance(i["overdue_seconds"], (int, float)) for i in items)
    assert [float(i["overdue_seconds"]) for i in items] == overdue
    assert any(v > 0 for v in overdue)

    held = as_text(frame["held_by"])
    assert by_column["held_by"] == held
    assert all(isinstance(i["held_by"], list) for i in items)
    assert [";".join(i["held_by"]) for i in items] == held
    assert any(held)

    for name in header:
        if name in ("due", "collected", "overdue_seconds", "held_by"):
            continue
        assert by_column[name] == [i[name] for i in items] == as_text(frame[name]), name


def test_the_report_rule_tallies_have_the_same_columns_in_csv_json_and_pandas(ctl_store):
    run, path = ctl_store
    header, rows = read_csv(run("report", "--at", DAY_END, "--format", "csv"))
    report_json = json.loads(run("report", "--at", DAY_END, "--format", "json"))
    store = libconsent.Store.open(path)
    try:
        at = dt.datetime(2026, 3, 3, tzinfo=dt.timezone.utc)
        frame = libconsent.Compliance(store, at=at, persist=False).report(at=at).rules_frame()
    finally:
        store.close()

    tallies = report_json["rules"]
    json_columns = [k for k in tallies[0].keys() if k != "examples"]
    assert header[:-1] == json_columns == list(frame.columns)
    assert header[-1] == "example_calls"
    assert len(rows) == len(tallies) == len(frame)
    for i, name in enumerate(json_columns):
        from_csv = [row[i] for row in rows]
        if isinstance(tallies[0][name], int):
            assert [int(v) for v in from_csv] == [t[name] for t in tallies] == frame[name].tolist(), name
        else:
            assert from_csv == [t[name] for t in tallies] == frame[name].tolist(), name
