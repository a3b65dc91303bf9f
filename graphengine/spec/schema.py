"""The validated :class:`Spec`: its top-level keys, nodes, edges, parameters and training
settings, and where each part sits in its file."""

from __future__ import annotations

from typing import Any, Literal

from .._util.names import MAX_NAME_LENGTH
from ..errors import KeyPath, SpecError
from .choices import ActivationSpec, LossSpec, OptimizerSpec, _activation, _loss, _optimizer
from .data import CsvData, Sample, _data
from .layers import InputLayerSpec, LayerSpec, _input_item
from .limits import MAX_EPOCHS
from .record import Record, cs, field
from .values import BOOL, NAME, NATURAL, NUMBER, NUMBER_OR_NAME, checked


def _optional(schema: cs.CoreSchema) -> cs.ModelField:
    return field(cs.nullable_schema(schema), default=None)


class NodeSpec(Record):
    activation: ActivationSpec
    bias: float | str | None

    @classmethod
    def fields(cls) -> dict[str, cs.ModelField]:
        return {"activation": field(checked(_activation), default=ActivationSpec()), "bias": _optional(NUMBER_OR_NAME)}


class EdgeSpec(Record):
    source: str
    target: str
    weight: float | str

    @classmethod
    def fields(cls) -> dict[str, cs.ModelField]:
        return {"source": field(NAME, alias="from"), "target": field(NAME, alias="to"), "weight": field(NUMBER_OR_NAME)}


class ParameterSpec(Record):
    value: float
    trainable: bool

    @classmethod
    def fields(cls) -> dict[str, cs.ModelField]:
        return {"value": field(NUMBER), "trainable": field(BOOL, default=True)}


def _parameter(value: Any) -> ParameterSpec:
    # `w1: 0.15` is shorthand for `w1: {value: 0.15}`.
    return ParameterSpec.model_validate(value if isinstance(value, dict) else {"value": value})


class Training(Record):
    learning_rate: float | None
    epochs: int | None
    batch_size: int | None
    seed: int | None
    optimizer: OptimizerSpec | None
    # What `train` computes in (parameters, data, activations, optimiser state); run, explain,
    # check and render are float64 always.
    dtype: Literal["float64", "float32"] | None

    @classmethod
    def fields(cls) -> dict[str, cs.ModelField]:
        return {
            "learning_rate": _optional(cs.no_info_after_validator_function(_positive, NUMBER)),
            "epochs": _optional(cs.int_schema(ge=0, le=MAX_EPOCHS, strict=True)),
            "batch_size": _optional(cs.int_schema(ge=1, strict=True)),
            "seed": _optional(NATURAL),
            "optimizer": _optional(checked(_optimizer)),
            "dtype": _optional(cs.literal_schema(["float64", "float32"])),
        }


def _positive(value: float) -> float:
    if value <= 0:
        raise ValueError(f"learning_rate must be positive, got `{value}`")
    return value


class WeightsFile(Record):
    """``weights_file: {file: out.weights.safetensors, sha256: ..., parameters: N}``: trained
    values in a sidecar (see :mod:`graphengine.engine.sidecar`), written by ``train -o``."""

    file: str
    sha256: str
    parameters: int | None

    @classmethod
    def fields(cls) -> dict[str, cs.ModelField]:
        return {
            "file": field(NAME),
            "sha256": field(cs.str_schema(pattern=r"^[0-9a-f]{64}$")),
            "parameters": _optional(NATURAL),
        }


class Spec(Record):
    """A validated spec. ``file`` and ``lines`` locate its parts for error messages."""

    # A title in diagrams (Graphviz refuses a string over 16,384 characters) and documents.
    name: str | None
    description: str | None
    # Names only: `after` turns each input layer into its node names, so every consumer reads
    # `list[str]`; the schema itself accepts either form.
    inputs: list[str]
    outputs: list[str]
    layers: list[LayerSpec]
    nodes: dict[str, NodeSpec]
    edges: list[EdgeSpec]
    parameters: dict[str, ParameterSpec]
    loss: LossSpec
    data: list[Sample] | CsvData
    training: Training
    weights_file: WeightsFile | None

    _file: str | None
    _layer_nodes: dict[str, list[str]]
    _lines: dict[KeyPath, int]
    _raw: dict[str, Any]

    @classmethod
    def fields(cls) -> dict[str, cs.ModelField]:
        return {
            "name": _optional(cs.str_schema(max_length=MAX_NAME_LENGTH)),
            "description": _optional(cs.str_schema(max_length=10 * MAX_NAME_LENGTH)),
            "inputs": field(cs.list_schema(checked(_input_item), min_length=1)),
            "outputs": field(cs.list_schema(NAME, min_length=1)),
            "layers": field(cs.list_schema(LayerSpec.core_schema()), default=[]),
            "nodes": field(cs.dict_schema(NAME, NodeSpec.core_schema()), default={}),
            "edges": field(cs.list_schema(EdgeSpec.core_schema()), default=[]),
            "parameters": field(cs.dict_schema(NAME, checked(_parameter)), default={}),
            "loss": field(checked(_loss), default=LossSpec(name="half_squared_error")),
            "data": field(checked(_data), default=[]),
            "training": field(Training.core_schema(), default=Training()),
            "weights_file": _optional(WeightsFile.core_schema()),
        }

    @classmethod
    def after(cls, record: Spec) -> Spec:
        # Input layers and layer names in `outputs` become plain node names here, so every
        # consumer of `inputs`/`outputs` sees names; graph.build_graph checks the layers.
        layer_nodes: dict[str, list[str]] = {}
        names: list[str] = []
        for item in record.inputs:
            if isinstance(item, InputLayerSpec):
                layer_nodes.setdefault(item.name, [f"{item.name}_{k}" for k in range(item.size)])
                names.extend(f"{item.name}_{k}" for k in range(item.size))
            else:
                names.append(item)
        for layer in record.layers:
            layer_nodes.setdefault(layer.name, [f"{layer.name}_{k}" for k in range(layer.size)])
        record.inputs = names
        record.outputs = [n for o in record.outputs for n in (layer_nodes.get(o) or [o])]
        record._layer_nodes = layer_nodes
        record._file, record._lines, record._raw = None, {}, {}
        return record

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


def spec_json_schema() -> dict[str, Any]:
    """The JSON Schema of a spec (for editors; the docs publish it), written by pydantic from
    the same core schema that validates."""
    from pydantic.json_schema import GenerateJsonSchema

    class _Writer(GenerateJsonSchema):
        def encode_default(self, default: Any) -> Any:
            # A record's default as the mapping it stands for (`{name: identity}`).
            if isinstance(default, Record):
                return {key: self.encode_default(getattr(default, name)) for name, key in default.named_keys()}
            return super().encode_default(default)

    return _Writer(by_alias=True).generate(Spec.core_schema(), mode="validation")
