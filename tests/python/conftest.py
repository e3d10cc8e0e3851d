# SPDX-License-Identifier: Apache-2.0
"""Fixtures of the Python suite. Run by `make test` (make test-python) with
PYTHONPATH=<build>/python and CONSENT_BUILD_DIR=<build>."""

import datetime as dt
import os
import sys

import pytest

import libconsent

# The demo day every compliance test reads: small, seeded, judged at its midnight.
DEMO_CALLS = 400
DEMO_AGENTS = 16
DEMO_SEED = 7


@pytest.fixture(scope="session")
def demo(tmp_path_factory):
    """(store, summary, compliance) over a simulated day, shared by the session."""
    path = tmp_path_factory.mktemp("demo") / "store"
    store = libconsent.open(path, create=True, sync=False)
    summary = libconsent.simulate_day(store, seed=DEMO_SEED, calls=DEMO_CALLS, agents=DEMO_AGENTS)
    compliance = libconsent.Compliance(store, at=summary.day_end, persist=False)
    yield store, summary, compliance
    store.close()


@pytest.fixture
def store(tmp_path):
    """A fresh, empty store, closed after the test."""
    s = libconsent.open(tmp_path / "store", create=True, sync=False)
    yield s
    s.close()


@pytest.fixture
def now():
    return dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.timezone.utc)


@pytest.fixture(scope="session")
def build_dir():
    d = os.environ.get("CONSENT_BUILD_DIR")
    if not d:
        pytest.skip("CONSENT_BUILD_DIR not set (run through `make test-python`)")
    return d


@pytest.fixture(scope="session")
def python_env():
    """Environment for subprocesses that must import the same libconsent."""
    env = dict(os.environ)
    pkg_parent = os.path.dirname(os.path.dirname(libconsent.__file__))
    env["PYTHONPATH"] = pkg_parent + os.pathsep + env.get("PYTHONPATH", "")
    env["MPLBACKEND"] = "Agg"
    return env


PYTHON = sys.executable
