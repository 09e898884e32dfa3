// chaingrad playground: the page. Python (Pyodide) runs chaingrad itself in two Web Workers (worker.mjs):
// one for the graph tab's programs, one for the train tab, so the page never freezes. window.chaingrad
// is the page's API for teachers' own pages and for the tests: run(code) -> Promise of what it printed.

const TEXTS = {
  en: {
    title: "chaingrad playground", tab_graph: "graph", tab_train: "train", loading: "loading Python…",
    ready: "Python is ready", ready_title: "Python was ready {seconds} s after the page began to load", failed: "Python could not start: ", preset: "example",
    run: "run ▶", run_hint: "Ctrl+Enter runs", output: "printed", leaves: "change an input",
    leaves_hint: "a new number runs the forward pass again", explorer_wait: "the graph appears here once Python is ready",
    explorer_none: "the program made no Value to draw: assign one, e.g. e = (a + b) * (b + 1)",
    explorer_error: "the program ran, but its graph is not drawn: ",
    explorer_after_error: "the graph appears when the program runs", error_blank: "fix the line above and run again",
    train_intro: "an MLP learns to separate the two moons by gradient descent; Python runs in a Web Worker, so the page stays responsive",
    hidden: "hidden layers", activation: "activation", learning_rate: "learning rate", train_run: "train 200 steps",
    train_stop: "stop", train_reset: "new model", loss: "loss (hinge + L2)", boundary: "decision boundary",
    source: "the backward pass engine.compile wrote for one step", train_loading: "starting Python in the worker…",
    train_state: "step {steps}: loss {loss}, accuracy {accuracy}%", source_lines: "# {lines} lines of generated Python\n",
    language: "中文", own_program: "(your own program)", too_long: "the program ran for more than {seconds} s and was stopped: use fewer steps",
  },
  zh: {
    title: "chaingrad 演练场", tab_graph: "计算图", tab_train: "训练", loading: "正在加载 Python…",
    ready: "Python 已就绪", ready_title: "打开页面后 {seconds} 秒 Python 就绪", failed: "Python 未能启动：", preset: "例子",
    run: "运行 ▶", run_hint: "Ctrl+Enter 运行", output: "输出", leaves: "改一个输入",
    leaves_hint: "换一个数，正向传播会重新计算", explorer_wait: "Python 就绪后，计算图显示在这里",
    explorer_none: "程序没有得到可画的 Value：请赋值一个，例如 e = (a + b) * (b + 1)",
    explorer_error: "程序已运行，但计算图没有画出：",
    explorer_after_error: "程序运行成功后，这里显示它的计算图", error_blank: "改正上面指出的那一行，再运行",
    train_intro: "一个多层感知机用梯度下降学习把两个月牙分开；Python 在 Web Worker 中运行，页面不会卡住",
    hidden: "隐藏层", activation: "激活函数", learning_rate: "学习率", train_run: "训练 200 步",
    train_stop: "停止", train_reset: "新模型", loss: "损失（hinge + L2）", boundary: "决策边界",
    source: "engine.compile 为一步训练生成的反向传播代码", train_loading: "正在 Worker 中启动 Python…",
    train_state: "第 {steps} 步：损失 {loss}，准确率 {accuracy}%", source_lines: "# 共 {lines} 行生成的 Python 代码\n",
    language: "English", own_program: "（你自己的程序）", too_long: "程序运行超过 {seconds} 秒，已被停止：请减少步数",
  },
};

const $ = (id) => document.getElementById(id);
const state = { lang: "en", presets: null, presetCode: null, python: false, graph: null, trainer: null, losses: [] };

function text(key, values = {}) {
  let result = TEXTS[state.lang][key] ?? TEXTS.en[key];
  for (const [name, value] of Object.entries(values)) result = result.replace("{" + name + "}", value);
  return result;
}

function translate() {
  document.documentElement.lang = state.lang === "zh" ? "zh-CN" : "en";
  for (const element of document.querySelectorAll("[data-text]")) {
    if (element.id === "status" && state.python) continue;
    element.textContent = text(element.dataset.text);
  }
  $("language").textContent = text("language");
  if (state.python) showReady();
  if (state.presets) fillPresets();
}

function showReady() {
  $("status").textContent = text("ready");
  $("status").title = text("ready_title", { seconds: state.readySeconds.toFixed(1) });
}

