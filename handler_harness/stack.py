"""The reference stack from ``deploy/template.yaml``: package, deploy, read outputs.

One description of the stack: the template. :func:`deploy_stack` creates it with
CloudFormation - on moto (in-process or its server, after
:func:`handler_harness.moto_cfn.install`) or on any endpoint - and returns the stack's
outputs, which are all the tests, the fault campaign and the smoke test need to know.

* :func:`load_template` reads the template (short-form intrinsics such as ``!Ref``
  become their long form);
* :func:`function_zip` builds the function's code: the modules of ``handler_reference``
  that ``handler_reference.app`` imports, directly or not (standard library and the
  runtime's boto3 only), zipped byte-for-byte reproducibly, under a content-addressed
  key (:func:`function_zip_key`);
* :func:`function_environment` is the environment Lambda gives the deployed function;
  :func:`cold_start` imports ``handler_reference.app`` with it, as a cold start does;
* :func:`local_event_source_mapping` builds the local poller from the deployed event
  source mapping's settings (moto's own mapping needs Docker and ignores
  ``ReportBatchItemFailures``, so the template's mapping is deployed disabled on moto).
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import hashlib
import importlib
import io
import os
import sys
import threading
import zipfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, ClassVar
from unittest import mock

import boto3
import yaml

import handler_reference
from handler_harness import moto_cfn
from handler_harness.poller import LocalEventSourceMapping
from handler_reference.errors import HandlerError

REPO_ROOT = Path(__file__).resolve().parents[1]
TEMPLATE_PATH = REPO_ROOT / "deploy" / "template.yaml"
PACKAGE_DIR = Path(handler_reference.__file__).resolve().parent
ENTRY_MODULE = "handler_reference.app"
#: Lambda's handler setting for the entry point.
HANDLER = "handler_reference.app.handler"
#: Parameters for a stack polled by :class:`~handler_harness.poller.LocalEventSourceMapping`.
LOCAL_POLLER_PARAMETERS = {"EventSourceMappingEnabled": "false"}
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)
#: Most messages one ReceiveMessage call returns.
MAX_RECEIVE_BATCH = 10


class StackError(HandlerError):
    """The stack could not be deployed, or its outputs are incomplete."""


# -- the template -------------------------------------------------------------------


class _TemplateLoader(yaml.SafeLoader):
    """YAML loader that turns CloudFormation's short-form tags into their long form."""


def _intrinsic(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    name = "Ref" if suffix == "Ref" else f"Fn::{suffix}"
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
        if suffix == "GetAtt":
            value = value.split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    elif isinstance(node, yaml.MappingNode):
        value = loader.construct_mapping(node, deep=True)
    else:
        raise StackError(f"template tag !{suffix} on a {type(node).__name__} is not an intrinsic function")
    return {name: value}


_TemplateLoader.add_multi_constructor("!", _intrinsic)


def load_template(path: str | Path = TEMPLATE_PATH) -> dict[str, Any]:
    """The template as a dict (``!Ref x`` -> ``{"Ref": "x"}``, ``!GetAtt a.b`` -> ``{"Fn::GetAtt": ["a", "b"]}``)."""
    return yaml.load(Path(path).read_text(), Loader=_TemplateLoader)


def template_defaults(template: Mapping[str, Any] | None = None) -> dict[str, str]:
    """Default value of every parameter that has one, as CloudFormation passes it (a string)."""
    template = load_template() if template is None else template
    return {
        name: str(spec["Default"])
        for name, spec in template["Parameters"].items()
        if "Default" in spec
    }


# -- the function's code ------------------------------------------------------------


def _imported_package_modules(path: Path) -> set[str]:
    """``handler_reference.*`` modules a source file imports (anywhere in the file)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return {n for n in names if n.startswith("handler_reference.") and _module_path(n).exists()}


def _module_path(module: str, package_dir: Path = PACKAGE_DIR) -> Path:
    return package_dir / (module.split(".", 1)[1].replace(".", "/") + ".py")


def deployed_modules(package_dir: Path = PACKAGE_DIR) -> tuple[str, ...]:
    """Modules the function needs: the package ``__init__`` plus everything ``app`` imports, transitively."""
    todo, seen = [ENTRY_MODULE], {ENTRY_MODULE}
    while todo:
        for module in _imported_package_modules(_module_path(todo.pop(), package_dir)):
            if module not in seen:
                seen.add(module)
                todo.append(module)
    return ("handler_reference", *sorted(seen))


def function_zip(package_dir: Path = PACKAGE_DIR) -> bytes:
    """The function's deployment package (zip bytes; identical input -> identical bytes)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for module in deployed_modules(package_dir):
            source = (
                package_dir / "__init__.py"
                if module == "handler_reference"
                else _module_path(module, package_dir)
            )
            arcname = "handler_reference/" + str(source.relative_to(package_dir))
            info = zipfile.ZipInfo(arcname, date_time=_ZIP_DATE)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, source.read_bytes())
    return buffer.getvalue()


