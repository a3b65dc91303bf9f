"""The records a validated spec is made of: plain classes whose instances pydantic-core's
validator makes from a core schema.

Each part of a spec (a node, an edge, the training settings …) is a :class:`Record` subclass:
its attributes are declared as annotations, and :meth:`Record.fields` gives the same fields as
pydantic-core field schemas (a test checks that the two lists agree). Validation is
pydantic's own engine, ``pydantic_core.SchemaValidator``, with pydantic's errors and messages;
what this saves is defining pydantic model classes, which cost every command about a quarter of
its unavoidable start-up (importing ``pydantic.main`` and its schema generator, then building
each model) — see docs/explanation/performance.md.

>>> class Point(Record):
...     x: float
...     y: float
...
...     @classmethod
...     def fields(cls) -> dict[str, cs.ModelField]:
...         return {"x": field(cs.float_schema()), "y": field(cs.float_schema(), default=0.0)}
>>> Point.model_validate({"x": 1.5})
Point(x=1.5, y=0.0)
>>> Point(x=2.0) == Point.model_validate({"x": 2.0, "y": 0.0})
True
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal, Self

from pydantic_core import SchemaValidator
from pydantic_core import core_schema as cs

__all__ = ["Record", "cs", "field", "validator"]

_SCHEMAS: dict[type[Record], cs.CoreSchema] = {}
_VALIDATORS: dict[type[Record], SchemaValidator] = {}
_MISSING: Any = object()


def field(
    schema: cs.CoreSchema,
    *,
    default: Any = _MISSING,
    alias: str | None = None,
) -> cs.ModelField:
    """One field of a record: its value's schema, its default (none: the key is required) and the
    key it is written as in YAML when that is not its name (``from`` for ``source``)."""
    if default is not _MISSING:
        schema = cs.with_default_schema(schema, default=default)
    return cs.model_field(schema, validation_alias=alias, serialization_alias=alias)


class Record:
    """A validated part of a spec, compared by value. Instances come from :meth:`model_validate`
    (or the keyword constructor, which validates too)."""

    # The attributes pydantic-core sets on a model instance it creates (without calling __init__).
    __slots__ = ("__dict__", "__pydantic_fields_set__", "__pydantic_extra__", "__pydantic_private__")
    __pydantic_fields_set__: set[str]  # the keys the YAML gave (the others took their defaults)
    __pydantic_extra__: dict[str, Any] | None
    __hash__ = None  # type: ignore[assignment]  # compared by value: a default is copied, never shared
    # Unknown keys are refused; "allow" keeps them in `model_extra` (a plugin's parameters).
    extra: ClassVar[Literal["forbid", "allow"]] = "forbid"
    # Read by pydantic.json_schema when the docs publish the spec's JSON Schema.
    model_config: ClassVar[dict[str, Any]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.model_config = {"title": cls.__name__, "extra": cls.extra}

    @classmethod
    def fields(cls) -> dict[str, cs.ModelField]:
        """The fields in the order of the class's annotations (see :func:`field`)."""
        raise NotImplementedError

    @classmethod
    def after(cls, record: Self) -> Self:
        """Checks across fields, run after the fields are valid (raise ValueError); none by default."""
        return record

    @classmethod
    def keys(cls) -> list[str]:
        """The keys as written in YAML (``from`` for ``source``), in order."""
        return [key for _, key in cls.named_keys()]

    @classmethod
    def named_keys(cls) -> list[tuple[str, str]]:
        """(attribute, key as written in YAML) of each field, in order."""
        return [(name, str(f.get("validation_alias") or name)) for name, f in cls.fields().items()]

    @classmethod
    def core_schema(cls) -> cs.CoreSchema:
        """This record's schema for pydantic-core (built once)."""
        if cls not in _SCHEMAS:
            config = cs.CoreConfig(
                title=cls.__name__,
                extra_fields_behavior=cls.extra,
                strict=True,
                validate_by_name=True,
                validate_by_alias=True,
            )
            fields = cs.model_fields_schema(cls.fields(), model_name=cls.__name__)
            # `ref` names the record in the JSON Schema's `$defs`.
            schema: cs.CoreSchema
            if cls.after.__func__ is Record.after.__func__:  # type: ignore[attr-defined]
                schema = cs.model_schema(cls, fields, config=config, ref=cls.__name__)
            else:
                schema = cs.no_info_after_validator_function(
                    cls.after, cs.model_schema(cls, fields, config=config), ref=cls.__name__
                )
            _SCHEMAS[cls] = schema
        return _SCHEMAS[cls]

    @classmethod
    def model_validate(cls, data: Any) -> Self:
        """Validate ``data`` (a mapping as YAML gives it) into a record; a
        ``pydantic_core.ValidationError`` lists what is wrong."""
        result: Self = validator(cls).validate_python(data)
        return result

    def __init__(self, **data: Any) -> None:
        made = type(self).model_validate(data)
        for name in Record.__slots__:
            object.__setattr__(self, name, getattr(made, name))

    @property
    def model_extra(self) -> dict[str, Any] | None:
        """The keys an ``extra = "allow"`` record kept beyond its fields."""
        return self.__pydantic_extra__

    def model_copy(self, update: dict[str, Any] | None = None) -> Self:
        """A shallow copy with the fields in ``update`` replaced (not validated, as in pydantic)."""
        copy = object.__new__(type(self))
        object.__setattr__(copy, "__dict__", {**self.__dict__, **(update or {})})
        object.__setattr__(copy, "__pydantic_fields_set__", set(self.__pydantic_fields_set__) | set(update or {}))
        object.__setattr__(copy, "__pydantic_extra__", None if self.model_extra is None else dict(self.model_extra))
        object.__setattr__(copy, "__pydantic_private__", None)
        return copy

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return _public(self) == _public(other) and self.model_extra == other.model_extra

    def __repr__(self) -> str:
        shown = [f"{k}={v!r}" for k, v in _public(self).items()]
        shown += [f"{k}={v!r}" for k, v in (self.model_extra or {}).items()]
        return f"{type(self).__name__}({', '.join(shown)})"


def _public(record: Record) -> dict[str, Any]:
    # The fields, without attributes a record keeps for itself (`_file` of a Spec).
    return {k: v for k, v in record.__dict__.items() if not k.startswith("_")}


def validator(cls: type[Record]) -> SchemaValidator:
    """pydantic-core's validator of ``cls`` (built on first use, once)."""
    if cls not in _VALIDATORS:
        _VALIDATORS[cls] = SchemaValidator(cls.core_schema())
    return _VALIDATORS[cls]
