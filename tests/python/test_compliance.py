# SPDX-License-Identifier: Apache-2.0
"""Compliance over a simulated day: gate, verdicts, agents, report, and pandas tables whose
dtypes and row counts agree with the C++ report."""

import numpy as np
import pandas as pd
import pytest

import libconsent
from libconsent import VERDICTS

UTC_NS = pd.DatetimeTZDtype(tz="UTC")


def test_gate_denies_an_unknown_call_with_lc_reg_1(demo):
    _, _, c = demo
    d = c.gate.decide("no-such-call")
    assert not d.allow and not d
    assert "LC-REG-1" in [r.rule_id for r in d.failing]
    assert d.position == c.position


def test_gate_decides_known_calls_and_checks_tracks(demo):
    store, _, c = demo
    first = next(store.read_all(types=["CallStarted"]))
    d = c.gate.decide(first.call_started.call_id, tracks=["CALLER"])
    assert isinstance(d.allow, bool)
    assert all(r.verdict in VERDICTS for r in d.failing)
    with pytest.raises(libconsent.InvalidEventError):
        c.gate.decide("x", tracks=["TRACK_NOPE"])
    with pytest.raises(libconsent.InvalidEventError) as info:
        c.gate.decide("x", tracks=[99])
    assert info.value.field == "tracks[0]"


def test_call_verdicts_and_not_found(demo):
    store, _, c = demo
    call_id = next(store.read_all(types=["CallStarted"])).call_started.call_id
    v = c.calls.evaluate(call_id)
    assert v.call_id == call_id and v.started.tzinfo is not None
    assert v.overall in VERDICTS and all(r.verdict in VERDICTS for r in v.rules)
    assert v.rule(v.rules[0].rule_id) is v.rules[0]
    with pytest.raises(libconsent.NotFoundError):
        c.calls.evaluate("no-such-call")
    with pytest.raises(libconsent.NotFoundError):
        c.agents.evaluate("no-such-agent")


def test_calls_table_dtypes_and_rows_match_the_report(demo):
    _, summary, c = demo
    df = c.calls.to_pandas()
    report = c.report()
    totals = report.totals
    assert len(df) == totals["calls"] == len(c.calls) == summary.calls
    assert df["call_id"].dtype == object and df["call_id"].is_unique
    assert df["started"].dtype == UTC_NS and df["ended"].dtype == UTC_NS
    for col in ("agent_ref", "site_id", "queue_id", "registration_id", "overall"):
        assert isinstance(df[col].dtype, pd.CategoricalDtype), col
    assert list(df["overall"].cat.categories) == list(VERDICTS)
    assert df["recorded"].dtype == bool and df["objections"].dtype == np.int64
    assert int(df["recorded"].sum()) == totals["recorded_calls"]
    assert int(df["private_call"].sum()) == totals["private_calls"]
    assert int((df["overall"] == "violated").sum()) == totals["calls_violated"]
    assert int((df["overall"] == "unverified").sum()) == totals["calls_unverified"]
    assert df["started"].min() >= pd.Timestamp(summary.day_start)
    # The table derives `overall` and `rules_violated` itself: same as the C++ per call.
    for call_id, overall, n in zip(df["call_id"], df["overall"], df["rules_violated"]):
        v = c.calls.evaluate(call_id)
        assert (overall, n) == (v.overall, len(v.violated)), call_id


def test_verdicts_and_violations_match_the_report_per_rule(demo):
    _, _, c = demo
    verdicts = c.verdicts.to_pandas()
    report = c.report(max_examples=1)
    call_rules = {r["rule_id"]: r for r in report.to_dict()["rules"] if r["attaches_to"] == "call"}
    assert isinstance(verdicts["rule_id"].dtype, pd.CategoricalDtype)
    assert list(verdicts["verdict"].cat.categories) == list(VERDICTS)
    assert isinstance(verdicts["detail"].dtype, pd.CategoricalDtype)
    first = verdicts.iloc[0]
    v = c.calls.evaluate(first["call_id"]).rule(first["rule_id"])
    assert (first["verdict"], first["detail"]) == (v.verdict, v.detail or np.nan) or \
        (first["verdict"] == v.verdict and v.detail == "" and pd.isna(first["detail"]))
    counts = verdicts.groupby(["rule_id", "verdict"], observed=False).size().unstack(fill_value=0)
    for rule_id, tally in call_rules.items():
        if rule_id not in counts.index:
            assert tally["violated"] == tally["unverified"] == tally["ok"] == 0
            continue
        row = counts.loc[rule_id]
        for verdict in VERDICTS:
            assert int(row[verdict]) == tally[verdict], (rule_id, verdict)
    violations = c.violations.to_pandas()
    per_rule = violations[violations["subject_kind"] == "call"].groupby(
        "rule_id", observed=True).size()
    for rule_id, tally in call_rules.items():
        assert int(per_rule.get(rule_id, 0)) == tally["violated"], rule_id
    assert violations["call_started"].dtype == UTC_NS
    calls_only = violations[violations["subject_kind"] == "call"]
    assert (calls_only["evidence"].str.len() > 0).all()


