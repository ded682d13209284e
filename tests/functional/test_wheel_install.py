"""The built wheel works outside the repository: prices, scenarios, signals and limits are
package data found through importlib.resources, not files next to a source checkout.

Builds the wheel from this tree (no build isolation: the pinned setuptools of the project
environment, no network), installs it with ``--no-deps`` into a fresh virtualenv whose
dependencies come from the project environment's site-packages (a ``.pth`` line; the project's
own editable install there is not activated, so ``costmodel`` can only come from the wheel),
and runs ``costmodel bill`` and ``costmodel recommend`` from an empty folder.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow


def _run(cmd: list[str], cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=600, check=False)


def _env() -> dict[str, str]:
    """The environment without PYTHONPATH: a source tree on the path (with the egg-info a build
    leaves in src/) would make pip think the wheel is installed already."""
    return {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "COSTMODEL_PRICING_DIR")}


@pytest.fixture(scope="module")
def wheel_env(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    tmp = tmp_path_factory.mktemp("wheel")
    dist = tmp / "dist"
    build = _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--quiet",
                  "-w", str(dist), str(ROOT)], cwd=tmp, env=_env())
    assert build.returncode == 0, build.stderr[-3000:]
    wheels = list(dist.glob("serverless_decision_workbook-*.whl"))
    assert len(wheels) == 1, wheels
    env_dir = tmp / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    py = env_dir / "bin" / "python"
    site = Path(_run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], cwd=tmp).stdout.strip())
    (site / "project_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    inst = _run([sys.executable, "-m", "pip", "--python", str(py), "install", "--no-deps", "--no-index", "--quiet",
                 str(wheels[0])], cwd=tmp, env=_env())
    assert inst.returncode == 0, inst.stderr[-3000:]
    outside = tmp / "elsewhere"
    outside.mkdir()
    return env_dir, outside


def test_the_wheel_carries_its_data_and_the_cli_runs_outside_the_repository(wheel_env: tuple[Path, Path]) -> None:
    env_dir, outside = wheel_env
    py, cli = env_dir / "bin" / "python", env_dir / "bin" / "costmodel"
    where = _run([str(py), "-c", "import costmodel, costmodel.resources as r; print(costmodel.__file__); "
                  "print(r.data_path('scenarios', 'default.yaml'))"], cwd=outside, env=_env())
    assert where.returncode == 0, where.stderr
    module_file, scenario = where.stdout.split()
    assert module_file.startswith(str(env_dir)), f"costmodel imported from {module_file}, not the wheel"
    assert scenario.startswith(str(env_dir)) and Path(scenario).is_file()

    usage = outside / "usage.yaml"  # AWS's Lambda pricing example 1: 3M requests, 120 ms, 1536 MB -> $2.73
    usage.write_text("lambda:\n  requests: 3000000\n  duration_ms: 120\n  memory_mb: 1536\n"
                     "  architecture: x86_64\n  free_tier: true\n")
    bill = _run([str(cli), "bill", str(usage), "--json"], cwd=outside, env=_env())
    assert bill.returncode == 0, bill.stderr
    assert '"total_usd": 2.73' in bill.stdout

    rec = _run([str(cli), "recommend", scenario, "--json"], cwd=outside, env=_env())
    assert rec.returncode == 0, rec.stderr[-3000:]
    assert json.loads(rec.stdout)["verdict"] in ("serverless", "containers", "either")
