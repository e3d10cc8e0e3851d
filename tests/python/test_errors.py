# SPDX-License-Identifier: Apache-2.0
"""The exception tree of STYLE.md, raised by the binding's one translator: the whole table."""

import pickle

import pytest

import libconsent
from libconsent import _core, errors
from libconsent.errors import StatusCode

# code -> (class, extra built-in base or None)
TABLE = {
    StatusCode.CANCELLED: (errors.CancelledError, None),
    StatusCode.UNKNOWN: (errors.UnknownError, None),
    StatusCode.INVALID_ARGUMENT: (errors.InvalidEventError, ValueError),
    StatusCode.DEADLINE_EXCEEDED: (errors.DeadlineExceededError, TimeoutError),
    StatusCode.NOT_FOUND: (errors.NotFoundError, LookupError),
    StatusCode.ALREADY_EXISTS: (errors.AlreadyExistsError, None),
    StatusCode.PERMISSION_DENIED: (errors.PermissionDeniedError, None),
    StatusCode.RESOURCE_EXHAUSTED: (errors.ResourceExhaustedError, None),
    StatusCode.FAILED_PRECONDITION: (errors.PreconditionError, None),
    StatusCode.ABORTED: (errors.ConcurrencyError, None),
    StatusCode.OUT_OF_RANGE: (errors.OutOfRangeError, IndexError),
    StatusCode.UNIMPLEMENTED: (errors.UnimplementedError, NotImplementedError),
    StatusCode.INTERNAL: (errors.InternalError, None),
    StatusCode.UNAVAILABLE: (errors.StorageError, OSError),
    StatusCode.DATA_LOSS: (errors.CorruptionError, None),
    StatusCode.UNAUTHENTICATED: (errors.UnauthenticatedError, None),
}


def test_every_error_code_has_a_class_and_the_table_is_complete():
    assert set(TABLE) == {c for c in StatusCode if c != StatusCode.OK}
    assert errors.ERROR_CLASSES == {c: cls for c, (cls, _) in TABLE.items()}
    assert len(set(errors.ERROR_CLASSES.values())) == len(errors.ERROR_CLASSES)


@pytest.mark.parametrize("code", list(TABLE), ids=lambda c: c.name)
def test_translator_raises_the_class_of_each_code_with_its_context(code):
    cls, base = TABLE[code]
    with pytest.raises(cls) as info:
        _core._raise_status(int(code), "Op(stream \"call-1\"): went wrong", stream="call-1",
                            field="tracks[1]", rule_id="LC-OBJ-1", position=42, index=3,
                            expected=7, actual=9)
    e = info.value
    assert type(e) is cls
    assert isinstance(e, libconsent.ConsentError)
    if base is not None:
        assert isinstance(e, base)
    assert e.code == code and isinstance(e.code, StatusCode)
    assert e.message == "Op(stream \"call-1\"): went wrong"
    assert str(e) == f"{code.name}: Op(stream \"call-1\"): went wrong"
    assert (e.stream, e.field, e.rule_id, e.position, e.index) == \
        ("call-1", "tracks[1]", "LC-OBJ-1", 42, 3)
    assert (e.expected, e.actual) == (7, 9)
    again = pickle.loads(pickle.dumps(e))
    assert type(again) is cls and again.position == 42 and again.code == code


def test_unset_context_is_none():
    with pytest.raises(errors.NotFoundError) as info:
        _core._raise_status(int(StatusCode.NOT_FOUND), "ReadStream(stream \"x-1\"): no stream")
    e = info.value
    assert (e.stream, e.field, e.rule_id, e.position, e.index, e.expected, e.actual) == \
        (None,) * 7


def test_storage_and_concurrency_errors_are_caught_by_builtin_idioms():
    with pytest.raises(OSError):
        _core._raise_status(int(StatusCode.UNAVAILABLE), "disk full")
    with pytest.raises(LookupError):
        _core._raise_status(int(StatusCode.NOT_FOUND), "nothing")
    with pytest.raises(ValueError):
        _core._raise_status(int(StatusCode.INVALID_ARGUMENT), "bad")


def test_a_code_out_of_the_table_is_refused_as_invalid_argument():
    with pytest.raises(errors.InvalidEventError) as info:
        _core._raise_status(0, "ok is not an error")
    assert info.value.field == "code"


def test_from_status_of_an_unknown_code_gives_unknown_error():
    e = errors.from_status(99, "future code")
    assert type(e) is errors.UnknownError and "99" in e.message


# ---- Arguments: the wrong type is TypeError, an integer out of range is OverflowError ---------

