// graphengine's step-through page: reveal one computation at a time on the diagram.
// Data comes from the JSON script #ge-data (built by graphengine/views/stepthrough/page.py);
// nothing is fetched, except from `graphengine serve` on its own address (live reload, "what if").
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("ge-data").textContent);
  var current = 0;
  var after = false; // the "after the step" view
  var epoch = 0; // replay slider position (frame index); 0 is the step-through

  function byId(id) {
    return document.getElementById(id);
  }
  // Graphviz wraps a cell with an id in <g id="a_ID">; nodes and edges are <g id="ID">.
  function cell(id) {
    return byId("a_" + id);
  }

  // The original text of every value cell, so that the after view and the replay can put it back.
  var originals = {};
  function valueText(id) {
    // The value is the last text run of a cell (`w5`, ` 0.4000`).
    var g = cell(id);
    if (!g) return null;
    var texts = g.querySelectorAll("text");
    return texts.length ? texts[texts.length - 1] : null;
  }
  function setValue(id, text) {
    var t = valueText(id);
    if (!t) return;
    if (!(id in originals)) originals[id] = t.textContent;
    t.textContent = text === null ? originals[id] : "\u00a0" + text;
  }
  function resetValues() {
    Object.keys(originals).forEach(function (id) {
      setValue(id, null);
    });
    resetBoxes();
  }

  // The layer view's boxes: a replay frame gives each box's computed numbers, in drawing order.
  var boxOriginals = {};
  function setBoxes(layers) {
    Object.keys(layers).forEach(function (id) {
      var g = byId(id);
      if (!g) return;
      var texts = g.querySelectorAll(".ge-box-value");
      if (!(id in boxOriginals)) {
        boxOriginals[id] = Array.prototype.map.call(texts, function (t) {
          return t.textContent;
        });
      }
      layers[id].forEach(function (text, k) {
        if (k < texts.length) texts[k].textContent = text;
      });
    });
  }
  function resetBoxes() {
    var kept = boxOriginals;
    boxOriginals = {};
    setBoxes(kept);
    boxOriginals = {};
  }

  function upTo(k, key) {
    var seen = {};
    for (var i = 0; i <= k && i < data.steps.length; i++) {
      data.steps[i][key].forEach(function (id) {
        seen[id] = true;
      });
    }
    return seen;
  }

  // ------------------------------------------------------------------ edges
  // An edge is neutral (as drawn) until the step that computes its ∂E/∂w; then its colour and width say it.
  function styleEdge(id, style) {
    var g = byId(id);
    if (!g) return;
    g.querySelectorAll("path").forEach(function (p) {
      p.style.stroke = style ? style[0] : "";
      p.style.strokeWidth = style ? style[1] : "";
    });
    g.querySelectorAll("polygon").forEach(function (p) {
      p.style.stroke = style ? style[0] : "";
      p.style.fill = style ? style[0] : "";
    });
    g.querySelectorAll("text").forEach(function (t) {
      t.style.fill = style ? style[2] : "";
    });
  }
  function styleEdges(styles, coloured) {
    Object.keys(data.edges).forEach(function (id) {
      styleEdge(id, coloured === null || coloured[id] ? styles[id] : null);
    });
  }

  // ------------------------------------------------------------------ equations
  // Names never break inside (pixel_1->hidden_0); a line breaks only between the parts of a list.
  function nowrapText(parent, text) {
    // Break points: after the comma of a list, before the plus of a sum; never inside a name.
    var pieces = text.split(/(, | \+ )/);
    for (var i = 0; i < pieces.length; i += 2) {
      var span = document.createElement("span");
      span.className = "ge-nw";
      var before = i > 0 && pieces[i - 1] === " + " ? "+ " : "";
      var after = i + 1 < pieces.length && pieces[i + 1] === ", " ? "," : "";
      span.textContent = before + pieces[i] + after;
      if (i > 0) parent.appendChild(document.createTextNode(" "));
      parent.appendChild(span);
    }
  }
  function showEquations(equations, maths) {
    var box = byId("ge-equations");
    box.textContent = "";
    equations.forEach(function (eq, k) {
      var div = document.createElement("div");
      div.className = "ge-eq";
      div.setAttribute("data-text", eq);
      var math = maths && maths[k];
      // A list (`inputs: pixel_0 = 0, pixel_1 = 0, …`) breaks only between its `name = value` pairs.
      var parts = !math && eq.indexOf(", ") >= 0 ? [eq] : eq.split(" = ");
      // One part per line: `net_h1`, `= w1·i1 + …`, `= 0.15×0.05 + …`, `= 0.3775`.
      parts.forEach(function (part, i) {
        var line = document.createElement("span");
        line.className = i === 0 ? "ge-lhs" : "ge-rhs";
        if (i > 0) line.appendChild(document.createTextNode("= "));
        if (math) {
          var holder = document.createElement("span");
          holder.innerHTML = math[i]; // MathML from latex2mathml, built by graphengine (no user markup)
          line.appendChild(holder.firstChild);
        } else {
          nowrapText(line, part);
        }
        div.appendChild(line);
      });
      box.appendChild(div);
    });
  }
  // Copying equations gives their text (`net_h1 = w1·i1 + … = 0.3775`), one per line.
  byId("ge-equations").addEventListener("copy", function (e) {
    var selection = window.getSelection();
    var lines = [];
    document.querySelectorAll("#ge-equations .ge-eq").forEach(function (div) {
      if (selection.containsNode(div, true)) lines.push(div.getAttribute("data-text"));
    });
    if (!lines.length) return;
    e.clipboardData.setData("text/plain", lines.join("\n"));
    e.preventDefault();
  });

  function table(id, rows) {
    var t = byId(id);
    t.textContent = "";
    rows.forEach(function (row, r) {
      var tr = t.insertRow();
      row.forEach(function (text, c) {
        var td = document.createElement(r === 0 || c === 0 ? "th" : "td");
        td.textContent = text;
        tr.appendChild(td);
      });
    });
  }

  // ------------------------------------------------------------------ render
  function showLegend(widest) {
    byId("ge-legend").hidden = widest === null;
    if (widest !== null) byId("ge-widest").textContent = widest;
  }

  function render() {
    var steps = data.steps;
    var step = steps[current];
    var replaying = data.replay && epoch > 0;
    var last = step.kind === "summary" && !replaying;
    if (!last) after = false;
    var shown = upTo(current, "reveal");
    resetValues();
    data.hidden.forEach(function (id) {
      var g = cell(id);
      var hide = replaying ? false : after ? data.after.hide.indexOf(id) >= 0 : !shown[id];
      if (g) g.classList.toggle("ge-hidden", hide);
    });
    // The layer view's gradient facts (mean |δ|, ‖∂E/∂θ‖) wait for the backward pass.
    var early = !replaying && current < (data.backward_from === undefined ? 0 : data.backward_from);
    document.querySelectorAll(".ge-grad-text").forEach(function (t) {
      t.classList.toggle("ge-hidden", early);
    });
    var beforeLoss = !replaying && current < (data.loss_from === undefined ? 0 : data.loss_from);
    document.querySelectorAll(".ge-loss-text").forEach(function (t) {
      t.classList.toggle("ge-hidden", beforeLoss);
    });
    // A layer box's computed values (its neurons' outputs) appear at its forward step.
    document.querySelectorAll("g[id^='ge-layer-']").forEach(function (g) {
      var from = data.steps.findIndex(function (s) {
        return s.phase === "forward" && s.highlight.indexOf(g.id) >= 0;
      });
      g.querySelectorAll(".ge-box-value:not(.ge-grad-text)").forEach(function (t) {
        t.classList.toggle("ge-hidden", !replaying && (from < 0 || current < from));
      });
    });
    document.querySelectorAll(".ge-current").forEach(function (g) {
      g.classList.remove("ge-current");
    });
    document.querySelectorAll(".ge-changed").forEach(function (g) {
      g.classList.remove("ge-changed");
    });
    byId("ge-toggle").hidden = !(last && data.after);
    byId("ge-changes").hidden = true;
    if (replaying) {
      var frames = data.replay.frames;
      var frame = frames[epoch];
      Object.keys(frame.cells || {}).forEach(function (id) {
        setValue(id, frame.cells[id]);
      });
      if (frame.layers) setBoxes(frame.layers);
      styleEdges(frame.edges || {}, null);
      showLegend(frame.widest === undefined ? null : frame.widest);
      byId("ge-counter").textContent = "epoch " + frame.epoch + " of " + data.replay.epochs;
      byId("ge-phase").textContent = "training";
      byId("ge-step-title").textContent = "After epoch " + frame.epoch + " of " + data.replay.epochs;
      showEquations(["E = " + frame.loss_text], null);
      byId("ge-value").textContent = "";
      byId("ge-note").textContent = frame.layers
        ? "Every number in the boxes and the loss are this epoch's (the heatmaps stay the step's weights); slide to 0 for the step-through."
        : "Every number, edge colour and width is this epoch's (widths on this epoch's own scale); slide to 0 for the step-through.";
    } else if (after) {
      Object.keys(data.after.cells).forEach(function (id) {
        setValue(id, data.after.cells[id]);
        var g = cell(id);
        if (g && data.after.cells[id] !== data.after.before[id]) g.classList.add("ge-changed");
      });
      styleEdges(data.edges, {});
      showLegend(null);
      byId("ge-counter").textContent = "step " + (current + 1) + " of " + steps.length + " · after";
      byId("ge-phase").textContent = "after the step";
      byId("ge-step-title").textContent = "The forward pass again, with the new parameters";
      showEquations(["E = " + data.after.loss_before + " → " + data.after.loss_after], null);
      byId("ge-value").textContent = "change of the loss: " + data.after.loss_change;
      byId("ge-note").textContent =
        "Node values, loss terms and the loss recomputed by the engine with the updated weights and biases (in orange where they changed).";
    } else {
      var coloured = upTo(current, "colour");
      styleEdges(data.edges, coloured);
      showLegend(Object.keys(coloured).length ? data.widest : null);
      step.highlight.forEach(function (id) {
        var g = byId(id);
        if (g) g.classList.add("ge-current");
      });
      byId("ge-counter").textContent = "step " + (current + 1) + " of " + steps.length;
      byId("ge-phase").textContent = step.phase;
      byId("ge-step-title").textContent = step.title;
      var changes = last && data.changes.length > 0;
      // The summary's table says what its equations say, in less room.
      showEquations(changes ? [] : step.equations, changes ? null : step.math);
      if (changes) {
        var labels = data.change_labels || ["parameter", "before", "after"];
        table("ge-changes", [
          [labels[0]].concat(data.changes.map(function (c) {
            return c.parameter;
          })),
          [labels[1]].concat(data.changes.map(function (c) {
            return c.old;
          })),
          [labels[2]].concat(data.changes.map(function (c) {
            return c.new;
          })),
        ]);
        byId("ge-changes").hidden = false;
      }
      byId("ge-value").textContent = step.value === null ? "" : "exact value: " + step.value;
      byId("ge-note").textContent = step.note;
    }
    var button = byId("ge-toggle");
    button.textContent = after ? "before the step" : "after the step";
    button.setAttribute("aria-pressed", after ? "true" : "false");
    byId("ge-prev").disabled = current === 0;
    byId("ge-home").disabled = current === 0;
    byId("ge-next").disabled = current === steps.length - 1;
    byId("ge-end").disabled = current === steps.length - 1;
  }

  function go(k, fromHash) {
    if (!data.steps.length) return;
    current = Math.max(0, Math.min(data.steps.length - 1, k));
    if (epoch > 0) {
      epoch = 0; // stepping leaves the replay
      byId("ge-epoch").value = "0";
      moveMarker();
    }
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

  // ------------------------------------------------------------------ layout
  // The diagram takes the free space: beside the panel or above it, whichever draws it bigger.
  function layout() {
    var svg = document.querySelector("svg.ge-diagram");
    var main = byId("ge-main");
    if (!svg || !main || !svg.viewBox || !svg.viewBox.baseVal) return;
    var box = svg.viewBox.baseVal;
    var w = main.clientWidth,
      h = main.clientHeight;
    var side = Math.min(Math.max(300, 0.32 * w), 560);
    var below = Math.min(Math.max(190, 0.3 * h), 380);
    var besideScale = Math.min((w - side) / box.width, h / box.height);
    var belowScale = Math.min(w / box.width, (h - below) / box.height);
    main.classList.toggle("ge-wide", belowScale > besideScale);
  }
  window.addEventListener("resize", layout);

  // ------------------------------------------------------------------ replay of --epochs
  function moveMarker() {
    if (!data.replay) return;
    var c = data.replay.plot;
    var frame = data.replay.frames[epoch];
    var x = c.left + ((c.width - c.right - c.left) * frame.epoch) / Math.max(data.replay.epochs, 1);
    var marker = byId("ge-curve-marker");
    marker.setAttribute("x1", x.toFixed(1));
    marker.setAttribute("x2", x.toFixed(1));
  }

  function showFrame(k) {
    after = false;
    epoch = k;
    var frame = data.replay.frames[k];
    byId("ge-epoch-label").textContent = frame.epoch + " of " + data.replay.epochs;
    byId("ge-epoch-loss").textContent = "E = " + frame.loss_text;
    moveMarker();
    render();
  }

  function setupReplay() {
    if (!data.replay) return;
    byId("ge-replay").hidden = false;
    var slider = byId("ge-epoch");
    slider.max = String(data.replay.frames.length - 1);
    slider.addEventListener("input", function () {
      showFrame(parseInt(slider.value, 10));
    });
    showFrame(0);
  }

  // ------------------------------------------------------------------ live (serve)
  var version = null;
  // Saves started so far, and whether one is awaiting its answer: while our own save is on its way
  // the file's version changes before we learn the new one, and a poll must not take that for
  // someone else's edit (it reloaded the page and lost the "saved" message).
  var saves = 0;
  var saving = false;
  function post(route, body) {
    body.token = data.token;
    return fetch(route, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-Graphengine-Token": data.token },
      body: JSON.stringify(body),
      cache: "no-store",
    }).then(function (r) {
      return r.json().then(function (answer) {
        if (!r.ok) throw new Error(answer.error || "HTTP " + r.status);
        return answer;
      });
    });
  }
  function edited() {
    var values = {};
    document.querySelectorAll("#ge-inputs input").forEach(function (input) {
      values[input.name] = input.value;
    });
    return values;
  }
  // The status line never shrinks: with the panel scrolled to its end, a shorter message would
  // move the save button between a click's press and release, and the click was lost (editing a
  // number and clicking "save" at once recomputes first, and "computing …" is one line, not two).
  function status(text, bad) {
    var s = byId("ge-status");
    var line = s.parentNode;
    var before = line.offsetHeight;
    s.textContent = text;
    s.classList.toggle("ge-bad", !!bad);
    if (line.offsetHeight < before) line.style.minHeight = before + "px";
  }
  // The server recomputed with the engine: new diagram, new steps, same step.
  function apply(answer) {
    byId("ge-figure").innerHTML = answer.svg;
    var curve = byId("ge-curve");
    if (curve && answer.curve) curve.outerHTML = answer.curve;
    originals = {};
    boxOriginals = {};
    var keep = { live: data.live, token: data.token, inputs: data.inputs, replay: data.replay };
    data = answer.data;
    data.live = keep.live;
    data.token = keep.token;
    data.inputs = keep.inputs;
    if (keep.replay && !data.replay) data.replay = null;
    tagGradientValues();
    layout();
    go(current, true);
  }
  function recompute() {
    status("computing …");
    post("/compute", { values: edited() })
      .then(function (answer) {
        apply(answer);
        status(answer.changed ? "recomputed; the spec file is unchanged until you save" : "recomputed");
      })
      .catch(function (e) {
        status(String(e.message || e), true);
      });
  }
  function setupEdit() {
    if (!data.live || !data.inputs || !data.inputs.length) return;
    var t = byId("ge-inputs");
    t.textContent = "";
    data.inputs.forEach(function (item) {
      var tr = t.insertRow();
      var th = document.createElement("th");
      var label = document.createElement("label");
      label.textContent = item.label;
      label.htmlFor = "ge-in-" + item.key;
      th.appendChild(label);
      tr.appendChild(th);
      var input = document.createElement("input");
      input.type = "text";
      input.inputMode = "decimal";
      input.name = item.key;
      input.id = "ge-in-" + item.key;
      input.value = item.value;
      input.size = 9;
      input.addEventListener("change", recompute);
      tr.insertCell().appendChild(input);
    });
    byId("ge-edit").hidden = false;
    byId("ge-save").addEventListener("click", function () {
      status("saving …");
      saves += 1;
      saving = true;
      post("/save", { values: edited() })
        .then(function (answer) {
          version = answer.version;
          saving = false;
          status("saved to " + answer.file);
        })
        .catch(function (e) {
          saving = false;
          status(String(e.message || e), true);
        });
    });
  }
  function setupLive() {
    if (!data.live) return;
    setupEdit();
    function poll() {
      var asked = saves;
      fetch("/state", { cache: "no-store" })
        .then(function (r) {
          return r.json();
        })
        .then(function (state) {
          if (saving || asked !== saves) return; // our own save: its answer brings the version
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
    if (e.target && e.target.tagName === "INPUT") return; // the slider and the number fields have their own keys
    if (e.key === "ArrowRight" || e.key === "PageDown" || e.key === " ") go(current + 1);
    else if (e.key === "ArrowLeft" || e.key === "PageUp") go(current - 1);
    else if (e.key === "Home") go(0);
    else if (e.key === "End") go(data.steps.length - 1);
    else if ((e.key === "b" || e.key === "B") && !byId("ge-toggle").hidden) {
      after = !after;
      render();
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
    go(data.steps.length - 1);
  });
  byId("ge-toggle").addEventListener("click", function () {
    after = !after;
    render();
  });
  window.addEventListener("hashchange", function () {
    go(fromHash(), true);
  });

  // A gradient fact's value is the next text run on its line: it waits with its label.
  function tagGradientValues() {
    document.querySelectorAll(".ge-grad-text").forEach(function (t) {
      var next = t.nextElementSibling;
      while (next && next.tagName === "text" && next.getAttribute("y") === t.getAttribute("y")) {
        next.classList.add("ge-grad-text");
        next = next.nextElementSibling;
      }
    });
  }

  if (data.error) {
    byId("ge-step-title").textContent = "The spec has an error";
    byId("ge-counter").textContent = "";
    document.querySelector(".ge-nav").hidden = true;
    document.querySelector(".ge-panel").hidden = true;
    document.querySelector(".ge-keys").hidden = true;
  } else {
    tagGradientValues();
    layout();
    setupReplay();
    go(fromHash(), true);
  }
  setupLive();
})();
