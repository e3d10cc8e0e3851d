#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Benchmark: Python appends beside C++ appends of the same batches, in the same run.

`make bench` runs it after the C++ benchmarks. Both sides append batches of --batch events
(default 64) with sync=False to a fresh store, to streams "call-<k>" rotating over 1000
streams, each event an AnnotationAdded built like bench_store's (stream_id, correlation and
causation ids, actor, two tags, a text padding the payload to 200 bytes). Every event is built
before timing starts, as bench_store does: what is timed is Store.append (serialisation in
Python, the binding, the C++ append), not event construction.

The C++ figure is bench_store's append_64 (--only append_64 --json), run by this script in
the same run, from the bench_store binary next to the Python package's build directory
(<build>/bench/bench_store) or --bench-store. Target: Python >= 0.5x the C++ rate.

Usage: bench_python_append.py [--events N] [--batch N] [--bench-store PATH] [--json]
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import libconsent
from libconsent import v1

STREAMS = 1000
PAYLOAD_BYTES = 200
TAGS = ["qa-sample", "callback", "escalated", "billing"]


def make_events(n):
    """n events like bench_store's EventMaker, with the stream each one goes to."""
    base = time.time()
    correlation = [libconsent.new_event_id().hex() for _ in range(STREAMS)]
    agents = [f"agent-{(i * 2654435761) & 0xFFFF:04x}" for i in range(64)]
    probe = v1.AnnotationAdded(tags=["reviewed", TAGS[0]])
    text = "x" * (PAYLOAD_BYTES - probe.ByteSize() - 3)
    events, prev = [], b""
    for seq in range(n):
        k = seq % STREAMS
        e = v1.Event(event_id=libconsent.new_event_id(), stream_id=f"call-{k}",
                     correlation_id=correlation[k], causation_id=prev.hex())
        e.occur_time.FromNanoseconds(int((base + seq * 0.0015) * 1e9))
        e.actor.principal_ref = agents[seq % len(agents)]
        e.actor.role = "supervisor" if seq % 11 == 0 else "agent"
        e.actor.system = "acd-gateway/4.2"
        e.annotation_added.tags.extend(["reviewed", TAGS[seq % 4]])
        e.annotation_added.text = text
        prev = e.event_id
        events.append(e)
    return events


def batches(events, size):
    """[(stream, [events])]: consecutive calls rotate over the streams, as in bench_store."""
    out = []
    for call, start in enumerate(range(0, len(events) - size + 1, size)):
        stream = f"call-{call % STREAMS}"
        chunk = events[start:start + size]
        for e in chunk:
            e.stream_id = stream
        out.append((stream, chunk))
    return out


def python_rate(n, size):
    work = batches(make_events(n), size)
    warm = batches(make_events(20 * size), size)
    with tempfile.TemporaryDirectory(prefix="bench_python_append") as tmp:
        with libconsent.open(os.path.join(tmp, "store"), create=True, sync=False) as store:
            for stream, chunk in warm:
                store.append(stream, chunk)
            t0 = time.perf_counter()
            for stream, chunk in work:
                store.append(stream, chunk)
            seconds = time.perf_counter() - t0
    events = len(work) * size
    t0 = time.perf_counter()
    for _, chunk in work:
        [e.SerializeToString() for e in chunk]
    serialize = time.perf_counter() - t0
    return events / seconds, seconds, serialize / events


def default_bench_store():
    build = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(libconsent.__file__))))
    return os.path.join(build, "bench", "bench_store")


def cpp_rate(bench_store, size):
    name = f"append_{size}"
    r = subprocess.run([bench_store, "--only", name, "--json", "--seconds", "2"],
                       capture_output=True, text=True, check=True, timeout=900)
    row = next(x for x in json.loads(r.stdout) if x["name"] == name)
    return row["events_per_s"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=200_000)
    ap.add_argument("--batch", type=int, default=64, choices=[1, 8, 64])
    ap.add_argument("--bench-store", default=default_bench_store())
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    if not os.path.exists(args.bench_store):
        sys.exit(f"bench_python_append: no bench_store at {args.bench_store} (--bench-store)")

    py, seconds, serialize = python_rate(args.events, args.batch)
    cpp = cpp_rate(args.bench_store, args.batch)
    row = {"name": f"python_append_{args.batch}", "events": args.events, "seconds": seconds,
           "events_per_s": py, "us_per_event": 1e6 / py,
           "serialize_us_per_event": serialize * 1e6,
           "cpp_events_per_s": cpp, "cpp_us_per_event": 1e6 / cpp, "ratio": py / cpp}
    if args.json:
        print(json.dumps([row], indent=2))
        return
    print(f"{row['name']}: {py:,.0f} ev/s ({row['us_per_event']:.2f} us/event, of which "
          f"{row['serialize_us_per_event']:.2f} us Python serialisation)")
    print(f"  C++ append_{args.batch} in the same run: {cpp:,.0f} ev/s "
          f"({row['cpp_us_per_event']:.2f} us/event)")
    print(f"  ratio Python / C++: {row['ratio']:.2f} (target >= 0.5)")


if __name__ == "__main__":
    main()
