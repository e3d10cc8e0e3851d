# SPDX-License-Identifier: Apache-2.0
"""Every source file of the repository says its licence (SPDX), as the LICENSE file gives it."""
import pathlib
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
SOURCE_SUFFIXES = (".cc", ".h", ".proto", ".py", ".pyi", ".cmake", ".in", ".toml", ".sh", ".supp")
SOURCE_NAMES = ("CMakeLists.txt", "Makefile", "MANIFEST.in", "run")
NOT_SOURCES = ("tests/fuzz/corpus/", "tests/data/")


def tracked_sources():
    try:
        out = subprocess.run(["git", "ls-files"], cwd=ROOT, check=True, capture_output=True,
                             text=True).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout")
    for name in out.splitlines():
        if name.startswith(NOT_SOURCES):
            continue
        path = ROOT / name
        if path.name.endswith(SOURCE_SUFFIXES) or path.name in SOURCE_NAMES:
            yield name


def test_every_source_file_carries_the_apache_2_0_spdx_identifier():
    missing = [name for name in tracked_sources()
               if "SPDX-License-Identifier: Apache-2.0" not in
               (ROOT / name).read_text(encoding="utf-8", errors="replace").splitlines()[0:3]
               .__str__()]
    assert not missing, f"files without an SPDX header (add '// SPDX-License-Identifier: Apache-2.0'): {missing}"


def test_the_license_file_is_the_apache_2_0_text():
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert "Apache License" in text and "Version 2.0, January 2004" in text
