# SPDX-License-Identifier: Apache-2.0
"""mypy passes on the assembled package, and the .pyi stubs of the generated protobuf modules
make it check code that uses libconsent.v1 messages."""

import os
import subprocess

import pytest

import libconsent
from conftest import PYTHON

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def mypy(args, package_parent):
    env = dict(os.environ, MYPYPATH=package_parent)
    return subprocess.run([PYTHON, "-m", "mypy", "--config-file", os.path.join(ROOT, "pyproject.toml"),
                           "--no-incremental", "--cache-dir", os.devnull, *args],
                          cwd=package_parent, env=env, capture_output=True, text=True, timeout=900)


@pytest.fixture(scope="module")
def package_parent():
    pytest.importorskip("mypy")
    return os.path.dirname(os.path.dirname(libconsent.__file__))


def test_mypy_passes_on_the_package(package_parent):
    r = mypy(["-p", "libconsent"], package_parent)
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-2000:]


def test_the_protobuf_stubs_let_mypy_catch_wrongly_typed_fields(package_parent, tmp_path):
    user = tmp_path / "user_code.py"
    user.write_text(
        "from libconsent import v1\n"
        "event = v1.Event()\n"
        "event.integrator_event.type = 'order.Placed'\n"
        "event.integrator_event.data = 42\n"          # bytes expected
        "other = v1.IntegratorEvent(type=3)\n")       # str expected
    r = mypy([str(user)], package_parent)
    assert r.returncode == 1, r.stdout
    assert "user_code.py:4: error" in r.stdout and "user_code.py:5: error" in r.stdout, r.stdout
    assert "user_code.py:3" not in r.stdout, r.stdout
