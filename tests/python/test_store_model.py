# SPDX-License-Identifier: Apache-2.0
"""The store against a simple model (a list of events), by stateful property-based testing.

Hypothesis draws sequences of appends (with every kind of expected revision, stale ones
included), retries of earlier appends with the same event ids, reads of streams and of the
whole log, and subscriptions; after every step the store must agree with the model, and every
subscription must have delivered the whole log exactly once, in order. Bounded so that the
whole run takes a few seconds.
"""

import shutil
import tempfile
from pathlib import Path

import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from hypothesis.stateful import (RuleBasedStateMachine, invariant, precondition,  # noqa: E402
                                 rule)

import libconsent  # noqa: E402
from libconsent import v1  # noqa: E402

STREAMS = ["call-a", "call-b", "note-c"]
EXPECTATIONS = ["any", "current", "stale", "no_stream", "exists"]


class StoreMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.dir = Path(tempfile.mkdtemp(prefix="consent-model-"))
        self.store = libconsent.Store.open(str(self.dir / "store"), create=True, sync=False)
        self.log = []        # model: (stream, event_id, text) by position - 1
        self.appends = []    # (stream, events, AppendResult) of every successful append
        self.subs = []       # (Subscription, list of delivered events)
        self.counter = 0

    # ---- model helpers ------------------------------------------------------------------------
    def revision(self, stream):
        return sum(1 for s, _, _ in self.log if s == stream) - 1

    def new_event(self):
        self.counter += 1
        e = v1.Event(event_id=libconsent.new_event_id())
        e.occur_time.seconds = 1_772_442_000 + self.counter
        e.annotation_added.text = f"model event {self.counter}"
        return e

    def expected_value(self, kind, current):
        return {
            "any": libconsent.ANY_REVISION,
            "current": current,
            "stale": current + 1,
            "no_stream": libconsent.NO_STREAM,
            "exists": libconsent.STREAM_EXISTS,
        }[kind]

    @staticmethod
    def accepted(kind, current):
        return (kind in ("any", "current") or (kind == "no_stream" and current == -1)
                or (kind == "exists" and current >= 0))

    # ---- rules --------------------------------------------------------------------------------
    @rule(stream=st.sampled_from(STREAMS), n=st.integers(1, 3), kind=st.sampled_from(EXPECTATIONS))
    def append(self, stream, n, kind):
        current = self.revision(stream)
        expected = self.expected_value(kind, current)
        events = [self.new_event() for _ in range(n)]
        head = len(self.log)
        if not self.accepted(kind, current):
            with pytest.raises(libconsent.ConcurrencyError) as info:
                self.store.append(stream, events, expected_revision=expected)
            assert info.value.actual == current
            return
        r = self.store.append(stream, events, expected_revision=expected)
        assert (r.stream, r.first_position, r.last_position, r.next_expected_revision) == \
            (stream, head + 1, head + n, current + n)
        assert not r.deduplicated
        self.log.extend((stream, e.event_id, e.annotation_added.text) for e in events)
        self.appends.append((stream, events, r))

    @precondition(lambda self: self.appends)
    @rule(data=st.data(), kind=st.sampled_from(["any", "stale"]))
    def retry(self, data, kind):
        """A retry with the same ids returns the first result and writes nothing, whatever
        revision it expects."""
        stream, events, first = data.draw(st.sampled_from(self.appends))
        expected = libconsent.ANY_REVISION if kind == "any" else first.next_expected_revision + 7
        r = self.store.append(stream, events, expected_revision=expected)
        assert r.deduplicated
        assert (r.first_position, r.last_position) == (first.first_position, first.last_position)

    @rule(stream=st.sampled_from(STREAMS), from_revision=st.integers(0, 6),
          backward=st.booleans())
    def read_stream(self, stream, from_revision, backward):
        mine = [(s, i, t) for s, i, t in self.log if s == stream]
        if not mine:
            with pytest.raises(libconsent.NotFoundError):
                self.store.read_stream(stream)
            return
        got = list(self.store.read_stream(stream, from_revision=from_revision, backward=backward))
        if backward:
            want = list(reversed(mine[:from_revision + 1]))
        else:
            want = mine[from_revision:]
        assert [(e.stream_id, e.event_id, e.annotation_added.text) for e in got] == want
        start = min(from_revision, len(mine) - 1) if backward else from_revision
        step = -1 if backward else 1
        assert [e.stream_revision for e in got] == [start + step * k for k in range(len(got))]

    @rule(from_position=st.integers(1, 25), max_count=st.none() | st.integers(0, 5))
    def read_all(self, from_position, max_count):
        got = list(self.store.read_all(from_position=from_position, max_count=max_count))
        want = self.log[from_position - 1:]
        if max_count is not None:
            want = want[:max_count]
        assert [(e.stream_id, e.event_id, e.annotation_added.text) for e in got] == want
        assert [e.position for e in got] == \
            list(range(from_position, from_position + len(got)))

    @precondition(lambda self: len(self.subs) < 2)
    @rule()
    def subscribe(self):
        seen = []
        sub = self.store.subscribe(seen.append, from_position=1)
        self.subs.append((sub, seen))

    # ---- invariants ---------------------------------------------------------------------------
    @invariant()
    def head_is_the_model_length(self):
        assert self.store.head_position == len(self.log)

    @invariant()
    def subscriptions_deliver_the_whole_log_once_in_order(self):
        for sub, seen in self.subs:
            if self.log:
                assert sub.wait_for(len(self.log), timeout=10)
            assert [e.position for e in seen] == list(range(1, len(self.log) + 1))
            assert [e.event_id for e in seen] == [i for _, i, _ in self.log]

    def teardown(self):
        try:
            for sub, _ in self.subs:
                sub.stop()
            self.store.close()
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)


StoreMachine.TestCase.settings = settings(
    max_examples=25, stateful_step_count=30, deadline=None, derandomize=True,
    suppress_health_check=[HealthCheck.too_slow], database=None)
test_the_store_behaves_like_its_model = StoreMachine.TestCase