def test_objections_table_gives_the_report_pause_latencies(demo):
    _, summary, c = demo
    o = c.objections.to_pandas()
    objections = c.report().to_dict()["objections"]
    own = o[~o["inherited"]]
    assert len(own[own["party"] == "caller"]) == objections["caller"]
    assert len(own[own["party"] == "agent"]) == objections["agent"]
    assert int(own["capture_running"].sum()) == objections["during_capture"]
    assert int(own["withdrawn"].sum()) == objections["withdrawn"]
    assert o["pause_latency_ms"].dtype == np.float64
    lat = own.loc[own["capture_running"], "pause_latency_ms"].dropna()
    assert lat.median() == pytest.approx(objections["pause_latency_median_ms"])


def test_agents_and_accesses_tables(demo):
    _, summary, c = demo
    agents = c.agents.to_pandas()
    report = c.report().to_dict()
    assert len(agents) == len(c.agents) == report["agents"]["known"]
    assert int(agents["is_protected"].sum()) == report["agents"]["protected"]
    assert int((~agents["informed"]).sum()) == report["agents"]["not_informed"]
    assert agents["recorded_share"].between(0, 1).all()
    a = c.accesses.to_pandas()
    assert int((a["kind"] == "refused").sum()) == summary.refused_accesses
    assert int((a["kind"] == "accessed").sum()) == summary.accesses
    assert int((a["kind"] == "live_listen").sum()) == summary.live_listens
    assert a["time"].dtype == UTC_NS and a["position"].is_monotonic_increasing
    assert set(a["role"].cat.categories) >= {"sales-manager"} or summary.refused_accesses == 0


def test_agent_survey_and_document_fields_reach_python(demo):
    _, _, c = demo
    agents = c.agents.to_pandas()
    for col in ("survey_answers", "survey_answers_counted", "survey_answers_excluded", "analysis_documents"):
        assert agents[col].dtype == np.int64, col
    assert agents["survey_score"].dropna().between(0, 1).all()
    assert int(agents["survey_answers"].sum()) > 0 and int(agents["survey_answers_excluded"].sum()) > 0
    assert (agents["survey_answers_counted"] + agents["survey_answers_excluded"] == agents["survey_answers"]).all()
    row = agents.loc[agents["survey_answers"].idxmax()]
    a = c.agents.evaluate(row["agent_ref"])
    assert (a.survey_answers, a.survey_answers_counted, a.survey_answers_excluded) == (
        row["survey_answers"], row["survey_answers_counted"], row["survey_answers_excluded"])
    assert a.survey_score == pytest.approx(row["survey_score"])
    assert a.analysis_documents == row["analysis_documents"]


@pytest.mark.parametrize("name", ["RuleVerdict", "GateDecision", "StopOrder", "ObjectionSummary", "CallVerdicts",
                                  "AgentSummary", "RecordingUse"])
def test_every_public_field_of_a_cpp_result_struct_reaches_python(name):
    # RESULT_FIELDS is checked against the C++ struct at compile time (one name per field).
    import dataclasses
    from libconsent import _core
    cpp = list(_core.RESULT_FIELDS[name])
    assert cpp, name
    python = [f.name for f in dataclasses.fields(getattr(libconsent, name))]
    assert [f for f in cpp if f not in python] == []


def test_to_numpy_and_unknown_tables(demo):
    _, _, c = demo
    arrays = c.calls.to_numpy()
    assert arrays["started"].dtype == np.dtype("datetime64[ns]")
    assert arrays["overall"].dtype == object and set(arrays["overall"]) <= set(VERDICTS)
    assert set(libconsent.TABLES) == {"calls", "verdicts", "violations", "objections",
                                      "agents", "accesses", "retention_plan", "record_verdicts"}
    for name in libconsent.TABLES:  # every C++ table is an attribute, no Python change needed
        assert getattr(c, name).name == name
    with pytest.raises(AttributeError):
        c.nope
    with pytest.raises(libconsent.InvalidEventError) as info:
        c.table("nope").to_pandas()
    assert "known: calls" in info.value.message


