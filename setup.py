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

Runtime requirements are the distribution's: numpy, protobuf (the Python runtime matching
the C++ protobuf the module links), pandas for to_pandas(), RocksDB and libsodium shared
libraries.
"""

import os
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


class BinaryDistribution(Distribution):
    """The package holds a compiled module: the wheel is platform-specific."""

    def has_ext_modules(self):
        return True


setup(
    name="libconsent",
    version="0.1.0",
    description="Lawful, provable call recording: an immutable consent event log on RocksDB",
    long_description=open(os.path.join(ROOT, "README.md"), encoding="utf-8").read(),
    long_description_content_type="text/markdown",
    python_requires=">=3.9",
    packages=["libconsent"],
    package_dir={"libconsent": "bindings/python/libconsent"},
    install_requires=[],  # numpy, protobuf, pandas: the distribution's packages
    cmdclass={"build_py": CMakeBuildPy},
    distclass=BinaryDistribution,
    options={"build": {"build_base": "build-pip/setuptools"},
             "egg_info": {"egg_base": "build-pip"}},
    zip_safe=False,
)
