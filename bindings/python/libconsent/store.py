# SPDX-License-Identifier: Apache-2.0
"""The event store: open, append, read, verify, subscribe.

Thread-safety: a :class:`Store` may be used from any number of Python threads; every call
that reads or writes releases the GIL while C++ works. :meth:`Store.close` waits for calls in
flight, stops the store's subscriptions and live compliance engines, and closes RocksDB (so the
same path can be opened again in this process); objects that depend on a closed store raise
:class:`~libconsent.errors.PreconditionError`.
"""

from __future__ import annotations

import atexit
import os
import threading
import weakref
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Iterator, Optional, Sequence, Tuple, Union

from libconsent import _core
from libconsent._events import decode, event_to_dict
from libconsent._pb.consent.v1.event_pb2 import Event
from libconsent.errors import (COUNT_RANGE, POSITION_RANGE, REVISION_RANGE, check_int,
                               check_messages, check_optional_int, check_str)

__all__ = ["Store", "Subscription", "AppendResult", "MultiAppendResult", "StreamAppend",
           "VerifyReport", "StoreStats", "BackupInfo", "restore", "verify_backup",
           "ANY_REVISION", "NO_STREAM", "STREAM_EXISTS"]

#: Expected-revision codes (append unconditionally / stream must not exist / must exist).
ANY_REVISION: int = _core.ANY_REVISION
NO_STREAM: int = _core.NO_STREAM
STREAM_EXISTS: int = _core.STREAM_EXISTS

_DEFAULT_BATCH = 1024


@dataclass(frozen=True)
class AppendResult:
    """Where an append landed. ``next_expected_revision`` is what to pass next time;
    ``deduplicated`` is true when every event was already stored (a retry)."""
    stream: str
    next_expected_revision: int
    first_position: int
    last_position: int
    deduplicated: bool


@dataclass(frozen=True)
class MultiAppendResult:
    """Where an :meth:`Store.append_multi` landed: one :class:`AppendResult` per stream, in
    the order of the request, and the positions the whole write spans."""
    streams: Tuple[AppendResult, ...]
    first_position: int
    last_position: int
    deduplicated: bool


@dataclass(frozen=True)
class StreamAppend:
    """The events to append to one stream in :meth:`Store.append_multi`, with the revision
    the stream is expected at (default: any)."""
    stream: str
    events: Sequence[Event]
    expected_revision: int = ANY_REVISION


@dataclass(frozen=True)
class VerifyReport:
    """The result of :meth:`Store.verify`: the range checked and the chain hash after it
    (anchor it outside the store to detect a rewrite of the whole chain)."""
    from_position: int
    to_position: int
    events_checked: int
    chain_hash_hex: str


@dataclass(frozen=True)
class StoreStats:
    """Figures about a store (:meth:`Store.stats`)."""
    path: str
    store_id: str
    format_version: int
    head_position: int
    stream_count: int
    head_hash_hex: str
    approximate_bytes: int


@dataclass(frozen=True)
class BackupInfo:
    """A backup (:meth:`Store.backup`, :func:`verify_backup`, :func:`restore`): its directory,
    the store it was taken from, its events and the chain hash after the last one."""
    path: str
    store_id: str
    head_position: int
    head_hash_hex: str


def verify_backup(backup: Union[str, "os.PathLike[str]"]) -> BackupInfo:
    """Checks a backup without restoring it: hash chain, indexes and head record.

    Raises:
        CorruptionError: the backup is damaged.
        NotFoundError: ``backup`` holds no store.
    """
    return BackupInfo(**_core.verify_backup(os.fspath(backup)))


def restore(backup: Union[str, "os.PathLike[str]"], path: Union[str, "os.PathLike[str]"]) -> BackupInfo:
    """Verifies ``backup`` and restores it as the new store at ``path``.

    Raises:
        AlreadyExistsError: ``path`` is not empty.
        CorruptionError: the backup is damaged (nothing is written at ``path``).
        NotFoundError: ``backup`` holds no store.
    """
    return BackupInfo(**_core.restore_backup(os.fspath(backup), os.fspath(path)))


