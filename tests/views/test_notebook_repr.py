"""What a notebook or a debugger shows of a Network and a Trace (graphengine/engine/summary.py):
one readable line each, and ``print(trace)`` as the tables of ``graphengine run``."""

from __future__ import annotations

from pathlib import Path

import yaml

import graphengine
from graphengine.views.run_tables import run_text

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "specs" / "doc_example.yaml"


def test_network_repr_is_one_line_with_name_shape_loss_and_parameters():
    spec = yaml.safe_load(SPEC.read_text(encoding="utf-8"))
    # Counted from the YAML, not from the engine: 8 weights and 2 shared biases, both biases frozen.
    frozen = sum(1 for v in spec["parameters"].values() if isinstance(v, dict) and v.get("trainable") is False)
    assert (len(spec["parameters"]), frozen) == (10, 2)
    text = repr(graphengine.load(SPEC))
    assert "\n" not in text and "object at 0x" not in text
    assert text == "<Network doc_example 2-2-2, half_squared_error loss, 10 parameters (2 frozen), 1 sample>"


def test_network_repr_of_layered_specs():
    # 3-3-3-2: 3·3+3 + 3·3+3 + 3·2+2 = 32 parameters; digits 64-32-10: 64·32+32 + 32·10+10 = 2410.
    assert repr(graphengine.load(ROOT / "specs" / "tanh_3332.yaml")).startswith(
        "<Network tanh_3332 3-3-3-2, half_squared_error loss, 32 parameters, 1 sample"
    )
    digits = repr(graphengine.load(ROOT / "specs" / "digits.yaml"))
    assert digits.startswith("<Network digits 64-32-10, softmax_cross_entropy loss, 2410 parameters, ")


def test_trace_repr_is_one_line_with_the_loss():
    trace = graphengine.load(SPEC).trace()
    text = repr(trace)
    # The worked example's total error after the forward pass: 0.298371109 (hand-computed in its source).
    assert text == "<Trace doc_example 2-2-2: half_squared_error loss 0.298371109 over 1 sample, learning rate 0.5>"
    assert len(text) < 120


def test_print_trace_is_the_run_table(cli):
    trace = graphengine.load(SPEC).trace()
    text = str(trace)
    assert len(text.splitlines()) > 20 and "Forward and backward pass, sample 0" in text
    # The worked example's hand values: out_h1 0.593269992, w5 after the step 0.35891648.
    assert "0.593269992" in text and "0.358916480" in text
    assert "Backward(" not in text and "array(" not in text  # no internals
    # The same table `graphengine run` prints (its text, without colour; same width).
    ran = cli("run", str(SPEC))
    assert ran.code == 0
    assert run_text(trace, width=200).splitlines() == [line.rstrip() for line in ran.out.rstrip("\n").splitlines()]
