"""Spec format v1: YAML text → validated :class:`Spec` (pydantic), with line numbers.

YAML is data only: :mod:`graphengine.yamldoc` reads it safely with a key-path → line
map. Every error names the file, the line, the key path, the bad value and what would
be valid.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainValidator,
    PrivateAttr,
    StrictBool,
    StrictInt,
    TypeAdapter,
    ValidationError,
    field_validator,
    model_validator,
)

from .errors import KeyPath, SpecError, did_you_mean
from .limits import MAX_EPOCHS, MAX_LAYER_SIZE, check_sizes
from .reading import read_text
from .yamldoc import read_yaml

# A layer of a million neurons is far beyond what a diagram or an explanation is for, and a
# `size: 1000000000` typo would otherwise make billions of node names before failing.


# --------------------------------------------------------------------------- values


def _looks_like_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


# PyYAML follows YAML 1.1, where `1e-3` (no dot) is text, not a number.
NUMBER_AS_TEXT_HINT = "quoted numbers and YAML 1.1 forms such as `1e-3` are read as text: write `0.001` or `1.0e-3`"


def _describe(value: Any) -> str:
    if isinstance(value, str):
        if value and _looks_like_number(value):
            return f"the text `{value}` ({NUMBER_AS_TEXT_HINT})"
        return f"`{value}`" if value else "an empty string"
    if isinstance(value, bool):
        return f"`{str(value).lower()}` (a boolean)"
    if value is None:
        return "nothing (null)"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, int) and len(str(value)) > 20:
        return f"an integer of {len(str(value))} digits"
    return f"`{value}`"


def finite_number(value: Any) -> float:
    """An int or float that is not a boolean, NaN or infinite."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"expected a number, got {_describe(value)}")
    try:
        number = float(value)
    except OverflowError:
        raise ValueError(f"expected a finite number, got an integer with {len(str(value))} digits") from None
    if not math.isfinite(number):
        raise ValueError(f"expected a finite number, got `{value}`")
    return number


def number_or_name(value: Any) -> float | str:
    """A weight or bias: a finite number, or the name of a parameter (any string)."""
    if isinstance(value, str):
        if not value.strip():
            raise ValueError("expected a number or a parameter name, got an empty string")
        return value
    try:
        return finite_number(value)
    except ValueError as e:
        raise ValueError(f"{e}; a weight or bias is a number or a parameter name") from None


Number = Annotated[float, PlainValidator(finite_number)]
NumberOrName = Annotated[float | str, PlainValidator(number_or_name)]
Name = Annotated[str, Field(min_length=1, strict=True)]


# --------------------------------------------------------------------------- models


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, strict=True)


class PluginChoice(BaseModel):
    """A plugin named in a spec: ``sigmoid``, or a mapping ``{name: leaky_relu, alpha: 0.2}``
    whose other keys are the plugin's parameters (checked against the plugin later)."""

    model_config = ConfigDict(extra="allow", strict=True)
    name: Name

    @property
    def params(self) -> dict[str, Any]:
        return dict(self.model_extra or {})


def _name_or_mapping(
    model: type[PluginChoice],
    what: str,
    shape: str = "{name: ..., <parameters>}",
    no_name: str | None = None,
    name_required: bool = True,
) -> Any:
    """The validator of a field holding a plugin's name or a mapping with its name and parameters;
    ``no_name`` is the message for a mapping without ``name`` (default: the general one)."""

    def validate(value: Any) -> PluginChoice:
        expected = f"expected {what} name or {shape}, got {_describe(value)}"
        if isinstance(value, str):
            value = {"name": value}
        if not isinstance(value, dict):
            raise ValueError(expected)
        if name_required and "name" not in value:
            raise ValueError(no_name or expected)
        return model.model_validate(value)

    return validate


class ActivationSpec(PluginChoice):
    """``activation: sigmoid`` or ``activation: {name: leaky_relu, alpha: 0.2}``."""

    name: Name = "identity"


_activation = _name_or_mapping(ActivationSpec, "an activation", no_name="an activation mapping needs a `name` key")


class NodeSpec(_Model):
    activation: Annotated[ActivationSpec, PlainValidator(_activation)] = ActivationSpec()
    bias: NumberOrName | None = None


