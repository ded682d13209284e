"""Pure models: functions over arrays and small records. Nothing here sees a scenario.

Layer rule: ``costmodel.models`` imports only ``costmodel.errors``, ``costmodel._validate``,
``costmodel.resources`` and itself (``docs/architecture.md``).
"""
