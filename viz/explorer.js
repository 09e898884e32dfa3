// chaingrad explorer: shows the steps that viz/explore.py computed (no framework, no network).
(function () {
  "use strict";
  const data = JSON.parse(document.getElementById("chaingrad-data").textContent);
  const steps = data.steps;
  const words = data.words;
  const XLINK = "http://www.w3.org/1999/xlink";
  const slider = document.getElementById("slider");
  const playButton = document.getElementById("play");
  let current = 0;
  let timer = null;

  // each Value's record has three texts: name, data, grad
  const records = {};
  for (const id of Object.keys(steps[0].set)) {
    const group = document.getElementById(id);
    const texts = group.querySelectorAll("text");
    texts[1].classList.add("cg-data");
    texts[2].classList.add("cg-grad");
    // the exact numbers on hover: Graphviz's tooltip link around the box
    records[id] = { group: group, data: texts[1], grad: texts[2], link: group.querySelector("a") };
  }
  const edges = Array.from(document.querySelectorAll("g.edge"));
  const labels = {};  // edge id -> its label text (the product it carries)
  for (const edge of edges) {
    const text = edge.querySelector("text");
    if (text) labels[edge.id] = text;
  }

  function show(index) {
    current = Math.max(0, Math.min(steps.length - 1, index));
    const state = {};  // node id -> {data, grad, state}
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
    for (const group of document.querySelectorAll("g.node.cg-active")) group.classList.remove("cg-active");
    const step = steps[current];
    if (step.node) {
      document.getElementById(step.node).classList.add("cg-active");
      const op = document.getElementById(step.node + "_op");
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

  function select(id) {
    const detail = data.details[id];
    if (!detail) return;
    for (const group of document.querySelectorAll("g.node.cg-selected")) group.classList.remove("cg-selected");
    document.getElementById(id).classList.add("cg-selected");
    const box = document.getElementById("detail");
    box.textContent = "";
    const title = document.createElement("div");
    title.className = "title";
    title.textContent = detail.title;
    box.appendChild(title);
    for (const line of detail.lines) {
      const element = document.createElement("div");
      element.className = "line";
      element.textContent = line;
      box.appendChild(element);
    }
  }

  slider.max = String(steps.length - 1);
  slider.addEventListener("input", function () { show(Number(slider.value)); });
  document.getElementById("first").onclick = function () { show(0); };
  document.getElementById("previous").onclick = function () { show(current - 1); };
  document.getElementById("next").onclick = function () { show(current + 1); };
  document.getElementById("last").onclick = function () { show(steps.length - 1); };
  playButton.onclick = play;
  document.addEventListener("keydown", function (event) {
    if (event.target === slider && (event.key === "ArrowLeft" || event.key === "ArrowRight")) return;
    if (event.key === "ArrowRight") { show(current + 1); event.preventDefault(); }
    else if (event.key === "ArrowLeft") { show(current - 1); event.preventDefault(); }
    else if (event.key === "Home") { show(0); event.preventDefault(); }
    else if (event.key === "End") { show(steps.length - 1); event.preventDefault(); }
    else if (event.key === " ") { play(); event.preventDefault(); }
  });
  for (const group of document.querySelectorAll("g.node")) {
    group.addEventListener("click", function () { select(group.id); });
  }
  window.chaingrad = { steps: steps.length, show: show, current: function () { return current; } };
  show(0);
})();
