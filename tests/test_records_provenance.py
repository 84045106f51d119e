"""Records a reader can trace: each names the commit it was made from, from a clean tree,
and git's tree hash of ``hadalib/`` as it ran, which anyone can recompute from a checkout
(``git rev-parse COMMIT:hadalib``)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT

from hadalib.experiments import records

RESULTS = ROOT / "book" / "results"


def _git(*cmd: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *cmd], cwd=cwd, capture_output=True, text=True, timeout=60)


def _committed_records() -> list[tuple[str, dict]]:
    """The JSON files under book/results that git tracks and that hold a provenance."""
    listed = _git("ls-files", "-z", "--", "book/results")
    assert listed.returncode == 0, listed.stderr
    found = []
    for name in sorted(n for n in listed.stdout.split("\0") if n.endswith(".json")):
        record = records.read_json(ROOT / name)
        if isinstance(record, dict) and isinstance(record.get("provenance"), dict):
            found.append((name, record))
    return found


@pytest.mark.skipif(
    not (ROOT / ".git").exists(),
    reason="no .git here (an sdist or a copy): the commits cannot be read",
)
def test_every_committed_record_names_a_clean_commit_and_its_hadalib_tree():
    found = _committed_records()
    assert found, "no records under book/results"
    trees: dict[str, str] = {}
    problems = []
    for name, record in found:
        prov = record["provenance"]
        commit, tree = prov.get("git_commit"), prov.get("hadalib_tree")
        if prov.get("git_dirty") is not False:
            problems.append(f"{name}: git_dirty is {prov.get('git_dirty')!r}, not false")
            continue
        if not (isinstance(commit, str) and isinstance(tree, str)):
            problems.append(f"{name}: no git_commit or hadalib_tree in its provenance")
            continue
        if commit not in trees:
            out = _git("rev-parse", "--verify", "--quiet", f"{commit}:hadalib")
            trees[commit] = out.stdout.strip() if out.returncode == 0 else ""
        if not trees[commit]:
            problems.append(f"{name}: commit {commit} is not in this repository")
        elif trees[commit] != tree:
            problems.append(
                f"{name}: hadalib_tree {tree} is not {commit}:hadalib ({trees[commit]})"
            )
    assert not problems, f"{len(problems)} of {len(found)} records cannot be traced:\n" + "\n".join(
        problems[:10]
    )


def _source(root: Path) -> dict:
    """records.source() as a process importing hadalib from ``root`` gives it."""
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            "import json; from hadalib.experiments import records; "
            "print(json.dumps(records.source()))",
        ],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(root)},
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def _checkout(folder: Path) -> Path:
    """A git repository in ``folder`` with a copy of hadalib committed."""
    shutil.copytree(
        ROOT / "hadalib", folder / "hadalib", ignore=shutil.ignore_patterns("__pycache__")
    )
    (folder / ".gitignore").write_text("__pycache__/\n")
    for cmd in (
        ["init", "-q"],
        ["add", "."],
        ["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "c"],
    ):
        assert _git(*cmd, cwd=folder).returncode == 0
    return folder


def test_the_tree_is_gits_own_in_a_clean_and_a_dirty_checkout(tmp_path):
    repo = _checkout(tmp_path)
    head = _git("rev-parse", "HEAD", cwd=repo).stdout.strip()
    clean = _source(repo)
    assert clean == {
        "git_commit": head,
        "git_dirty": False,
        "git_error": None,
        "hadalib_tree": _git("rev-parse", "HEAD:hadalib", cwd=repo).stdout.strip(),
    }
    with (repo / "hadalib" / "_files.py").open("a") as f:
        f.write("# changed\n")
    (repo / "hadalib" / "new.py").write_text("")  # untracked, and imported if asked for
    dirty = _source(repo)
    assert (dirty["git_commit"], dirty["git_dirty"]) == (head, True)
    assert _git("status", "--porcelain", cwd=repo).stdout.split() == [
        "M",
        "hadalib/_files.py",
        "??",
        "hadalib/new.py",
    ]  # git's index is untouched
    _git("add", ".", cwd=repo)
    _git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "d", cwd=repo)
    assert dirty["hadalib_tree"] == _git("rev-parse", "HEAD:hadalib", cwd=repo).stdout.strip()


def test_without_git_the_record_says_why(tmp_path):
    shutil.copytree(
        ROOT / "hadalib", tmp_path / "hadalib", ignore=shutil.ignore_patterns("__pycache__")
    )
    if _git("rev-parse", "--show-toplevel", cwd=tmp_path).returncode == 0:
        pytest.skip(f"{tmp_path} is inside a git work tree")
    code = _source(tmp_path)
    assert (code["git_commit"], code["git_dirty"], code["hadalib_tree"]) == (None, None, None)
    assert code["git_error"].startswith("git rev-parse fails: fatal: not a git repository")
    inner = tmp_path / "outer"  # hadalib inside another project's work tree
    shutil.move(tmp_path / "hadalib", inner / "lib" / "hadalib")
    _git("init", "-q", cwd=inner)
    code = _source(inner / "lib")
    assert code["hadalib_tree"] is None
    assert code["git_error"] == (
        f"{inner / 'lib' / 'hadalib'} is not the hadalib folder of "
        f"a git checkout (git's work tree here is {inner})"
    )
