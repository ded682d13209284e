"""What moto 5.2.5's CloudFormation lacks for ``deploy/template.yaml``, filled in.

moto deploys most of the stack from the template itself, but

* has no model for ``AWS::CloudWatch::Alarm`` or ``AWS::Logs::MetricFilter`` (it warns
  and skips them), and
* ignores ``VersioningConfiguration`` of ``AWS::S3::Bucket`` and
  ``TimeToLiveSpecification`` of ``AWS::DynamoDB::Table``, and
* stores the inline ``Policies`` of ``AWS::IAM::Role`` as Python ``repr`` text instead
  of JSON (``GetRolePolicy`` then returns a string that is not a policy document), and
* leaves a stack created through a change set (``aws cloudformation deploy``) without
  outputs.

:func:`install` registers models for the first two and wraps moto's bucket and table
models for the last two, so that ``create_stack`` on moto creates every resource of
the template with the properties CloudFormation resolved (parameters, ``Ref``,
``GetAtt``, ``Sub``, ``If``). It works in-process and for ``ThreadedMotoServer``
(same process, same backends). Nothing here is used against a real account.
"""

from __future__ import annotations

import json
import threading
from typing import Any

_LOCK = threading.Lock()
_STATE = {"installed": False}
#: Strong references: ``CloudFormationModel.__subclasses__()`` only holds weak ones.
_MODELS: list[type] = []


def _metric_data_queries(metrics: list[dict[str, Any]]) -> list[Any]:
    """CloudFormation ``Metrics`` -> moto's ``MetricDataQuery`` objects (as its API does)."""
    from moto.cloudwatch.models import Dimension, Metric, MetricDataQuery, MetricStat  # noqa: PLC0415 (moto loads on install only)

    queries = []
    for query in metrics:
        stat = query.get("MetricStat")
        metric_stat = None
        if stat:
            metric = stat["Metric"]
            metric_stat = MetricStat(
                metric=Metric(
                    metric_name=metric["MetricName"],
                    namespace=metric["Namespace"],
                    dimensions=[
                        Dimension(d["Name"], d["Value"]) for d in metric.get("Dimensions", [])
                    ],
                ),
                period=str(stat["Period"]),
                stat=stat["Stat"],
                unit=stat.get("Unit"),
            )
        # as moto's own PutMetricAlarm passes them (absent label and period as None)
        fields: dict[str, Any] = {
            "query_id": query["Id"],
            "label": query.get("Label"),
            "period": query.get("Period"),
            "return_data": str(query.get("ReturnData", True)).lower(),
            "expression": query.get("Expression"),
            "metric_stat": metric_stat,
        }
        queries.append(MetricDataQuery(**fields))
    return queries


def _define_models() -> tuple[type, type]:
    from moto.cloudwatch.models import cloudwatch_backends  # noqa: PLC0415 (moto loads on install only)
    from moto.core.common_models import CloudFormationModel  # noqa: PLC0415 (moto loads on install only)
    from moto.logs.models import logs_backends  # noqa: PLC0415 (moto loads on install only)

    class CloudFormationAlarm(CloudFormationModel):
        """``AWS::CloudWatch::Alarm`` -> ``PutMetricAlarm`` on moto's CloudWatch backend."""

        def __init__(self, name: str) -> None:
            self.name = name

        @property
        def physical_resource_id(self) -> str:
            return self.name

        @staticmethod
        def cloudformation_name_type() -> str:
            return "AlarmName"

        @staticmethod
        def cloudformation_type() -> str:
            return "AWS::CloudWatch::Alarm"

        @classmethod
        def create_from_cloudformation_json(  # type: ignore[override]
            cls, resource_name, cloudformation_json, account_id, region_name, **kwargs
        ):
            p = cloudformation_json["Properties"]
            backend = cloudwatch_backends[account_id][region_name]
            metrics = p.get("Metrics")
            backend.put_metric_alarm(
                name=resource_name,
                namespace=p.get("Namespace"),
                metric_name=p.get("MetricName"),
                metric_data_queries=_metric_data_queries(metrics) if metrics else None,
                comparison_operator=p["ComparisonOperator"],
                evaluation_periods=int(p["EvaluationPeriods"]),
                datapoints_to_alarm=(
                    int(p["DatapointsToAlarm"]) if "DatapointsToAlarm" in p else None
                ),
                period=int(p["Period"]) if "Period" in p else None,
                threshold=float(p["Threshold"]) if "Threshold" in p else None,
                statistic=p.get("Statistic"),
                description=p.get("AlarmDescription", ""),
                dimensions=list(p.get("Dimensions", [])),
                alarm_actions=list(p.get("AlarmActions", [])),
                ok_actions=list(p.get("OKActions", [])),
                insufficient_data_actions=list(p.get("InsufficientDataActions", [])),
                unit=p.get("Unit"),
                actions_enabled=str(p.get("ActionsEnabled", True)).lower() == "true",
                treat_missing_data=p.get("TreatMissingData"),
                threshold_metric_id=p.get("ThresholdMetricId"),
            )
            return cls(resource_name)

        @classmethod
        def delete_from_cloudformation_json(  # type: ignore[override]
            cls, resource_name, cloudformation_json, account_id, region_name
        ):
            cloudwatch_backends[account_id][region_name].delete_alarms([resource_name])

    class CloudFormationMetricFilter(CloudFormationModel):
        """``AWS::Logs::MetricFilter`` -> ``PutMetricFilter`` on moto's Logs backend."""

        def __init__(self, name: str) -> None:
            self.name = name

        @property
        def physical_resource_id(self) -> str:
            return self.name

        @staticmethod
        def cloudformation_name_type() -> str:
            return "FilterName"

        @staticmethod
        def cloudformation_type() -> str:
            return "AWS::Logs::MetricFilter"

        @classmethod
        def create_from_cloudformation_json(  # type: ignore[override]
            cls, resource_name, cloudformation_json, account_id, region_name, **kwargs
        ):
            p = cloudformation_json["Properties"]
            transformations = [
                {
                    "metricName": t["MetricName"],
                    "metricNamespace": t["MetricNamespace"],
                    "metricValue": t["MetricValue"],
                    **({"unit": t["Unit"]} if "Unit" in t else {}),
                }
                for t in p["MetricTransformations"]
            ]
            logs_backends[account_id][region_name].put_metric_filter(
                resource_name, p.get("FilterPattern", ""), p["LogGroupName"], transformations
            )
            return cls(resource_name)

    return CloudFormationAlarm, CloudFormationMetricFilter


