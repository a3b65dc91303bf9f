"""Where Graphviz put each edge and each edge's label, read from the rendered SVG's coordinates.

An edge is known by its tooltip (``i1 → h1: w1 = 0.6``, on every piece Graphviz draws of it), its
label by the text that names its weight (``w1``): the label is the box around the texts of the
SVG group that holds that name (an edge's own label), or around the shape that frames them (a
label drawn as a node). Distances are in the drawing's points.
"""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET

SVG = "{http://www.w3.org/2000/svg}"
XLINK = "{http://www.w3.org/1999/xlink}"
TIP = re.compile(r"^(\S+) → (\S+): (\S+) = ")
NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:e-?\d+)?")

Box = tuple[float, float, float, float]  # left, top, right, bottom


def _bezier_points(d: str, steps: int = 24) -> list[tuple[float, float]]:
    """Points along an SVG path of Graphviz's form ``M x,y C x1,y1 x2,y2 x3,y3 …``."""
    values = [float(v) for v in NUMBER.findall(d)]
    xy = list(zip(values[::2], values[1::2]))
    points = [xy[0]]
    for k in range(1, len(xy) - 2, 3):
        p0, p1, p2, p3 = xy[k - 1], xy[k], xy[k + 1], xy[k + 2]
        for s in range(1, steps + 1):
            t = s / steps
            a, b, c, e = (1 - t) ** 3, 3 * (1 - t) ** 2 * t, 3 * (1 - t) * t**2, t**3
            points.append(
                (a * p0[0] + b * p1[0] + c * p2[0] + e * p3[0], a * p0[1] + b * p1[1] + c * p2[1] + e * p3[1])
            )
    return points


def edges_and_labels(svg: bytes | str) -> tuple[dict[tuple[str, str], list[tuple[float, float]]], dict[str, Box]]:
    """(edge (u, v) → points along every piece drawn of it, weight name → its label's box)."""
    root = ET.fromstring(svg)
    edges: dict[tuple[str, str], list[tuple[float, float]]] = {}
    labels: dict[str, Box] = {}
    weights = set()
    for group in root.iter(f"{SVG}g"):
        for a in group.iter(f"{SVG}a"):
            tip = TIP.match(a.get(f"{XLINK}title") or a.get("title") or "")
            if tip and group.get("class") == "edge":
                u, v, p = tip.groups()
                weights.add(p)
                for path in group.iter(f"{SVG}path"):
                    edges.setdefault((u, v), []).extend(_bezier_points(path.get("d", "")))
                break
    for group in root.iter(f"{SVG}g"):
        if group.get("class") not in ("edge", "node"):
            continue
        texts = list(group.iter(f"{SVG}text"))
        named = [t.text for t in texts if t.text in weights]
        if len(named) != 1:
            continue
        xs, ys = [], []
        for t in texts:
            x, y = float(t.get("x", 0)), float(t.get("y", 0))
            size = float(t.get("font-size", 10))
            width = 0.6 * size * len(t.text or "")
            anchor = t.get("text-anchor", "start")
            left = x - width / 2 if anchor == "middle" else x - width if anchor == "end" else x
            xs += [left, left + width]
            ys += [y - size, y]
        if group.get("class") == "node":  # a label drawn as a box of its own: the box
            for shape in group.iter():
                if shape.tag in (f"{SVG}path", f"{SVG}polygon"):
                    values = [float(v) for v in NUMBER.findall(shape.get("d") or shape.get("points") or "")]
                    xs += values[::2]
                    ys += values[1::2]
        labels[named[0]] = (min(xs), min(ys), max(xs), max(ys))
    return edges, labels


def distance(box: Box, points: list[tuple[float, float]]) -> float:
    """The shortest distance from a box to any of the points (0 inside the box)."""
    left, top, right, bottom = box
    return min(math.hypot(max(left - x, 0, x - right), max(top - y, 0, y - bottom)) for x, y in points)


def node_centres(svg: bytes | str) -> dict[str, tuple[float, float]]:
    """Node name (its SVG title) → the centre of the shape Graphviz drew for it."""
    root = ET.fromstring(svg)
    centres = {}
    for group in root.iter(f"{SVG}g"):
        title = group.find(f"{SVG}title")
        if group.get("class") != "node" or title is None:
            continue
        values = []
        for shape in group.iter():
            if shape.tag in (f"{SVG}path", f"{SVG}polygon"):
                values += [float(v) for v in NUMBER.findall(shape.get("d") or shape.get("points") or "")]
        if values:
            xs, ys = values[::2], values[1::2]
            centres[title.text or ""] = ((min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2)
    return centres


def straight(a: tuple[float, float], b: tuple[float, float], steps: int = 50) -> list[tuple[float, float]]:
    """Points along the straight line from a to b."""
    return [(a[0] + (b[0] - a[0]) * k / steps, a[1] + (b[1] - a[1]) * k / steps) for k in range(steps + 1)]