function fillPresets() {
  const select = $("preset");
  const chosen = select.dataset.chosen || state.presets.default;
  select.textContent = "";
  for (const [key, preset] of Object.entries(state.presets.presets)) {
    const option = document.createElement("option");
    option.value = key;
    option.textContent = preset.title[state.lang];
    select.appendChild(option);
  }
  const own = document.createElement("option");  // shown once the box holds the student's own program
  own.value = "";
  own.textContent = text("own_program");
  own.disabled = true;
  select.appendChild(own);
  select.value = $("code").value && $("code").value !== state.presetCode ? "" : chosen;
}

function presetCode(key) {
  return state.presets.presets[key].code[state.lang];
}

function loadPreset(key) {
  $("preset").value = key;
  $("preset").dataset.chosen = key;
  $("code").value = presetCode(key);
  state.presetCode = $("code").value;
}

// ---------------------------------------------------------------- Python, in Web Workers
// Each worker (worker.mjs) holds its own Pyodide: "graph" runs the box's programs, "train" the train tab.
const RUN_LIMIT_MS = 20000;  // a program still running after this is stopped (its worker replaced)

class Python {
  constructor(role, onState) {
    this.role = role;
    this.onState = onState;
    this.waiting = new Map();
    this.count = 0;
    this.start();
  }

  start() {
    this.worker = new Worker(new URL("worker.mjs?role=" + this.role, import.meta.url), { type: "module" });
    this.ready = new Promise((resolve, reject) => {
      this.worker.onmessage = (event) => {
        const message = event.data;
        if (message.type === "ready") resolve(message.timings);
        else if (message.type === "failed") reject(new Error(message.message));
        else if (message.type === "state") this.onState(message.state);
        else if (this.waiting.has(message.id)) {
          const { resolve: answer, reject: fail, timer } = this.waiting.get(message.id);
          clearTimeout(timer);
          this.waiting.delete(message.id);
          if (message.error !== undefined) fail(new Error(message.error)); else answer(message.result);
        }
      };
    });
  }

  // call(type, fields, limit): a Promise of the worker's answer; past `limit` ms the worker is replaced
  call(type, fields = {}, limit = 0) {
    const id = ++this.count;
    return new Promise((resolve, reject) => {
      const timer = limit ? setTimeout(() => this.restart(id, limit), limit) : null;
      this.waiting.set(id, { resolve, reject, timer });
      this.worker.postMessage(Object.assign({ id: id, type: type }, fields));
    });
  }

  restart(id, limit) {  // the program of call `id` ran too long: a new worker, every waiting call refused
    this.worker.terminate();
    const waiting = Array.from(this.waiting.values());
    this.waiting.clear();
    this.start();
    for (const each of waiting) {
      clearTimeout(each.timer);
      each.reject(new Error(text("too_long", { seconds: limit / 1000 })));
    }
  }

  stop() { this.worker.postMessage({ type: "stop" }); }
}

async function startPython() {
  state.graph = new Python("graph", () => {});
  const timings = await state.graph.ready;
  state.readySeconds = performance.now() / 1000;  // since the page began to load
  state.timings = { pyodide: timings.pyodide / 1000, chaingrad: timings.chaingrad / 1000, layout: timings.layout / 1000 };
  state.python = true;
}

async function runProgram(code, limit = RUN_LIMIT_MS) {
  try {
    return await state.graph.call("run", { code: code, lang: state.lang }, limit);
  } catch (error) {  // stopped after RUN_LIMIT_MS, or the worker failed
    return { output: "", error: { line: null, message: error.message }, leaves: [], explorer: null };
  }
}

function showResult(result, code) {
  $("output").textContent = result.output;
  const error = $("error");
  error.hidden = !result.error;
  const note = $("explorer-note");
  const frame = $("explorer-frame");
  const leaves = $("leaves");
  leaves.textContent = "";
  if (result.error) {
    error.textContent = result.error.message + "\n" + text("error_blank");
    if (result.error.line) selectLine(code, result.error.line);
    frame.hidden = true;  // no stale graph beside a program that did not run
    note.hidden = false;
    note.textContent = text("explorer_after_error");
    return;
  }
  for (const leaf of result.leaves) {
    const label = document.createElement("label");
    const input = document.createElement("input");
    input.type = "number";
    input.step = "any";
    input.value = String(leaf.value);
    input.dataset.leaf = leaf.name;
    input.addEventListener("change", () => changeLeaf(leaf.name, Number(input.value)));
    label.append(leaf.name + " = ", input);
    leaves.appendChild(label);
  }
  if (result.explorer) {
    showExplorer(result.explorer);
  } else {
    frame.hidden = true;
    note.hidden = false;
    note.textContent = result.explorer_error ? text("explorer_error") + result.explorer_error : text("explorer_none");
  }
}

