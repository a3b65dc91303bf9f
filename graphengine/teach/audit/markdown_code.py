"""Code in a Markdown page: fenced blocks and inline code spans, found in linear time.

Code is not maths (it is blanked before maths is looked for), except an inline span that
holds an equality with a number (`` `z = 0.2 * 1.0` ``), which pages use for results.
"""

from __future__ import annotations

import re


def _blank(text: str, ranges: list[tuple[int, int]]) -> str:
    """``text`` with the characters of ``ranges`` (sorted, disjoint) blanked, newlines kept."""
    pieces, last = [], 0
    for start, end in ranges:
        pieces += [text[last:start], re.sub(r"[^\n]", " ", text[start:end])]
        last = end
    pieces.append(text[last:])
    return "".join(pieces)


def _fence_opening(line: str) -> str | None:
    """The fence a line opens (```` ``` ````, ``~~~~``), or None: up to 3 spaces, then 3 or more of one."""
    body = line.lstrip(" ")
    if len(line) - len(body) > 3 or body[:3] not in ("```", "~~~"):
        return None
    return body[: len(body) - len(body.lstrip(body[0]))]


def mask_fences(text: str) -> str:
    """Fenced code blocks blanked (an unclosed one runs to the end), in one pass over the lines:
    no regular expression that could backtrack over a long run of backticks."""
    ranges: list[tuple[int, int]] = []
    fence, opened, offset = None, 0, 0
    for line in text.split("\n"):
        if fence is None:
            fence, opened = _fence_opening(line), offset
        else:
            body = line.rstrip(" \t").lstrip(" ")
            if len(line) - len(line.lstrip(" ")) <= 3 and body.startswith(fence) and not body.strip("`~"):
                ranges.append((opened, offset + len(line)))
                fence = None
        offset += len(line) + 1
    if fence is not None:
        ranges.append((opened, len(text)))
    return _blank(text, ranges)


def mask_inline_code(text: str) -> str:
    """Code spans blanked (see :func:`inline_code`)."""
    return _blank(text, [(start, end) for start, end, _ in inline_code(text)])


def inline_code(text: str) -> list[tuple[int, int, int]]:
    """Code spans as (start, end, backticks): a run of backticks up to the next run of the same
    length (CommonMark), in linear time — each length keeps a pointer that only moves forward."""
    runs = [(m.start(), m.end()) for m in re.finditer("`+", text)]
    by_length: dict[int, list[int]] = {}
    for index, (start, end) in enumerate(runs):
        by_length.setdefault(end - start, []).append(index)
    pointer = dict.fromkeys(by_length, 0)
    ranges: list[tuple[int, int, int]] = []
    i = 0
    while i < len(runs):
        length = runs[i][1] - runs[i][0]
        same, k = by_length[length], pointer[length]
        while k < len(same) and same[k] <= i:
            k += 1
        pointer[length] = k
        if k < len(same):
            ranges.append((runs[i][0], runs[same[k]][1], length))
            i = same[k] + 1
        else:
            i += 1  # no closing run: the backticks are text
    return ranges


def code_spans(text: str) -> list[tuple[int, int]]:
    """Inline code that holds an equality with a number: `` `z = 0.2 * 1.0` ``."""
    fenced = mask_fences(text)
    spans = []
    for start, end, ticks in inline_code(fenced):
        code = fenced[start:end]
        if ("=" in code or "≈" in code) and "$" not in code and any(c.isdigit() for c in code):
            spans.append((start + ticks, end - ticks))
    return spans


_ASSIGNMENT = re.compile(r"[ \t]*([A-Za-z_][\w.]*)[ \t]*(<-|=)(?!=)[ \t]*([^;#\n]+)")
_NOT_MATHS = re.compile(r"\b(?:function|def|lambda|print|return|import|for|if|while)\b|[\"'{}]")


def code_assignments(text: str) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """The assignments of fenced code blocks (``z1 <- w1*x1 + w3*x2 + b1``, ``lr = 0.25``) as
    ((name start, end), (expression start, end)): a notebook's code defines its notation and
    states its givens. A line that is not arithmetic (a function, a string, a call to print)
    is left out; ``;`` separates statements, ``#`` starts a comment."""
    found = []
    lines = text.split("\n")
    offset, fence = 0, None
    for line in lines:
        start = offset
        offset += len(line) + 1
        opening = _fence_opening(line)
        if fence is None:
            fence = opening
            continue
        if opening is not None and line.strip().startswith(fence) and not line.strip().strip("`~"):
            fence = None
            continue
        body = line.split("#", 1)[0]
        for statement in re.finditer(r"[^;]+", body):
            m = _ASSIGNMENT.fullmatch(statement.group())
            if m is None or _NOT_MATHS.search(m.group(3)) or not m.group(3).strip():
                continue
            base = start + statement.start()
            found.append(((base + m.start(1), base + m.end(1)), (base + m.start(3), base + m.end(3))))
    return found


_LABEL = re.compile(r"([^\W\d_][\w ]{0,30}?)[ \t]*:[ \t]*$")
_NUMBER_LIST = re.compile(r"\[[-\d., \t\[\]]+\]")


def labelled_lists(text: str) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """``Softmax: `[0.836, 0.113, 0.051]` ``: a code span holding a list of numbers after a
    label and a colon, as ((label start, end), (list start, end)): the label names the list."""
    found = []
    fenced = mask_fences(text)
    for start, end, ticks in inline_code(fenced):
        code = (start + ticks, end - ticks)
        if not _NUMBER_LIST.fullmatch(text[code[0] : code[1]].strip()):
            continue
        line_start = text.rfind("\n", 0, start) + 1
        m = _LABEL.search(text, line_start, start)
        if m is not None:
            found.append((m.span(1), code))
    return found