def _wrap_existing_models(model_map: dict[str, type]) -> None:
    """Bucket versioning and table TTL right after moto creates them; role policies as JSON."""
    from moto.dynamodb.models import dynamodb_backends  # noqa: PLC0415 (moto loads on install only)
    from moto.s3.models import s3_backends  # noqa: PLC0415 (moto loads on install only)
    from moto.utilities.utils import get_partition  # noqa: PLC0415 (moto loads on install only)

    bucket_model = model_map["AWS::S3::Bucket"]
    table_model = model_map["AWS::DynamoDB::Table"]
    role_model = model_map["AWS::IAM::Role"]

    class RoleWithJsonPolicies(role_model):  # type: ignore[misc, valid-type]
        @classmethod
        def create_from_cloudformation_json(  # type: ignore[override]
            cls, resource_name, cloudformation_json, account_id, region_name, **kwargs
        ):
            properties = dict(cloudformation_json["Properties"])
            properties["Policies"] = [
                {
                    **policy,
                    "PolicyDocument": policy["PolicyDocument"]
                    if isinstance(policy["PolicyDocument"], str)
                    else json.dumps(policy["PolicyDocument"]),
                }
                for policy in properties.get("Policies", [])
            ]
            return role_model.create_from_cloudformation_json(
                resource_name,
                {**cloudformation_json, "Properties": properties},
                account_id,
                region_name,
                **kwargs,
            )

    class VersionedBucket(bucket_model):  # type: ignore[misc, valid-type]
        @classmethod
        def create_from_cloudformation_json(  # type: ignore[override]
            cls, resource_name, cloudformation_json, account_id, region_name, **kwargs
        ):
            bucket = bucket_model.create_from_cloudformation_json(
                resource_name, cloudformation_json, account_id, region_name, **kwargs
            )
            status = (
                cloudformation_json.get("Properties", {})
                .get("VersioningConfiguration", {})
                .get("Status")
            )
            if status:
                backend = s3_backends[account_id][get_partition(region_name)]
                backend.put_bucket_versioning(bucket.name, status)
            return bucket

    class TableWithTtl(table_model):  # type: ignore[misc, valid-type]
        @classmethod
        def create_from_cloudformation_json(  # type: ignore[override]
            cls, resource_name, cloudformation_json, account_id, region_name, **kwargs
        ):
            table = table_model.create_from_cloudformation_json(
                resource_name, cloudformation_json, account_id, region_name, **kwargs
            )
            ttl = cloudformation_json["Properties"].get("TimeToLiveSpecification")
            if ttl:
                dynamodb_backends[account_id][region_name].update_time_to_live(
                    table.name,
                    {
                        "AttributeName": ttl["AttributeName"],
                        "Enabled": str(ttl.get("Enabled", True)).lower() == "true",
                    },
                )
            return table

    model_map["AWS::IAM::Role"] = RoleWithJsonPolicies
    model_map["AWS::S3::Bucket"] = VersionedBucket
    model_map["AWS::DynamoDB::Table"] = TableWithTtl


def _refresh_outputs_after_change_sets() -> None:
    from moto.cloudformation.models import ChangeSet  # noqa: PLC0415 (moto loads on install only)

    apply = ChangeSet.apply

    def apply_and_refresh_outputs(self: Any) -> None:
        apply(self)
        self.stack.template_dict = self.template_dict
        self.stack.output_map = self.stack._create_output_map()

    ChangeSet.apply = apply_and_refresh_outputs  # type: ignore[method-assign]


def install() -> None:
    """Teach moto's CloudFormation the resources and properties the template needs (idempotent)."""
    with _LOCK:
        if _STATE["installed"]:
            return
        from moto.cloudformation import parsing  # noqa: PLC0415 (moto loads on install only)

        _MODELS.extend(_define_models())  # subclassing registers them with moto
        parsing.get_model_map.cache_clear()
        parsing.get_name_type_map.cache_clear()
        _wrap_existing_models(parsing.get_model_map())
        _refresh_outputs_after_change_sets()
        _STATE["installed"] = True
