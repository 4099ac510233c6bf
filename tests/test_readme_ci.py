"""The README's `bundle compile` examples and CI jobs, run as written on the fixtures laid out as
an addons repository (`demo_blog`, `demo_shop`) next to a pinned Odoo tree (`.odoo/`)."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import FIXED_MTIME, FIXTURES

README = Path(__file__).resolve().parent.parent / "README.md"
REPOSITORY_ADDONS = ("demo_blog", "demo_shop")


def section(title: str) -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index(title)
    end = text.find("\n## ", start + len(title))
    following = text.find("\n### ", start + len(title))
    stops = [i for i in (end, following) if i != -1]
    return text[start : min(stops) if stops else len(text)]


def blocks(text: str, language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", text, re.S)


def ci_jobs() -> dict[str, str]:
    """The three CI snippets, by kind."""
    found = {}
    for block in blocks(section("## CI"), "yaml"):
        if "runs-on:" in block:
            found["github"] = block
        elif "image:" in block:
            found["gitlab"] = block
        elif "repo: local" in block:
            found["pre-commit"] = block
    return found


def odoo_assets_lines(block: str) -> list[str]:
    """The odoo-assets command lines of a YAML job (`- run: …` steps or `- …` script items)."""
    lines = []
    for line in block.splitlines():
        command = re.sub(r"^\s*-\s+(?:run:\s+)?", "", line) if line.lstrip().startswith("-") else ""
        if command.startswith("odoo-assets "):
            lines.append(command)
    return lines


def repository(root: Path) -> Path:
    """The fixtures as a checkout: the repository's addons at the top, Odoo in `.odoo/`."""
    repo = root / "repo"
    shutil.copytree(FIXTURES / "odoo", repo / ".odoo" / "odoo")
    for addon in (FIXTURES / "addons").iterdir():
        where = repo if addon.name in REPOSITORY_ADDONS else repo / ".odoo" / "addons"
        shutil.copytree(addon, where / addon.name)
    for path in repo.rglob("*"):
        os.utime(path, (FIXED_MTIME, FIXED_MTIME))
    return repo


def shell(command: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
    return subprocess.run(
        ["bash", "-c", command],
        cwd=cwd,
        env={**os.environ, "PATH": path, **(env or {})},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_readme_has_the_three_jobs() -> None:
    jobs = ci_jobs()
    assert sorted(jobs) == ["github", "gitlab", "pre-commit"]
    assert len(odoo_assets_lines(jobs["github"])) == 2
    assert len(odoo_assets_lines(jobs["gitlab"])) == 2


@pytest.mark.parametrize("job", ["github", "gitlab"])
def test_ci_job_runs_as_written(job: str, tmp_path: Path) -> None:
    repo = repository(tmp_path)
    for command in odoo_assets_lines(ci_jobs()[job]):
        done = shell(command, repo)
        assert done.returncode == 0, f"{command}\n{done.stdout}{done.stderr}"
    assets = repo / "assets"
    assert sorted(p.name for p in assets.iterdir()) == [
        "demo_shop.assets_shop.min.css",
        "demo_shop.assets_shop.min.js",
        "manifest.json",
        "report.html",
        "web.assets_emoji.min.css",
        "web.assets_emoji.min.js",
        "web.assets_frontend.min.css",
        "web.assets_frontend_lazy.min.js",
        "web.assets_frontend_minimal.min.js",
        "web.assets_web.min.css",
        "web.assets_web.min.js",
        "web.chartjs_lib.min.js",
    ]
    assert (
        '"modules": [\n      "demo_blog",\n      "demo_shop"\n    ]' in (assets / "manifest.json").read_text()
    )


def test_ci_job_fails_on_a_broken_addon(tmp_path: Path) -> None:
    repo = repository(tmp_path)
    (repo / "demo_blog" / "static" / "src" / "blog.scss").write_text(
        ".x { color: $nowhere; }\n", encoding="utf-8"
    )
    manifest = repo / "demo_blog" / "__manifest__.py"
    text = manifest.read_text(encoding="utf-8")
    manifest.write_text(
        text.replace(
            '"web.assets_backend": [',
            '"web.assets_backend": [\n            "demo_blog/static/src/blog.scss",',
        )
    )
    compile_line = odoo_assets_lines(ci_jobs()["github"])[0]
    done = shell(compile_line, repo)
    assert done.returncode == 1
    assert (
        "error: web.assets_web.min.css: /demo_blog/static/src/blog.scss:1:13: SCSS error: Undefined variable:"
        " \"$nowhere\". (bundle 'web.assets_web')"
    ) in done.stdout.splitlines()


def test_pre_commit_hook_runs_as_pre_commit_runs_it(tmp_path: Path) -> None:
    block = ci_jobs()["pre-commit"]
    entry = re.search(r"^\s*entry: (.*)$", block, re.M)
    assert entry is not None
    repo = repository(tmp_path)
    odoo = tmp_path / "odoo"
    (repo / ".odoo").rename(odoo)
    # pre-commit splits the entry as a shell would, and runs it in the repository.
    done = subprocess.run(
        shlex.split(entry.group(1)),
        cwd=repo,
        env={
            **os.environ,
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
            "ODOO_PATH": str(odoo),
            "TMPDIR": str(tmp_path),
        },
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout == ""  # -q: silent when all is well
    assert (tmp_path / "odoo-assets-pre-commit" / "web.assets_web.min.js").is_file()
    # The hook's file pattern is a valid regular expression that matches the asset kinds.
    files = re.search(r"^\s*files: (.*)$", block, re.M)
    assert files is not None
    pattern = re.compile(files.group(1))
    assert pattern.search("demo_blog/static/src/blog.scss") and not pattern.search("README.md")


def test_compile_example_output(tmp_path: Path) -> None:
    """The `bundle compile` section's example prints what the README shows."""
    text = section("### `bundle compile`")
    command = next(line for line in blocks(text, "sh")[-1].splitlines() if "demo_shop" in line)
    expected = blocks(text, "text")[0].rstrip("\n").splitlines()
    done = shell(command, repository(tmp_path))
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.rstrip("\n").splitlines()
    assert lines[:-1] == expected[:-1]
    assert re.sub(r" in [\d.]+ s$", "", lines[-1]) == re.sub(r" in [\d.]+ s$", "", expected[-1])
