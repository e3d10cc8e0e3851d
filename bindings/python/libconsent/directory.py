# SPDX-License-Identifier: Apache-2.0
"""The subject directory: real identities behind pseudonymous subject references, sealed per
subject so that erasing a subject is destroying one key (crypto-shredding;
``consent/subject_directory.h``).

Events name people by ``subject_ref`` only. The directory seals what a ref stands for (phone
number, name, note) in the log with the subject's own key; the subject keys live in the store's
``keys`` column family, wrapped by a :class:`MasterKey` the host supplies (file or environment
variable) and never stored in clear. :meth:`SubjectDirectory.erase_subject` destroys the key:
the ciphertext left in the log is unreadable by anyone, reads return ``erased=True`` and no
identity, and ``store.verify()`` still passes::

    key = libconsent.MasterKey.from_environment()            # LIBCONSENT_MASTER_KEY=<64 hex>
    directory = libconsent.SubjectDirectory(store, key)
    directory.seal_identity("caller-8f2c", "caller", phone_number="+33 6 12 34 56 78",
                            name="Jeanne Martin")
    directory.lookup("caller-8f2c")["identity"]["name"]      # "Jeanne Martin"
    directory.erase_subject("caller-8f2c", request_id="dsr-2024-17")
    directory.lookup("caller-8f2c")["identity"]              # None (erased)

Errors (libconsent.errors): InvalidEventError (bad subject ref, kind or identity; ``.field``
names it), NotFoundError (unknown subject), PreconditionError (sealing for an erased subject),
UnauthenticatedError (the store's keys were wrapped by another master key), CorruptionError
(ciphertext that does not authenticate), StorageError.

Thread-safety: a SubjectDirectory may be shared between threads; the GIL is released while C++
seals, reads and erases. Use one SubjectDirectory per store.
"""

from __future__ import annotations

import datetime as _dt
import os
import uuid
from typing import Any, Dict, Optional, Tuple, Union

from libconsent import _core
from libconsent.errors import InvalidEventError

__all__ = ["MasterKey", "SubjectDirectory", "MASTER_KEY_ENVIRONMENT_VARIABLE"]

#: The environment variable :meth:`MasterKey.from_environment` reads by default.
MASTER_KEY_ENVIRONMENT_VARIABLE = "LIBCONSENT_MASTER_KEY"


class MasterKey:
    """The host's 32-byte key that wraps every subject key of a store (``consent::MasterKey``).

    Make one with :meth:`from_file`, :meth:`from_environment`, :meth:`from_hex`,
    :meth:`from_bytes` or :meth:`generate`. The bytes stay in C++ memory (wiped when the key is
    collected); ``repr`` never shows them, and the key cannot be pickled. Losing the master key
    loses every identity it wraps.
    """

    __slots__ = ("_core",)

    def __init__(self, core: "_core.MasterKey") -> None:
        if not isinstance(core, _core.MasterKey):
            raise TypeError("use MasterKey.from_file/from_environment/from_hex/generate")
        self._core = core

    @classmethod
    def from_file(cls, path: Union[str, "os.PathLike[str]"]) -> "MasterKey":
        """64 hexadecimal characters (one trailing newline allowed) from ``path``, a file
        readable and writable by its owner only. Raises NotFoundError (no file),
        PreconditionError (group or others may read it: chmod 600), InvalidEventError (not 64
        hex characters; the message never shows the content), StorageError."""
        return cls(_core.MasterKey.from_file(os.fspath(path)))

    @classmethod
    def from_environment(cls, variable: str = MASTER_KEY_ENVIRONMENT_VARIABLE) -> "MasterKey":
        """64 hexadecimal characters from the environment variable ``variable``. Raises
        NotFoundError (unset or empty), InvalidEventError (bad format)."""
        return cls(_core.MasterKey.from_environment(variable))

    @classmethod
    def from_hex(cls, hex: str) -> "MasterKey":  # noqa: A002
        """From 64 hexadecimal characters. Raises InvalidEventError otherwise."""
        return cls(_core.MasterKey.from_hex(hex))

    @classmethod
    def from_bytes(cls, raw: bytes) -> "MasterKey":
        """From exactly 32 raw bytes. Raises InvalidEventError otherwise."""
        return cls(_core.MasterKey.from_bytes(bytes(raw)))

    @classmethod
    def generate(cls) -> "MasterKey":
        """A fresh random key (libsodium's CSPRNG). Save it with :meth:`to_hex`."""
        return cls(_core.MasterKey.generate())

    def to_hex(self) -> str:
        """The key as 64 lower-case hexadecimal characters, for writing a key file. A secret:
        never log it."""
        return self._core.to_hex()

    def __repr__(self) -> str:
        return "<libconsent.MasterKey (hidden)>"

    __str__ = __repr__

    def __reduce__(self) -> Any:
        raise TypeError("a MasterKey cannot be pickled (it would copy the key's bytes)")


