"""Import a running workload from an AWS account (CloudWatch metrics and Lambda logs) into scenarios.

``costmodel import cloudwatch`` on the command line; in Python::

    from costmodel.importers import import_lambda
    imp = import_lambda("orders-api", region="eu-west-1", days=30)
    scenario_path, trace_path = imp.write("imported/")
    imp.cold_start_check().to_frame()

Modules: :mod:`.metrics` (GetMetricData with retention, limits, paging and gaps),
:mod:`.lambda_logs` (REPORT lines), :mod:`.cloudwatch` (one importer per resource kind,
the cold-start check), :mod:`.fleet` (every function of an account or a tag),
:mod:`.aws` (sessions, standard retry mode, one-line errors), :mod:`.demo_account`
(a seeded offline account for moto). See ``docs/import-cloudwatch.md``.
"""
from __future__ import annotations

from .cloudwatch import (
    AwsClients,
    ColdStartCheck,
    ImportedWorkload,
    aws_clients,
    cold_start_check,
    import_lambda,
)
from .services import import_alb, import_api_gateway, import_ecs_service

__all__ = [
    "AwsClients",
    "ColdStartCheck",
    "ImportedWorkload",
    "aws_clients",
    "cold_start_check",
    "import_alb",
    "import_api_gateway",
    "import_ecs_service",
    "import_lambda",
]