class EdgeSpec(_Model):
    source: Name = Field(alias="from")
    target: Name = Field(alias="to")
    weight: NumberOrName


class ParameterSpec(_Model):
    value: Number
    trainable: StrictBool = True


def _parameter(value: Any) -> Any:
    # `w1: 0.15` is shorthand for `w1: {value: 0.15}`.
    return value if isinstance(value, dict) else {"value": value}


class LossSpec(PluginChoice):
    """``loss: mse`` or ``loss: {name: huber, reduction: sum, delta: 2.0}``."""

    reduction: Literal["mean", "sum"] = "mean"


# Without `name`, pydantic's own "missing field" message names the key.
_loss = _name_or_mapping(LossSpec, "a loss", "{name: ..., reduction: mean|sum}", name_required=False)


class Sample(_Model):
    inputs: dict[Name, Number]
    targets: dict[Name, Number]


_SAMPLES = TypeAdapter(list[Sample])


class OptimizerSpec(PluginChoice):
    """``optimizer: adam`` or ``optimizer: {name: adam, beta1: 0.9}``."""


_optimizer = _name_or_mapping(
    OptimizerSpec, "an optimizer", no_name="an optimizer mapping needs a `name` key (sgd, momentum, adam, ...)"
)


# ----------------------------------------------------------------- layers and data files


class InputLayerSpec(_Model):
    """``inputs: [{name: x, size: 64}]`` declares the inputs ``x_0`` … ``x_63``."""

    name: Name
    size: Annotated[StrictInt, Field(ge=1, le=MAX_LAYER_SIZE)]
    # `shape: [8, 8]`: the inputs are an image, row by row (the layer view draws it as one).
    shape: Annotated[list[Annotated[StrictInt, Field(ge=1)]], Field(min_length=1, max_length=2)] | None = None

    @model_validator(mode="after")
    def _shape_fits_size(self) -> InputLayerSpec:
        if self.shape is not None and math.prod(self.shape) != self.size:
            shown = " × ".join(map(str, self.shape))
            raise ValueError(f"shape {shown} holds {math.prod(self.shape)} values but the layer has size {self.size}")
        return self


def _input_item(value: Any) -> str | InputLayerSpec:
    if isinstance(value, str):
        if not value:
            raise ValueError("expected an input name, got an empty string")
        return value
    if isinstance(value, dict):
        return InputLayerSpec.model_validate(value)
    raise ValueError(f"expected an input name or {{name: x, size: N}}, got {_describe(value)}")


class InitSpec(PluginChoice):
    """``init: xavier`` or ``init: {name: uniform, scale: 0.5}`` (see :mod:`graphengine.initializers`)."""


_init = _name_or_mapping(InitSpec, "an initialiser")


def _array(ndim: int, what: str) -> Any:
    """A validator turning nested lists of numbers into a float64 array (fast for big layers)."""
    import numpy as np

    def check(value: Any) -> Any:
        if not isinstance(value, list):
            raise ValueError(f"expected {what}, got {_describe(value)}")
        rows = value if ndim == 2 else [value]
        for row in rows:
            if not isinstance(row, list):
                raise ValueError(f"expected {what}, got {_describe(row)} as a row")
            for v in row:
                if type(v) is not float and (isinstance(v, bool) or not isinstance(v, (int, float))):
                    raise ValueError(f"expected {what}, got {_describe(v)}")
        if ndim == 2 and len({len(row) for row in rows}) > 1:
            raise ValueError(f"expected {what}, got rows of different lengths")
        try:
            array = np.array(value, dtype=np.float64)
        except OverflowError:
            raise ValueError(f"expected {what}, got an integer too large for a float") from None
        if array.size == 0:
            array = array.reshape((0,) * ndim)
        if not np.isfinite(array).all():
            raise ValueError(f"expected {what}; found NaN or infinity")
        return array

    return PlainValidator(check)


def _bias_value(value: Any) -> bool | float:
    if isinstance(value, bool):
        return value
    try:
        return finite_number(value)
    except ValueError:
        raise ValueError(f"expected `true`, `false` or a number (the initial bias), got {_describe(value)}") from None


