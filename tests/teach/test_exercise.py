"""`graphengine exercise`: generated exercises over many shapes, activations, samples and seeds.

Every exercise is checked independently of the generator: its numbers are read back from the
written spec, its answers are recomputed by tests/reference.py (per node, scalar maths) and by
`run --json`, judged by `check`, and searched for in everything a student is given.
"""

import csv
import itertools
import json
import re
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
import reference
import yaml

import graphengine
from graphengine.cli import main
from graphengine.teach.exercise.blanks import ASK_LEVELS, asked_quantities, letters, written
from graphengine.teach.exercise.folder import answers_markdown, answers_yaml, blank_yaml
from graphengine.teach.exercise.generate import LEARNING_RATES, Options, folder_names, generate
from graphengine.teach.exercise.grade import judge
from graphengine.teach.exercise.worksheet import worksheet_latex, worksheet_markdown
from graphengine.views.diagram.render import to_dot

SHAPES = [(2, 2, 2), (3, 2, 1), (2, 3, 2)]
ACTIVATIONS = ["sigmoid", "tanh", "relu"]
# Every shape × activation × shared bias × samples, the ask level and seed varying with them.
CASES = [
    Options(shape, act, "half_squared_error", samples, shared, ASK_LEVELS[k % 4], seed=k)
    for k, (shape, act, shared, samples) in enumerate(itertools.product(SHAPES, ACTIVATIONS, (False, True), (1, 2)))
]
CASES += [
    Options((2, 2, 2), "sigmoid", "binary_cross_entropy", 2, False, "update", seed=101),
    Options((2, 2, 1), "tanh", "mse", 1, True, "update", seed=102),
    Options((2, 1), "sigmoid", "mse", 2, False, "all", seed=103),
    Options((2, 2, 2, 2), "tanh", "half_squared_error", 1, False, "update", seed=104),
]


def case_id(o: Options) -> str:
    return f"{'-'.join(map(str, o.shape))}-{o.activation}-{o.loss}-n{o.samples}{'-shared' if o.shared_bias else ''}-{o.ask}-s{o.seed}"


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """Each case generated once and written out (without Graphviz: the DOT text stands in for the SVG)."""
    cache = {}

    def get(options: Options):
        if options not in cache:
            ex = generate(options)
            folder = tmp_path_factory.mktemp(case_id(options))
            texts = {
                "spec.yaml": ex.spec,
                "answers.yaml": answers_yaml(ex),
                "blank.yaml": blank_yaml(ex),
                "worksheet.md": worksheet_markdown(ex),
                "worksheet.tex": worksheet_latex(ex),
                "network.dot": to_dot(ex.net, ex.trace, blanks=ex.blanks),
            }
            for name, text in texts.items():
                (folder / name).write_text(text, encoding="utf-8")
            cache[options] = (ex, folder)
        return cache[options]

    return get