function showExplorer(page) {
  $("explorer-frame").srcdoc = page;
  $("explorer-frame").hidden = false;
  $("explorer-note").hidden = true;
}

function selectLine(code, line) {
  const lines = code.split("\n");
  const start = lines.slice(0, line - 1).reduce((total, each) => total + each.length + 1, 0);
  $("code").focus();  // the line with the error, selected
  $("code").setSelectionRange(start, start + (lines[line - 1] || "").length);
}

// runBox(): run the box's program and show what it printed and its explorer (resolves when shown)
async function runBox() {
  const code = $("code").value;
  $("run").disabled = true;
  try {
    const result = await runProgram(code);
    showResult(result, code);
    return result;
  } finally {
    $("run").disabled = false;
  }
}

async function changeLeaf(name, number) {
  const answer = await state.graph.call("with_leaf", { code: $("code").value, name: name, number: number });
  if (answer.error) {
    $("error").hidden = false;
    $("error").textContent = answer.error;
    return;
  }
  $("code").value = answer.code;
  await runBox();
}

// ---------------------------------------------------------------- training
function startTrainer() {
  if (state.trainer) return state.trainer;
  $("train-status").textContent = text("train_loading");
  state.trainer = new Python("train", drawTraining);
  state.trainer.ready.then(() => { resetModel(); setTrainButtons(false); },
    (error) => { $("train-status").textContent = error.message; });
  return state.trainer;
}

function trainOptions() {
  return {
    hidden: $("hidden").value.split(",").map(Number), activation: $("activation").value,
    learning_rate: Number($("learning-rate").value),
  };
}

function resetModel() {
  state.losses = [];
  return state.trainer.call("reset", { options: trainOptions() });
}

function setTrainButtons(running) {
  $("train-run").disabled = running;
  $("train-reset").disabled = running;
  $("train-stop").disabled = !running;
}

// train(steps): {losses, accuracy} of these steps, once the worker has run them (drawn as they come)
async function train(steps) {
  const trainer = startTrainer();
  await trainer.ready;
  setTrainButtons(true);
  const before = state.losses.length;
  try {
    await trainer.call("train", { steps: steps });
  } finally {
    setTrainButtons(false);
  }
  return { losses: state.losses.slice(before), accuracy: state.accuracy };
}

function drawTraining(trained) {
  if (trained.losses.length === 0) state.losses = [];
  state.losses.push(...trained.losses);
  state.accuracy = trained.accuracy;
  if (trained.source) {
    const lines = trained.source.split("\n").length;
    $("source").textContent = text("source_lines", { lines: lines }) + trained.source;
  }
  const last = state.losses[state.losses.length - 1];
  $("train-status").textContent = trained.steps === 0 ? "" : text("train_state", {
    steps: trained.steps, loss: last.toFixed(4), accuracy: (100 * trained.accuracy).toFixed(0) });
  drawLoss();
  drawBoundary(trained);
}

function drawLoss() {
  const canvas = $("loss");
  const context = canvas.getContext("2d");
  const { width, height } = canvas;
  context.clearRect(0, 0, width, height);
  const losses = state.losses;
  if (losses.length < 2) return;
  const top = Math.max(...losses) * 1.05;
  context.strokeStyle = "#ccc";
  context.beginPath(); context.moveTo(30, 5); context.lineTo(30, height - 15); context.lineTo(width - 5, height - 15); context.stroke();
  context.fillStyle = "#666";
  context.font = "10px sans-serif";
  context.fillText(top.toFixed(2), 0, 12);
  context.fillText("0", 18, height - 15);
  context.fillText(String(losses.length), width - 30, height - 3);
  context.strokeStyle = "#2b6cb0";
  context.lineWidth = 1.5;
  context.beginPath();
  losses.forEach((loss, index) => {
    const x = 30 + (width - 35) * index / (losses.length - 1);
    const y = height - 15 - (height - 20) * loss / top;
    if (index === 0) context.moveTo(x, y); else context.lineTo(x, y);
  });
  context.stroke();
}

