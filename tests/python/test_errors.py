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
