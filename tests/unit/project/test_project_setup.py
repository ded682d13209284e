"""The README's two commands and .ci/run must agree (the developers' guide's 'two commands')."""
from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def _readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text()
    first_block = re.search(r"```(?:sh|bash|console)?\n(.*?)```", text, re.S)
    assert first_block, "README.md must open with a code block holding the two commands"
    lines = [ln.split("#", 1)[0].strip() for ln in first_block.group(1).splitlines()]
    return [ln for ln in lines if ln and not ln.startswith("#")]


def test_readme_opens_with_two_commands():
    cmds = _readme_commands()
    assert len(cmds) == 2, cmds
    assert "report" in cmds[0]
    assert "test" in cmds[1]


def test_ci_runs_exactly_the_readme_test_command():
    test_cmd = _readme_commands()[1]
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    substantive = [ln.strip() for ln in ci if ln.strip() and not ln.strip().startswith("#")
                   and not ln.startswith(("set ", "cd "))]
    assert substantive == [test_cmd], substantive


def test_makefile_targets_install_before_running():
    mk = (ROOT / "Makefile").read_text()
    for target in ("report", "test"):
        m = re.search(rf"^{target}:(.*)$", mk, re.M)
        assert m, f"Makefile has no {target} target"
        assert "$(STAMP)" in m.group(1), f"`make {target}` must create/refresh the venv first"


def test_pyproject_pins_every_dependency_exactly():
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    deps = meta["dependencies"] + [d for ds in meta["optional-dependencies"].values() for d in ds]
    loose = [d for d in deps if "==" not in d]
    assert not loose, f"unpinned dependencies: {loose}"