def hand_values(path: Path) -> dict[str, str]:
    """A hand file's values as written (text), without the optional `sample`."""
    root = yaml.compose(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
    return {k.value: v.value for k, v in root.value if k.value != "sample"}


def run_json(spec: Path, capsys) -> dict:
    assert main(["run", str(spec), "--json"]) == 0
    return json.loads(capsys.readouterr().out)


# ---------------------------------------------------------------------- the spec


@pytest.mark.parametrize("options", CASES, ids=case_id)
def test_the_spec_is_an_ordinary_spec_with_nice_numbers(made, options, capsys):
    ex, folder = made(options)
    spec = folder / "spec.yaml"
    assert main(["validate", str(spec)]) == 0
    assert main(["explain", str(spec), "-o", str(folder / "explain.md"), "--format", "markdown"]) == 0
    capsys.readouterr()
    data = yaml.safe_load(spec.read_text())
    given = [*data["parameters"].values()]
    given += [x for sample in data["data"] for part in ("inputs", "targets") for x in sample[part].values()]
    for x in given:
        text = str(x)
        assert x != 0 and -Decimal(text).as_tuple().exponent <= 2, text  # at most two decimals, never zero
    weights = [data["parameters"][e["weight"]] for e in data["edges"]]
    assert len(set(weights)) == len(weights)  # no two weights equal
    assert len(set(data["parameters"].values())) == len(data["parameters"])
    for sample in data["data"]:
        assert len(set(sample["inputs"].values())) == len(sample["inputs"])
    assert data["training"]["learning_rate"] in LEARNING_RATES
    assert len(data["data"]) == options.samples
    biases = {n["bias"] for n in data["nodes"].values()}
    layers = len(options.shape) - 1
    assert len(biases) == (layers if options.shared_bias else sum(options.shape[1:]))


@pytest.mark.parametrize("options", CASES, ids=case_id)
def test_swapping_two_inputs_of_a_neuron_changes_its_net(made, options):
    """Recomputed from the spec by hand: the worked example's slip must never go unnoticed."""
    ex, folder = made(options)
    data = yaml.safe_load((folder / "spec.yaml").read_text())
    values = data["parameters"]
    result = reference.forward(
        ex.net.graph, values, [s["inputs"] for s in data["data"]], [s["targets"] for s in data["data"]]
    )
    out = result.out[0]
    into: dict[str, list[tuple[str, float]]] = {}
    for e in data["edges"]:
        into.setdefault(e["to"], []).append((e["from"], values[e["weight"]]))
    for v, edges in into.items():
        for (a, wa), (b, wb) in itertools.combinations(edges, 2):
            change = abs((wa - wb) * (out[a] - out[b]))
            assert change > 2 * 10 ** (Decimal(abs(result.net[0][v])).adjusted() - 3), (v, a, b)


# ---------------------------------------------------------------------- the answers


@pytest.mark.parametrize("options", CASES, ids=case_id)
def test_answers_are_exact_nonzero_and_checked_right(made, options, capsys):
    ex, folder = made(options)
    answers = hand_values(folder / "answers.yaml")
    assert list(answers) == asked_quantities(ex.net, options.ask) == ex.asked
    assert all(abs(float(v)) >= 1e-3 for v in answers.values())
    status = main(["check", str(folder / "spec.yaml"), "--expect", str(folder / "answers.yaml"), "--json"])
    report = json.loads(capsys.readouterr().out)
    assert status == 0 and report["wrong"] == [] and report["checked"] == len(answers)


@pytest.mark.parametrize("options", CASES, ids=case_id)
def test_answers_equal_run_json_and_the_reference(made, options, capsys):
    ex, folder = made(options)
    answers = {q: float(v) for q, v in hand_values(folder / "answers.yaml").items()}
    run = run_json(folder / "spec.yaml", capsys)
    nodes = run["samples"][0]["nodes"]
    in_run = {"loss": run["loss"]}
    in_run |= {f"{v}.{q}": x for v, entry in nodes.items() for q, x in entry.items()}
    in_run |= {f"grad.{p}": g for p, g in run["gradients"].items()}
    in_run |= {f"updated.{p}": u for p, u in run["updated"].items()}
    for q, value in answers.items():
        if q in in_run:
            assert value == in_run[q], q  # to the last written digit: the same float64
    # Every answer, run --json's or not, from the per-node reference implementation.
    data = yaml.safe_load((folder / "spec.yaml").read_text())
    G, values = ex.net.graph, data["parameters"]
    inputs, targets = [s["inputs"] for s in data["data"]], [s["targets"] for s in data["data"]]
    result = reference.forward(G, values, inputs, targets)
    grads = reference.backward(G, values, result, targets)
    eta, outputs = data["training"]["learning_rate"], data["outputs"]
    expected = {"loss": result.loss}
    for v in G.nodes:
        if G.nodes[v]["kind"] != "input":
            act = G.nodes[v]["activation"].name
            expected |= {f"{v}.net": result.net[0][v], f"{v}.out": result.out[0][v]}
            expected[f"{v}.dact"] = reference.activate_derivative(act, result.net[0][v])
            expected |= {f"{v}.dout": grads.dout[0][v], f"{v}.dnet": grads.dnet[0][v]}
    for o in outputs:  # each output's term: the loss of that output alone, scaled as the loss is
        y, t = result.out[0][o], targets[0][o]
        one = {"half_squared_error": 0.5 * (t - y) ** 2, "mse": (t - y) ** 2 / len(outputs)}
        expected[f"loss.{o}"] = one.get(data["loss"], reference.sample_loss(data["loss"], [y], [t]) / len(outputs))
    expected |= {f"grad.{p}": g for p, g in grads.grad.items()}
    expected |= {f"updated.{p}": values[p] - eta * g for p, g in grads.grad.items()}
    for q, value in answers.items():
        assert value == pytest.approx(expected[q], rel=1e-11, abs=1e-14), q


@pytest.mark.parametrize("options", CASES, ids=case_id)
def test_what_students_get_holds_no_answer(made, options):
    """Neither the worksheet (Markdown, LaTeX), the blank template nor the drawing holds any
    asked answer written to 4 significant digits or more (with or without its sign)."""
    ex, folder = made(options)
    texts = {
        name: (folder / name).read_text() for name in ("worksheet.md", "worksheet.tex", "blank.yaml", "network.dot")
    }
    numbers = {name: set(re.findall(r"\d+\.\d+(?:e-?\d+)?", text)) for name, text in texts.items()}
    for q in ex.asked:
        x = abs(ex.answer(q))  # with any sign: a − or - before it does not matter
        forms = {written(x, d) for d in range(4, 10)} | {repr(x)}
        for name, found in numbers.items():
            assert not forms & found, (name, q, forms & found)
    for q, letter in ex.blanks.items():
        assert f"({letter})" in texts["network.dot"] and f"({letter})" in texts["worksheet.md"]
        assert re.search(rf"^{re.escape(q)}:\s+# \({letter}\) ", texts["blank.yaml"], re.M), q


@pytest.mark.parametrize("options", CASES[::5], ids=case_id)
def test_answers_md_marks_every_blank_at_its_equation(made, options):
    ex, folder = made(options)
    text = answers_markdown(ex)
    for q, letter in ex.blanks.items():
        assert f"| ({letter}) |" in text and f"| {written(ex.answer(q))} |" in text
        assert re.search(rf"^\*\({letter}\)( [^*]*)?\*$", text, re.M), (q, letter)


def test_the_order_of_the_blanks_follows_the_worked_example():
    ex = generate(Options((2, 2, 2), shared_bias=True, ask="update", seed=3))
    assert ex.asked[:11] == [
        *("h1.net", "h1.out", "h2.net", "h2.out", "o1.net", "o1.out", "o2.net", "o2.out"),
        *("loss.o1", "loss.o2", "loss"),
    ]
    assert ex.asked[11:23] == [
        *("o1.dout", "o1.dact", "o1.dnet", "o2.dout", "o2.dact", "o2.dnet"),
        *("grad.w5", "grad.w6", "grad.w7", "grad.w8", "grad.b2", "h1.dout"),
    ]
    assert ex.asked[-10:] == [f"updated.w{k}" for k in range(1, 9)] + ["updated.b1", "updated.b2"]
    assert list(ex.blanks.values()) == letters(len(ex.asked)) and letters(28)[26:] == ["aa", "ab"]


# ---------------------------------------------------------------------- the command


def test_same_seed_same_bytes_and_another_seed_other_numbers(tmp_path, capsys):
    args = ["exercise", "--shape", "2-3-2", "--activation", "tanh", "--samples", "2", "--ask", "update"]
    for name, seed in (("a", "4"), ("b", "4"), ("c", "5")):
        assert main([*args, "--seed", seed, "-o", str(tmp_path / name)]) == 0
    capsys.readouterr()
    files = sorted(str(p.relative_to(tmp_path / "a")) for p in (tmp_path / "a").rglob("*") if p.is_file())
    # what a student may see at the top, the answers apart in key/
    expected = ["blank.yaml", "network.pdf", "network.svg", "worksheet.md", "worksheet.tex"]
    expected += ["worksheet.pdf"] if shutil.which("pdflatex") else []
    expected += ["key/answers.md", "key/answers.yaml", "key/spec.yaml"]
    expected.append(".graphengine-written.json")  # what was written, so a re-run keeps filled sheets
    assert files == sorted(expected)
    for name in files:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    a, c = (yaml.safe_load((tmp_path / x / "key" / "spec.yaml").read_text()) for x in "ac")
    assert a["parameters"] != c["parameters"]


def test_every_student_gets_their_own_numbers_and_the_key_has_them(tmp_path, capsys):
    names = tmp_path / "names.txt"
    names.write_text("Alice Smith\n\n# a comment\nBob\nAna María\n", encoding="utf-8")
    out = tmp_path / "class"
    assert main(["exercise", "--students", str(names), "--seed", "9", "--no-pdf", "-o", str(out)]) == 0
    folders = ["alice-smith", "bob", "ana-maría"]
    assert folder_names(["Alice Smith", "Bob", "Ana María"]) == folders
    # What a student may see, apart from the answers: the folder can be handed out as it is.
    assert sorted(p.name for p in (out / "students").iterdir()) == sorted(folders)
    assert sorted(p.name for p in (out / "key").iterdir()) == sorted([*folders, "key.csv"])
    for folder in folders:
        seen = sorted(p.name for p in (out / "students" / folder).iterdir())
        assert seen == ["blank.yaml", "network.pdf", "network.svg", "worksheet.md", "worksheet.tex"]
        kept = sorted(p.name for p in (out / "key" / folder).iterdir())
        assert kept == ["answers.md", "answers.yaml", "spec.yaml"]
    specs = [yaml.safe_load((out / "key" / f / "spec.yaml").read_text()) for f in folders]
    numbers = [(s["parameters"], s["data"]) for s in specs]
    assert all(a != b for a, b in itertools.combinations(numbers, 2))
    with (out / "key" / "key.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    for student, folder in zip(["Alice Smith", "Bob", "Ana María"], folders):
        answers = hand_values(out / "key" / folder / "answers.yaml")
        mine = [r for r in rows if r["student"] == student]
        assert [(r["folder"], r["quantity"], r["exact"]) for r in mine] == [(folder, q, v) for q, v in answers.items()]
        assert [r["letter"] for r in mine] == letters(len(mine))
        assert f"student: {student}" in (out / "students" / folder / "blank.yaml").read_text(encoding="utf-8")
    # A student's numbers come from the seed and their name, not from who else is in the class.
    alone = generate(Options(seed=9), student="Bob")
    assert alone.spec == (out / "key" / "bob" / "spec.yaml").read_text()


def test_the_exercise_drawing_shows_given_numbers_and_boxes_only(tmp_path, capsys):
    """`render --blanks` on the worked example: its weights and inputs, a box per asked value,
    none of the values (0.5933 = out_h1, 0.0822 = ∂E/∂w5), no gradient colours."""
    dot = tmp_path / "blank.dot"
    assert main(["render", "specs/doc_example.yaml", "--blanks", "update", "-o", str(dot)]) == 0
    text = dot.read_text()
    for given in ("0.15", "0.05", "0.35", "0.99"):
        assert f">{given}<" in text or f"{given}</" in text, given
    for value in ("0.5933", "0.59327", "0.0822", "0.08217", "0.7514", "0.3589", "0.2984"):
        assert value not in text, value
    assert "#b2182b" not in text and "#2166ac" not in text  # no sign-of-gradient colours
    asked = asked_quantities(graphengine.load("specs/doc_example.yaml"), "update")
    assert len(asked) == 8 + 3 + 6 + 6 + 6 + 4 + 8  # frozen b1, b2: gradients asked, no update
    for letter in letters(len(asked)):
        assert f"({letter})" in text
    assert main(["render", "specs/doc_example.yaml", "--blanks", "some", "-o", str(dot)]) == 2


@pytest.mark.skipif(
    shutil.which("pdflatex") is None, reason="pdflatex is not installed (apt-get install texlive-latex-base)"
)
def test_the_worksheet_compiles_with_outline_fonts(tmp_path, capsys):
    out = tmp_path / "ex"
    assert (
        main(["exercise", "--shape", "3-2-1", "--samples", "2", "--shared-bias", "--ask", "update", "-o", str(out)])
        == 0
    )
    assert (out / "worksheet.pdf").read_bytes().startswith(b"%PDF")
    # Compile it again here to read the log: Type 1 Latin Modern fonts, no bitmap (.pk) fonts.
    done = subprocess.run(
        ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "worksheet.tex"],
        cwd=out,
        capture_output=True,
        timeout=120,
    )
    log = (out / "worksheet.log").read_text(errors="replace")
    assert done.returncode == 0, log[-2000:]
    assert "lmr" in log and ".pfb" in log and ".pk" not in log


@pytest.mark.parametrize(
    "args, message",
    [
        (["--shape", "2-9-2"], "--shape: `2-9-2` is not a hand-sized network"),
        (["--shape", "2x2"], "--shape: `2x2` is not layer sizes joined by `-`"),
        (["--loss", "binary_cross_entropy", "--activation", "relu"], "needs outputs in (0, 1)"),
        (["--samples", "3"], "'--samples'"),
        (["--students", "missing.txt"], "missing.txt: no such file"),
    ],
)
def test_bad_options_are_one_line_errors(tmp_path, capsys, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    assert main(["exercise", "-o", "out", *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err and err.count("\n") == 1
    assert not (tmp_path / "out").exists()


def test_a_name_listed_twice_is_an_error_naming_both_lines(tmp_path, capsys):
    names = tmp_path / "names.txt"
    names.write_text("Alice\nBob\nAlice\n")
    assert main(["exercise", "--students", str(names), "-o", str(tmp_path / "out")]) == 2
    assert capsys.readouterr().err == f"error: {names}:3: `Alice` is listed twice (first on line 1)\n"
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("shape, activation", [((2, 2, 2), "sigmoid"), ((3, 2, 1), "tanh")])
def test_no_classic_slip_is_marked_right_over_many_seeds(tmp_path, shape, activation):
    """The slips computed here by hand from each spec's numbers (tests/reference.py), written
    to 4 significant digits as a student would, are all marked wrong by `check`."""
    for seed in range(12):
        ex = generate(Options(shape, activation, ask="update", seed=seed))
        data = yaml.safe_load(ex.spec)
        values, x, t = data["parameters"], data["data"][0]["inputs"], data["data"][0]["targets"]
        result = reference.forward(ex.net.graph, values, [x], [t])
        grads = reference.backward(ex.net.graph, values, result, [t]).grad
        eta = data["training"]["learning_rate"]
        into_h1 = [e for e in data["edges"] if e["to"] == "h1"]
        (a, wa), (b, wb) = ((e["from"], values[e["weight"]]) for e in into_h1[:2])
        slips = {
            "h1.net": result.net[0]["h1"] + (wa - wb) * (x[b] - x[a]),  # two inputs swapped
            "o1.net": result.net[0]["o1"] - values[data["nodes"]["o1"]["bias"]],  # bias left out
            "h1.out": result.net[0]["h1"],  # net written for out
            "updated.w1": values["w1"] + eta * grads["w1"],  # uphill
            "updated.w2": values["w2"] - grads["w2"],  # η forgotten
            "updated.w3": values["w3"],  # no step at all
        }
        hand = tmp_path / f"slips-{seed}.yaml"
        hand.write_text("".join(f"{q}: {written(v)}\n" for q, v in slips.items()))
        marks = judge(ex.net, ex.trace, hand)
        assert len(marks) == len(slips) and [m.quantity for m in marks if m.right] == [], (seed, ex.spec)


@pytest.mark.parametrize("options", CASES[::7], ids=case_id)
def test_the_markdown_worksheet_renders_its_tables_and_picture(made, options):
    from markdown_it import MarkdownIt

    ex, folder = made(options)
    html = MarkdownIt("commonmark").enable("table").render((folder / "worksheet.md").read_text())
    tables = re.findall(r"<table>(.*?)</table>", html, re.S)
    assert len(tables) == 3  # the data, the parameters, the blanks
    data, params, blanks = (re.findall(r"<tr>(.*?)</tr>", t, re.S) for t in tables)
    assert len(data) == 1 + options.samples and len(params) == 1 + len(ex.net.plan.parameter_names)
    assert len(blanks) == 1 + len(ex.asked)
    for row, (q, letter) in zip(blanks[1:], ex.blanks.items()):
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        assert cells[0] == f"({letter})" and cells[2] == f"<code>{q}</code>" and len(cells) == 5
    assert '<img src="network.svg"' in html
    assert not re.search(r"[\s>(]-\d", html)  # negative numbers with a true minus sign
    assert "−" in html or all(v > 0 for v in ex.trace.values.values())


def test_the_docstring_examples_run():
    import doctest

    from graphengine.teach.exercise import blanks, grade, worksheet
    from graphengine.teach.exercise import folder as exercise_folder
    from graphengine.teach.exercise import generate as exercise
    from graphengine.teach.slips import accidents

    for module in (accidents, blanks, exercise, exercise_folder, grade, worksheet):
        result = doctest.testmod(module)
        assert result.failed == 0, module.__name__
    assert doctest.testmod(blanks).attempted >= 3 and doctest.testmod(exercise).attempted >= 2