def test_report_formats_and_policy(demo):
    _, _, c = demo
    r = c.report()
    assert "LC-OBJ-1" in str(r)
    assert r.format("csv").startswith("rule_id,")
    assert r.to_dict()["store_position"] == r.position == c.position
    with pytest.raises(libconsent.InvalidEventError):
        r.format("xml")
    assert set(r.rules_frame().columns) >= {"rule_id", "violated", "ok"}
    p = c.policy()
    assert p["pause_budget_ms"] == 2000 and "pause" in p["description"]
    assert c.registrations() == [libconsent.SIMULATED_REGISTRATION_ID]
    use = c.recording_use()
    assert use.used <= use.recordings
    assert [r["id"] for r in libconsent.rule_catalogue()][:1] != []


def test_a_past_position_recomputes_verdicts(demo):
    store, summary, _ = demo
    half = summary.last_position // 2
    c = libconsent.Compliance(store, at=summary.day_end, persist=False, to_position=half)
    assert c.position == half
    assert len(c.calls.to_pandas()) < summary.calls


def test_live_compliance_follows_appends(tmp_path):
    with libconsent.open(tmp_path / "s", create=True, sync=False) as store:
        c = libconsent.Compliance(store, persist=False)
        c.start_live()
        s = libconsent.simulate_day(store, calls=30, agents=12)
        assert c.wait_for(s.last_position, timeout=30)
        assert len(c.calls) == 30
        c.stop_live()


def test_gate_decisions_from_many_threads_while_the_engine_folds_live(tmp_path):
    import threading
    with libconsent.open(tmp_path / "s", create=True, sync=False) as store:
        first = libconsent.simulate_day(store, calls=40, agents=12)
        c = libconsent.Compliance(store, persist=False)
        c.start_live()
        call_ids = [e.call_started.call_id for e in store.read_all(types=["CallStarted"])]
        errors, decided = [], []

        def ask():
            try:
                for i in range(300):
                    decided.append(c.gate.decide(call_ids[i % len(call_ids)]).position)
            except Exception as e:  # pragma: no cover - reported below
                errors.append(e)

        threads = [threading.Thread(target=ask) for _ in range(4)]
        for t in threads:
            t.start()
        second = libconsent.simulate_day(store, calls=40, agents=12)
        for t in threads:
            t.join()
        assert not errors and len(decided) == 1200
        assert c.wait_for(second.last_position, timeout=30)
        assert len(c.calls) == 80 and first.calls == 40


def _call_with_recording(store, now):
    import datetime as dt
    ledger = libconsent.Ledger(store)
    ledger.start_call(call_id="c-1", occur_time=now)
    ledger.start_recording(call_id="c-1", recording_id="r-1", tracks=["CALLER", "AGENT"],
                           occur_time=now + dt.timedelta(seconds=1))
    return ledger


def test_stop_orders_reach_a_python_listener_on_the_live_thread(store, now):
    import datetime as dt
    import threading
    ledger = _call_with_recording(store, now)
    c = libconsent.Compliance(store, persist=False)
    orders, threads = [], set()

    def on_stop(order):
        orders.append(order)
        threads.add(threading.get_ident())

    c.gate.on_must_stop(on_stop)
    c.start_live()
    r = ledger.raise_objection(call_id="c-1", objection_id="o-1", party="CALLER",
                               occur_time=now + dt.timedelta(seconds=5))
    assert c.wait_for(r.position)
    c.stop_live()
    assert len(orders) == 1
    o = orders[0]
    assert isinstance(o, libconsent.StopOrder)
    assert (o.call_id, o.recording_ids, o.position) == ("c-1", ["r-1"], r.position)
    assert o.rule_id.startswith("LC-OBJ")
    assert o.deadline == now + dt.timedelta(seconds=7)  # trigger + the 2 s budget
    assert threading.get_ident() not in threads


def test_a_raising_stop_listener_surfaces_and_folding_goes_on(store, now):
    import datetime as dt
    ledger = _call_with_recording(store, now)
    c = libconsent.Compliance(store, persist=False)

    def on_stop(order):
        raise RuntimeError(f"cannot reach the recorder for {order.call_id}")

    c.gate.on_must_stop(on_stop)
    r = ledger.raise_objection(call_id="c-1", objection_id="o-1", party="CALLER",
                               occur_time=now + dt.timedelta(seconds=5))
    with pytest.raises(RuntimeError, match="cannot reach the recorder for c-1"):
        c.catch_up()
    assert c.position == r.position  # folded all the same
    with pytest.raises(libconsent.InvalidEventError):
        c.gate.on_must_stop("not callable")
    c.gate.on_must_stop(None)
    c.check()  # a new listener clears the old error


def test_tables_of_an_empty_store_have_the_same_dtypes(demo, store):
    _, _, full = demo
    empty = libconsent.Compliance(store, persist=False)
    for name in libconsent.TABLES:
        a, b = full.table(name).to_pandas(), empty.table(name).to_pandas()
        assert len(b) == 0
        assert [str(t) for t in a.dtypes] == [str(t) for t in b.dtypes], name