class Store:
    """An open libconsent event store (``consent::EventStore``): immutable, hash-chained
    ``consent.v1.Event`` s in named streams, with a dense global position from 1.

    Open it with :meth:`open` (or ``libconsent.open``); use it as a context manager to close it::

        with libconsent.open("./consent-data") as store:
            for event in store.read_all(types=["CallStarted"]):
                print(event.position, event.call_started.call_id)

    Errors: see each method; all are :class:`~libconsent.errors.ConsentError` subclasses.
    Thread-safety: safe for concurrent use; the GIL is released while C++ works.
    """

    def __init__(self, core: "_core.Store") -> None:
        self._core = core

    # ---- lifecycle ---------------------------------------------------------------------------
    @classmethod
    def open(cls, path: Union[str, "os.PathLike[str]"], *, create: bool = False,
             error_if_exists: bool = False, sync: bool = True,
             block_cache_bytes: Optional[int] = None, read_only: bool = False) -> "Store":
        """Opens the store at ``path``; with ``create=True``, creates it when there is none.

        Args:
            create: create the store when ``path`` holds none (default False: a mistyped path
                is an error, not a new empty store, as with ``consentctl``).
            error_if_exists: fail with AlreadyExistsError when it exists (default False).
            sync: sync every append to disk before acknowledging it (default True; per-append
                override with ``append(..., sync=...)``).
            block_cache_bytes: RocksDB block cache (default 64 MiB).
            read_only: open for reading only; nothing in the directory changes and writes raise
                PreconditionError (default False; a directory this process cannot write is
                opened read-only anyway).

        Raises:
            NotFoundError: no store at ``path`` and ``create`` is false.
            AlreadyExistsError: ``error_if_exists`` and a store is there.
            PreconditionError: another format version, or not a libconsent store.
            StorageError: I/O error, or the store is open in another process.
        """
        core = _core.Store.open(check_str("Store.open", "path", os.fspath(path)),
                                create_if_missing=create,
                                error_if_exists=error_if_exists, sync=sync,
                                block_cache_bytes=block_cache_bytes, read_only=read_only)
        store = cls(core)
        _open_stores.add(store)
        return store

    def close(self) -> None:
        """Stops this store's subscriptions and live engines, and closes it. Idempotent."""
        self._core.close()

    @property
    def closed(self) -> bool:
        """True once :meth:`close` was called."""
        return self._core.closed

    @property
    def path(self) -> str:
        """The directory the store was opened at."""
        return self._core.path

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self.closed else "open"
        return f"<libconsent.Store {self.path!r} ({state})>"

    # ---- writes ----------------------------------------------------------------------------------
    def append(self, stream: str, events: Union[Event, Sequence[Event]], *,
               expected_revision: int = ANY_REVISION,
               sync: Optional[bool] = None) -> AppendResult:
        """Appends raw events to ``stream`` if it is at ``expected_revision`` (all or nothing).

        Most callers record facts through :class:`~libconsent.Ledger`, which validates them
        against the log; this is the store-level append (any payload, no domain checks).
        Each event needs ``event_id`` (16 bytes), ``occur_time`` and a payload; the store sets
        stream_revision, position and record_time.

        Raises:
            InvalidEventError: malformed stream name or event (``.index``, ``.field``).
            ConcurrencyError: the stream is not at ``expected_revision`` (``.expected``,
                ``.actual``).
            AlreadyExistsError: an event id reused for other content.
            StorageError: I/O.
            TypeError: ``stream`` not a str, ``events`` not Events (``append("text")``,
                ``append([None])``), ``expected_revision`` not an int.
            OverflowError: ``expected_revision`` outside -4..2**63-1.
        """
        op = "Store.append"
        check_str(op, "stream", stream)
        events = check_messages(op, "events", events, Event)
        expected_revision = check_int(op, "expected_revision", expected_revision, REVISION_RANGE)
        return AppendResult(**self._core.append(stream, expected_revision, _serialize(events),
                                                sync))

    def append_multi(self, appends: Iterable[Union[StreamAppend, Tuple[Any, ...]]], *,
                     sync: Optional[bool] = None) -> MultiAppendResult:
        """Appends to several streams in one write: all or nothing (``EventStore::AppendMulti``).

        ``appends`` holds :class:`StreamAppend` objects or ``(stream, events)`` /
        ``(stream, events, expected_revision)`` tuples; each stream appears once. The events
        of the first stream get the first positions, and so on in order.

        Raises:
            InvalidEventError: no streams, a stream named twice, a malformed stream name or
                event (``.stream`` names the stream, ``.index`` the event).
            ConcurrencyError: a stream is not at its expected revision (``.stream``,
                ``.expected``, ``.actual``); nothing is written.
            AlreadyExistsError: an event id reused for other content.
            StorageError: I/O.
        """
        request = []
        for item in appends:
            a = item if isinstance(item, StreamAppend) else StreamAppend(*item)
            events = check_messages("Store.append_multi", "events", a.events, Event)
            request.append((a.stream, a.expected_revision, _serialize(events)))
        r = self._core.append_multi(request, sync)
        return MultiAppendResult(streams=tuple(AppendResult(**x) for x in r["streams"]),
                                 first_position=r["first_position"],
                                 last_position=r["last_position"],
                                 deduplicated=r["deduplicated"])

    # ---- reads -----------------------------------------------------------------------------------
    def read_stream(self, stream: str, *, from_revision: Optional[int] = None,
                    backward: bool = False, max_count: Optional[int] = None,
                    batch_size: int = _DEFAULT_BATCH, as_dict: bool = False) -> Iterator[Any]:
        """Iterates over the events of one stream, by revision (or backwards).

        Events are read ``batch_size`` at a time, with the GIL released during each read; the
        first batch is read by this call, so errors are raised here, not on iteration.
        ``from_revision`` defaults to 0 (forward) or the last revision (backward).
        ``as_dict=True`` yields :func:`~libconsent.event_to_dict` dicts instead of messages.

        Raises:
            NotFoundError: the stream does not exist.
            InvalidEventError: a malformed stream name, batch_size < 1, max_count < 0.
            TypeError, OverflowError: see :mod:`libconsent.errors` (arguments).
        """
        op = "Store.read_stream"
        check_str(op, "stream", stream)
        from_revision = check_optional_int(op, "from_revision", from_revision, REVISION_RANGE)
        max_count = check_optional_int(op, "max_count", max_count, (-1, COUNT_RANGE[1]))
        batch_size = check_int(op, "batch_size", batch_size, (-1, COUNT_RANGE[1]))
        _check_batch(batch_size)
        left = _check_count(max_count)
        if from_revision is None:
            rev = -1 if backward else 0
        else:
            rev = from_revision
        n = batch_size if left is None else min(batch_size, left)
        first = self._core.read_stream_batch(stream, rev, n, backward) if n else []
        it = self._stream_batches(stream, rev, backward, left, batch_size, first)
        return map(event_to_dict, it) if as_dict else it

    def _stream_batches(self, stream, rev, backward, left, batch_size, batch):
        while True:
            n = batch_size if left is None else min(batch_size, left)
            if batch is None:
                if n == 0:
                    return
                batch = self._core.read_stream_batch(stream, rev, n, backward)
            for data in batch:
                yield decode(data)
            if left is not None:
                left -= len(batch)
            if len(batch) < n or (left is not None and left <= 0):
                return
            last = decode(batch[-1]).stream_revision
            batch = None
            if backward:
                if last == 0:
                    return
                rev = last - 1
            else:
                rev = last + 1

    def read_all(self, *, from_position: Optional[int] = None, to_position: Optional[int] = None,
                 backward: bool = False, categories: Iterable[str] = (),
                 types: Iterable[str] = (), integrator_types: Iterable[str] = (),
                 max_count: Optional[int] = None, batch_size: int = _DEFAULT_BATCH,
                 as_dict: bool = False) -> Iterator[Any]:
        """Iterates over the whole log in position order (or backwards), filtered.

        Args:
            from_position: first position considered (default 1, or the head when backward).
            to_position: last position considered, inclusive in the reading direction
                (default: the head when the iteration starts, so a read never chases appends).
            categories: stream categories to keep ("call" for "call-42"); empty keeps all.
            types: payload names to keep, message ("CallStarted") or field ("call_started").
            integrator_types: ``IntegratorEvent.type`` names to keep ("order.Placed"); when
                given, only integrator events of these types are yielded.
            max_count: stop after this many events.
            batch_size: events per C++ read (the GIL is released during each).
            as_dict: yield :func:`~libconsent.event_to_dict` dicts instead of messages.

        The first batch is read by this call, so errors are raised here, not on iteration.

        Raises:
            InvalidEventError: an unknown type name, batch_size < 1, max_count < 0.
            TypeError: a position or count not an int, a category or type not a str.
            OverflowError: a position outside 0..2**64-1 (``from_position=2**64``).
        """
        op = "Store.read_all"
        from_position = check_optional_int(op, "from_position", from_position, POSITION_RANGE)
        to_position = check_optional_int(op, "to_position", to_position, POSITION_RANGE)
        max_count = check_optional_int(op, "max_count", max_count, (-1, COUNT_RANGE[1]))
        batch_size = check_int(op, "batch_size", batch_size, (-1, COUNT_RANGE[1]))
        _check_batch(batch_size)
        left = _check_count(max_count)
        cats = [check_str(op, "categories[]", c) for c in _strings(op, "categories", categories)]
        tys = [check_str(op, "types[]", t) for t in _strings(op, "types", types)]
        itys = [check_str(op, "integrator_types[]", t)
                for t in _strings(op, "integrator_types", integrator_types)]
        filt = (cats, tys, itys)
        head = self._core.head_position()
        if backward:
            pos = from_position or head
            stop = to_position or 0
        else:
            pos = 1 if from_position is None else from_position
            stop = to_position or head
        n = batch_size if left is None else min(batch_size, left)
        if not backward and (pos > stop or head == 0):
            # Nothing to read; still validate the filter as a read would.
            self._core.read_all_batch(1, 1, 0, False, *filt)
            return iter(())
        first = self._core.read_all_batch(pos, stop, n, backward, *filt) if n else []
        it = self._all_batches(pos, stop, backward, filt, left, batch_size, first)
        return map(event_to_dict, it) if as_dict else it

    def _all_batches(self, pos, stop, backward, filt, left, batch_size, batch):
        while True:
            n = batch_size if left is None else min(batch_size, left)
            if batch is None:
                if n == 0:
                    return
                batch = self._core.read_all_batch(pos, stop, n, backward, *filt)
            for data in batch:
                yield decode(data)
            if left is not None:
                left -= len(batch)
            if len(batch) < n or (left is not None and left <= 0):
                return
            last = decode(batch[-1]).position
            batch = None
            if backward:
                if last <= max(stop, 1):
                    return
                pos = last - 1
            else:
                if last >= stop:
                    return
                pos = last + 1

    def read_event(self, position: int) -> Event:
        """The event at ``position``. Raises NotFoundError past the head, TypeError for a
        non-int, OverflowError outside 0..2**64-1."""
        position = check_int("Store.read_event", "position", position, POSITION_RANGE)
        return decode(self._core.read_event(position))

    def find_event(self, event_id: Union[bytes, str]) -> int:
        """Position of the event with this id (16 bytes, or its UUID text).
        Raises NotFoundError when it is not stored."""
        if isinstance(event_id, str):
            event_id = _core.parse_event_id(event_id)
        return self._core.find_event(event_id)

    def stream_revision(self, stream: str) -> int:
        """Last revision of ``stream``; -1 (NO_STREAM) when it does not exist. TypeError when
        ``stream`` is not a str."""
        return self._core.stream_revision(check_str("Store.stream_revision", "stream", stream))

    @property
    def head_position(self) -> int:
        """Position of the last committed event (0 when empty)."""
        return self._core.head_position()

    def __len__(self) -> int:
        return self.head_position

    def verify(self, from_position: int = 1, to_position: int = 0) -> VerifyReport:
        """Recomputes the hash chain over [from, to] (0: the head) and checks the indexes.

        Raises:
            CorruptionError: a modified, missing or reordered event (``.position``).
            TypeError, OverflowError: a position not an int in 0..2**64-1.
        """
        from_position = check_int("Store.verify", "from_position", from_position, POSITION_RANGE)
        to_position = check_int("Store.verify", "to_position", to_position, POSITION_RANGE)
        return VerifyReport(**self._core.verify(from_position, to_position))

    def stats(self) -> StoreStats:
        """Path, store id, format version, head position, stream count, head hash, size."""
        return StoreStats(**self._core.stats())

    @property
    def read_only(self) -> bool:
        """True when the store was opened read-only."""
        return bool(self._core.read_only)

    def backup(self, dest: Union[str, "os.PathLike[str]"]) -> BackupInfo:
        """Writes an online, consistent backup into the new directory ``dest``: every event
        committed before the call, none after. Appends may continue meanwhile.

        Raises:
            AlreadyExistsError: ``dest`` exists.
            PreconditionError: the store is open read-only.
            StorageError: I/O error (ResourceExhaustedError: the disk is full).
        """
        return BackupInfo(**self._core.backup(os.fspath(dest)))

    # ---- subscriptions -------------------------------------------------------------------------
    def subscribe(self, callback: Optional[Callable[[Event], object]] = None, *,
                  from_position: int = 1, categories: Iterable[str] = (),
                  types: Iterable[str] = (), integrator_types: Iterable[str] = (),
                  batch_size: int = 512, queue_size: int = 4096) -> "Subscription":
        """Delivers every event from ``from_position``, then new ones as they are committed,
        none missed or repeated across the switch to live delivery.

        With ``callback``: it is called on the subscription's C++ thread (holding the GIL) for
        each event, in position order. If it raises, the subscription stops and the exception
        is re-raised by :meth:`Subscription.wait_for`, :meth:`Subscription.check`,
        :meth:`Subscription.stop` or the ``with`` block's exit.

        Without ``callback``: iterate over the subscription (``for event in sub``, or
        :meth:`Subscription.events` with an idle timeout); up to ``queue_size`` events are
        buffered, then the C++ thread waits for the consumer.

        ``categories``, ``types`` and ``integrator_types`` filter as in :meth:`read_all`.

        To resume after a restart, save the last ``event.position`` handled and subscribe from
        ``position + 1``: each event is then seen exactly once.

        Keep the returned :class:`Subscription`: as in C++, dropping it stops delivery.
        Closing the store stops it too.

        Raises:
            InvalidEventError: from_position < 1, unknown type names, a callback that is not
                callable.
        """
        core = self._core.subscribe(from_position, list(categories), list(types), batch_size,
                                    callback, decode, queue_size, list(integrator_types))
        sub = Subscription(core, self)
        _live_subscriptions.add(sub)
        return sub


