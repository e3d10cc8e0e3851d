# SPDX-License-Identifier: Apache-2.0
"""The exceptions libconsent raises: one tree, rooted at :class:`ConsentError`.

Every failure of the C++ library is a ``consent::Status`` with a canonical code; the binding
has exactly one translator (``bindings/python/src/errors.cc``) that calls :func:`from_status`
to turn it into the class below for its code. What a caller branches on is typed data on the
exception, never parsed from the message:

==============================  ====================  =======================================
class                           status code           built-in base / meaning
==============================  ====================  =======================================
:class:`CancelledError`         CANCELLED (1)         the operation was cancelled
:class:`UnknownError`           UNKNOWN (2)           an error without a better code
:class:`InvalidEventError`      INVALID_ARGUMENT (3)  ``ValueError``: malformed input, fix it
:class:`DeadlineExceededError`  DEADLINE_EXCEEDED (4) ``TimeoutError``
:class:`NotFoundError`          NOT_FOUND (5)         ``LookupError``: no such stream/call/...
:class:`AlreadyExistsError`     ALREADY_EXISTS (6)    an event id reused for other content
:class:`PermissionDeniedError`  PERMISSION_DENIED (7) access refused (LC-ACC-1); ``.rule_id``
:class:`ResourceExhaustedError` RESOURCE_EXHAUSTED(8)
:class:`PreconditionError`      FAILED_PRECONDITION(9) the fact contradicts the log
:class:`ConcurrencyError`       ABORTED (10)          stale expected revision; re-read, retry
:class:`OutOfRangeError`        OUT_OF_RANGE (11)     ``IndexError``
:class:`UnimplementedError`     UNIMPLEMENTED (12)    ``NotImplementedError``
:class:`InternalError`          INTERNAL (13)         a bug or an unexpected storage state
:class:`StorageError`           UNAVAILABLE (14)      ``OSError``: I/O failed, retrying may help
:class:`CorruptionError`        DATA_LOSS (15)        a stored event is corrupt or tampered with
:class:`UnauthenticatedError`   UNAUTHENTICATED (16)  SubjectDirectory: another master key
==============================  ====================  =======================================

Every exception carries ``.code`` (a :class:`StatusCode`), ``.message`` and the context the
C++ library set, each ``None`` when not set: ``.stream``, ``.field`` (a proto path such as
``"occur_time"`` or ``"tracks[1]"``), ``.position``, ``.index``, ``.rule_id``, and
``.expected`` / ``.actual`` (revisions, on :class:`ConcurrencyError`).

Arguments are checked before anything reaches C++, with Python's built-in exceptions (they
are mistakes in the calling code, not outcomes of an operation, so they are not
:class:`ConsentError`):

* ``TypeError``: a value of the wrong type: ``None`` where a value is required, ``bytes``
  where text (``str``) is expected, a ``bool``, ``float`` or ``str`` where an integer is
  expected, a string or anything but ``libconsent.v1.Event`` messages where events are
  expected (``append("text")``, ``append([None])``, ``append([1, 2])``), something other than
  a :class:`~libconsent.Store` given to :class:`~libconsent.Ledger`.
* ``OverflowError``: an integer outside what the store can represent: positions
  0..2**64-1, revisions -4..2**63-1, counts 0..2**63-1 (``read_all(from_position=2**64)``).

Example::

    try:
        ledger.pause_recording(call_id="c-9", recording_id="r-2", tracks=["TRACK_CALLER"],
                               occur_time=now)
    except libconsent.PreconditionError as e:
        print(e.field)          # "recording_id"; nothing was appended
"""

from __future__ import annotations

import enum
import operator
from typing import Any, Dict, List, Optional, Type

__all__ = [
    "StatusCode", "ConsentError", "CancelledError", "UnknownError", "InvalidEventError",
    "InvalidArgumentError", "DeadlineExceededError", "NotFoundError", "AlreadyExistsError",
    "PermissionDeniedError", "ResourceExhaustedError", "PreconditionError", "ConcurrencyError",
    "OutOfRangeError", "UnimplementedError", "InternalError", "StorageError", "CorruptionError",
    "UnauthenticatedError", "ERROR_CLASSES", "from_status",
]


class StatusCode(enum.IntEnum):
    """consent::StatusCode: abseil's canonical codes, with their numbers."""

    OK = 0
    CANCELLED = 1
    UNKNOWN = 2
    INVALID_ARGUMENT = 3
    DEADLINE_EXCEEDED = 4
    NOT_FOUND = 5
    ALREADY_EXISTS = 6
    PERMISSION_DENIED = 7
    RESOURCE_EXHAUSTED = 8
    FAILED_PRECONDITION = 9
    ABORTED = 10
    OUT_OF_RANGE = 11
    UNIMPLEMENTED = 12
    INTERNAL = 13
    UNAVAILABLE = 14
    DATA_LOSS = 15
    UNAUTHENTICATED = 16


