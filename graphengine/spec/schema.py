"""The validated :class:`Spec`: its top-level keys, nodes, edges, parameters and training
settings, and where each part sits in its file."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import Field, PlainValidator, PrivateAttr, StrictBool, StrictInt, field_validator, model_validator

from .._util.names import MAX_NAME_LENGTH
from ..errors import KeyPath, SpecError
from .choices import ActivationSpec, LossSpec, OptimizerSpec, _activation, _loss, _optimizer
from .data import CsvData, Sample, _data
from .layers import InputLayerSpec, LayerSpec, _input_item
from .limits import MAX_EPOCHS
from .values import Name, Number, NumberOrName, _Model

if TYPE_CHECKING:
    # After validation `inputs` holds names only: `_expand_layers` turns each input layer into its
    # node names, so every consumer reads `list[str]`; the schema itself accepts either form.
    InputItem = str
else:
    InputItem = str | InputLayerSpec


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


class Training(_Model):
    learning_rate: Number | None = None
    epochs: Annotated[StrictInt, Field(ge=0, le=MAX_EPOCHS)] | None = None
    batch_size: Annotated[StrictInt, Field(ge=1)] | None = None
    seed: Annotated[StrictInt, Field(ge=0)] | None = None
    optimizer: Annotated[OptimizerSpec, PlainValidator(_optimizer)] | None = None
    # What `train` computes in (parameters, data, activations, optimiser state); run, explain,
    # check and render are float64 always.
    dtype: Literal["float64", "float32"] | None = None

    @field_validator("learning_rate")
    @classmethod
    def _positive(cls, value: float | None) -> float | None:
        if value is not None and value <= 0:
            raise ValueError(f"learning_rate must be positive, got `{value}`")
        return value


class WeightsFile(_Model):
    """``weights_file: {file: out.weights.safetensors, sha256: ..., parameters: N}``: trained
    values in a sidecar (see :mod:`graphengine.engine.sidecar`), written by ``train -o``."""

    file: Name
    sha256: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
    parameters: Annotated[StrictInt, Field(ge=0)] | None = None


class Spec(_Model):
    """A validated spec. ``file`` and ``lines`` locate its parts for error messages."""

    # A title in diagrams (Graphviz refuses a string over 16,384 characters) and documents.
    name: Annotated[str, Field(max_length=MAX_NAME_LENGTH)] | None = None
    description: Annotated[str, Field(max_length=10 * MAX_NAME_LENGTH)] | None = None
    inputs: Annotated[list[Annotated[InputItem, PlainValidator(_input_item)]], Field(min_length=1)]
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
    weights_file: WeightsFile | None = None

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