def _party(kind: Union[int, str]) -> int:
    if isinstance(kind, bool) or not isinstance(kind, (int, str)):
        raise InvalidEventError(f"seal_identity: kind expects 'caller' or 'agent', got "
                                f"{type(kind).__name__}", field="kind")
    if isinstance(kind, int):
        return kind
    from libconsent.v1 import Party
    name = kind.upper()
    if not name.startswith("PARTY_"):
        name = "PARTY_" + name
    try:
        return Party.Value(name)
    except ValueError:
        raise InvalidEventError(f"seal_identity: unknown kind {kind!r} (caller or agent)",
                                field="kind") from None


def _event_id(value: Union[bytes, str, uuid.UUID, None]) -> bytes:
    if value is None:
        return b""
    if isinstance(value, uuid.UUID):
        return value.bytes
    if isinstance(value, str):
        return _core.parse_event_id(value)
    return bytes(value)


def _bytes(value: Union[bytes, bytearray, memoryview, str]) -> bytes:
    if isinstance(value, str):
        return value.encode("utf-8")
    return bytes(value)


class SubjectDirectory:
    """The subject directory of a :class:`~libconsent.Store`, whose subject keys are wrapped
    by ``master_key`` (``consent::SubjectDirectory``).

    Opening writes nothing; the store's first subject key is written with a check value, and
    from then on a directory opened with another master key raises UnauthenticatedError.
    Subject references: 1 to 128 characters of ``[A-Za-z0-9._:-]`` (pseudonymous: never a
    phone number or a name). Results are dicts; times given are datetimes (naive = UTC).
    """

    def __init__(self, store: Any, master_key: MasterKey) -> None:
        if not isinstance(master_key, MasterKey):
            raise TypeError(f"SubjectDirectory expects a MasterKey, got "
                            f"{type(master_key).__name__}")
        self._store = store
        self._core = _core.SubjectDirectory(store._core, master_key._core)

    def seal_identity(self, subject_ref: str, kind: Union[int, str], phone_number: str = "",
                      name: str = "", note: str = "",
                      event_id: Union[bytes, str, uuid.UUID, None] = None,
                      occur_time: Optional[_dt.datetime] = None,
                      sync: Optional[bool] = None) -> Dict[str, Any]:
        """Seals the identity (at least one of phone_number, name, note) with the subject's key,
        creating the key on first use, and appends SubjectIdentitySealed to
        ``subject-<ref>``. ``kind``: "caller" or "agent" (or a Party value). A later seal
        replaces what :meth:`lookup` returns. Returns {subject_ref, key_id, position,
        key_created, deduplicated}. Raises InvalidEventError, PreconditionError (subject
        erased), AlreadyExistsError (event_id reused); nothing is written on error."""
        return self._core.seal_identity(subject_ref, _party(kind), phone_number, name, note,
                                        _event_id(event_id), occur_time, sync)

    def lookup(self, subject_ref: str) -> Dict[str, Any]:
        """The subject's latest identity: {subject_ref, kind ("caller"/"agent"), key_id,
        erased, identity ({phone_number, name, note}, or None once erased), sealed_position,
        erased_position}. Raises NotFoundError for an unknown subject, CorruptionError when the
        ciphertext does not authenticate."""
        return self._core.lookup(subject_ref)

    def erase_subject(self, subject_ref: str, request_id: str = "",
                      event_id: Union[bytes, str, uuid.UUID, None] = None,
                      occur_time: Optional[_dt.datetime] = None,
                      sync: Optional[bool] = None) -> Dict[str, Any]:
        """Destroys the subject's key and appends SubjectErased (one atomic write), then scrubs
        the disk (10-100 ms). Idempotent: a second call returns the first erasure with
        ``already_erased=True``. Returns {subject_ref, key_id, position, already_erased}.
        Raises NotFoundError (no key: nothing to erase), StorageError when the erasure is
        committed but the scrub could not finish (call again)."""
        return self._core.erase_subject(subject_ref, request_id, _event_id(event_id),
                                        occur_time, sync)

    def is_erased(self, subject_ref: str) -> bool:
        """Whether the subject's key was destroyed."""
        return self._core.is_erased(subject_ref)

    def seal(self, subject_ref: str,
             plaintext: Union[bytes, bytearray, memoryview, str]) -> Tuple[str, bytes]:
        """Seals a value (at most 64 KiB; str is UTF-8 encoded) with the subject's key, creating
        the key on first use: returns (key_id, sealed bytes). Raises PreconditionError once the
        subject is erased."""
        key_id, sealed = self._core.seal(subject_ref, _bytes(plaintext))
        return key_id, sealed

    def unseal(self, subject_ref: str, key_id: str,
               sealed: Union[bytes, bytearray, memoryview]) -> Dict[str, Any]:
        """Opens a value :meth:`seal` made for the same subject: {erased, plaintext (bytes)}.
        Once the subject is erased: ``{"erased": True, "plaintext": b""}``, never an error.
        Raises NotFoundError (unknown subject), CorruptionError (another key id, tampered
        bytes, or sealed for another subject)."""
        return self._core.unseal(subject_ref, key_id, bytes(sealed))

    def __repr__(self) -> str:
        return f"<libconsent.SubjectDirectory of {self._store!r}>"