def _sources(value: Any) -> str | list[str]:
    if isinstance(value, str) and value:
        return value
    if isinstance(value, list) and value and all(isinstance(v, str) and v for v in value):
        return list(value)
    raise ValueError(f"expected a layer or node name, or a non-empty list of them, got {_describe(value)}")


class LayerSpec(_Model):
    """A dense layer: ``size`` neurons ``name_0`` … each fed by every node of ``from``."""

    name: Name
    size: Annotated[StrictInt, Field(ge=1, le=MAX_LAYER_SIZE)]
    source: Annotated[str | list[str], PlainValidator(lambda v: _sources(v)), Field(alias="from")]
    activation: Annotated[ActivationSpec, PlainValidator(_activation)] = ActivationSpec()
    init: Annotated[InitSpec, PlainValidator(_init)] = InitSpec(name="xavier")
    bias: Annotated[bool | float, PlainValidator(_bias_value)] = True
    trainable: StrictBool = True
    seed: Annotated[StrictInt, Field(ge=0)] | None = None
    weights: Annotated[Any, _array(2, "a list of rows of numbers (one row per source node)")] = None
    biases: Annotated[Any, _array(1, "a list of numbers (one per neuron)")] = None


class CsvColumns(_Model):
    """``inputs: {prefix: pixel_}``: every column whose name starts with the prefix, in file order."""

    prefix: str


class OneHot(_Model):
    column: Name
    classes: Annotated[list[Annotated[Any, PlainValidator(lambda v: _class_label(v))]], Field(min_length=1)] | None = (
        None
    )


def _class_label(value: Any) -> str:
    if isinstance(value, bool):  # YAML 1.1 reads yes/no/on/off unquoted as booleans
        raise ValueError(f'expected a class label, got {_describe(value)}; quote a label such as "yes" or "no"')
    if not isinstance(value, (str, int, float)):
        raise ValueError(f"expected a class label (text or number), got {_describe(value)}")
    return str(value)


def _one_hot(value: Any) -> OneHot:
    return OneHot.model_validate({"column": value} if isinstance(value, str) else value)


class LabelTarget(_Model):
    """``targets: {column: label, positive: red}``: one output, 1 where the label is ``positive``, else 0."""

    column: Name
    positive: Annotated[Any, PlainValidator(lambda v: _class_label(v))]


def _targets(value: Any) -> list[str] | LabelTarget:
    if isinstance(value, dict):
        return LabelTarget.model_validate(value)
    return _TARGET_COLUMNS.validate_python(value)


_TARGET_COLUMNS = TypeAdapter(Annotated[list[Name], Field(min_length=1)])


class CsvData(_Model):
    """``data: {csv: file.csv, inputs: ..., targets: ... | one_hot: label}`` (path relative to the spec)."""

    csv: Name
    inputs: Annotated[list[Name], Field(min_length=1)] | CsvColumns | None = None
    targets: Annotated[list[Name] | LabelTarget, PlainValidator(_targets)] | None = None
    one_hot: Annotated[OneHot, PlainValidator(_one_hot)] | None = None
    validation_split: Annotated[float, Field(ge=0.0, lt=1.0, strict=False)] = 0.0
    shuffle: StrictBool = True
    seed: Annotated[StrictInt, Field(ge=0)] | None = None

    @model_validator(mode="after")
    def _one_target_kind(self) -> CsvData:
        if (self.targets is None) == (self.one_hot is None):
            raise ValueError("give exactly one of `targets` (a list of columns) and `one_hot` (a class-label column)")
        return self


def _data(value: Any) -> list[Sample] | CsvData:
    if isinstance(value, dict):
        return CsvData.model_validate(value)
    if isinstance(value, list):
        return _SAMPLES.validate_python(value)
    raise ValueError(f"expected a list of samples or {{csv: file.csv, ...}}, got {_describe(value)}")


class Training(_Model):
    learning_rate: Number | None = None
    epochs: Annotated[StrictInt, Field(ge=0, le=MAX_EPOCHS)] | None = None
    batch_size: Annotated[StrictInt, Field(ge=1)] | None = None
    seed: Annotated[StrictInt, Field(ge=0)] | None = None
    optimizer: Annotated[OptimizerSpec, PlainValidator(_optimizer)] | None = None

    @field_validator("learning_rate")
    @classmethod
    def _positive(cls, value: float | None) -> float | None:
        if value is not None and value <= 0:
            raise ValueError(f"learning_rate must be positive, got `{value}`")
        return value