class Subscription:
    """A running catch-up subscription (see :meth:`Store.subscribe`).

    Use it as a context manager, or call :meth:`stop`. Iterating over it (queue mode) yields
    events forever; :meth:`events` stops after an idle timeout.

    Thread-safety: the methods may be called from any thread. :meth:`stop` from inside the
    callback ends delivery after that callback returns (it does not wait for itself).
    """

    def __init__(self, core: "_core.Subscription", store: Store) -> None:
        self._core = core
        self._store = store
        self._stopped = False

    @property
    def is_live(self) -> bool:
        """True once catch-up reached the head."""
        return self._core.is_live

    @property
    def last_position(self) -> int:
        """Last position processed by the C++ thread (delivered or filtered out). In queue
        mode this may be ahead of what the iterator has yielded."""
        return self._core.last_position

    def check(self) -> None:
        """Raises the callback's exception, or the store error that ended the subscription."""
        err = self._core.callback_error
        if err is not None:
            raise err
        self._core.check()

    def wait_for(self, position: int, timeout: float = 10.0) -> bool:
        """Blocks (GIL released) until ``position`` is processed, for up to ``timeout``
        seconds. Returns False on timeout; raises if the subscription failed."""
        ok = self._core.wait_for(position, timeout)
        self.check()
        return ok

    def stop(self) -> None:
        """Stops delivery and joins the thread; then raises the callback's exception if
        there was one. Idempotent."""
        self._stopped = True
        self._core.stop()
        _live_subscriptions.discard(self)
        self.check()

    def events(self, idle_timeout: Optional[float] = None,
               max_batch: int = 4096) -> Iterator[Event]:
        """Yields events (queue mode) until the subscription stops, or until no event came
        for ``idle_timeout`` seconds (None: wait forever). The GIL is released while waiting."""
        timeout = -1.0 if idle_timeout is None else float(idle_timeout)
        while True:
            batch = self._core.next_batch(timeout, max_batch)
            if batch is None:
                self.check()
                return
            if not batch:
                return
            for data in batch:
                yield decode(data)

    def __iter__(self) -> Iterator[Event]:
        return self.events()

    def __enter__(self) -> "Subscription":
        return self

    def __exit__(self, exc_type, *exc: object) -> None:
        if exc_type is None:
            self.stop()
        else:  # do not mask the exception in flight
            self._core.stop()
            _live_subscriptions.discard(self)


