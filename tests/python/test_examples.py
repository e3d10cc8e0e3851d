# SPDX-License-Identifier: Apache-2.0
"""examples/python and the module docstring's five lines run here, so they cannot rot."""

import json
import os
import re
import subprocess
import textwrap

import pytest

import libconsent
from conftest import PYTHON

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXAMPLES = os.path.join(ROOT, "examples", "python")


@pytest.fixture(scope="module")
def small_store(tmp_path_factory):
    """A closed demo store (the examples open it themselves: RocksDB allows one opener)."""
    path = tmp_path_factory.mktemp("examples") / "consent-data"
    with libconsent.open(path, create=True, sync=False) as store:
        libconsent.simulate_day(store, seed=3, calls=250, agents=14)
    return path


def run(args, env, cwd=None):
    return subprocess.run([PYTHON, *args], env=env, cwd=cwd, capture_output=True, text=True,
                          timeout=300, check=True)


def test_weekly_report_writes_a_csv_and_a_png(small_store, tmp_path, python_env):
    out = tmp_path / "out"
    r = run([os.path.join(EXAMPLES, "weekly_report.py"), "--db", str(small_store),
             "--out", str(out)], python_env)
    assert "violations of" in r.stdout
    csv = (out / "violations_by_rule.csv").read_text().splitlines()
    assert csv[0] == "rule_id,title,calls_violated,agents_violated,example"
    assert len(csv) > 1 and all(re.match(r"LC-[A-Z]+-\d", line) for line in csv[1:])
    png = (out / "weekly_report.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000


def test_follow_prints_each_violation_once_and_resumes_after_a_restart(small_store, tmp_path,
                                                                      python_env):
    state = tmp_path / "follow.json"
    script = os.path.join(EXAMPLES, "follow.py")
    args = [script, "--db", str(small_store), "--state", str(state), "--idle-timeout", "2"]
    first = run(args, python_env).stdout.splitlines()
    assert first and all(re.search(r"  LC-[A-Z]+-\d+  ", line) for line in first)
    keys = [tuple(line.split()[1:3]) for line in first]
    assert len(keys) == len(set(keys))
    saved = json.loads(state.read_text())
    with libconsent.open(small_store) as store:
        head = store.head_position
        # Every violated (call, rule) of the day was printed as it happened.
        c = libconsent.Compliance(store, persist=False)
        calls = c.violations.to_pandas()
    assert saved["position"] <= head
    final = {(s, r) for s, r, k in zip(calls["subject"], calls["rule_id"], calls["subject_kind"])
             if k == "call"}
    # What was printed is violated in the end too; deadline rules (purge within 24 h...)
    # that lapse later, with no event, are the difference.
    assert set(keys) <= final
    assert len(keys) >= len(final) // 2

    again = run(args, python_env).stdout.splitlines()
    assert again == []  # nothing new since the saved position

    with libconsent.open(small_store, sync=False) as store:
        libconsent.simulate_day(store, seed=4, calls=60, agents=14)  # the next day
    third = run(args, python_env).stdout.splitlines()
    assert third and not {tuple(line.split()[1:3]) for line in third} & set(keys)


def test_the_module_docstring_example_runs(small_store, tmp_path, python_env):
    doc = libconsent.__doc__
    block = doc.split("five lines::", 1)[1].split("\n\n", 2)[1]
    code = textwrap.dedent(block)
    assert len(code.strip().splitlines()) == 5
    os.symlink(small_store, tmp_path / "consent-data")
    run(["-c", code], python_env, cwd=tmp_path)
    assert (tmp_path / "violations.png").read_bytes()[:4] == b"\x89PNG"


def test_help_reads_well():
    import pydoc
    text = pydoc.render_doc(libconsent, renderer=pydoc.plaintext)
    assert "From a store to a chart in five lines" in text
    for name in libconsent.__all__:
        obj = getattr(libconsent, name)
        if callable(obj) or isinstance(obj, type):
            assert getattr(obj, "__doc__", None), name
    for cls in (libconsent.Store, libconsent.Ledger, libconsent.Compliance,
                libconsent.Subscription, libconsent.Report, libconsent.SubjectDirectory,
                libconsent.MasterKey, libconsent.Retention, libconsent.RetentionPlan):
        for attr, member in vars(cls).items():
            if attr.startswith("_") or not callable(member):
                continue
            assert member.__doc__, f"{cls.__name__}.{attr}"


def test_the_readme_python_snippets_run(small_store, tmp_path, python_env):
    readme = open(os.path.join(ROOT, "README.md"), encoding="utf-8").read()
    section = readme[readme.index("## Python"):readme.index("## Performance")]
    blocks = re.findall(r"```python\n(.*?)```", section, re.S)
    assert len(blocks) == 3
    # The second snippet resumes from a `saved` position and waits 5 s for news: start from 1
    # and give up sooner (2 s: enough on a loaded CI machine). The third (retention, subject
    # export) reads what the first two made.
    code = blocks[0] + blocks[1].replace("saved + 1", "1").replace("idle_timeout=5",
                                                                    "idle_timeout=2") + blocks[2]
    os.symlink(small_store, tmp_path / "consent-data")
    r = run(["-c", code], python_env, cwd=tmp_path)
    assert "objection_raised" in r.stdout
    assert "agent ['c-9']" in r.stdout


def test_every_public_name_has_a_docstring():
    import importlib
    import inspect
    missing = []
    for mod_name in ("libconsent", "libconsent.store", "libconsent.ledger",
                     "libconsent.compliance", "libconsent.errors", "libconsent.tables",
                     "libconsent.directory",
                     "libconsent.v1", "libconsent._core"):
        mod = importlib.import_module(mod_name)
        if not mod.__doc__:
            missing.append(mod_name)
        for name, obj in vars(mod).items():
            if name.startswith("_") or getattr(obj, "__module__", mod_name) != mod_name:
                continue
            if not (inspect.isclass(obj) or callable(obj)):
                continue
            if not inspect.getdoc(obj):
                missing.append(f"{mod_name}.{name}")
            if inspect.isclass(obj):
                for attr, member in vars(obj).items():
                    if attr.startswith("_"):
                        continue
                    if (callable(member) or isinstance(member, property)) and \
                            not inspect.getdoc(getattr(obj, attr)):
                        missing.append(f"{mod_name}.{name}.{attr}")
    assert missing == []


def test_the_core_stub_matches_the_module():
    import ast
    from libconsent import _core
    stub_path = os.path.join(os.path.dirname(libconsent.__file__), "_core.pyi")
    tree = ast.parse(open(stub_path, encoding="utf-8").read())
    stub = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            stub[node.name] = None
        elif isinstance(node, ast.ClassDef):
            stub[node.name] = {n.name for n in node.body if isinstance(n, ast.FunctionDef)}
        elif isinstance(node, ast.AnnAssign):
            stub[node.target.id] = None
    actual = {n for n in dir(_core) if not n.startswith("__")}
    assert actual <= set(stub), actual - set(stub)
    for name, methods in stub.items():
        if methods is None or name == "Column":
            continue
        cls = getattr(_core, name)
        public = {m for m in dir(cls) if not m.startswith("__")}
        assert public == methods - {"__init__"}, (name, public ^ (methods - {"__init__"}))