def function_zip_key(data: bytes) -> str:
    """Content-addressed S3 key of a deployment package (new code -> new key -> update)."""
    return f"handler_reference/{hashlib.sha256(data).hexdigest()[:24]}.zip"


# -- deploying and reading outputs --------------------------------------------------


@dataclass(frozen=True)
class StackOutputs:
    """The stack's outputs: everything a client of the stack needs.

    ``from_outputs`` maps the template's output keys (``QueueUrl``...) to these fields.
    """

    queue_url: str
    queue_arn: str
    dead_letter_queue_url: str
    bucket_name: str
    result_prefix: str
    table_name: str
    function_name: str
    event_source_mapping_id: str
    log_group_name: str

    OUTPUT_KEYS: ClassVar[dict[str, str]] = {
        "queue_url": "QueueUrl",
        "queue_arn": "QueueArn",
        "dead_letter_queue_url": "DeadLetterQueueUrl",
        "bucket_name": "BucketName",
        "result_prefix": "ResultPrefix",
        "table_name": "TableName",
        "function_name": "FunctionName",
        "event_source_mapping_id": "EventSourceMappingId",
        "log_group_name": "LogGroupName",
    }

    @classmethod
    def from_outputs(cls, outputs: Mapping[str, str]) -> StackOutputs:
        """From ``{OutputKey: OutputValue}``; :class:`StackError` names any missing key."""
        missing = [key for key in cls.OUTPUT_KEYS.values() if not outputs.get(key)]
        if missing:
            raise StackError(
                f"stack outputs lack {', '.join(missing)}; expected every output of "
                f"{TEMPLATE_PATH.name}: {', '.join(cls.OUTPUT_KEYS.values())}"
            )
        return cls(**{f.name: str(outputs[cls.OUTPUT_KEYS[f.name]]) for f in fields(cls)})

    @property
    def is_fifo(self) -> bool:
        """Whether the source queue is a FIFO queue (its name ends in ``.fifo``)."""
        return self.queue_url.endswith(".fifo")

    @property
    def region(self) -> str:
        """Region of the stack (from the queue ARN)."""
        return self.queue_arn.split(":")[3]


def client(service: str, region: str = "us-east-1", endpoint_url: str | None = None) -> Any:
    """A boto3 client; ``endpoint_url=None`` lets boto3 read ``AWS_ENDPOINT_URL``."""
    kwargs = {"endpoint_url": endpoint_url} if endpoint_url else {}
    return boto3.session.Session(region_name=region).client(service, **kwargs)


def stack_outputs(cloudformation: Any, stack_name: str) -> StackOutputs:
    """Outputs of a deployed stack (``DescribeStacks``)."""
    stacks = cloudformation.describe_stacks(StackName=stack_name)["Stacks"]
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stacks[0].get("Outputs", [])}
    return StackOutputs.from_outputs(outputs)


def deploy_stack(
    stack_name: str,
    parameters: Mapping[str, Any] | None = None,
    *,
    region: str = "us-east-1",
    endpoint_url: str | None = None,
    code_bucket: str | None = None,
    template_path: str | Path = TEMPLATE_PATH,
) -> StackOutputs:
    """Upload the function's code and create the stack; return its outputs.

    On moto call :func:`handler_harness.moto_cfn.install` first (done by
    :func:`handler_harness.stack.deploy_on_moto`).

    Parameters
    ----------
    stack_name : str
    parameters : mapping, optional
        Template parameters (``NamePrefix``...); ``CodeS3Bucket``/``CodeS3Key`` are set here.
    region : str
    endpoint_url : str, optional
        Default: ``AWS_ENDPOINT_URL`` or AWS itself.
    code_bucket : str, optional
        Bucket for the code (created if absent); default ``<stack_name>-artifacts``.
    template_path : path
    """
    s3 = client("s3", region, endpoint_url)
    cloudformation = client("cloudformation", region, endpoint_url)
    code_bucket = code_bucket or f"{stack_name.lower()}-artifacts"
    try:
        s3.head_bucket(Bucket=code_bucket)
    except s3.exceptions.ClientError:
        extra = {} if region == "us-east-1" else {
            "CreateBucketConfiguration": {"LocationConstraint": region}
        }
        s3.create_bucket(Bucket=code_bucket, **extra)
    code = function_zip()
    code_key = function_zip_key(code)
    s3.put_object(Bucket=code_bucket, Key=code_key, Body=code)
    values = {str(k): str(v) for k, v in (parameters or {}).items()}
    values.update(CodeS3Bucket=code_bucket, CodeS3Key=code_key)
    cloudformation.create_stack(
        StackName=stack_name,
        TemplateBody=Path(template_path).read_text(),
        Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in sorted(values.items())],
        Capabilities=["CAPABILITY_IAM"],
    )
    cloudformation.get_waiter("stack_create_complete").wait(
        StackName=stack_name, WaiterConfig={"Delay": 1, "MaxAttempts": 600}
    )
    return stack_outputs(cloudformation, stack_name)


