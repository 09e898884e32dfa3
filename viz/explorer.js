// chaingrad explorer: shows the steps that viz/explore.py computed (no framework, no network).
// The graph is scaled to the window (zoom to fit), zoomed and panned by wheel, drag and keys, and
// follows the step: the active node and its edges are kept in view.
(function () {
  "use strict";
  const data = JSON.parse(document.getElementById("chaingrad-data").textContent);
  const steps = data.steps;
  const words = data.words;
  const XLINK = "http://www.w3.org/1999/xlink";
  const MAX_SCALE = 2;  // pixels per point: 1.5 times the print size, for a projector
  const READABLE = 0.9;  // below this (11-point text under 10 pixels) a big graph starts zoomed in and follows
  const slider = document.getElementById("slider");
  const playButton = document.getElementById("play");
  const box = document.getElementById("graph");
  let current = 0;
  let timer = null;
  let layout = data.layout === "TB" ? "TB" : "LR";
  let svg, full, view, records, edges, labels, selected = null, tab = "chain";
  let fitted = false;  // the view is the whole graph: kept so when the window or the panel changes
  let grouped = false;  // each neuron drawn as one box
  const owners = data.owners || {}, neurons = data.neurons || {};
  function key(direction) { return direction + (grouped ? " neurons" : ""); }
  function find(id) {  // a node or edge of the graph shown; a node hidden in a neuron: its box
    return document.getElementById(id) || (owners[id] ? document.getElementById(owners[id]) : null);
  }

  // ---- the graph's elements (again after a change of layout) ----
  function bind() {
    svg = box.querySelector("svg");
    const numbers = svg.getAttribute("viewBox").split(/[\s,]+/).map(Number);
    full = { x: numbers[0], y: numbers[1], w: numbers[2], h: numbers[3] };
    svg.removeAttribute("width");
    svg.removeAttribute("height");
    svg.setAttribute("preserveAspectRatio", "xMidYMid meet");
    records = {};
    for (const id of Object.keys(steps[0].set)) {
      const group = document.getElementById(id);
      if (!group) continue;  // inside a neuron's box
      const texts = group.querySelectorAll("text");
      texts[1].classList.add("cg-data");
      texts[2].classList.add("cg-grad");
      // the exact numbers on hover: Graphviz's tooltip link around the box
      records[id] = { group: group, data: texts[1], grad: texts[2], link: group.querySelector("a") };
    }
    edges = Array.from(svg.querySelectorAll("g.edge"));
    labels = {};  // edge id -> its label text (the product it carries)
    for (const edge of edges) {
      const text = edge.querySelector("text");
      if (text) labels[edge.id] = text;
    }
    for (const group of svg.querySelectorAll("g.node")) {
      group.addEventListener("click", function () {
        if (dragged) return;
        const box = group.id.replace(/_op$/, "");
        if (grouped && neurons[box]) openNeuron(box); else select(group.id);
      });
    }
  }

  // ---- zoom and pan: the SVG's viewBox is the part of the graph in view ----
  function size() { return { w: Math.max(box.clientWidth, 1), h: Math.max(box.clientHeight, 1) }; }
  function scale() { return view.scale; }
  function setView(cx, cy, s) {
    const c = size();
    view = { x: cx - c.w / s / 2, y: cy - c.h / s / 2, w: c.w / s, h: c.h / s, scale: s };
    svg.setAttribute("viewBox", [view.x, view.y, view.w, view.h].map(n => n.toFixed(2)).join(" "));
    document.body.dataset.scale = s.toFixed(3);
  }
  function fitScale() {
    const c = size();
    return Math.min(c.w / (full.w + 16), c.h / (full.h + 16), MAX_SCALE);
  }
  function fit() { setView(full.x + full.w / 2, full.y + full.h / 2, fitScale()); fitted = true; }
  function zoom(factor, px, py) {
    const c = size(), s = scale();
    if (px === undefined) { px = c.w / 2; py = c.h / 2; }
    const ux = view.x + px / s, uy = view.y + py / s;
    const next = Math.max(Math.min(fitScale(), 0.2), Math.min(s * factor, 2 * MAX_SCALE));
    setView(ux - px / next + c.w / next / 2, uy - py / next + c.h / next / 2, next);
    fitted = false;
  }
  function pan(dx, dy) {
    const s = scale();
    setView(view.x + view.w / 2 - dx / s, view.y + view.h / 2 - dy / s, s);
    fitted = false;
  }
  function unitsOf(elements) {  // the union of the elements' boxes, in the graph's units
    const c = box.getBoundingClientRect(), s = scale();
    let left = Infinity, top = Infinity, right = -Infinity, bottom = -Infinity;
    for (const element of elements) {
      const r = element.getBoundingClientRect();
      if (!r.width && !r.height) continue;
      left = Math.min(left, r.left); top = Math.min(top, r.top);
      right = Math.max(right, r.right); bottom = Math.max(bottom, r.bottom);
    }
    if (left === Infinity) return null;
    return { x: view.x + (left - c.left) / s, y: view.y + (top - c.top) / s,
             w: (right - left) / s, h: (bottom - top) / s };
  }
  function activeElements() {
    const step = steps[current], found = [];
    if (!step.node) return found;
    for (const id of [step.node, step.node + "_op"].concat(step.edges)) {
      const element = find(id);
      if (element) found.push(element);
    }
    return found;
  }
  function resync() {  // the window or the header changed size: the whole graph again, or same centre and scale
    if (fitted) fit(); else setView(view.x + view.w / 2, view.y + view.h / 2, view.scale || scale());
  }
  function follow() {  // move as little as needed to keep this step's node and edges in view
    resync();
    const u = unitsOf(activeElements());
    if (!u) return;
    let s = scale();
    const c = size(), margin = 24 / s;
    if (u.w + 2 * margin > view.w || u.h + 2 * margin > view.h) {
      s = Math.min(s, c.w / (u.w + 48), c.h / (u.h + 48));
      setView(view.x + view.w / 2, view.y + view.h / 2, s);
    }
    const m = 24 / s;  // a margin around them, but none beyond the graph's own edge
    const left = Math.max(u.x - m, full.x - 8), right = Math.min(u.x + u.w + m, full.x + full.w + 8);
    const top = Math.max(u.y - m, full.y - 8), bottom = Math.min(u.y + u.h + m, full.y + full.h + 8);
    let x = view.x, y = view.y;
    if (left < x) x = left; else if (right > x + view.w) x = right - view.w;
    if (top < y) y = top; else if (bottom > y + view.h) y = bottom - view.h;
    if (right - left > view.w) x = (left + right) / 2 - view.w / 2;
    if (bottom - top > view.h) y = (top + bottom) / 2 - view.h / 2;
    if (x !== view.x || y !== view.y) {
      setView(x + view.w / 2, y + view.h / 2, s);
      fitted = false;
    }
  }
  function start() {  // the whole graph if it can be read whole, else readable and on the first op
    fit();
    if (fitScale() >= READABLE) return;
    const first = steps.find(step => step.node);
    const target = first && find(first.node) ? unitsOf([find(first.node)]) : null;
    setView(target ? target.x + target.w / 2 : full.x + full.w / 2,
            target ? target.y + target.h / 2 : full.y + full.h / 2, READABLE);
    fitted = false;
  }

  // ---- the steps ----
  function show(index) {
    current = Math.max(0, Math.min(steps.length - 1, index));
    const state = {};  // node id -> {data, grad, state, hover}
    const carried = new Set();
    for (let k = 0; k <= current; k++) {
      for (const [id, change] of Object.entries(steps[k].set)) {
        state[id] = Object.assign(state[id] || {}, change);
      }
      for (const [edge, text] of Object.entries(steps[k].labels)) {
        carried.add(edge);
        if (labels[edge]) labels[edge].textContent = text;
      }
    }
    for (const [id, record] of Object.entries(records)) {
      const s = state[id];
      record.data.textContent = s.data;
      record.grad.textContent = s.grad;
      if (record.link) record.link.setAttributeNS(XLINK, "xlink:title", s.hover);
      record.group.classList.remove("cg-pending", "cg-computed", "cg-partial", "cg-complete", "cg-active");
      record.group.classList.add("cg-" + s.state);
    }
    for (const group of svg.querySelectorAll("g.node.cg-active")) group.classList.remove("cg-active");
    const step = steps[current];
    if (step.node) {
      find(step.node).classList.add("cg-active");
      const op = find(step.node + "_op");
      if (op) op.classList.add("cg-active");
    }
    const active = new Set(step.edges);
    for (const edge of edges) {
      edge.classList.toggle("cg-carried", carried.has(edge.id));
      edge.classList.toggle("cg-active", active.has(edge.id) && step.phase === "backward");
      edge.classList.toggle("cg-forward", active.has(edge.id) && step.phase === "forward");
    }
    document.getElementById("caption").textContent = step.caption;
    document.getElementById("counter").textContent =
      words.counter.replace("{current}", String(current)).replace("{last}", String(steps.length - 1));
    slider.value = String(current);
    document.body.dataset.step = String(current);
    document.body.dataset.phase = step.phase;
    follow();
  }

  function play() {
    if (timer !== null) {
      clearInterval(timer);
      timer = null;
      playButton.textContent = words.play;
      return;
    }
    if (current === steps.length - 1) show(0);
    playButton.textContent = words.pause;
    timer = setInterval(function () {
      if (current >= steps.length - 1) { play(); return; }
      show(current + 1);
    }, 1200);
  }

  // ---- the side panel: chain rule, nudge and paths of the node clicked ----
  function select(id) {
    if (!data.details[id] || !document.getElementById(id)) return;
    selected = id;
    for (const group of svg.querySelectorAll("g.node.cg-selected")) group.classList.remove("cg-selected");
    document.getElementById(id).classList.add("cg-selected");
    if (document.body.classList.contains("cg-no-panel")) togglePanel();
    render();
  }
  function render() {
    for (const button of document.querySelectorAll("#tabs button")) {
      button.classList.toggle("cg-on", button.dataset.tab === tab);
    }
    const detail = selected ? data.details[selected] : null;
    const target = document.getElementById("detail");
    target.textContent = "";
    if (!detail) { target.textContent = words.click; return; }
    const title = document.createElement("div");
    title.className = "title";
    title.textContent = detail.title;
    target.appendChild(title);
    const lines = (tab === "chain" ? detail.lines : detail[tab]) || [words["none " + tab]];
    for (const line of lines) {
      const element = document.createElement("div");
      element.className = "line";
      element.textContent = line;
      target.appendChild(element);
    }
  }
  function choose(name) { tab = name; render(); }
  function togglePanel() {
    document.body.classList.toggle("cg-no-panel");
    if (fitted && data.layout === "auto") {  // the whole graph, in the layout the new width shows larger
      const best = scaleOf("TB") > scaleOf("LR") ? "TB" : "LR";
      if (best !== layout) { layout = best; redraw(); return; }
    }
    if (fitted) fit(); else resync();
    follow();
  }
  function sizeOf(direction) {  // a layout's width and height in points, from its viewBox
    const numbers = /viewBox="([^"]+)"/.exec(data.layouts[key(direction)])[1].split(/[\s,]+/).map(Number);
    return { w: numbers[2], h: numbers[3] };
  }
  function scaleOf(direction) {
    const c = size(), s = sizeOf(direction);
    return Math.min(c.w / (s.w + 16), c.h / (s.h + 16), MAX_SCALE);
  }
  function chooseLayout() {  // 'auto': the layout the window shows larger; no panel if that makes it readable
    const better = function () { return scaleOf("TB") > scaleOf("LR") ? "TB" : "LR"; };
    if (data.layouts["LR neurons"] && Math.max(scaleOf("LR"), scaleOf("TB")) < READABLE) grouped = true;
    if (data.layout !== "auto") { box.innerHTML = data.layouts[key(layout)]; return; }
    let best = better();
    if (scaleOf(best) < READABLE && box.clientWidth < 1400) {
      document.body.classList.add("cg-no-panel");
      best = better();
      if (scaleOf(best) < READABLE) document.body.classList.remove("cg-no-panel");
      best = better();
    }
    layout = best;
    box.innerHTML = data.layouts[key(layout)];
  }
  function redraw() {  // the graph in the current layout, grouped or not, at the current step
    box.innerHTML = data.layouts[key(layout)];
    bind();
    start();
    show(current);
    if (selected && document.getElementById(selected)) select(selected);
    document.body.dataset.layout = layout;
    document.body.dataset.neurons = grouped ? "boxes" : "open";
  }
  function toggleLayout() {
    layout = layout === "LR" ? "TB" : "LR";
    redraw();
  }
  function toggleNeurons() {
    if (!data.layouts["LR neurons"]) return;
    grouped = !grouped;
    redraw();
  }
  function openNeuron(id) {  // every Value again, the view on this neuron's
    grouped = false;
    redraw();
    const inside = [id, id + "_op"].concat(neurons[id], neurons[id].map(n => n + "_op"));
    const u = unitsOf(inside.map(n => document.getElementById(n)).filter(Boolean));
    const c = size();
    if (u) setView(u.x + u.w / 2, u.y + u.h / 2, Math.min(MAX_SCALE, c.w / (u.w + 48), c.h / (u.h + 48)));
    fitted = false;  // the neuron asked for stays in view until the next step
    select(id);
  }

  // ---- slides: the current step as SVG or PNG ----
  function exportSvg() {
    const copy = svg.cloneNode(true);
    copy.setAttribute("viewBox", [full.x, full.y, full.w, full.h].join(" "));
    copy.setAttribute("width", String(Math.round(full.w * 4 / 3)));
    copy.setAttribute("height", String(Math.round(full.h * 4 / 3)));
    copy.setAttribute("xmlns", "http://www.w3.org/2000/svg");
    copy.setAttribute("xmlns:xlink", XLINK);
    const style = document.createElementNS("http://www.w3.org/2000/svg", "style");
    style.textContent = document.getElementById("graph-style").textContent;
    copy.insertBefore(style, copy.firstChild);
    const background = document.createElementNS("http://www.w3.org/2000/svg", "rect");
    for (const [key, value] of Object.entries({ x: full.x, y: full.y, width: full.w, height: full.h, fill: "white" })) {
      background.setAttribute(key, String(value));
    }
    copy.insertBefore(background, style.nextSibling);
    return new XMLSerializer().serializeToString(copy);
  }
  function exportPng(zoomFactor) {
    const text = exportSvg();
    const factor = zoomFactor || 2;
    return new Promise(function (resolve, reject) {
      const image = new Image();
      image.onload = function () {
        const canvas = document.createElement("canvas");
        canvas.width = Math.round(full.w * 4 / 3 * factor);
        canvas.height = Math.round(full.h * 4 / 3 * factor);
        const context = canvas.getContext("2d");
        context.fillStyle = "white";
        context.fillRect(0, 0, canvas.width, canvas.height);
        context.drawImage(image, 0, 0, canvas.width, canvas.height);
        resolve(canvas.toDataURL("image/png"));
      };
      image.onerror = function () { reject(new Error("the browser could not draw the SVG")); };
      image.src = "data:image/svg+xml;charset=utf-8," + encodeURIComponent(text);
    });
  }
  function download(url, extension) {
    const link = document.createElement("a");
    link.href = url;
    link.download = data.file + "_step" + String(current).padStart(3, "0") + "." + extension;
    document.body.appendChild(link);
    link.click();
    link.remove();
  }

  // ---- controls ----
  let dragged = false;
  chooseLayout();
  bind();
  document.body.dataset.layout = layout;
  document.body.dataset.neurons = grouped ? "boxes" : "open";
  slider.max = String(steps.length - 1);
  slider.addEventListener("input", function () { show(Number(slider.value)); });
  const on = function (id, action) { document.getElementById(id).onclick = action; };
  on("first", function () { show(0); });
  on("previous", function () { show(current - 1); });
  on("next", function () { show(current + 1); });
  on("last", function () { show(steps.length - 1); });
  on("fit", fit);
  on("zoom-in", function () { zoom(1.25); });
  on("zoom-out", function () { zoom(0.8); });
  on("panel", togglePanel);
  on("layout", toggleLayout);
  if (document.getElementById("neurons")) on("neurons", toggleNeurons);
  on("export-svg", function () {
    download(URL.createObjectURL(new Blob([exportSvg()], { type: "image/svg+xml" })), "svg");
  });
  on("export-png", function () { exportPng(2).then(function (url) { download(url, "png"); }); });
  playButton.onclick = play;
  for (const button of document.querySelectorAll("#tabs button")) {
    button.onclick = function () { choose(button.dataset.tab); };
  }
  box.addEventListener("wheel", function (event) {
    event.preventDefault();
    const r = box.getBoundingClientRect();
    zoom(Math.pow(1.0015, -event.deltaY), event.clientX - r.left, event.clientY - r.top);
  }, { passive: false });
  let grab = null;
  box.addEventListener("pointerdown", function (event) {
    grab = { x: event.clientX, y: event.clientY };
    dragged = false;
  });
  window.addEventListener("pointermove", function (event) {
    if (!grab) return;
    const dx = event.clientX - grab.x, dy = event.clientY - grab.y;
    if (!dragged && Math.abs(dx) + Math.abs(dy) < 4) return;
    dragged = true;
    box.classList.add("cg-dragging");
    pan(dx, dy);
    grab = { x: event.clientX, y: event.clientY };
  });
  window.addEventListener("pointerup", function () {
    grab = null;
    box.classList.remove("cg-dragging");
    setTimeout(function () { dragged = false; }, 0);
  });
  document.addEventListener("keydown", function (event) {
    if (event.target === slider && (event.key === "ArrowLeft" || event.key === "ArrowRight")) return;
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const step = 60;
    if (event.shiftKey && event.key.startsWith("Arrow")) {
      const moves = { ArrowLeft: [step, 0], ArrowRight: [-step, 0], ArrowUp: [0, step], ArrowDown: [0, -step] };
      pan(moves[event.key][0], moves[event.key][1]);
    }
    else if (event.key === "ArrowRight") show(current + 1);
    else if (event.key === "ArrowLeft") show(current - 1);
    else if (event.key === "Home") show(0);
    else if (event.key === "End") show(steps.length - 1);
    else if (event.key === " ") play();
    else if (event.key === "+" || event.key === "=") zoom(1.25);
    else if (event.key === "-" || event.key === "_") zoom(0.8);
    else if (event.key === "0" || event.key === "f") fit();
    else if (event.key === "p") togglePanel();
    else if (event.key === "l") toggleLayout();
    else if (event.key === "n") toggleNeurons();
    else return;
    event.preventDefault();
  });
  let resizing = null;
  window.addEventListener("resize", function () {
    clearTimeout(resizing);
    resizing = setTimeout(function () { if (fitted) fit(); follow(); }, 50);
  });
  window.chaingrad = {
    steps: steps.length, show: show, current: function () { return current; }, fit: fit, zoom: zoom, pan: pan,
    view: function () { return Object.assign({}, view); }, full: function () { return full; },
    exportSvg: exportSvg, exportPng: exportPng, togglePanel: togglePanel, toggleLayout: toggleLayout,
    select: select, choose: choose, toggleNeurons: toggleNeurons, openNeuron: openNeuron,
    neurons: function () { return neurons; }, step: function () { return steps[current]; },
  };
  view = { x: full.x, y: full.y, w: full.w, h: full.h, scale: 1 };
  start();
  show(0);
  render();
})();
