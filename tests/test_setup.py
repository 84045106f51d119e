"""The set-up: the lock file, the declared dependencies and the checks `make` runs first."""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from conftest import ROOT

REQUIREMENTS = (ROOT / "requirements.txt").read_text()
LOCK = (ROOT / "requirements.lock").read_text()
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())


def _pins(text: str) -> dict[str, str]:
    pins = re.findall(r"^([A-Za-z0-9_.\-]+)==([^\s;\\]+)", text, re.M)
    return {re.sub(r"[-_.]+", "-", name).lower(): version for name, version in pins}


def test_lock_pins_every_direct_requirement_at_its_version():
    direct, locked = _pins(REQUIREMENTS), _pins(LOCK)
    assert direct.pop("torch") == "2.13.0"  # installed by its pin after the lock
    assert "torch" not in locked
    differ = {name: (v, locked.get(name)) for name, v in direct.items() if locked.get(name) != v}
    assert differ == {}, "requirements.txt and requirements.lock disagree: run `make lock`"


def test_every_locked_package_has_a_hash():
    entries = re.split(r"\n(?=[A-Za-z0-9])", LOCK.split("\n", 2)[2])
    entries = [e for e in entries if re.match(r"[A-Za-z0-9]", e)]
    assert len(entries) > 100
    unhashed = [e.split()[0] for e in entries if "--hash=sha256:" not in e]
    assert unhashed == []


def test_python_version_is_stated_the_same_everywhere():
    assert PYPROJECT["project"]["requires-python"] == ">=3.11"
    for path in ["README.md", "book/intro.md"]:
        text = (ROOT / path).read_text()
        assert "Python 3.11" in text, path
        assert not re.search(r"3\.(?:[0-9]|10)\+", text), path


# The third-party packages each part of hadalib imports, by distribution name.
IMPORT_TO_DIST = {
    "numpy": "numpy", "numba": "numba", "torch": "torch", "matplotlib": "matplotlib",
    "ipywidgets": "ipywidgets", "IPython": "ipywidgets", "skimage": "scikit-image",
    "sklearn": "scikit-learn", "tqdm": "tqdm", "pynvml": "nvidia-ml-py", "scipy": "scipy",
    "triton": "triton", "qiskit": "qiskit",
}
# Where each part's imports must be declared: the core dependencies plus these extras.
PART_EXTRAS = {
    "transforms": ["fast", "torch"], "_fwht_numba": ["fast"], "_fwht_triton": ["gpu", "torch"],
    "_fwht_op": ["torch", "gpu"], "_fwht_cpu": ["torch"], "nn": ["torch"],
    "data": ["data"], "energy": ["gpu", "torch"], "experiments": ["experiments", "plot"],
    "widgets": ["plot"], "plotting": ["plot", "torch"], "examples": ["plot"],
    "quantum": ["quantum"],
}
# Imported only when a reader asks for it (torchvision weights), with a message if missing.
OPTIONAL = {"torchvision"}


def _extra(name: str) -> set[str]:
    dists = set()
    for spec in PYPROJECT["project"]["optional-dependencies"][name]:
        if spec.startswith("hadalib["):
            for sub in spec[len("hadalib["):-1].split(","):
                dists |= _extra(sub)
        else:
            dists.add(re.split(r"[<>=!~ ;\[]", spec)[0])
    return dists


def _third_party_imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    stdlib = set(sys.stdlib_module_names) | {"hadalib", "__future__"}
    return names - stdlib - OPTIONAL


@pytest.mark.parametrize(
    "path", sorted((ROOT / "hadalib").rglob("*.py")), ids=lambda p: str(p.relative_to(ROOT))
)
def test_every_import_is_declared_in_pyproject(path):
    part = path.relative_to(ROOT / "hadalib").parts[0].removesuffix(".py")
    core = {re.split(r"[<>=!~ ]", d)[0] for d in PYPROJECT["project"]["dependencies"]}
    allowed = core | set().union(*(_extra(e) for e in PART_EXTRAS.get(part, [])))
    undeclared = {IMPORT_TO_DIST.get(n, n) for n in _third_party_imports(path)} - allowed
    assert undeclared == set(), f"{part} imports {undeclared}; declare them in pyproject.toml"


def test_report_and_study_plan_need_no_torch():
    code = (
        "import sys; sys.modules['torch'] = None\n"
        "from hadalib.experiments import report, study\n"
        "study.main(['gpu', '--dry-run'])\n"
        "print(len(report.load_results('book/results')))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def _make(target: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([shutil.which("make"), "-s", "--no-print-directory", target], cwd=ROOT,
                          capture_output=True, text=True, env={**os.environ, **env})


def test_make_stops_with_one_line_on_an_old_python(tmp_path):
    old = tmp_path / "python3"
    old.write_text("#!/bin/sh\nexec " + sys.executable + " -c 'import sys; sys.exit(1)'\n")
    old.chmod(0o755)
    done = _make("need-python", PYTHON=str(old))
    assert done.returncode != 0
    assert done.stdout.strip().splitlines() == [
        f"make: the book needs Python >= 3.11 as '{old}': install it, or run make PYTHON=python3.11"
    ]


@pytest.mark.parametrize(("target", "says"), [("need-npm", "npm (Node.js)"),
                                              ("need-chromium", "Chromium")])
def test_make_names_what_to_install(tmp_path, target, says):
    done = _make(target, PATH=str(tmp_path), CHROMIUM="")
    assert done.returncode != 0
    (line,) = done.stdout.strip().splitlines()
    assert says in line and "install" in line


def test_pages_show_the_configured_repository_url(built_site):
    url = re.search(r"^\s+url:\s*(\S+)", (ROOT / "_config.yml").read_text(), re.M).group(1)
    intro = (built_site / "book" / "intro.html").read_text()
    assert f"git+{url}" in intro
    for page in built_site.rglob("*.html"):
        text = page.read_text(errors="ignore")
        assert "{{ repository_url }}" not in text and "&lt;repository URL&gt;" not in text, page