class Spec(_Model):
    """A validated spec. ``file`` and ``lines`` locate its parts for error messages."""

    name: str | None = None
    description: str | None = None
    inputs: Annotated[list[Annotated[str | InputLayerSpec, PlainValidator(_input_item)]], Field(min_length=1)]
    outputs: Annotated[list[Name], Field(min_length=1)]
    layers: list[LayerSpec] = []
    nodes: dict[Name, NodeSpec] = {}
    edges: list[EdgeSpec] = []
    parameters: dict[
        Name, Annotated[ParameterSpec, PlainValidator(lambda v: ParameterSpec.model_validate(_parameter(v)))]
    ] = {}
    loss: Annotated[LossSpec, PlainValidator(_loss)] = LossSpec(name="half_squared_error")
    data: Annotated[list[Sample] | CsvData, PlainValidator(_data)] = []
    training: Training = Training()

    _file: str | None = PrivateAttr(default=None)
    _layer_nodes: dict[str, list[str]] = PrivateAttr(default_factory=dict)
    _lines: dict[KeyPath, int] = PrivateAttr(default_factory=dict)
    _raw: dict[str, Any] = PrivateAttr(default_factory=dict)

    @model_validator(mode="after")
    def _expand_layers(self) -> Spec:
        # Input layers and layer names in `outputs` become plain node names here, so every
        # consumer of `inputs`/`outputs` sees names; graph.build_graph checks the layers.
        layer_nodes: dict[str, list[str]] = {}
        names: list[str] = []
        for item in self.inputs:
            if isinstance(item, InputLayerSpec):
                layer_nodes.setdefault(item.name, [f"{item.name}_{k}" for k in range(item.size)])
                names.extend(f"{item.name}_{k}" for k in range(item.size))
            else:
                names.append(item)
        for layer in self.layers:
            layer_nodes.setdefault(layer.name, [f"{layer.name}_{k}" for k in range(layer.size)])
        self.inputs = names
        self.outputs = [n for o in self.outputs for n in (layer_nodes.get(o) or [o])]
        self._layer_nodes = layer_nodes
        return self

    @property
    def layer_nodes(self) -> dict[str, list[str]]:
        """Input layers and dense layers by name → their node names (``x`` → ``x_0``, ``x_1``, …)."""
        return self._layer_nodes

    @property
    def file(self) -> str | None:
        return self._file

    @property
    def raw(self) -> dict[str, Any]:
        """The YAML data as loaded (used to write a trained spec back in the same shape)."""
        return self._raw

    def line(self, path: KeyPath) -> int | None:
        """The line of ``path`` in the YAML, or of its nearest located parent."""
        for n in range(len(path), -1, -1):
            if path[:n] in self._lines:
                return self._lines[path[:n]]
        return None

    def error(self, cls: type[SpecError] | Any, message: str, path: KeyPath = ()) -> Exception:
        """An error of class ``cls`` located at ``path`` in this spec's file."""
        return cls(message, file=self._file, line=self.line(path), path=path)


# --------------------------------------------------------------------------- errors


_EXPECTED = {
    "string_type": "a string",
    "list_type": "a list",
    "dict_type": "a mapping",
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
    "int_type": "an integer",
    "bool_type": "`true` or `false`",
    "float_type": "a number",
}


def _fields(model: type[BaseModel]) -> list[str]:
    return [f.alias or name for name, f in model.model_fields.items()]