def _strings(op: str, name: str, values: Iterable[str]) -> list:
    # A lone str would iterate as characters.
    if isinstance(values, (str, bytes)):
        raise TypeError(f"{op}: {name} must be a list of str, got {type(values).__name__}")
    return list(values)


def _serialize(events: Union[Event, Sequence[Event]]) -> list:
    if isinstance(events, Event):
        return [events.SerializeToString()]
    return [e.SerializeToString() for e in events]


def _check_batch(batch_size: int) -> None:
    if batch_size < 1:
        from libconsent.errors import InvalidEventError
        raise InvalidEventError("batch_size must be >= 1", field="batch_size")


def _check_count(max_count: Optional[int]) -> Optional[int]:
    if max_count is not None and max_count < 0:
        from libconsent.errors import InvalidEventError
        raise InvalidEventError("max_count must be >= 0", field="max_count")
    return max_count


# A subscription's C++ thread must not call into Python after the interpreter starts to
# finalize: stop whatever is still running (and close stores) at exit.
_live_subscriptions: "weakref.WeakSet[Subscription]" = weakref.WeakSet()
_open_stores: "weakref.WeakSet[Store]" = weakref.WeakSet()
_exit_lock = threading.Lock()


@atexit.register
def _shutdown() -> None:
    with _exit_lock:
        for sub in list(_live_subscriptions):
            try:
                sub._core.stop()
            except Exception:  # pragma: no cover - best effort at exit
                pass
        for store in list(_open_stores):
            try:
                store.close()
            except Exception:  # pragma: no cover
                pass
