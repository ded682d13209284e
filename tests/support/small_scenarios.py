"""Small scenarios shared by the compare/break-even/scenario tests (hourly steps: fast)."""
import copy

#: Compute only: no front door, no platform log lines, and a network that bills nothing (an
#: existing shared NAT gateway, no traffic through it, no image, no EBS), so the tests compare
#: against the compute closed forms. A month is 730 h (the traffic block's default horizon).
SMALL = {
    "name": "fixed fleets, steady 2 req/s",
    "traffic": {"pattern": "steady", "mean_rps": 2.0, "step_s": 3600},
    "work": {"duration_ms": 100, "cpu_ms_per_request": 50, "memory_mb": 1024, "architecture": "x86_64"},
    "lambda": {"front_door": "none", "free_tier": False, "init_duration_ms": 0, "keep_alive_s": 600,
               "platform_log_bytes": 0},
    "network": {"nat_gateways": 0, "image_mb": 0, "ebs_gb_per_instance": 0},
    "containers": {
        "fargate": {"vcpu": 0.5, "memory_gb": 1, "min_tasks": 2, "max_tasks": 2},
        "ec2": {"instance_type": "m7g.large", "min_instances": 1, "max_instances": 1, "tasks_per_instance": 4},
        "front_door": "none",
    },
    "glue": {"payload_kb": 4, "log_kb_per_request": 0},
}

#: Declared workload and team blocks that make a scenario decidable (the report and view tests).
DECLARED = {"workload": {"max_duration_s": 2, "user_facing": True},
            "team": {"ops_preference": "minimise_ops", "cloud_ops_experience": "medium",
                     "debugging_maturity": "distributed_tracing"}}


def small(**changes):
    """A deep copy of SMALL with dotted-key changes."""
    out = copy.deepcopy(SMALL)
    for key, value in changes.items():
        node = out
        parts = key.split("__")
        for p in parts[:-1]:
            node = node.setdefault(p, {})
        node[parts[-1]] = value
    return out
