# SPDX-License-Identifier: Apache-2.0
"""The README's and docs/'s code blocks run as written (the convention is in docs/README.md):

* every ```cpp block is a complete program, compiled on its own with the flags CMake uses for
  examples/cpp/quickstart.cc;
* the ```python blocks of one file run in order in one interpreter (a later block sees the
  names an earlier one defined), in a scratch directory where `consentctl demo` made
  ./consent-data;
* every other block carries a tag that says it is not run (sh, cmake, text, json).
"""

import glob
import json
import os
import shlex
import shutil
import subprocess

import pytest

from conftest import PYTHON

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DOCS = [os.path.join(ROOT, "README.md")] + sorted(glob.glob(os.path.join(ROOT, "docs", "*.md")))
RUN_TAGS = {"cpp", "python"}
NOT_RUN_TAGS = {"sh", "cmake", "text", "json"}


def code_blocks(path):
    """[(tag, first line number of the code, code)] of the fenced blocks of a Markdown file."""
    blocks, tag, start, lines = [], None, 0, []
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, start=1):
            fence = line.strip()
            if tag is None and fence.startswith("```"):
                tag, start, lines = fence[3:].strip(), number + 1, []
            elif tag is not None and fence == "```":
                blocks.append((tag, start, "".join(lines)))
                tag = None
            elif tag is not None:
                lines.append(line)
    assert tag is None, f"{path}: the block opened at line {start - 1} is never closed"
    return blocks


def doc_id(path):
    return os.path.relpath(path, ROOT)


def blocks_tagged(tag):
    return [pytest.param(path, line, code, id=f"{doc_id(path)}:{line}")
            for path in DOCS for t, line, code in code_blocks(path) if t == tag]


def test_every_code_block_says_whether_it_runs():
    unknown = [f"{doc_id(path)}:{line - 1} ```{tag}" for path in DOCS
               for tag, line, _ in code_blocks(path) if tag not in RUN_TAGS | NOT_RUN_TAGS]
    assert unknown == [], "tag each block cpp, python (run) or sh, cmake, text, json (not run)"


# ---- C++ ---------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def compile_command(build_dir):
    """The compiler and flags CMake uses for examples/cpp/quickstart.cc, minus its in/outputs."""
    with open(os.path.join(build_dir, "compile_commands.json"), encoding="utf-8") as f:
        commands = json.load(f)
    entry = next(c for c in commands if c["file"].endswith("examples/cpp/quickstart.cc"))
    args, out, skip = shlex.split(entry["command"]), [], False
    for arg in args:
        if skip:
            skip = False
        elif arg in ("-o", "-MF", "-MT", "-MQ"):
            skip = True
        elif arg in ("-c", "-MD", "-MMD") or arg == entry["file"] or arg.endswith("quickstart.cc"):
            continue
        else:
            out.append(arg)
    return out, entry["directory"]


@pytest.mark.parametrize("path,line,code", blocks_tagged("cpp"))
def test_cpp_block_compiles_as_a_complete_program(path, line, code, compile_command, tmp_path):
    flags, directory = compile_command
    source = tmp_path / "snippet.cc"
    source.write_text(code)
    r = subprocess.run([*flags, "-c", str(source), "-o", str(tmp_path / "snippet.o")],
                       cwd=directory, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, f"{doc_id(path)}:{line}: the block does not compile:\n{r.stderr}"
    assert "int main(" in code, f"{doc_id(path)}:{line}: a cpp block must be a whole program"


# ---- Python ------------------------------------------------------------------------------------

# Runs the blocks of one file in order in one namespace; a failure names the file and line.
RUNNER = """
import json, sys, traceback
blocks = json.load(sys.stdin)
namespace = {"__name__": "__main__"}
for name, line, code in blocks:
    try:
        exec(compile("\\n" * (line - 1) + code, name, "exec"), namespace)
    except BaseException:
        traceback.print_exc()
        sys.exit(f"{name}:{line}: the block failed")
"""


@pytest.fixture(scope="module")
def demo_store(build_dir, tmp_path_factory):
    """A directory holding ./consent-data made by `consentctl demo` (a small day)."""
    here = tmp_path_factory.mktemp("docs-demo")
    consentctl = os.path.join(build_dir, "tools", "consentctl", "consentctl")
    subprocess.run([consentctl, "--db", "consent-data", "demo", "--calls", "300", "--agents", "14"],
                   cwd=here, check=True, capture_output=True, timeout=600)
    return here / "consent-data"


def files_with_python():
    return [path for path in DOCS if any(t == "python" for t, _, _ in code_blocks(path))]


@pytest.mark.parametrize("path", files_with_python(), ids=doc_id)
def test_python_blocks_of_a_file_run_in_order(path, demo_store, tmp_path, python_env):
    shutil.copytree(demo_store, tmp_path / "consent-data")
    blocks = [(doc_id(path), line, code) for tag, line, code in code_blocks(path) if tag == "python"]
    r = subprocess.run([PYTHON, "-c", RUNNER], input=json.dumps(blocks), cwd=tmp_path,
                       env=python_env, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-4000:]


def test_a_failing_block_is_reported_with_its_file_and_line(tmp_path, python_env):
    blocks = [("doc.md", 3, "x = 1\n"), ("doc.md", 9, "y = x + undefined_name\n")]
    r = subprocess.run([PYTHON, "-c", RUNNER], input=json.dumps(blocks), cwd=tmp_path,
                       env=python_env, capture_output=True, text=True, timeout=60)
    assert r.returncode != 0
    assert "doc.md:9: the block failed" in r.stderr and "undefined_name" in r.stderr
