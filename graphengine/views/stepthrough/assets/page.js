// graphengine's step-through page: reveal one computation at a time on the diagram.
// Data comes from the JSON script #ge-data (built by graphengine/page.py); nothing is fetched,
// except `/state` when the page is served live by `graphengine serve`.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("ge-data").textContent);
  var steps = data.steps;
  var current = 0;
  var after = false; // before/after toggle of the update
  var epoch = 0; // replay slider position (frame index)

  function byId(id) {
    return document.getElementById(id);
  }
  // Graphviz wraps a cell with an id in <g id="a_ID">; nodes and edges are <g id="ID">.
  function cell(id) {
    return byId("a_" + id) || byId(id);
  }
  function element(id) {
    return byId(id);
  }

  // The original text of every value cell, so before/after and the replay can put it back.
  var originals = {};
  function cellTexts(id) {
    var g = cell(id);
    return g ? Array.prototype.slice.call(g.querySelectorAll("text")) : [];
  }
  function valueText(id) {
    // The value is the last text run of a weight row (`w5`, ` 0.4000`) or a bias value cell.
    var texts = cellTexts(id);
    return texts.length ? texts[texts.length - 1] : null;
  }
  function remember(id) {
    var t = valueText(id);
    if (t && !(id in originals)) originals[id] = t.textContent;
  }
  function setValue(id, text) {
    var t = valueText(id);
    if (!t) return;
    remember(id);
    t.textContent = text === null ? originals[id] : "\u00a0" + text;
  }

  var changeCells = [];
  (data.changes || []).forEach(function (c) {
    c.cells.forEach(function (id) {
      remember(id);
      changeCells.push(id);
    });
  });

  function revealedUpTo(k) {
    var shown = {};
    for (var i = 0; i <= k && i < steps.length; i++) {
      steps[i].reveal.forEach(function (id) {
        shown[id] = true;
      });
    }
    return shown;
  }

  function showEquations(step) {
    var box = byId("ge-equations");
    box.textContent = "";
    step.equations.forEach(function (eq) {
      var div = document.createElement("div");
      div.className = "ge-eq";
      // One part per line: `net_h1`, `= w1·i1 + …`, `= 0.15×0.05 + …`, `= 0.3775`.
      eq.split(" = ").forEach(function (part, i) {
        var line = document.createElement("span");
        line.className = i === 0 ? "ge-lhs" : "ge-rhs";
        line.textContent = (i === 0 ? "" : " = ") + part;
        div.appendChild(line);
      });
      box.appendChild(div);
    });
  }

  // One column per changed parameter: parameter, before, after (fits a projector's width).
  function showChanges(visible) {
    var table = byId("ge-changes");
    table.hidden = !visible;
    if (!visible || table.rows.length) return;
    [
      ["parameter", "parameter"],
      ["before", "old"],
      ["after", "new"],
    ].forEach(function (row) {
      var tr = table.insertRow();
      var th = document.createElement("th");
      th.textContent = row[0];
      tr.appendChild(th);
      data.changes.forEach(function (c) {
        tr.insertCell().textContent = c[row[1]];
      });
    });
  }

  function applyBeforeAfter() {
    data.changes.forEach(function (c) {
      c.cells.forEach(function (id) {
        setValue(id, after ? c.new : null);
        var g = cell(id);
        if (g) g.classList.toggle("ge-changed", after);
      });
    });
    var button = byId("ge-toggle");
    button.textContent = after ? "before the update" : "after the update";
    button.setAttribute("aria-pressed", after ? "true" : "false");
  }

  function render() {
    var step = steps[current];
    var shown = revealedUpTo(current);
    var replaying = data.replay && epoch > 0;
    data.hidden.forEach(function (id) {
      var g = cell(id);
      if (g) g.classList.toggle("ge-hidden", replaying || !shown[id]);
    });
    document.querySelectorAll(".ge-current").forEach(function (g) {
      g.classList.remove("ge-current");
    });
    if (!replaying) {
      step.highlight.forEach(function (id) {
        var g = element(id);
        if (g) g.classList.add("ge-current");
      });
    }
    byId("ge-counter").textContent = "step " + (current + 1) + " of " + steps.length;
    var last = step.kind === "summary" && !replaying;
    var changes = last && data.changes.length > 0;
    if (replaying) {
      var frames = data.replay.frames;
      var frame = frames[epoch];
      byId("ge-phase").textContent = "training";
      byId("ge-step-title").textContent = "After epoch " + frame.epoch + " of " + frames[frames.length - 1].epoch;
      showEquations({ equations: ["loss = " + frame.loss_text] });
      byId("ge-value").textContent = "";
      byId("ge-note").textContent =
        "The weights and edge colours (sign and size of ∂E/∂w) at this epoch; slide back to 0 for the step-through.";
    } else {
      byId("ge-phase").textContent = step.phase;
      byId("ge-step-title").textContent = step.title;
      // The summary's table says what its equations say, in less room.
      showEquations(changes ? { equations: [] } : step);
      byId("ge-value").textContent = step.value === null ? "" : "exact value: " + step.value;
      byId("ge-note").textContent = step.note;
    }
    showChanges(changes);
    byId("ge-toggle").hidden = !changes;
    if (!last && after) {
      after = false;
    }
    if (!replaying) applyBeforeAfter();
    byId("ge-prev").disabled = current === 0;
    byId("ge-home").disabled = current === 0;
    byId("ge-next").disabled = current === steps.length - 1;
    byId("ge-end").disabled = current === steps.length - 1;
  }

  function go(k, fromHash) {
    if (!steps.length) return;
    current = Math.max(0, Math.min(steps.length - 1, k));
    var hash = "#step-" + (current + 1);
    if (!fromHash && location.hash !== hash) {
      try {
        history.replaceState(null, "", hash);
      } catch (e) {
        // a sandboxed notebook frame may refuse; the step still changes
      }
    }
    render();
  }

  function fromHash() {
    var m = /^#step-(\d+)$/.exec(location.hash);
    return m ? parseInt(m[1], 10) - 1 : 0;
  }

  // ------------------------------------------------------------------ replay of --epochs
  function drawCurve() {
    var losses = data.replay.losses;
    var svg = byId("ge-curve");
    var finite = losses.filter(function (x) {
      return x !== null;
    });
    var lo = Math.min.apply(null, finite),
      hi = Math.max.apply(null, finite);
    var span = hi - lo || 1;
    var n = Math.max(losses.length - 1, 1);
    var points = [];
    losses.forEach(function (x, i) {
      if (x !== null) points.push(((600 * i) / n).toFixed(1) + "," + (110 - (100 * (x - lo)) / span).toFixed(1));
    });
    var ns = "http://www.w3.org/2000/svg";
    var line = document.createElementNS(ns, "polyline");
    line.setAttribute("points", points.join(" "));
    line.setAttribute("class", "ge-curve-line");
    svg.appendChild(line);
    var marker = document.createElementNS(ns, "line");
    marker.setAttribute("id", "ge-curve-marker");
    marker.setAttribute("y1", "0");
    marker.setAttribute("y2", "120");
    svg.appendChild(marker);
  }

  function showFrame(k) {
    var frames = data.replay.frames;
    if (after) {
      after = false; // the replay shows its own values
      applyBeforeAfter();
    }
    epoch = k;
    var frame = frames[k];
    byId("ge-epoch-label").textContent = frame.epoch + " of " + frames[frames.length - 1].epoch;
    byId("ge-epoch-loss").textContent = "loss " + frame.loss_text;
    var n = Math.max(data.replay.losses.length - 1, 1);
    var x = ((600 * frame.epoch) / n).toFixed(1);
    var marker = byId("ge-curve-marker");
    marker.setAttribute("x1", x);
    marker.setAttribute("x2", x);
    Object.keys(frame.cells).forEach(function (id) {
      setValue(id, k === 0 ? null : frame.cells[id]);
    });
    Object.keys(frame.edges).forEach(function (id) {
      var g = element(id);
      if (!g) return;
      var style = frame.edges[id];
      g.querySelectorAll("path").forEach(function (p) {
        p.style.stroke = k === 0 ? "" : style[0];
        p.style.strokeWidth = k === 0 ? "" : style[1];
      });
      g.querySelectorAll("polygon").forEach(function (p) {
        p.style.stroke = k === 0 ? "" : style[0];
        p.style.fill = k === 0 ? "" : style[0];
      });
      g.querySelectorAll("text").forEach(function (t) {
        t.style.fill = k === 0 ? "" : style[2];
      });
    });
    render();
  }

  function setupReplay() {
    if (!data.replay) return;
    var panel = byId("ge-replay");
    panel.hidden = false;
    var slider = byId("ge-epoch");
    slider.max = String(data.replay.frames.length - 1);
    drawCurve();
    slider.addEventListener("input", function () {
      showFrame(parseInt(slider.value, 10));
    });
    showFrame(0);
  }

  // ------------------------------------------------------------------ live reload (serve)
  function setupLive() {
    if (!data.live) return;
    var version = null;
    function poll() {
      fetch("/state", { cache: "no-store" })
        .then(function (r) {
          return r.json();
        })
        .then(function (state) {
          if (version === null) version = state.version;
          else if (state.version !== version) location.reload();
        })
        .catch(function () {})
        .then(function () {
          setTimeout(poll, 500);
        });
    }
    poll();
  }

  // ------------------------------------------------------------------ wiring
  document.addEventListener("keydown", function (e) {
    if (e.target && e.target.tagName === "INPUT") return; // the slider has its own arrow keys
    if (e.key === "ArrowRight" || e.key === "PageDown" || e.key === " ") go(current + 1);
    else if (e.key === "ArrowLeft" || e.key === "PageUp") go(current - 1);
    else if (e.key === "Home") go(0);
    else if (e.key === "End") go(steps.length - 1);
    else if ((e.key === "b" || e.key === "B") && !byId("ge-toggle").hidden) {
      after = !after;
      applyBeforeAfter();
    } else return;
    e.preventDefault();
  });
  byId("ge-next").addEventListener("click", function () {
    go(current + 1);
  });
  byId("ge-prev").addEventListener("click", function () {
    go(current - 1);
  });
  byId("ge-home").addEventListener("click", function () {
    go(0);
  });
  byId("ge-end").addEventListener("click", function () {
    go(steps.length - 1);
  });
  byId("ge-toggle").addEventListener("click", function () {
    after = !after;
    applyBeforeAfter();
  });
  window.addEventListener("hashchange", function () {
    go(fromHash(), true);
  });

  if (data.error) {
    byId("ge-step-title").textContent = "The spec has an error";
    byId("ge-counter").textContent = "";
    document.querySelector(".ge-nav").hidden = true;
    document.querySelector(".ge-panel").hidden = true;
    document.querySelector(".ge-keys").hidden = true;
  } else {
    setupReplay();
    go(fromHash(), true);
  }
  setupLive();
})();
