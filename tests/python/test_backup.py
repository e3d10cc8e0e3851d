# SPDX-License-Identifier: Apache-2.0
"""Backups from Python: Store.backup, libconsent.verify_backup, libconsent.restore; read-only
opens."""

import datetime as dt
import threading

import pytest

import libconsent
from libconsent import v1


def note(text):
    e = v1.Event()
    e.event_id = libconsent.new_event_id()
    e.occur_time.FromDatetime(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.timezone.utc))
    e.annotation_added.text = text
    return e


def test_a_backup_taken_during_appends_verifies_and_restores(tmp_path):
    store = libconsent.Store.open(tmp_path / "live", create=True, sync=False)
    store.append("note-0", [note(f"n{i}") for i in range(5)])
    stop = threading.Event()

    def writer():
        i = 0
        while not stop.is_set():
            store.append(f"note-{i % 5}", [note("more")])
            i += 1

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        info = store.backup(tmp_path / "backup")
    finally:
        stop.set()
        thread.join()
    assert info.head_position >= 5
    checked = libconsent.verify_backup(tmp_path / "backup")
    assert checked.head_hash_hex == info.head_hash_hex
    restored = libconsent.restore(tmp_path / "backup", tmp_path / "restored")
    assert restored.head_position == info.head_position
    store.close()
    copy = libconsent.Store.open(tmp_path / "restored")
    try:
        assert copy.verify().chain_hash_hex == info.head_hash_hex
        assert copy.head_position == info.head_position
    finally:
        copy.close()


def test_restore_refuses_a_destination_that_holds_a_store(tmp_path):
    store = libconsent.Store.open(tmp_path / "live", create=True, sync=False)
    store.append("note-1", [note("a")])
    store.backup(tmp_path / "backup")
    store.close()
    with pytest.raises(libconsent.AlreadyExistsError):
        libconsent.restore(tmp_path / "backup", tmp_path / "live")


def test_verify_backup_of_an_empty_directory_raises_not_found(tmp_path):
    with pytest.raises(libconsent.NotFoundError):
        libconsent.verify_backup(tmp_path / "nothing")


def test_a_read_only_store_reads_and_refuses_appends(tmp_path):
    store = libconsent.Store.open(tmp_path / "live", create=True, sync=False)
    store.append("note-1", [note("a")])
    store.close()
    ro = libconsent.Store.open(tmp_path / "live", read_only=True)
    try:
        assert ro.read_only
        assert [e.annotation_added.text for e in ro.read_stream("note-1")] == ["a"]
        with pytest.raises(libconsent.PreconditionError):
            ro.append("note-1", [note("b")])
    finally:
        ro.close()
