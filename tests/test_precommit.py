"""The pre-commit hook: its definition, `compliance hook`, its cache, and real `git commit`s.

The end-to-end tests run pre-commit itself (``python -m pre_commit``) in a throw-away git
repository: ``pre-commit install``, then ``git commit``. They use a ``repo: local`` hook with
``language: system`` built from ``.pre-commit-hooks.yaml`` (same entry, files, arguments), so they
need no network; installing the hook from a ``repo:`` URL the way users do (pre-commit clones this
repository and pip-installs it with its dependencies, about 20 s here) is
``test_real_install_from_the_hook_repository``, run only when COMPLIANCE_TEST_PRECOMMIT_INSTALL=1.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import Any

import pytest
import yaml

from tests.conftest import CliResult

pytest.importorskip("pre_commit", reason="pre-commit is a test dependency: pip install -e '.[test]'")

RunCli = Callable[..., CliResult]
CHECKOUT = Path(__file__).resolve().parents[1]
HOOKS_FILE = CHECKOUT / ".pre-commit-hooks.yaml"

MIT = """MIT License

Copyright (c) 2024 The mit-lib authors

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
"""


# ----------------------------------------------------------------------------- fixtures


def _dist(site: Path, name: str, version: str, headers: str, license_text: str | None = None) -> None:
    d = site / f"{name.replace('-', '_')}-{version}.dist-info"
    d.mkdir(parents=True)
    extra = ""
    if license_text is not None:
        (d / "licenses").mkdir()
        (d / "licenses" / "LICENSE").write_text(license_text)
        extra = "License-File: LICENSE\n"
    (d / "METADATA").write_text(
        f"Metadata-Version: 2.4\nName: {name}\nVersion: {version}\n{headers}\n{extra}")


def _project(root: Path, license_: str | None = "Apache-2.0") -> Path:
    """An Apache-2.0 service whose .venv (git-ignored, as in a developer's checkout) has a GPL,
    an MIT (known from its license file) and an Apache-2.0 package installed."""
    root.mkdir(parents=True)
    declared = f'license = "{license_}"\n' if license_ else ""
    (root / "pyproject.toml").write_text(f'[project]\nname = "svc"\nversion = "1.0"\n{declared}')
    (root / "requirements.txt").write_text("requests==2.32.3\nmit-lib==1.0\n")
    (root / ".gitignore").write_text(".venv/\n")
    (root / "src").mkdir()
    (root / "src" / "app.py").write_text("print('hello')\n")
    venv = root / ".venv"
    venv.mkdir()
    (venv / "pyvenv.cfg").write_text("home = /usr/bin\nversion = 3.11.7\n")
    site = venv / "lib" / "python3.11" / "site-packages"
    _dist(site, "requests", "2.32.3", "License-Expression: Apache-2.0")
    _dist(site, "mit-lib", "1.0", "", license_text=MIT)
    _dist(site, "readline-gpl", "8.2", "License: GPLv3")
    return root


def _hook() -> dict[str, Any]:
    hooks = yaml.safe_load(HOOKS_FILE.read_text())
    (hook,) = [h for h in hooks if h["id"] == "compliance-check"]
    return dict(hook)


def _local_config(hook: dict[str, Any]) -> dict[str, Any]:
    """The hook as a `repo: local` hook: the same definition, run from PATH (language system)
    instead of a virtualenv pre-commit builds from this repository."""
    local = {k: v for k, v in hook.items() if k not in {"language", "minimum_pre_commit_version"}}
    local["language"] = "system"
    return {"repos": [{"repo": "local", "hooks": [local]}]}


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "PRE_COMMIT"))}
    env.pop("SKIP", None)
    empty = tmp_path / "gitconfig"
    empty.write_text("")
    env.update({
        "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),
        "COMPLIANCE_CACHE_DIR": str(tmp_path / "compliance-cache"),
        "GIT_CONFIG_GLOBAL": str(empty),  # no core.hooksPath or signing from the user's config
        "GIT_CONFIG_NOSYSTEM": "1",
        # the console script of this interpreter, for `entry: compliance hook`
        "PATH": os.pathsep.join([env.get("PATH", ""), str(Path(sys.executable).parent)]),
    })
    return env


def _run(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


def _git_repo(repo: Path, env: dict[str, str]) -> None:
    for args in (["init", "-q", "-b", "main"], ["config", "user.name", "Dev"],
                 ["config", "user.email", "dev@example.com"], ["config", "commit.gpgsign", "false"]):
        assert _run(["git", *args], repo, env).returncode == 0


def _commit(repo: Path, env: dict[str, str], message: str, *paths: str) -> subprocess.CompletedProcess[str]:
    assert _run(["git", "add", *paths], repo, env).returncode == 0
    return _run(["git", "commit", "-m", message], repo, env)


def _commits(repo: Path, env: dict[str, str]) -> int:
    out = _run(["git", "rev-list", "--count", "HEAD"], repo, env)
    return int(out.stdout) if out.returncode == 0 else 0


# ----------------------------------------------------------------------------- the definition


def test_hook_definition() -> None:
    hook = _hook()
    assert hook["entry"] == "compliance hook"
    assert hook["language"] == "python"
    # the verdict is the whole project's: one run per commit, the files are only the trigger
    assert hook["pass_filenames"] is False
    assert hook["require_serial"] is True
    assert "args" not in hook  # the defaults are the ones the issue asks for
    re.compile(hook["files"])
    valid = subprocess.run([sys.executable, "-m", "pre_commit", "validate-manifest", str(HOOKS_FILE)],
                           capture_output=True, text=True, timeout=60)
    assert valid.returncode == 0, valid.stdout + valid.stderr
    from compliance.cli.main import cli

    assert "hook" in cli.commands, "compliance/cli/main.py must register the hook command"


TRIGGERS = [
    "requirements.txt", "requirements-dev.txt", "svc/requirements_gpu.in", "requirements/base.txt",
    "constraints.txt", "ci/test-requirements.txt", "dev.in", "pyproject.toml", "libs/a/pyproject.toml",
    "setup.cfg", "setup.py", "poetry.lock", "uv.lock", "pdm.lock", "Pipfile.lock", "pylock.toml",
    "pylock.dev.toml", "environment.yml", "conda/environment-gpu.yaml", "ci.environment.yml",
    ".compliance.yaml", ".compliance.yml", "third_party/vendor.txt", ".gitmodules", "LICENSE",
    "LICENSE.txt", "LICENSE-MIT", "COPYING", "third_party/zlib/LICENSE", "license.md",
    "README.md", "models/bert/README.md", "models/lora/adapter_config.json",
    "models/bert/model.safetensors", "weights/llama.gguf", "ckpt/model.pt",
]
NOT_TRIGGERS = [
    "src/app.py", "src/license.py", "license_check.py", "docs/requirements.md", "Pipfile",
    "pyproject.toml.bak", "notes.txt", "src/README.rst", "Makefile", "docs/index.md",
    "config.yaml", "data/train.csv",
]


@pytest.mark.parametrize("path", TRIGGERS)
def test_files_that_trigger_the_hook(path: str) -> None:
    assert re.search(_hook()["files"], path), path


@pytest.mark.parametrize("path", NOT_TRIGGERS)
def test_files_that_do_not_trigger_the_hook(path: str) -> None:
    assert not re.search(_hook()["files"], path), path


def test_every_manifest_the_scanners_read_triggers_the_hook() -> None:
    """What the scan reads (on this sample) triggers the hook, except Python sources (models
    named in code), which are deliberately left to CI: they change in nearly every commit."""
    from compliance.scanners import all_scanners

    scanners = all_scanners()
    files = re.compile(_hook()["files"])
    sample = [*TRIGGERS, *NOT_TRIGGERS, "requirements/dev.in", "third_party/zlib/COPYING.LESSER",
              "vendor/pkg/LICENSE.md", "Pipfile.lock", "a/b/c/uv.lock", "pylock.gpu.toml"]
    missed = [p for p in sample if any(s.wants(PurePosixPath(p)) for s in scanners)
              and not p.endswith(".py") and not files.search(p)]
    assert not missed


def test_local_config_agrees_with_the_hook_definition(tmp_path: Path) -> None:
    """The local hook the end-to-end tests run is the published hook: same entry, files,
    arguments and filename passing; only the language differs (system: no install)."""
    config = tmp_path / ".pre-commit-config.yaml"
    config.write_text(yaml.safe_dump(_local_config(_hook()), sort_keys=False))
    (local,) = yaml.safe_load(config.read_text())["repos"][0]["hooks"]
    hook = _hook()
    for key in ("id", "entry", "files", "pass_filenames", "require_serial", "stages"):
        assert local[key] == hook[key], key
    assert local.get("args", []) == hook.get("args", [])
    assert local["language"] == "system"


def test_docs_local_hook_agrees_with_the_hook_definition(tmp_path: Path) -> None:
    text = (CHECKOUT / "docs" / "ci.md").read_text()
    raw = re.findall(r"```yaml\n(.*?)```", text, re.S)
    blocks = [yaml.safe_load(b) for b in raw]
    for i, (source, block) in enumerate(zip(raw, blocks, strict=True)):
        if isinstance(block, dict) and "repos" in block:  # pre-commit accepts it as it is
            config = tmp_path / f"config{i}.yaml"
            config.write_text(source)
            valid = subprocess.run([sys.executable, "-m", "pre_commit", "validate-config", str(config)],
                                   capture_output=True, text=True, timeout=60)
            assert valid.returncode == 0, valid.stdout + valid.stderr
    locals_ = [h for b in blocks if isinstance(b, dict) and "repos" in b
               for r in b["repos"] if r["repo"] == "local" for h in r["hooks"]]
    assert locals_, "docs/ci.md shows a local hook"
    hook = _hook()
    for local in locals_:
        for key in ("id", "entry", "files", "pass_filenames", "require_serial"):
            assert local[key] == hook[key], key
    remote = [r for b in blocks if isinstance(b, dict) and "repos" in b
              for r in b["repos"] if r["repo"] != "local"]
    assert remote and all(h["id"] == hook["id"] for r in remote for h in r["hooks"])


# ----------------------------------------------------------------------------- git commit


def test_commits_are_gated_by_the_hook(tmp_path: Path) -> None:
    """A commit adding a GPL dependency to an Apache-2.0 project is refused, a clean commit
    passes, with the hook's default arguments (licenses from the repository's own .venv)."""
    env = _env(tmp_path)
    repo = _project(tmp_path / "svc")
    _git_repo(repo, env)
    (repo / ".pre-commit-config.yaml").write_text(yaml.safe_dump(_local_config(_hook()), sort_keys=False))
    installed = _run([sys.executable, "-m", "pre_commit", "install"], repo, env)
    assert installed.returncode == 0, installed.stdout + installed.stderr

    clean = _commit(repo, env, "initial", ".")
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert re.search(r"license compliance \(compliance check\)\.+Passed", clean.stdout + clean.stderr)

    with (repo / "requirements.txt").open("a") as fh:
        fh.write("readline-gpl==8.2\n")
    refused = _commit(repo, env, "add readline", "requirements.txt")
    out = refused.stdout + refused.stderr
    assert refused.returncode != 0, out
    assert "Failed" in out and "exit code: 1" in out
    assert "readline-gpl" in out and "default/compatibility" in out and "GPL-3.0-only" in out
    assert "requirements.txt:3" in out
    assert _commits(repo, env) == 1

    # a commit that touches no manifest does not run the check (even with the GPL line staged
    # elsewhere it would pass, since the hook does not run: CI is the backstop)
    assert _run(["git", "reset", "-q", "--hard"], repo, env).returncode == 0
    (repo / "src" / "app.py").write_text("print('hello, world')\n")
    skipped = _commit(repo, env, "code only", "src/app.py")
    assert skipped.returncode == 0, skipped.stdout + skipped.stderr
    assert "(no files to check)Skipped" in skipped.stdout + skipped.stderr

    # the same dependency with a waiver in the policy file passes
    with (repo / "requirements.txt").open("a") as fh:
        fh.write("readline-gpl==8.2\n")
    (repo / ".compliance.yaml").write_text(
        "waivers:\n"
        "  - name: readline-gpl\n"
        "    license: GPL-3.0-only\n"
        "    reason: license-acquired\n"
        "    comment: commercial license, PO 4711\n")
    waived = _commit(repo, env, "add readline with a waiver", "requirements.txt", ".compliance.yaml")
    assert waived.returncode == 0, waived.stdout + waived.stderr
    assert _commits(repo, env) == 3
    # the license texts the hook identified are cached for the next commit
    assert list((tmp_path / "compliance-cache" / "identify").glob("*.json"))


@pytest.mark.skipif(os.environ.get("COMPLIANCE_TEST_PRECOMMIT_INSTALL") != "1",
                    reason="installs compliance and its dependencies into a fresh virtualenv "
                           "(~20 s, needs the package index): set COMPLIANCE_TEST_PRECOMMIT_INSTALL=1")
def test_real_install_from_the_hook_repository(tmp_path: Path) -> None:
    """`repo: <this repository>` with `rev:` a commit, as users configure it: pre-commit clones
    the repository, pip-installs it (language: python) and runs `compliance hook`."""
    env = _env(tmp_path)
    hook_repo = tmp_path / "hook-repo"
    listed = _run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], CHECKOUT, env)
    assert listed.returncode == 0, listed.stderr
    for rel in filter(None, listed.stdout.split("\0")):
        src, dest = CHECKOUT / rel, hook_repo / rel
        if src.is_symlink() or src.is_file():
            dest.parent.mkdir(parents=True, exist_ok=True)
            if src.is_symlink():  # compliance/data/rules -> ../../rules
                dest.symlink_to(os.readlink(src))
            else:
                shutil.copy2(src, dest)
    _git_repo(hook_repo, env)
    assert _commit(hook_repo, env, "hook repository", ".").returncode == 0
    rev = _run(["git", "rev-parse", "HEAD"], hook_repo, env).stdout.strip()

    repo = _project(tmp_path / "svc")
    _git_repo(repo, env)
    config = {"repos": [{"repo": str(hook_repo), "rev": rev, "hooks": [{"id": "compliance-check"}]}]}
    (repo / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    installed = _run([sys.executable, "-m", "pre_commit", "install", "--install-hooks"], repo, env)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    clean = _commit(repo, env, "initial", ".")
    assert clean.returncode == 0, clean.stdout + clean.stderr
    with (repo / "requirements.txt").open("a") as fh:
        fh.write("readline-gpl==8.2\n")
    refused = _commit(repo, env, "add readline", "requirements.txt")
    assert refused.returncode != 0
    out = refused.stdout + refused.stderr
    assert "readline-gpl" in out and "default/compatibility" in out


# ----------------------------------------------------------------------------- compliance hook


def _doc(result: CliResult) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(result.stdout)
    return doc


def test_hook_gives_the_same_verdict_as_check(tmp_path: Path, run_cli: RunCli,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COMPLIANCE_CACHE_DIR", str(tmp_path / "cache"))
    repo = _project(tmp_path / "svc")
    with (repo / "requirements.txt").open("a") as fh:
        fh.write("readline-gpl==8.2\n")
    check = run_cli("check", repo, "--format", "json")
    assert check.exit_code == 1
    cold = run_cli("hook", "--root", repo, "--format", "json")
    warm = run_cli("hook", "--root", repo, "--format", "json", "requirements.txt", "pyproject.toml")
    assert cold.exit_code == warm.exit_code == 1
    assert _doc(cold) == _doc(warm) == _doc(check)
    mit = [f for f in _doc(check)["findings"] if f["component"]["name"] == "mit-lib"]
    assert not mit  # its license file was identified (MIT), so nothing to say about it
    # options are those of check
    assert run_cli("hook", "--root", repo, "--use", "internal").exit_code == 0
    assert run_cli("hook", "--root", repo, "--fail-on", "never", "--no-cache").exit_code == 0
    assert run_cli("hook", "--root", repo, "--use", "sometimes").exit_code == 2


def test_the_cache_is_used_and_never_changes_a_result(tmp_path: Path) -> None:
    from compliance.licenses.identify import identify_file, identify_text
    from compliance.licenses.identify_cache import IdentifyCache

    lic = tmp_path / "LICENSE"
    lic.write_text(MIT)
    path = tmp_path / "cache.json"
    calls: list[str] = []

    def counting_file(p: Path) -> list[Any]:
        calls.append(str(p))
        return identify_file(p)

    first = IdentifyCache(path, identify_file=counting_file)
    assert first.identify_file(lic) == identify_file(lic)
    assert first.identify_text(MIT) == identify_text(MIT)
    first.save()
    second = IdentifyCache(path, identify_file=counting_file,
                           identify_text=lambda _t: pytest.fail("identified again"))
    assert second.identify_file(lic) == identify_file(lic)
    assert second.identify_text(MIT) == identify_text(MIT)
    assert len(calls) == 1 and second.hits == 2 and second.misses == 0
    # a changed file is identified again
    lic.write_text(MIT.replace("mit-lib", "other"))
    assert second.identify_file(lic) == identify_file(lic) and len(calls) == 2


def test_the_scan_goes_through_the_cache_and_is_restored(tmp_path: Path, run_cli: RunCli,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    from compliance import scan
    from compliance.cli import precommit
    from compliance.licenses import identify, resolve

    monkeypatch.setenv("COMPLIANCE_CACHE_DIR", str(tmp_path / "cache"))
    repo = _project(tmp_path / "svc", license_=None)
    # the project's own license file (no license in pyproject.toml): identified too
    (repo / "LICENSE").write_text(MIT.replace("The mit-lib authors", "The svc authors"))
    seen: list[precommit.IdentifyCache] = []
    real = precommit.IdentifyCache

    class Spy(real):  # type: ignore[misc, valid-type]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            seen.append(self)

    monkeypatch.setattr(precommit, "IdentifyCache", Spy)
    assert run_cli("hook", "--root", repo).exit_code == 0
    assert run_cli("hook", "--root", repo).exit_code == 0
    cold, warm = seen
    assert cold.misses >= 2 and cold.hits == 0  # mit-lib's LICENSE and the project's
    assert warm.misses == 0 and warm.hits == cold.misses
    assert resolve.identify_file is identify.identify_file
    assert scan.identify_file is identify.identify_file
    assert resolve.resolve_inventory.__kwdefaults__["identify"] is identify.identify_text


def test_no_cache_writes_nothing(tmp_path: Path, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COMPLIANCE_CACHE_DIR", str(tmp_path / "cache"))
    repo = _project(tmp_path / "svc")
    assert run_cli("hook", "--root", repo, "--no-cache").exit_code == 0
    assert not (tmp_path / "cache").exists()


def test_a_broken_cache_is_ignored_and_replaced(tmp_path: Path, run_cli: RunCli,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from compliance.licenses.identify_cache import IdentifyCache, default_cache_file

    monkeypatch.setenv("COMPLIANCE_CACHE_DIR", str(tmp_path / "cache"))
    repo = _project(tmp_path / "svc")
    path = default_cache_file()
    path.parent.mkdir(parents=True)
    for broken in ("{not json", '{"entries": {"f:x": [["MIT", "high", 1, 2]]}}', "[]"):
        path.write_text(broken)
        assert IdentifyCache(path).entries == {}
        assert run_cli("hook", "--root", repo).exit_code == 0
        assert IdentifyCache(path).entries  # rewritten with what this run identified


def test_a_new_matcher_starts_a_new_cache(tmp_path: Path, run_cli: RunCli,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from compliance.licenses import identify_cache

    monkeypatch.setenv("COMPLIANCE_CACHE_DIR", str(tmp_path / "cache"))
    repo = _project(tmp_path / "svc")
    assert run_cli("hook", "--root", repo).exit_code == 0
    (old,) = (tmp_path / "cache" / "identify").glob("*.json")
    monkeypatch.setattr(identify_cache, "__version__", "99.0")
    assert identify_cache.default_cache_file() != old
    assert run_cli("hook", "--root", repo).exit_code == 0
    (new,) = (tmp_path / "cache" / "identify").glob("*.json")
    assert new != old  # the stale cache was removed


def test_an_unwritable_cache_only_costs_time(tmp_path: Path, run_cli: RunCli,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    monkeypatch.setenv("COMPLIANCE_CACHE_DIR", str(blocker))
    repo = _project(tmp_path / "svc")
    result = run_cli("hook", "--root", repo)
    assert result.exit_code == 0, result.stderr
