# SPDX-License-Identifier: Apache-2.0
"""Builds the `libconsent` Python package with CMake.

`pip install .` (offline: `pip install --no-build-isolation --no-index .`) configures a
Release build of the library and the pybind11 module only (tests, tools, examples, benchmarks
and install rules off) in build-pip/cmake, builds the `consent_python` target, and packages
the directory CMake assembled (<build>/python/libconsent: the pure-Python files, _core*.so and
the generated *_pb2.py).

Environment:
  LIBCONSENT_CMAKE_BUILD_DIR  an already configured CMake build directory to reuse (e.g. the
                              one `make build` made): only `consent_python` is brought up to
                              date there, nothing is reconfigured. The test suite uses it so
                              that checking `pip install` costs seconds, not a rebuild.
  CMAKE_ARGS                  extra arguments for the configure step (e.g. a compiler
                              launcher: -DCMAKE_CXX_COMPILER_LAUNCHER=ccache).
  LIBCONSENT_JOBS             parallel build jobs (default: 2).

Metadata (name, licence, dependencies) is in pyproject.toml's [project] table; the version is
read from CMakeLists.txt, its one source. Runtime requirements are the distribution's: numpy,
protobuf (the Python runtime matching the C++ protobuf the module links), pandas for
to_pandas(), RocksDB and libsodium shared libraries.
"""

import os
import re
import shlex
import shutil
import subprocess
import sys

from setuptools import Distribution, setup
from setuptools.command.build_py import build_py

ROOT = os.path.dirname(os.path.abspath(__file__))
# Everything setuptools writes (build tree, egg-info) stays under build-pip/ (git-ignored).
os.makedirs(os.path.join(ROOT, "build-pip"), exist_ok=True)


def _run(cmd):
    print("+ " + " ".join(shlex.quote(c) for c in cmd), flush=True)
    subprocess.check_call(cmd, cwd=ROOT)


class CMakeBuildPy(build_py):
    """build_py that builds the package with CMake and copies the assembled directory."""

    def run(self):
        build_dir = os.environ.get("LIBCONSENT_CMAKE_BUILD_DIR")
        jobs = os.environ.get("LIBCONSENT_JOBS", "2")
        if build_dir:
            build_dir = os.path.abspath(build_dir)
            if not os.path.exists(os.path.join(build_dir, "CMakeCache.txt")):
                raise RuntimeError(f"LIBCONSENT_CMAKE_BUILD_DIR={build_dir} is not a CMake build")
        else:
            build_dir = os.path.join(ROOT, "build-pip", "cmake")
            generator = ["-G", "Ninja"] if shutil.which("ninja") else []
            _run(["cmake", "-S", ROOT, "-B", build_dir, *generator,
                  "-DCMAKE_BUILD_TYPE=Release",
                  "-DLIBCONSENT_BUILD_PYTHON=ON", "-DLIBCONSENT_BUILD_TESTS=OFF",
                  "-DLIBCONSENT_BUILD_EXAMPLES=OFF", "-DLIBCONSENT_BUILD_TOOLS=OFF",
                  "-DLIBCONSENT_BUILD_BENCH=OFF", "-DLIBCONSENT_INSTALL=OFF",
                  f"-DPython3_EXECUTABLE={sys.executable}",
                  *shlex.split(os.environ.get("CMAKE_ARGS", ""))])
        _run(["cmake", "--build", build_dir, "--target", "consent_python", "-j", jobs])
        src = os.path.join(build_dir, "python", "libconsent")
        dst = os.path.join(self.build_lib, "libconsent")
        if os.path.exists(dst):
            shutil.rmtree(dst)
        shutil.copytree(src, dst, ignore=shutil.ignore_patterns("__pycache__"))


def cmake_project_version():
    """The version of project(libconsent VERSION x.y.z) in CMakeLists.txt: its one source."""
    with open(os.path.join(ROOT, "CMakeLists.txt"), encoding="utf-8") as f:
        m = re.search(r"project\(\s*libconsent\s+VERSION\s+([0-9][0-9.]*)", f.read())
    if not m:
        raise RuntimeError("CMakeLists.txt: no project(libconsent VERSION ...)")
    return m.group(1)


class BinaryDistribution(Distribution):
    """The package holds a compiled module: the wheel is platform-specific."""

    def has_ext_modules(self):
        return True


# Name, description, licence and dependencies: the [project] table of pyproject.toml.
setup(
    version=cmake_project_version(),
    packages=["libconsent"],
    package_dir={"libconsent": "bindings/python/libconsent"},
    cmdclass={"build_py": CMakeBuildPy},
    distclass=BinaryDistribution,
    options={"build": {"build_base": "build-pip/setuptools"},
             "egg_info": {"egg_base": "build-pip"}},
    zip_safe=False,
)
