"""What Powertools would add to the deployed function: init-phase import time and package size.

Run:  .venv/bin/python benchmarks/bench_handler_package.py [--repeats 15]

Prints, side by side in one run:

1. **init time** [ms], median over ``--repeats`` fresh interpreters each, measured inside
   the interpreter (startup excluded), interleaved:
   - ``handler_reference.app`` alone (configuration, logger, boto3 session and the
     DynamoDB and S3 clients: what the function's init phase does);
   - the same plus ``aws_lambda_powertools`` Logger and the SQS batch processors
     (``BatchProcessor``, ``SqsFifoPartialProcessor``), imported before the app;
2. **package size** [KiB]: the function's zip (``handler_harness.stack.function_zip``)
   and the zip of the installed ``aws_lambda_powertools`` package (what bundling it
   would add; the AWS-managed Powertools layer avoids the bundle, not the import).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import subprocess
import sys
import zipfile
from pathlib import Path

import aws_lambda_powertools

from handler_harness.stack import function_zip

ENV = {
    "QUEUE_URL": "https://sqs.eu-west-1.amazonaws.com/123456789012/docs-queue",
    "BUCKET_NAME": "docs-results",
    "IDEMPOTENCY_TABLE": "docs-idempotency",
    "AWS_REGION": "eu-west-1",
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_LAMBDA_FUNCTION_NAME": "docs-processor",
}
POWERTOOLS = (
    "from aws_lambda_powertools import Logger\n"
    "from aws_lambda_powertools.utilities.batch import BatchProcessor, SqsFifoPartialProcessor\n"
)
SCRIPT = (
    "import time\n"
    "t0 = time.perf_counter()\n"
    "{extra}"
    "import handler_reference.app\n"
    "print((time.perf_counter() - t0) * 1000)\n"
)


def init_ms(extra: str) -> float:
    """[ms] Import time of the app (plus ``extra``) in a fresh interpreter."""
    repo = Path(__file__).resolve().parents[1]
    env = {**os.environ, **ENV, "PYTHONPATH": str(repo)}
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT.format(extra=extra)],
        env=env, capture_output=True, text=True, check=True, timeout=120,
    ).stdout
    return float(out.strip().splitlines()[-1])


def zipped_kib(directory: Path) -> float:
    """[KiB] Deflated zip of every file under ``directory`` (no ``__pycache__``)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(directory.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                archive.write(path, path.relative_to(directory.parent))
    return len(buffer.getvalue()) / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args()
    alone, with_powertools = [], []
    init_ms("")  # warm the file system cache for both
    init_ms(POWERTOOLS)
    for i in range(args.repeats):
        order = [("alone", ""), ("powertools", POWERTOOLS)]
        for name, extra in order if i % 2 == 0 else order[::-1]:
            (alone if name == "alone" else with_powertools).append(init_ms(extra))
    a, p = statistics.median(alone), statistics.median(with_powertools)
    ours = len(function_zip()) / 1024
    theirs = zipped_kib(Path(aws_lambda_powertools.__file__).parent)
    print(json.dumps({"python": sys.version.split()[0], "powertools": aws_lambda_powertools.__version__,
                      "repeats": args.repeats}))
    print(f"{'init phase (median of fresh interpreters)':45s} {'ms':>8s}")
    print(f"{'handler_reference.app alone':45s} {a:8.1f}")
    print(f"{'app + Powertools Logger and batch processors':45s} {p:8.1f}")
    print(f"ratio with / without Powertools: {p / a:.2f}x (+{p - a:.1f} ms per cold start)")
    print(f"{'package size':45s} {'KiB':>8s}")
    print(f"{'function zip (handler_reference)':45s} {ours:8.1f}")
    print(f"{'aws_lambda_powertools, zipped':45s} {theirs:8.1f}")


if __name__ == "__main__":
    main()
