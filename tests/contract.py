"""Check JSON bodies against the schemas of the shared contract's openapi.yaml.

    from tests.contract import assert_valid
    assert_valid(response.json(), "IntegrationList")

OpenAPI 3.0 schemas are JSON Schema with a few twists; the one that matters here is
`nullable: true`, which becomes a type list with "null". `format: date-time` is checked
with the contract's own rule (RFC 3339 with an offset), not left to optional libraries.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from tray_app.core.timeutil import parse_rfc3339

OPENAPI_PATH = Path(__file__).resolve().parents[2] / "shared" / "contract" / "openapi.yaml"


@functools.cache
def openapi() -> dict[str, Any]:
    with OPENAPI_PATH.open(encoding="utf-8") as file:
        return yaml.safe_load(file)


def _without_nullable(node: Any) -> Any:
    """A deep copy of an OpenAPI 3.0 schema with `nullable` turned into JSON Schema."""
    if isinstance(node, list):
        return [_without_nullable(item) for item in node]
    if not isinstance(node, dict):
        return node
    converted = {key: _without_nullable(value) for key, value in node.items()}
    if not converted.pop("nullable", False):
        return converted
    if "$ref" in converted:
        return {"anyOf": [converted, {"type": "null"}]}
    if "type" in converted:
        types = converted["type"]
        converted["type"] = [*types, "null"] if isinstance(types, list) else [types, "null"]
    if "enum" in converted:
        converted["enum"] = [*converted["enum"], None]
    return converted


@functools.cache
def _components() -> dict[str, Any]:
    return {"schemas": _without_nullable(openapi()["components"]["schemas"])}


def _format_checker() -> jsonschema.FormatChecker:
    checker = jsonschema.FormatChecker()
    checker.checks("date-time")(lambda value: not isinstance(value, str)
                                or parse_rfc3339(value) is not None)
    return checker


def schema(name: str) -> dict[str, Any]:
    """A self-contained JSON Schema for components/schemas/<name>."""
    if name not in _components()["schemas"]:
        raise KeyError(f"openapi.yaml has no schema named {name!r}")
    return {"$ref": f"#/components/schemas/{name}", "components": _components()}


def errors(instance: Any, name: str) -> list[str]:
    """Every way `instance` breaks the schema, as readable lines (empty when valid)."""
    validator = jsonschema.Draft202012Validator(schema(name), format_checker=_format_checker())
    return [
        f"{'/'.join(str(part) for part in problem.absolute_path) or '(root)'}: {problem.message}"
        for problem in validator.iter_errors(instance)
    ]


def assert_valid(instance: Any, name: str) -> None:
    problems = errors(instance, name)
    assert not problems, f"not a valid {name}:\n" + "\n".join(problems)
