#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Follow the log and print new violations as they happen (replay, then live).

Subscribes to the call streams of a libconsent store, folds each event into an in-memory
compliance engine, and re-judges the call it concerns as of that event's time. Every rule
that becomes violated is printed once:

  2026-03-02T08:14:03Z  c-20260302-0007  LC-OBJ-1  caller objection at ... (positions 812;815)

A rule broken by the mere passing of time (a purge not done within 24 h) has no event of its
own: it is printed when the call's next event arrives, and otherwise shows up in reports.

With --state FILE the last position handled is saved after each event, and the next run
resumes after it: each event is judged exactly once across restarts. --idle-timeout S exits
after S seconds without a new event (default: follow forever; Ctrl-C stops).

Usage: follow.py [--db ./consent-data] [--state follow.json] [--idle-timeout S]
"""

import argparse
import datetime as dt
import json
import os
import sys

import libconsent


def load_state(path):
    if path and os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    return {"position": 0, "reported": []}


def save_state(path, state):
    if not path:
        return
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(state, f)
    os.replace(tmp, path)  # atomic: a crash leaves the old or the new state


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", default="./consent-data")
    ap.add_argument("--state", help="JSON file keeping the last position handled")
    ap.add_argument("--idle-timeout", type=float, default=None)
    args = ap.parse_args()

    state = load_state(args.state)
    reported = {tuple(x) for x in state["reported"]}
    printed = 0
    with libconsent.open(args.db) as store:
        # The engine folds the whole log (verdicts need each call's history); the
        # subscription only drives what we look at, from the saved position on.
        compliance = libconsent.Compliance(store, persist=False)
        compliance.start_live()
        sub = store.subscribe(from_position=state["position"] + 1, categories=["call"])
        try:
            for event in sub.events(idle_timeout=args.idle_timeout):
                compliance.wait_for(event.position)
                call_id = event.stream_id[len("call-"):]
                when = event.occur_time.ToDatetime(tzinfo=dt.timezone.utc)
                verdicts = compliance.calls.evaluate(call_id, at=when)
                for rule in verdicts.rules:
                    if rule.verdict != "violated" or (call_id, rule.rule_id) in reported:
                        continue
                    reported.add((call_id, rule.rule_id))
                    evidence = ";".join(map(str, rule.evidence))
                    print(f"{when:%Y-%m-%dT%H:%M:%SZ}  {call_id}  {rule.rule_id}  "
                          f"{rule.detail} (positions {evidence})", flush=True)
                    printed += 1
                state = {"position": event.position, "reported": sorted(reported)}
                save_state(args.state, state)
        except KeyboardInterrupt:
            pass
        finally:
            sub.stop()
    print(f"follow: {printed} new violations; last position {state['position']}",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
