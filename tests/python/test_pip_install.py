# SPDX-License-Identifier: Apache-2.0
"""`pip install .` works offline with the distribution's setuptools, in a fresh venv.

To keep `make test` fast the install reuses the CMake build directory the suite runs from
(LIBCONSENT_CMAKE_BUILD_DIR, honoured by setup.py): pip runs setup.py, which only brings the
`consent_python` target up to date there and packages it; configuring a Release build from
scratch is the path users get without that variable (same code, minus the configure step).
"""

import os
import re
import subprocess


ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_pip_install_into_a_venv_then_import_and_use(tmp_path, build_dir):
    venv = tmp_path / "venv"
    subprocess.run(["/usr/bin/python3", "-m", "venv", "--system-site-packages", str(venv)],
                   check=True, timeout=300)
    py = str(venv / "bin" / "python")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "CONSENT_BUILD_DIR")}
    env["LIBCONSENT_CMAKE_BUILD_DIR"] = build_dir
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    r = subprocess.run([py, "-m", "pip", "install", "--no-build-isolation", "--no-index", ROOT],
                       env=env, capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    check = """
import libconsent, os, re, sys, tempfile
assert libconsent.__file__.startswith(sys.prefix), libconsent.__file__
here = os.path.dirname(libconsent.__file__)
assert os.path.exists(os.path.join(here, "py.typed")) and os.path.exists(os.path.join(here, "_core.pyi"))
with libconsent.open(tempfile.mkdtemp() + "/s", create=True, sync=False) as store:
    s = libconsent.simulate_day(store, calls=20, agents=12)
    c = libconsent.Compliance(store, at=s.day_end, persist=False)
    assert len(c.calls.to_pandas()) == 20
from importlib import metadata
meta = metadata.metadata("libconsent")
assert meta["Version"] == libconsent.__version__, (meta["Version"], libconsent.__version__)
assert meta["License"] == "Apache-2.0", meta["License"]
requires = [re.match(r"[A-Za-z0-9_.-]+", r).group(0) for r in meta.get_all("Requires-Dist")]
assert {"numpy", "pandas", "protobuf"} <= set(requires), requires
print("ok", libconsent.__version__)
"""
    r = subprocess.run([py, "-c", check], env=env, cwd=str(tmp_path), capture_output=True,
                       text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "ok " + cmake_project_version()


def cmake_project_version():
    with open(os.path.join(ROOT, "CMakeLists.txt"), encoding="utf-8") as f:
        return re.search(r"project\(libconsent VERSION ([0-9.]+)", f.read()).group(1)
