"""Test layout: ``unit/<package>/`` mirrors ``src/costmodel/<package>/`` (no I/O beyond
package data), ``functional/`` drives the CLI, moto, papermill and Chromium, ``scenarios/`` is
the canonical-scenario regression, ``support/`` holds shared test data builders."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent / "support"))
