"""The workbook layer: notebook display helpers, figures, the explorer widget and the
report runner. Nothing in the library imports it (``docs/architecture.md``)."""
