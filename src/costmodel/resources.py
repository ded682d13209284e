"""Where the shipped data files are: package data, found through :mod:`importlib.resources`.

The price files, canonical scenarios, decision signals, hard limits, traffic-label
thresholds, small synthetic traces, the report notebook and its HTML template ship inside
the package, so an installed wheel has them too. The repository's top-level ``data``
folder is a link to ``src/costmodel/data`` for readers of the source tree.

Installs are unpacked on a file system (pip never installs this package as a zip), so the
resources are plain paths; a zipped install is not supported and fails here, loudly.
"""
from __future__ import annotations

from importlib.resources import files
from pathlib import Path

__all__ = ["DATA_DIR", "data_path", "package_path"]


def package_path(*parts: str) -> Path:
    """A file or folder shipped inside the ``costmodel`` package, as a path."""
    node = files("costmodel").joinpath(*parts)
    path = Path(str(node))
    if not path.exists():
        raise FileNotFoundError(f"costmodel package data {'/'.join(parts)!r} is missing from {path.parent}; "
                                "reinstall the package (pip install serverless-decision-workbook)")
    return path


#: The shipped data folder (prices, scenarios, signals, limits, labels, traces).
DATA_DIR = package_path("data")


def data_path(*parts: str) -> Path:
    """A path inside the shipped data folder, e.g. ``data_path("scenarios", "default.yaml")``."""
    return DATA_DIR.joinpath(*parts)
