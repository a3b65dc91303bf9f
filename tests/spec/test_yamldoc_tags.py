"""graphengine.spec.yamldoc: any YAML tag on any value is read or refused in one located line.

Generated cases put a tag (every YAML 1.1 type tag PyYAML knows, Python tags, unknown local
tags) with generated text — well formed or not — on a value of a real spec or hand file.
PyYAML's constructors raise plain Python errors for some of them (`!!timestamp 2001-01-01]`
raised AttributeError inside PyYAML); every one must become one `error:` line with the
file and the line of the tagged value, exit status 2.
"""

from __future__ import annotations

from pathlib import Path

from helpers.robustness_tools import BOUNDED, DOC, cli, fresh
from hypothesis import given
from hypothesis import strategies as st

TAGS = [
    "!!timestamp", "!!int", "!!float", "!!bool", "!!null", "!!str", "!!binary", "!!set", "!!omap", "!!pairs",
    "!!map", "!!seq", "!!merge", "!!value", "!!python/object:os.system", "!!python/name:os.system", "!local",
]  # fmt: skip
TEXTS = st.one_of(
    st.sampled_from(["2001-01-01]", "2001-13-45", "2001-02-30", "0x", "0b", "abc", "maybe", "!!", "1e9999", "[1]"]),
    st.sampled_from(["{a: 1}", "'quoted'", "2001-01-01 10:00:00", "12", "-0.5", "~", "0o17", "1_000", "ZZ=="]),
    st.text(st.characters(min_codepoint=32, max_codepoint=126, blacklist_characters="#'\"{}[],&*!|>%@`"), max_size=12),
)
# Where in the doc example the tagged value goes (the line it is on).
PLACES = {"name": 3, "description": 4, "w1": 26, "learning_rate": 44}


@BOUNDED
@given(tag=st.sampled_from(TAGS), text=TEXTS, place=st.sampled_from(sorted(PLACES)))
def test_any_tag_on_any_spec_value_is_read_or_refused_on_its_line(
    tmp_path: Path, tag: str, text: str, place: str
) -> None:
    lines = DOC.read_text().splitlines()
    where = PLACES[place]
    key = lines[where - 1].split(":")[0]
    lines[where - 1] = f"{key}: {tag} {text}".rstrip()
    spec = fresh(tmp_path) / "spec.yaml"
    spec.write_text("\n".join(lines) + "\n")
    assert lines[where - 1].startswith((f"{place}:", f"  {place}:"))
    status, _, err = cli(["validate", str(spec)], seconds=20)
    assert status in (0, 2), err
    if status == 2:
        assert err.count("\n") == 1 and err.startswith("error: ") and "Traceback" not in err, err
        assert err.startswith(f"error: {spec}:{where}: "), err  # located: file and the tagged value's line


def test_the_timestamp_that_raised_attributeerror(tmp_path: Path) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(DOC.read_text().replace("name: doc_example", "name: !!timestamp 2001-01-01]"))
    status, _, err = cli(["validate", str(spec)])
    assert status == 2
    assert (
        err
        == f"error: {spec}:3: YAML: `2001-01-01]` cannot be read as a `!!timestamp` value; remove the tag or fix the value\n"
    )


@BOUNDED
@given(tag=st.sampled_from(TAGS), text=TEXTS)
def test_any_tag_in_a_hand_file_is_read_or_refused(tmp_path: Path, tag: str, text: str) -> None:
    hand = fresh(tmp_path) / "hand.yaml"
    hand.write_text(f"h1.out: 0.5933\nh2.out: {tag} {text}\n")
    status, _, err = cli(["check", str(DOC), "--expect", str(hand)], seconds=20)
    assert status in (0, 1, 2), err
    if status == 2:
        assert err.count("\n") == 1 and err.startswith(f"error: {hand}") and "Traceback" not in err, err