def _model_at(loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The pydantic model that holds the key at ``loc`` (for 'did you mean' on unknown keys)."""
    parents: dict[tuple[Any, ...], type[BaseModel]] = {
        (): Spec,
        ("nodes", "*"): NodeSpec,
        ("edges", "*"): EdgeSpec,
        ("parameters", "*"): ParameterSpec,
        ("data", "*"): Sample,
        ("data",): CsvData,
        ("data", "targets"): LabelTarget,
        ("layers", "*"): LayerSpec,
        ("inputs", "*"): InputLayerSpec,
        ("training",): Training,
    }
    parent = loc[:-1]
    generic = tuple("*" if i == 1 else p for i, p in enumerate(parent))
    return parents.get(parent) or parents.get(generic)


def _message(err: dict[str, Any]) -> str:
    kind, loc, value = err["type"], err["loc"], err.get("input")
    if kind == "extra_forbidden":
        model = _model_at(loc)
        valid = _fields(model) if model else []
        hint = did_you_mean(loc[-1], valid)
        return f"unknown key `{loc[-1]}`{hint}" + (f" (valid keys: {', '.join(valid)})" if valid else "")
    if kind == "missing":
        return f"missing required key `{loc[-1]}`"
    if kind == "value_error":
        return str(err["ctx"]["error"])
    if kind in ("model_type", "model_attributes_type") and len(loc) == 2 and loc[0] == "nodes":
        return (
            f"a node entry must be a mapping such as `{{activation: sigmoid, bias: 0.1}}` "
            f"(`{{}}` for identity without bias), got {_describe(value)}"
        )
    if kind in _EXPECTED:
        return f"expected {_EXPECTED[kind]}, got {_describe(value)}"
    if kind == "too_short":
        return "must not be empty"
    if kind == "literal_error":
        return f"expected {err['ctx']['expected']}, got {_describe(value)}"
    if isinstance(value, float) and not math.isfinite(value) and kind in ("less_than", "less_than_equal"):
        return f"expected a finite number, got {_describe(value)}"
    if kind == "less_than_equal":
        return f"must be ≤ {err['ctx']['le']:,}, got {_describe(value)}"
    if kind == "less_than":
        return f"must be < {err['ctx']['lt']:g}, got {_describe(value)}"
    if kind in ("greater_than_equal", "greater_than"):
        return f"must be {'≥' if kind.endswith('equal') else '>'} {err['ctx'].get('ge', err['ctx'].get('gt'))}, got {_describe(value)}"
    return f"{err['msg']}, got {_describe(value)}"


def _clean_loc(loc: tuple[Any, ...]) -> KeyPath:
    # PlainValidator-wrapped models may add internal loc parts; keep the user's key path.
    return tuple(p for p in loc if not (isinstance(p, str) and ("[" in p or p.startswith("function-"))))


# --------------------------------------------------------------------------- loading


def parse_spec(text: str, file: str | None = None) -> Spec:
    """Validate YAML text as a spec (schema only; graph checks come in :func:`graph.build_graph`)."""
    data, lines = read_yaml(text, file)
    check_sizes(data, lines, file)  # before validation expands a layer's `size` into names
    if not isinstance(data, dict):
        raise SpecError(
            f"expected a mapping of keys (inputs, outputs, nodes, ...) at the top level, got {_describe(data)}",
            file=file,
            line=1,
        )
    try:
        spec = Spec.model_validate(data)
    except ValidationError as e:
        errors = e.errors(include_url=False)

        def where(err: dict[str, Any]) -> int:
            path = _clean_loc(err["loc"])
            for n in range(len(path), -1, -1):
                if path[:n] in lines:
                    return lines[path[:n]]
            return 0

        # `{from: a, to: b, wieght: 1}` is both "unknown key `wieght`" and "missing `weight`";
        # the unknown key (with its "did you mean") explains the missing one, so it goes first.
        incomplete = {_clean_loc(e["loc"])[:-1] for e in errors if e["type"] == "missing"}

        def rank(err: dict[str, Any]) -> tuple[bool, int]:
            typo = err["type"] == "extra_forbidden" and _clean_loc(err["loc"])[:-1] in incomplete
            return (not typo, where(err))

        first = min(errors, key=rank)
        path = _clean_loc(first["loc"])
        if path[:1] == ("parameters",) and path[2:] == ("value",):
            if not isinstance((data.get("parameters") or {}).get(path[1]), dict):
                path = path[:2]  # the shorthand `w: .nan` has no `value` key to point at
        raise SpecError(_message(first), file=file, line=where(first) or None, path=path) from None
    spec._file = file
    spec._lines = lines
    spec._raw = data
    return spec


def load_spec(path: str | Path) -> Spec:
    """Read and validate a spec file.

    >>> spec = load_spec("specs/doc_example.yaml")
    >>> spec.inputs
    ['i1', 'i2']
    """
    path = Path(path)
    return parse_spec(read_text(path), str(path))  # a regular file within the size cap (reading.py)
