# SPDX-License-Identifier: Apache-2.0
"""Many sites, one group: replicate site stores to NATS JetStream, apply them to a group store.

A site runs a :class:`Replicator` over its store; the group runs a :class:`GroupConsumer`
over its group store (an ordinary :class:`~libconsent.Store`), then reads it with
``Compliance(group, site="paris", persist=False)`` for one site's views, or checks every
site's chain with :func:`verify_group`::

    site = libconsent.Store.open("./paris")
    Replicator(site, nats="nats://127.0.0.1:4222", site="paris").catch_up()
    group = libconsent.Store.open("./group")
    GroupConsumer(group, nats="nats://127.0.0.1:4222").catch_up()
    verify_group(group)["sites"]       # [{"site": "paris", "position": ..., ...}]

See docs/group.md for the cluster, the stream settings and what exactly-once relies on.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, List

from libconsent import _core

__all__ = ["GroupConsumer", "GroupSite", "ReplicationProgress", "Replicator", "verify_group"]


@dataclass(frozen=True)
class ReplicationProgress:
    """Every event up to ``acknowledged`` is stored by the stream; ``lag`` = head - acknowledged."""
    acknowledged: int
    head: int
    published: int
    resent: int
    lag: int


@dataclass(frozen=True)
class GroupSite:
    """What a group store holds of one site: its last position and the site's chain hash there."""
    site: str
    position: int
    chain_hash: str
    stream_sequence: int


class Replicator:
    """Publishes a site store's events to the group's JetStream stream, exactly once.

    Args:
        store: the site's open :class:`~libconsent.Store`.
        nats: comma-separated server URLs.
        site: the site's name (1 to 64 of A-Z a-z 0-9 _ -).
        stream, replicas, dedupe_window (seconds): the stream, created or checked.
        ack_timeout (seconds), window: publish acknowledgement timeout and in-flight bound.

    Raises:
        InvalidArgumentError: bad options. PreconditionError: a stream whose settings break
        exactly-once, or that holds another history for the site. StorageError: no server.
    """

    def __init__(self, store: Any, *, nats: str, site: str, stream: str = "CONSENT",
                 replicas: int = 3, dedupe_window: float = 120.0, ack_timeout: float = 2.0,
                 window: int = 4096) -> None:
        self._core = _core.Replicator(store._core, nats=nats, site=site, stream=stream,
                                      replicas=replicas, dedupe_window=dedupe_window,
                                      ack_timeout=ack_timeout, window=window)

    def catch_up(self) -> ReplicationProgress:
        """Publishes every event up to the head and waits for every acknowledgement."""
        return ReplicationProgress(**self._core.catch_up())

    def progress(self) -> ReplicationProgress:
        return ReplicationProgress(**self._core.progress())


class GroupConsumer:
    """Applies every site's replicated events to a group store (durable pull consumer).

    Raises (from :meth:`catch_up`): CorruptionError naming site and position for a modified
    event; PreconditionError for a gap in a site's positions.
    """

    def __init__(self, store: Any, *, nats: str, stream: str = "CONSENT", replicas: int = 3,
                 dedupe_window: float = 120.0, durable: str = "consent-group",
                 batch: int = 512) -> None:
        self._core = _core.GroupConsumer(store._core, nats=nats, stream=stream,
                                         replicas=replicas, dedupe_window=dedupe_window,
                                         durable=durable, batch=batch)

    def catch_up(self) -> int:
        """Applies messages until the stream has none; returns how many events were applied."""
        return int(self._core.catch_up())

    def sites(self) -> List[GroupSite]:
        return [GroupSite(**d) for d in self._core.sites()]


def verify_group(store: Any) -> Dict[str, Any]:
    """Recomputes the group store's chain and every site's chain (CorruptionError if broken).

    Returns ``{"events_checked", "chain_hash", "sites": [GroupSite, ...]}``.
    """
    r = _core.verify_group(store._core)
    r["sites"] = [GroupSite(**d) for d in r["sites"]]
    return r
