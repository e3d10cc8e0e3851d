# SPDX-License-Identifier: Apache-2.0
"""Replication to NATS JetStream and the group store, against a real 3-node nats-server cluster
on 127.0.0.1 (skipped when nats-server is not installed)."""

import os
import shutil
import signal
import socket
import subprocess
import time

import pytest

import libconsent

NATS_SERVER = shutil.which("nats-server") or next(
    (p for p in ("/usr/sbin/nats-server", "/usr/bin/nats-server") if os.access(p, os.X_OK)), None)

pytestmark = pytest.mark.skipif(NATS_SERVER is None, reason="nats-server is not installed")


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """Comma-separated URLs of a 3-node JetStream cluster; every node stopped by its pid."""
    root = tmp_path_factory.mktemp("nats")
    client = [_free_port() for _ in range(3)]
    routes = [_free_port() for _ in range(3)]
    procs = []
    try:
        for i in range(3):
            others = "\n".join(f"    nats-route://127.0.0.1:{routes[j]}" for j in range(3) if j != i)
            conf = root / f"n{i}.conf"
            conf.write_text(
                f"server_name: n{i}\nlisten: 127.0.0.1:{client[i]}\n"
                f'jetstream {{ store_dir: "{root / f"n{i}"}" }}\n'
                f"cluster {{\n  name: consent-py\n  listen: 127.0.0.1:{routes[i]}\n"
                f"  routes: [\n{others}\n  ]\n}}\n")
            log = open(root / f"n{i}.log", "wb")
            procs.append(subprocess.Popen([NATS_SERVER, "-c", str(conf)], stdout=log,
                                          stderr=subprocess.STDOUT))
            log.close()
        urls = ",".join(f"nats://127.0.0.1:{p}" for p in client)
        yield urls
    finally:
        for p in procs:
            os.kill(p.pid, signal.SIGKILL)
            p.wait()


def _until(fn, timeout=30.0):
    deadline = time.monotonic() + timeout
    while True:
        try:
            return fn()
        except libconsent.StorageError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_two_sites_replicate_and_compliance_reads_each_site_from_the_group_store(cluster, tmp_path):
    heads = {}
    site_calls = {}
    for seed, name in ((3, "north"), (4, "south")):
        site = libconsent.Store.open(tmp_path / name, create=True, sync=False)
        summary = libconsent.simulate_day(site, seed=seed, calls=20, agents=12)
        replicator = _until(lambda: libconsent.Replicator(site, nats=cluster, site=name,
                                                          dedupe_window=10))
        progress = replicator.catch_up()
        assert progress.acknowledged == site.head_position and progress.lag == 0
        heads[name] = (site.head_position, site.verify().chain_hash_hex)
        site_calls[name] = len(libconsent.Compliance(site, persist=False,
                                                     at=summary.day_end).calls.to_pandas())
        site.close()

    group = libconsent.Store.open(tmp_path / "group", create=True, sync=False)
    consumer = libconsent.GroupConsumer(group, nats=cluster, dedupe_window=10)
    deadline = time.monotonic() + 30
    while {s.site: s.position for s in consumer.sites()} != {k: v[0] for k, v in heads.items()}:
        assert time.monotonic() < deadline
        consumer.catch_up()

    proof = libconsent.verify_group(group)
    assert {s.site: (s.position, s.chain_hash) for s in proof["sites"]} == heads
    for name in heads:
        view = libconsent.Compliance(group, site=name, persist=False, at=summary.day_end)
        assert len(view.calls.to_pandas()) == site_calls[name] == 20
    group.close()


def test_a_site_view_of_a_group_store_must_not_persist(tmp_path):
    group = libconsent.Store.open(tmp_path / "group", create=True)
    with pytest.raises(libconsent.InvalidArgumentError, match="persist"):
        libconsent.Compliance(group, site="north")
    group.close()


def test_a_bad_site_name_is_refused_before_connecting(tmp_path):
    site = libconsent.Store.open(tmp_path / "site", create=True)
    with pytest.raises(libconsent.InvalidArgumentError, match="site name"):
        libconsent.Replicator(site, nats="nats://127.0.0.1:1", site="no spaces")
    site.close()