function drawBoundary(trained) {
  const canvas = $("boundary");
  const context = canvas.getContext("2d");
  const { width, height } = canvas;
  const size = Math.round(Math.sqrt(trained.boundary.length));
  const [x0, x1, y0, y1] = trained.area;
  trained.boundary.forEach((score, index) => {
    const i = index % size, j = Math.floor(index / size);
    const strength = Math.min(1, Math.abs(score)) * 0.45;
    context.fillStyle = score > 0 ? `rgba(221, 107, 32, ${strength})` : `rgba(43, 108, 176, ${strength})`;
    context.clearRect(i * width / size, j * height / size, width / size + 1, height / size + 1);
    context.fillRect(i * width / size, j * height / size, width / size + 1, height / size + 1);
  });
  trained.points.forEach(([x, y], index) => {
    context.beginPath();
    context.arc((x - x0) / (x1 - x0) * width, (y1 - y) / (y1 - y0) * height, 3.5, 0, 2 * Math.PI);
    context.fillStyle = trained.labels[index] > 0 ? "#dd6b20" : "#2b6cb0";
    context.fill();
    context.strokeStyle = "white";
    context.stroke();
  });
}

// ---------------------------------------------------------------- wiring
function showTab(name) {
  for (const tab of document.querySelectorAll(".tab")) tab.classList.toggle("selected", tab.dataset.tab === name);
  $("graph").hidden = name !== "graph";
  $("train").hidden = name !== "train";
  if (name === "train" && state.python) startTrainer();
}

function setLanguage(lang) {
  const untouched = state.presets && $("code").value === state.presetCode;
  state.lang = lang;
  translate();
  if (untouched) loadPreset($("preset").value);
  if (state.python) return runBox();
  if (untouched && $("preset").value === state.presets.default && state.presets.first[lang]) {
    showExplorer(state.presets.first[lang]);
  }
  return Promise.resolve(null);
}

async function main() {
  const python = startPython();
  state.presets = await (await fetch("presets.json")).json();
  // a teacher's link may choose: index.html#lang=zh&preset=apple, or #code=<the program, URL-encoded>
  const asked = new URLSearchParams(location.hash.slice(1));
  if (asked.get("lang") === "zh") state.lang = "zh";
  translate();
  loadPreset(asked.get("preset") in state.presets.presets ? asked.get("preset") : state.presets.default);
  if (asked.has("code")) $("code").value = asked.get("code");
  else if (state.presets.first[state.lang]) showExplorer(state.presets.first[state.lang]);  // drawn at build time
  for (const tab of document.querySelectorAll(".tab")) tab.addEventListener("click", () => showTab(tab.dataset.tab));
  $("language").addEventListener("click", () => setLanguage(state.lang === "en" ? "zh" : "en"));
  $("preset").addEventListener("change", () => { loadPreset($("preset").value); if (state.python) runBox(); });
  $("run").addEventListener("click", runBox);
  $("code").addEventListener("input", () => { $("preset").value = $("code").value === state.presetCode ? $("preset").dataset.chosen : ""; });
  $("code").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) { event.preventDefault(); if (state.python) runBox(); }
  });
  $("train-run").addEventListener("click", () => train(200));
  $("train-stop").addEventListener("click", () => state.trainer.stop());
  $("train-reset").addEventListener("click", resetModel);
  for (const id of ["hidden", "activation", "learning-rate"]) {
    $(id).addEventListener("change", () => { if (state.trainer) resetModel(); });
  }
  try {
    await python;
  } catch (error) {
    $("status").textContent = text("failed") + error.message;
    $("status").classList.add("failed");
    throw error;
  }
  showReady();
  $("status").classList.add("ready");
  await runBox();
  if (!$("train").hidden) startTrainer();
}

const ready = main();
window.chaingrad = {
  ready: ready,  // resolves once Python is ready and the box's program has run
  // run(code, {limitSeconds}): a Promise of what the program printed; a refused or failing program
  // rejects, naming its line; one still running after limitSeconds (default 20) is stopped
  run: async function (code, options = {}) {
    await ready;
    const result = await runProgram(code, options.limitSeconds ? options.limitSeconds * 1000 : RUN_LIMIT_MS);
    if (result.error) throw new Error(result.error.message);
    return result.output;
  },
  train: train,  // train(steps): a Promise of {losses, accuracy}
  setLanguage: setLanguage,  // setLanguage("en" | "zh"): resolves once the box's program has run again
  showTab: showTab,
  runBox: runBox,
  readySeconds: () => state.readySeconds,
  timings: () => state.timings,  // seconds since the graph worker started: Pyodide, chaingrad imported, viz-js ready
};
