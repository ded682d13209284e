"""The strict YAML reader shared by usage files, scenarios and price-override files."""
from __future__ import annotations

import time

import pytest

from costmodel.errors import ScenarioError
from costmodel.strict_yaml import MAX_DEPTH, MAX_NODES, load_yaml_file, load_yaml_text


@pytest.mark.parametrize("text, value", [
    ("3e6", 3_000_000.0), ("3E6", 3_000_000.0), ("1.0e+6", 1_000_000.0), ("3_000_000", 3_000_000),
    ("-2.5e-3", -0.0025), (".5", 0.5), ("1.", 1.0), ("0x1F", 31), ("0o17", 15), ("010", 10), ("+7", 7),
    ("1_000.5", 1000.5),
])
def test_numbers_as_users_write_them(text, value):
    got = load_yaml_text(f"a: {text}")["a"]
    assert got == value and type(got) is type(value)


@pytest.mark.parametrize("text, value", [
    ("true", True), ("False", False), ("TRUE", True),
    ("yes", "yes"), ("no", "no"), ("on", "on"), ("off", "off"), ("y", "y"),   # YAML 1.1 would give booleans
    ("1:30", "1:30"),                                                           # YAML 1.1: 90 (base 60)
    ("2026-11-27", "2026-11-27"),                                               # YAML 1.1: a date
    ("'3e6'", "3e6"), ('"512"', "512"), ("1e", "1e"), ("~", None), ("null", None), ("", None),
])
def test_booleans_text_and_nulls(text, value):
    assert load_yaml_text(f"a: {text}")["a"] == value


def test_non_finite_numbers_are_numbers_for_the_schema_to_refuse():
    doc = load_yaml_text("a: .inf\nb: -.inf\nc: .nan")
    assert doc["a"] == float("inf") and doc["b"] == float("-inf") and doc["c"] != doc["c"]


def test_duplicate_keys_are_errors_naming_both_lines():
    with pytest.raises(ScenarioError, match=r"line 3, column 1: duplicate key 'a' \(first on line 1\)"):
        load_yaml_text("a: 1\nb: 2\na: 3\n", source="f.yaml")
    with pytest.raises(ScenarioError, match="duplicate key 'x'"):
        load_yaml_text("outer:\n  x: 1\n  x: 1\n")


def test_merge_keys_may_be_overridden():
    assert load_yaml_text("base: &b {x: 1, y: 2}\nc:\n  <<: *b\n  y: 3\n")["c"] == {"x": 1, "y": 3}


def test_billion_laughs_is_refused_before_anything_expands_it():
    doc = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [" + ", ".join([f"*{chr(97 + i)}"] * 9) + "]\n" for i in range(8))
    assert len(doc) < 2000
    started = time.perf_counter()
    with pytest.raises(ScenarioError, match=f"expands to more than {MAX_NODES:,} values"):
        load_yaml_text(doc)
    assert time.perf_counter() - started < 2.0


def test_aliases_within_the_limit_are_fine():
    doc = load_yaml_text("a: &a [1, 2, 3]\nb: *a\nc: *a\n")
    assert doc["b"] == doc["c"] == [1, 2, 3]


def test_recursive_aliases_and_deep_nesting():
    with pytest.raises(ScenarioError, match="refers to a block that contains it"):
        load_yaml_text("a: &a [1, *a]")
    with pytest.raises(ScenarioError, match=f"deeper than {MAX_DEPTH} levels"):
        load_yaml_text("a: " + "[" * 5000 + "]" * 5000)
    # nesting reached only through aliases counts too
    chain = "a0: &a0 [1]\n" + "".join(f"a{i}: &a{i} [*a{i - 1}]\n" for i in range(1, 60))
    with pytest.raises(ScenarioError, match="nests deeper"):
        load_yaml_text(chain)


def test_one_document_only():
    with pytest.raises(ScenarioError, match="expected a single document"):
        load_yaml_text("a: 1\n---\nb: 2\n")


def test_files(tmp_path):
    with pytest.raises(ScenarioError, match="does not exist"):
        load_yaml_file(tmp_path / "missing.yaml", what="usage file")
    with pytest.raises(ScenarioError, match="is a directory"):
        load_yaml_file(tmp_path)
    binary = tmp_path / "b.yaml"
    binary.write_bytes(b"a: \xff\xfe\n")
    with pytest.raises(ScenarioError, match=r"not UTF-8 text \(byte 0xff at offset 3\)"):
        load_yaml_file(binary)
    nul = tmp_path / "n.yaml"
    nul.write_bytes(b"a: 1\x00\n")
    with pytest.raises(ScenarioError, match="NUL"):
        load_yaml_file(nul)
    big = tmp_path / "big.yaml"
    big.write_text("a: [" + "1, " * 1_100_000 + "1]\n")
    with pytest.raises(ScenarioError, match="bytes: expected a YAML file of at most"):
        load_yaml_file(big)
    bom = tmp_path / "bom.yaml"
    bom.write_bytes("\ufeffa: 3e6\n".encode())
    assert load_yaml_file(bom) == {"a": 3e6}


def test_errors_are_one_line():
    with pytest.raises(ScenarioError) as exc:
        load_yaml_text("lambda: [unclosed\n", source="u.yaml")
    assert "\n" not in str(exc.value) and str(exc.value).startswith("u.yaml: not valid YAML: line ")
