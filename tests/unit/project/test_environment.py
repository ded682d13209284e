"""environment.yml (conda), pyproject.toml and requirements.lock describe one environment.

Fails when environment.yml's package list and pyproject.toml's dependencies + test extras
disagree (names, extras or versions), or when requirements.lock pins a different version.
"""
from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[3]
REQ_RE = re.compile(r"^\s*(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)\s*(?P<extras>\[[^\]]*\])?\s*==\s*(?P<version>[^\s;#]+)\s*$")


def canonical(name: str) -> str:
    """PEP 503 normalised project name."""
    return re.sub(r"[-_.]+", "-", name).lower()


def parse_pins(lines, where: str) -> dict[str, tuple[str, str]]:
    """``{canonical name: (extras, version)}`` from ``name[extras]==version`` lines."""
    pins: dict[str, tuple[str, str]] = {}
    for line in lines:
        m = REQ_RE.match(line)
        assert m, f"{where}: {line!r} is not an exact pin name==version"
        extras = ",".join(sorted(e.strip().lower() for e in (m["extras"] or "[]")[1:-1].split(",") if e.strip()))
        name = canonical(m["name"])
        assert name not in pins, f"{where}: {name} listed twice"
        pins[name] = (extras, m["version"])
    return pins


def pyproject_pins() -> dict[str, tuple[str, str]]:
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    lines = list(meta["dependencies"]) + list(meta.get("optional-dependencies", {}).get("test", []))
    return parse_pins(lines, "pyproject.toml")


def environment_doc() -> dict:
    return yaml.safe_load((ROOT / "environment.yml").read_text())


def environment_pins() -> dict[str, tuple[str, str]]:
    deps = environment_doc()["dependencies"]
    pip_blocks = [d["pip"] for d in deps if isinstance(d, dict) and "pip" in d]
    assert len(pip_blocks) == 1, "environment.yml must have exactly one pip: block"
    lines = [p for p in pip_blocks[0] if not p.startswith("-e")]  # the project itself (-e .)
    return parse_pins(lines, "environment.yml")


def lock_pins() -> dict[str, str]:
    out = {}
    for raw in (ROOT / "requirements.lock").read_text().splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line or line.startswith("-"):
            continue
        m = REQ_RE.match(line)
        assert m, f"requirements.lock: {line!r} is not an exact pin"
        out[canonical(m["name"])] = m["version"]
    return out


def test_environment_yml_lists_the_same_packages_as_pyproject():
    env, proj = environment_pins(), pyproject_pins()
    only_env = sorted(set(env) - set(proj))
    only_proj = sorted(set(proj) - set(env))
    assert not only_env and not only_proj, f"only in environment.yml: {only_env}; only in pyproject.toml: {only_proj}"
    differ = {n: (env[n], proj[n]) for n in env if env[n] != proj[n]}
    assert not differ, f"(extras, version) differ, environment.yml vs pyproject.toml: {differ}"


def test_environment_yml_installs_the_project_and_right_python():
    doc = environment_doc()
    deps = doc["dependencies"]
    pip = next(d["pip"] for d in deps if isinstance(d, dict) and "pip" in d)
    assert any(p.replace(" ", "") in ("-e.", "-e./") for p in pip), "environment.yml must install the project (-e .)"
    python = [d for d in deps if isinstance(d, str) and re.match(r"python\b", d)]
    assert python, "environment.yml must pin python"
    version = re.sub(r"^python\s*=*\s*", "", python[0])
    requires = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    major_minor = tuple(int(x) for x in version.split(".")[:2])
    low = re.search(r">=\s*(\d+)\.(\d+)", requires)
    high = re.search(r"<\s*(\d+)\.(\d+)", requires)
    assert low and major_minor >= (int(low[1]), int(low[2])), (version, requires)
    assert not high or major_minor < (int(high[1]), int(high[2])), (version, requires)


def test_lock_pins_the_same_versions():
    lock = lock_pins()
    proj = pyproject_pins()
    missing = sorted(n for n in proj if n not in lock)
    assert not missing, f"requirements.lock lacks {missing}"
    differ = {n: (proj[n][1], lock[n]) for n in proj if proj[n][1] != lock[n]}
    assert not differ, f"versions differ, pyproject.toml vs requirements.lock: {differ}"


@pytest.mark.parametrize(
    "env_line, proj_line, ok",
    [
        ("numpy==2.4.6", "numpy==2.4.6", True),
        ("PyYAML==6.0.3", "pyyaml==6.0.3", True),
        ("aws_lambda_powertools==3.37.0", "aws-lambda-powertools==3.37.0", True),
        ("numpy==2.4.5", "numpy==2.4.6", False),
        ("moto==5.2.5", "moto[server]==5.2.5", False),
    ],
)
def test_the_comparison_itself_detects_disagreement(env_line, proj_line, ok):
    # Guards the checker: a version or extras mismatch must not compare equal.
    same = parse_pins([env_line], "a") == parse_pins([proj_line], "b")
    assert same is ok