def deploy_on_moto(
    stack_name: str,
    parameters: Mapping[str, Any] | None = None,
    *,
    region: str = "us-east-1",
    endpoint_url: str | None = None,
) -> StackOutputs:
    """:func:`deploy_stack` onto moto (in-process or server) with the mapping disabled.

    The local poller plays Lambda's poller, so the template's event source mapping is
    created disabled (``EventSourceMappingEnabled=false``) unless ``parameters`` say otherwise.
    """
    moto_cfn.install()
    return deploy_stack(
        stack_name,
        {**LOCAL_POLLER_PARAMETERS, **(parameters or {})},
        region=region,
        endpoint_url=endpoint_url,
    )


# -- the deployed function, run locally ----------------------------------------------


def function_environment(lambda_client: Any, function_name: str) -> dict[str, str]:
    """The environment Lambda gives the function: its variables plus the runtime's own."""
    config = lambda_client.get_function_configuration(FunctionName=function_name)
    region = config["FunctionArn"].split(":")[3]
    log_group = (config.get("LoggingConfig") or {}).get("LogGroup") or f"/aws/lambda/{function_name}"
    return {
        **{k: str(v) for k, v in config.get("Environment", {}).get("Variables", {}).items()},
        "AWS_REGION": region,
        "AWS_LAMBDA_FUNCTION_NAME": function_name,
        "AWS_LAMBDA_LOG_GROUP_NAME": log_group,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(config.get("MemorySize", 128)),
    }


@contextlib.contextmanager
def cold_start(environment: Mapping[str, str]) -> Iterator[Any]:
    """``handler_reference.app`` imported afresh with ``environment`` (a cold start)."""
    sys.modules.pop(ENTRY_MODULE, None)
    with mock.patch.dict(os.environ, {k: str(v) for k, v in environment.items()}):
        try:
            yield importlib.import_module(ENTRY_MODULE)
        finally:
            sys.modules.pop(ENTRY_MODULE, None)


def local_event_source_mapping(
    lambda_client: Any,
    sqs_client: Any,
    outputs: StackOutputs,
    handler: Callable[[Mapping[str, Any], Any], Any],
    **overrides: Any,
) -> LocalEventSourceMapping:
    """The local poller with the deployed mapping's batch size and the function's timeout.

    Raises :class:`StackError` if the mapping does not report batch item failures (the
    handler's contract) or its batch size needs more than one ``ReceiveMessage``.
    """
    mapping = lambda_client.get_event_source_mapping(UUID=outputs.event_source_mapping_id)
    if "ReportBatchItemFailures" not in mapping.get("FunctionResponseTypes", []):
        raise StackError(
            f"event source mapping {outputs.event_source_mapping_id} has FunctionResponseTypes="
            f"{mapping.get('FunctionResponseTypes')!r}; the handler needs ['ReportBatchItemFailures']"
        )
    function = lambda_client.get_function_configuration(FunctionName=outputs.function_name)
    settings: dict[str, Any] = {
        "batch_size": int(mapping["BatchSize"]),
        "function_timeout_s": float(function["Timeout"]),
        "function_name": outputs.function_name,
    }
    settings.update(overrides)
    if not 1 <= settings["batch_size"] <= MAX_RECEIVE_BATCH:
        raise StackError(
            f"BatchSize={settings['batch_size']} of the deployed mapping is above 10; the local "
            "poller receives one ReceiveMessage batch (1-10) per invocation"
        )
    return LocalEventSourceMapping(sqs_client, outputs.queue_url, handler, **settings)


@contextlib.contextmanager
def polling_in_background(
    esm: LocalEventSourceMapping, idle_sleep_s: float = 0.02
) -> Iterator[threading.Event]:
    """Run ``esm`` on a thread (like Lambda's poller) until the block ends.

    Yields an event that is set whenever the poller found the queue idle; errors the
    thread hits are re-raised when the block ends.
    """
    stop, idle, errors = threading.Event(), threading.Event(), []

    def run() -> None:
        try:
            while not stop.is_set():
                if esm.poll_once() is None:
                    idle.set()
                    stop.wait(idle_sleep_s)
                else:
                    idle.clear()
        except BaseException as exc:  # handed to the caller below
            errors.append(exc)

    thread = threading.Thread(target=run, name="local-event-source-mapping", daemon=True)
    thread.start()
    try:
        yield idle
    finally:
        stop.set()
        thread.join(60)
    if errors:
        raise errors[0]


def main(argv: list[str] | None = None) -> int:
    """``python -m handler_harness.stack package [--out-dir build]``: write the function's zip.

    Prints the content-addressed key (also the file's path under ``--out-dir``), which
    ``make deploy`` uploads and passes to the template as ``CodeS3Key``.
    """
    parser = argparse.ArgumentParser(prog="python -m handler_harness.stack")
    commands = parser.add_subparsers(dest="command", required=True)
    package = commands.add_parser("package", help="build the function's deployment package")
    package.add_argument("--out-dir", default="build")
    args = parser.parse_args(argv)
    data = function_zip()
    key = function_zip_key(data)
    path = Path(args.out_dir) / key
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    print(key)
    return 0


if __name__ == "__main__":
    sys.exit(main())
