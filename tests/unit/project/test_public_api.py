"""The curated top-level API resolves every advertised name to the submodule's object."""
import importlib

import pytest

import costmodel


@pytest.mark.parametrize("name", sorted(costmodel._LAZY))
def test_every_exported_name_resolves(name):
    module = importlib.import_module(f"costmodel.{costmodel._LAZY[name]}")
    assert getattr(costmodel, name) is getattr(module, name)


def test_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no_such_thing"):
        costmodel.no_such_thing  # noqa: B018