def _note(now):
    e = libconsent.v1.Event(event_id=libconsent.new_event_id())
    e.occur_time.FromDatetime(now)
    e.annotation_added.text = "n"
    return e


BAD_ARGUMENTS = [
    # (id, call(store, now), exception, words of the message)
    ("append a list holding None", lambda s, n: s.append("note-1", [None]), TypeError,
     "events[0] must be a message of type Event, got None"),
    ("append a str for events", lambda s, n: s.append("note-1", "text"), TypeError,
     "events must be a message of type Event or a list of them, got str"),
    ("append a list of ints", lambda s, n: s.append("note-1", [1, 2]), TypeError,
     "events[0] must be a message of type Event, got int"),
    ("append one bad event after a good one",
     lambda s, n: s.append("note-1", [_note(n), 2]), TypeError, "events[1]"),
    ("append bytes for the stream", lambda s, n: s.append(b"note-1", [_note(n)]), TypeError,
     "stream must be a str, got bytes"),
    ("append None for the stream", lambda s, n: s.append(None, [_note(n)]), TypeError,
     "stream must be a str, got None"),
    ("append a str revision",
     lambda s, n: s.append("note-1", [_note(n)], expected_revision="1"), TypeError,
     "expected_revision must be an int, got str"),
    ("append a revision past int64",
     lambda s, n: s.append("note-1", [_note(n)], expected_revision=2**63), OverflowError,
     "expected_revision"),
    ("Ledger over None", lambda s, n: libconsent.Ledger(None), TypeError,
     "Ledger expects a libconsent.Store, got None"),
    ("Ledger over a path", lambda s, n: libconsent.Ledger("/tmp/store"), TypeError, "got str"),
    ("read_all from 2**64", lambda s, n: s.read_all(from_position=2**64), OverflowError,
     "from_position = 18446744073709551616 is out of range"),
    ("read_all from -1", lambda s, n: s.read_all(from_position=-1), OverflowError,
     "from_position"),
    ("read_all to a float", lambda s, n: s.read_all(to_position=1.5), TypeError,
     "to_position must be an int, got float"),
    ("read_all from True", lambda s, n: s.read_all(from_position=True), TypeError, "got bool"),
    ("read_all with a str of categories", lambda s, n: s.read_all(categories="call"), TypeError,
     "categories must be a list of str"),
    ("read_all with bytes types", lambda s, n: s.read_all(types=[b"call_started"]), TypeError,
     "types[] must be a str, got bytes"),
    ("read_all max_count past int64", lambda s, n: s.read_all(max_count=2**63), OverflowError,
     "max_count"),
    ("read_stream of bytes", lambda s, n: s.read_stream(b"note-1"), TypeError,
     "stream must be a str, got bytes"),
    ("read_stream from 2**63", lambda s, n: s.read_stream("note-1", from_revision=2**63),
     OverflowError, "from_revision"),
    ("read_event at 2**64", lambda s, n: s.read_event(2**64), OverflowError, "position"),
    ("read_event at None", lambda s, n: s.read_event(None), TypeError, "got None"),
    ("stream_revision of bytes", lambda s, n: s.stream_revision(b"note-1"), TypeError,
     "got bytes"),
    ("verify from -1", lambda s, n: s.verify(from_position=-1), OverflowError,
     "from_position"),
    ("open a bytes path", lambda s, n: libconsent.Store.open(b"/tmp/never"), TypeError,
     "path must be a str, got bytes"),
]


@pytest.mark.parametrize("call,exception,words", [c[1:] for c in BAD_ARGUMENTS],
                         ids=[c[0] for c in BAD_ARGUMENTS])
def test_a_bad_argument_raises_the_documented_builtin_and_writes_nothing(tmp_path, now, call,
                                                                         exception, words):
    store = libconsent.Store.open(str(tmp_path / "store"), create=True, sync=False)
    try:
        store.append("note-0", [_note(now)])
        with pytest.raises(exception) as info:
            result = call(store, now)
            if hasattr(result, "__next__"):
                next(result, None)
        assert words in str(info.value)
        assert not isinstance(info.value, libconsent.ConsentError)
        assert store.head_position == 1
    finally:
        store.close()


def test_the_largest_position_is_in_range_and_reads_nothing(store, now):
    store.append("note-1", [_note(now)], expected_revision=libconsent.NO_STREAM)
    assert list(store.read_all(from_position=2**64 - 1)) == []
    assert [e.position for e in store.read_all(from_position=1)] == [1]