class ConsentError(Exception):
    """Root of every libconsent error.

    Attributes:
        code: the :class:`StatusCode` of the C++ status.
        message: the C++ message, leading with the operation and its subject.
        stream, field, rule_id: strings, or ``None`` when the library did not set them.
        position, index: integers, or ``None``.
        expected, actual: expected and actual stream revisions (``ConcurrencyError``), or None.
    """

    code: StatusCode = StatusCode.UNKNOWN

    def __init__(self, message: str = "", *, code: Optional[int] = None,
                 stream: Optional[str] = None, field: Optional[str] = None,
                 rule_id: Optional[str] = None, position: Optional[int] = None,
                 index: Optional[int] = None, expected: Optional[int] = None,
                 actual: Optional[int] = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = StatusCode(code)
        self.message = message
        self.stream = stream
        self.field = field
        self.rule_id = rule_id
        self.position = position
        self.index = index
        self.expected = expected
        self.actual = actual

    def __str__(self) -> str:
        return f"{self.code.name}: {self.message}"

    def __reduce__(self):  # picklable with its context (multiprocessing)
        return (_rebuild, (type(self), self.message, self.__dict__.copy()))


def _rebuild(cls, message, state):
    e = cls(message)
    e.__dict__.update(state)
    return e


class CancelledError(ConsentError):
    """The operation was cancelled (CANCELLED)."""
    code = StatusCode.CANCELLED


class UnknownError(ConsentError):
    """An error the library could not classify (UNKNOWN)."""
    code = StatusCode.UNKNOWN


class InvalidEventError(ConsentError, ValueError):
    """Malformed input: fix the request (INVALID_ARGUMENT). ``.field`` names the field,
    ``.index`` the offending event of a batch. Nothing was written."""
    code = StatusCode.INVALID_ARGUMENT


#: Alias: INVALID_ARGUMENT also covers arguments that are not events.
InvalidArgumentError = InvalidEventError


class DeadlineExceededError(ConsentError, TimeoutError):
    """A deadline passed before the operation completed (DEADLINE_EXCEEDED)."""
    code = StatusCode.DEADLINE_EXCEEDED


class NotFoundError(ConsentError, LookupError):
    """The named stream, call, agent, event or store does not exist (NOT_FOUND)."""
    code = StatusCode.NOT_FOUND


class AlreadyExistsError(ConsentError):
    """An event id already recorded with other content or in another stream, or a store that
    already exists when ``error_if_exists`` was asked (ALREADY_EXISTS)."""
    code = StatusCode.ALREADY_EXISTS


class PermissionDeniedError(ConsentError):
    """Access refused at the door (PERMISSION_DENIED): ``.rule_id`` is the rule (LC-ACC-1),
    ``.position`` the position of the AccessRefused event recorded instead, ``.field`` what
    failed ("role", "purpose", "call_id")."""
    code = StatusCode.PERMISSION_DENIED


class ResourceExhaustedError(ConsentError):
    """A limit was reached (RESOURCE_EXHAUSTED)."""
    code = StatusCode.RESOURCE_EXHAUSTED


class PreconditionError(ConsentError):
    """The fact contradicts the log (FAILED_PRECONDITION): an unknown call or recording, a
    second CallEnded, a pause of a recording that is not running; also a closed store, or a
    directory that is not a libconsent store. ``.position`` may name the contradicted fact.
    Nothing was written."""
    code = StatusCode.FAILED_PRECONDITION


class ConcurrencyError(ConsentError):
    """The stream moved on (ABORTED): ``.expected`` is the revision the caller expected,
    ``.actual`` the stream's real last revision (-1: no stream). Re-read, decide, append
    again. Nothing was written."""
    code = StatusCode.ABORTED


class OutOfRangeError(ConsentError, IndexError):
    """A position or revision outside the valid range (OUT_OF_RANGE)."""
    code = StatusCode.OUT_OF_RANGE


class UnimplementedError(ConsentError, NotImplementedError):
    """Not supported (UNIMPLEMENTED), e.g. Ledger.record of a payload type it does not
    record yet."""
    code = StatusCode.UNIMPLEMENTED


class InternalError(ConsentError):
    """An internal error of the library or of RocksDB (INTERNAL)."""
    code = StatusCode.INTERNAL


class StorageError(ConsentError, OSError):
    """Storage I/O failed or the store is locked by another process (UNAVAILABLE); retrying
    may help."""
    code = StatusCode.UNAVAILABLE


class CorruptionError(ConsentError):
    """A stored event is corrupt, missing or tampered with (DATA_LOSS); ``.position`` is the
    first bad position."""
    code = StatusCode.DATA_LOSS


class UnauthenticatedError(ConsentError):
    """The caller is not authenticated (UNAUTHENTICATED), e.g. a
    :class:`~libconsent.SubjectDirectory` opened with a master key other than the one that
    wrapped the store's subject keys (nothing is read or written)."""
    code = StatusCode.UNAUTHENTICATED


#: The whole table: status code -> exception class.
ERROR_CLASSES: Dict[StatusCode, Type[ConsentError]] = {
    StatusCode.CANCELLED: CancelledError,
    StatusCode.UNKNOWN: UnknownError,
    StatusCode.INVALID_ARGUMENT: InvalidEventError,
    StatusCode.DEADLINE_EXCEEDED: DeadlineExceededError,
    StatusCode.NOT_FOUND: NotFoundError,
    StatusCode.ALREADY_EXISTS: AlreadyExistsError,
    StatusCode.PERMISSION_DENIED: PermissionDeniedError,
    StatusCode.RESOURCE_EXHAUSTED: ResourceExhaustedError,
    StatusCode.FAILED_PRECONDITION: PreconditionError,
    StatusCode.ABORTED: ConcurrencyError,
    StatusCode.OUT_OF_RANGE: OutOfRangeError,
    StatusCode.UNIMPLEMENTED: UnimplementedError,
    StatusCode.INTERNAL: InternalError,
    StatusCode.UNAVAILABLE: StorageError,
    StatusCode.DATA_LOSS: CorruptionError,
    StatusCode.UNAUTHENTICATED: UnauthenticatedError,
}


def from_status(code: int, message: str, **context: Optional[object]) -> ConsentError:
    """The exception for a consent::Status (called by the binding's translator).

    Unknown codes give :class:`UnknownError` with that code kept in the message.
    """
    try:
        status = StatusCode(code)
        cls = ERROR_CLASSES[status]
    except (ValueError, KeyError):
        return UnknownError(f"status code {code}: {message}", **context)  # type: ignore[arg-type]
    return cls(message, code=status, **context)  # type: ignore[arg-type]


# ---- Argument checks (see the module documentation) ------------------------------------------

#: Ranges of the C++ integer types behind the arguments.
POSITION_RANGE = (0, 2**64 - 1)
REVISION_RANGE = (-4, 2**63 - 1)
COUNT_RANGE = (0, 2**63 - 1)


def _type_name(value: Any) -> str:
    return "None" if value is None else type(value).__name__


def check_str(op: str, name: str, value: Any) -> str:
    """``value`` if it is a ``str``; TypeError otherwise (``bytes`` included)."""
    if not isinstance(value, str):
        raise TypeError(f"{op}: {name} must be a str, got {_type_name(value)}")
    return value


def check_int(op: str, name: str, value: Any, bounds: "tuple[int, int]") -> int:
    """``value`` as an int if it is an integer (not a bool) within ``bounds``; TypeError for
    another type, OverflowError out of range."""
    if isinstance(value, bool):
        raise TypeError(f"{op}: {name} must be an int, got bool")
    try:
        number = operator.index(value)
    except TypeError:
        raise TypeError(f"{op}: {name} must be an int, got {_type_name(value)}") from None
    low, high = bounds
    if not low <= number <= high:
        raise OverflowError(f"{op}: {name} = {number} is out of range [{low}, {high}]")
    return number


def check_optional_int(op: str, name: str, value: Any,
                       bounds: "tuple[int, int]") -> Optional[int]:
    """As :func:`check_int`, ``None`` allowed."""
    return None if value is None else check_int(op, name, value, bounds)


def check_messages(op: str, name: str, values: Any, cls: type) -> List[Any]:
    """A list of ``cls`` messages from one message or an iterable of them; TypeError for
    anything else (a ``str`` or ``bytes`` is not a list of messages)."""
    if isinstance(values, cls):
        return [values]
    if isinstance(values, (str, bytes, bytearray)) or not hasattr(values, "__iter__"):
        raise TypeError(f"{op}: {name} must be a message of type {cls.__name__} or a list of "
                        f"them, got {_type_name(values)}")
    out = list(values)
    for i, v in enumerate(out):
        if not isinstance(v, cls):
            raise TypeError(f"{op}: {name}[{i}] must be a message of type {cls.__name__}, "
                            f"got {_type_name(v)}")
    return out
