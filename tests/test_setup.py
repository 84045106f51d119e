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

from hadalib._optional import DISTRIBUTIONS, requires

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


# The third-party packages each part of hadalib imports, by distribution name (the same
# as the import name unless hadalib._optional.DISTRIBUTIONS says otherwise). IPython is
# declared through ipywidgets, which depends on it.
IMPORT_TO_DIST = {**DISTRIBUTIONS, "IPython": "ipywidgets"}
# Where each part's imports must be declared: the core dependencies plus these extras.
PART_EXTRAS = {
    "transforms": ["fast", "torch"],
    "_fwht_numba": ["fast"],
    "_fwht_triton": ["gpu", "torch"],
    "_fwht_op": ["torch", "gpu"],
    "_fwht_cpu": ["torch"],
    "nn": ["torch"],
    "data": ["data"],
    "energy": ["gpu", "torch"],
    "experiments": ["experiments", "plot"],
    "widgets": ["plot"],
    "plotting": ["plot", "torch"],
    "examples": ["plot"],
    "quantum": ["quantum"],
}
# Imported only when a reader asks for it (torchvision weights), with a message if missing.
OPTIONAL = {"torchvision"}


def _extra(name: str) -> set[str]:
    dists = set()
    for spec in PYPROJECT["project"]["optional-dependencies"][name]:
        if spec.startswith("hadalib["):
            for sub in spec[len("hadalib[") : -1].split(","):
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


def _required_extras(path: Path) -> list[tuple[str, set[str]]]:
    """(extra, third-party packages imported inside) for each ``with requires(extra):``."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.With) and any(
            isinstance(item.context_expr, ast.Call)
            and getattr(item.context_expr.func, "id", None) == "requires"
            for item in node.items
        ):
            extra = node.items[0].context_expr.args[0].value
            names = set()
            for inner in ast.walk(node):
                if isinstance(inner, ast.Import):
                    names |= {alias.name.split(".")[0] for alias in inner.names}
                elif isinstance(inner, ast.ImportFrom) and inner.module:
                    names.add(inner.module.split(".")[0])
            found.append((extra, {IMPORT_TO_DIST.get(n, n) for n in names}))
    return found


def test_each_required_extra_installs_what_its_block_imports():
    blocks = [
        (path, extra, dists)
        for path in sorted((ROOT / "hadalib").rglob("*.py"))
        for extra, dists in _required_extras(path)
    ]
    assert len(blocks) >= 10
    for path, extra, dists in blocks:
        where = path.relative_to(ROOT)
        assert extra in PYPROJECT["project"]["optional-dependencies"], (where, extra)
        assert dists <= _extra(extra), (
            f"{where}: hadalib[{extra}] does not install {sorted(dists - _extra(extra))}"
        )


#: Blocks every import but the standard library's, NumPy's and hadalib's: a machine with
#: only ``pip install hadalib`` (NumPy). Then runs ``sys.argv[1:]`` as ``python`` would.
NUMPY_ONLY = """
import importlib.abc, runpy, sys
ALLOWED = set(sys.stdlib_module_names) | {"numpy", "hadalib"}
class NumpyOnly(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] not in ALLOWED:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
sys.meta_path.insert(0, NumpyOnly())
option, what, *sys.argv[1:] = sys.argv[1:]
if option == "-m":
    sys.argv[0] = what
    runpy.run_module(what, run_name="__main__", alter_sys=True)
else:
    exec(what)
"""


@pytest.mark.parametrize(
    ("argv", "package", "extra"),
    [
        (["-m", "hadalib.experiments.resnet_wht", "--help"], "torch", "experiments"),
        (["-m", "hadalib.experiments.study", "digits", "--out", "{tmp}"], "torch", "experiments"),
        (["-m", "hadalib.experiments.report", "book/results"], "scipy", "experiments"),
        (
            ["-m", "hadalib.plotting.study", "book/results", "--figures", "{tmp}"],
            "scipy",
            "experiments",
        ),
        (["-c", "import hadalib; hadalib.nn.Transform()"], "torch", "torch"),
        (["-c", "import hadalib; hadalib.data.load_digits()"], "torch", "data"),
        (
            ["-c", "import hadalib; hadalib.data.load_cifar100('{tmp}', download=True)"],
            "tqdm",
            "data",
        ),
        (["-c", "from hadalib.plotting import draw_transform_layer"], "torch", "torch"),
        (
            ["-c", "from hadalib.widgets import figure; figure(lambda fig: None)"],
            "matplotlib",
            "plot",
        ),
        (["-c", "import hadalib; hadalib.examples.camera_feature_map()"], "scikit-image", "plot"),
    ],
    ids=lambda v: " ".join(v) if isinstance(v, list) else v,
)
def test_a_numpy_only_install_names_the_extra_to_install(tmp_path, argv, package, extra):
    argv = [a.replace("{tmp}", str(tmp_path / "out")) for a in argv]
    done = subprocess.run(
        [sys.executable, "-c", NUMPY_ONLY, *argv],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1
    assert done.stderr.strip().splitlines()[-1] == (
        f"ModuleNotFoundError: {package} is not installed here, and this part of hadalib "
        f"needs it: pip install 'hadalib[{extra}]'"
    )


def test_requires_rewords_only_a_package_missing_here():
    with pytest.raises(ModuleNotFoundError) as info, requires("plot"):
        import skimage_not_here  # noqa: F401
    assert str(info.value) == (
        "skimage_not_here is not installed here, and this part of "
        "hadalib needs it: pip install 'hadalib[plot]'"
    )
    assert info.value.name == "skimage_not_here"
    with (
        pytest.raises(ModuleNotFoundError, match=r"^No module named 'hadalib.missing'$"),
        requires("plot"),
    ):
        import hadalib.missing  # noqa: F401
    with pytest.raises(ImportError, match=r"^a broken build$"), requires("plot"):
        raise ImportError("a broken build")


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
    return subprocess.run(
        [shutil.which("make"), "-s", "--no-print-directory", target],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, **env},
    )


def test_make_stops_with_one_line_on_an_old_python(tmp_path):
    old = tmp_path / "python3"
    old.write_text("#!/bin/sh\nexec " + sys.executable + " -c 'import sys; sys.exit(1)'\n")
    old.chmod(0o755)
    done = _make("need-python", PYTHON=str(old))
    assert done.returncode != 0
    assert done.stdout.strip().splitlines() == [
        f"make: the book needs Python >= 3.11 as '{old}': install it, or run make PYTHON=python3.11"
    ]


@pytest.mark.parametrize(
    ("target", "says"), [("need-npm", "npm (Node.js)"), ("need-chromium", "Chromium")]
)
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
