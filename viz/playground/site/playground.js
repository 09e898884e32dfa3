// chaingrad playground: the page. Python (Pyodide) runs chaingrad itself here for the graph tab, and
// in a Web Worker (worker.mjs) for the train tab. window.chaingrad is the page's API for teachers' own
// pages and for the tests: run(code) -> Promise of what the code printed.
import { loadPyodide } from "./pyodide/pyodide.mjs";

const TEXTS = {
  en: {
    title: "chaingrad playground", tab_graph: "graph", tab_train: "train", loading: "loading Python…",
    ready: "ready: Python {seconds} s after opening", failed: "Python could not start: ", preset: "example",
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
    language: "中文",
  },
  zh: {
    title: "chaingrad 演练场", tab_graph: "计算图", tab_train: "训练", loading: "正在加载 Python…",
    ready: "就绪：打开后 {seconds} 秒 Python 已可用", failed: "Python 未能启动：", preset: "例子",
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
    language: "English",
  },
};

const $ = (id) => document.getElementById(id);
// in the playground's frame (narrower than a page of its own), the explorer's side panel goes below the graph
const NARROW_EXPLORER = "@media (max-width: 820px) { main { flex-wrap: wrap; } aside { flex: 1 1 100%; } }";
const state = { lang: "en", presets: null, presetCode: null, python: null, worker: null, trainListeners: [] };

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
  if (state.python) $("status").textContent = text("ready", { seconds: state.readySeconds.toFixed(1) });
  if (state.presets) fillPresets();
}

function fillPresets() {
  const select = $("preset");
  const chosen = select.value || state.presets.default;
  select.textContent = "";
  for (const [key, preset] of Object.entries(state.presets.presets)) {
    const option = document.createElement("option");
    option.value = key;
    option.textContent = preset.title[state.lang];
    select.appendChild(option);
  }
  select.value = chosen;
}

function presetCode(key) {
  return state.presets.presets[key].code[state.lang];
}

function loadPreset(key) {
  $("preset").value = key;
  $("code").value = presetCode(key);
  state.presetCode = $("code").value;
}

// ---------------------------------------------------------------- Python in the page
async function startPython() {
  const zip = fetch("chaingrad.zip").then((response) => response.arrayBuffer());
  const layout = Viz.instance().then((viz) => {
    globalThis.chaingradLayout = (source) => viz.renderString(source, { format: "svg", engine: "dot" });
  });
  const python = await loadPyodide({ indexURL: new URL("pyodide/", location.href).href });
  state.timings = { pyodide: performance.now() / 1000 };
  python.unpackArchive(await zip, "zip", { extractDir: "/home/pyodide/chaingrad" });
  python.runPython("import sys; sys.path.insert(0, '/home/pyodide/chaingrad')\n"
    + "from viz.playground.runner import run_json, with_leaf_json");
  state.timings.chaingrad = performance.now() / 1000;
  await layout;
  state.timings.layout = performance.now() / 1000;
  state.runJson = python.globals.get("run_json");
  state.withLeafJson = python.globals.get("with_leaf_json");
  state.python = python;
  state.readySeconds = performance.now() / 1000;  // since the page began to load
  return python;
}

function runProgram(code) {
  return JSON.parse(state.runJson(code, state.lang));
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
    frame.srcdoc = result.explorer.replace("</head>", "<style>" + NARROW_EXPLORER + "</style></head>");
    frame.hidden = false;
    note.hidden = true;
  } else {
    frame.hidden = true;
    note.hidden = false;
    note.textContent = result.explorer_error ? text("explorer_error") + result.explorer_error : text("explorer_none");
  }
}

function selectLine(code, line) {
  const lines = code.split("\n");
  const start = lines.slice(0, line - 1).reduce((total, each) => total + each.length + 1, 0);
  const box = $("code");
  box.setSelectionRange(start, start + (lines[line - 1] || "").length);
}

function runBox() {
  const code = $("code").value;
  const result = runProgram(code);
  showResult(result, code);
  return result;
}

function changeLeaf(name, number) {
  const answer = JSON.parse(state.withLeafJson($("code").value, name, number));
  if (answer.error) {
    $("error").hidden = false;
    $("error").textContent = answer.error;
    return;
  }
  $("code").value = answer.code;
  runBox();
}

// ---------------------------------------------------------------- training, in a Web Worker
function startWorker() {
  if (state.worker) return state.worker;
  const worker = new Worker(new URL("worker.mjs", import.meta.url), { type: "module" });
  state.worker = worker;
  $("train-status").textContent = text("train_loading");
  state.workerReady = new Promise((resolve, reject) => {
    worker.addEventListener("message", function first(event) {
      if (event.data.type === "ready") { worker.removeEventListener("message", first); resolve(); }
      if (event.data.type === "error") reject(new Error(event.data.message));
    });
  });
  worker.addEventListener("message", (event) => {
    const message = event.data;
    if (message.type === "state") drawTraining(message.state);
    if (message.type === "error") $("train-status").textContent = message.message;
    for (const listener of state.trainListeners) listener(message);
  });
  state.workerReady.then(() => { resetModel(); setTrainButtons(false); });
  return worker;
}

function trainOptions() {
  return {
    hidden: $("hidden").value.split(",").map(Number), activation: $("activation").value,
    learning_rate: Number($("learning-rate").value),
  };
}

function resetModel() {
  state.losses = [];
  state.worker.postMessage({ type: "reset", options: trainOptions() });
}

function setTrainButtons(running) {
  $("train-run").disabled = running;
  $("train-reset").disabled = running;
  $("train-stop").disabled = !running;
}

async function train(steps) {
  startWorker();
  await state.workerReady;
  setTrainButtons(true);
  const collected = [];
  return new Promise((resolve, reject) => {
    const listener = (message) => {
      if (message.type === "state" && message.state.losses.length) collected.push(...message.state.losses);
      if (message.type === "done" || message.type === "error") {
        state.trainListeners = state.trainListeners.filter((each) => each !== listener);
        setTrainButtons(false);
        if (message.type === "error") reject(new Error(message.message));
        else resolve({ losses: collected, accuracy: state.accuracy });
      }
    };
    state.trainListeners.push(listener);
    state.worker.postMessage({ type: "train", steps: steps });
  });
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
  if (name === "train" && state.python) startWorker();
}

function setLanguage(lang) {
  const untouched = state.presets && $("code").value === state.presetCode;
  state.lang = lang;
  translate();
  if (untouched) loadPreset($("preset").value);
  if (state.python) runBox();
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
  for (const tab of document.querySelectorAll(".tab")) tab.addEventListener("click", () => showTab(tab.dataset.tab));
  $("language").addEventListener("click", () => setLanguage(state.lang === "en" ? "zh" : "en"));
  $("preset").addEventListener("change", () => { loadPreset($("preset").value); if (state.python) runBox(); });
  $("run").addEventListener("click", runBox);
  $("code").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) { event.preventDefault(); if (state.python) runBox(); }
  });
  $("train-run").addEventListener("click", () => train(200));
  $("train-stop").addEventListener("click", () => state.worker.postMessage({ type: "stop" }));
  $("train-reset").addEventListener("click", resetModel);
  for (const id of ["hidden", "activation", "learning-rate"]) $(id).addEventListener("change", () => { if (state.worker) resetModel(); });
  try {
    await python;
  } catch (error) {
    $("status").textContent = text("failed") + error;
    $("status").classList.add("failed");
    throw error;
  }
  $("status").textContent = text("ready", { seconds: state.readySeconds.toFixed(1) });
  $("status").classList.add("ready");
  $("run").disabled = false;
  runBox();
  if (!$("train").hidden) startWorker();
}

const ready = main();
window.chaingrad = {
  ready: ready,
  // run(code): what the program printed; a refused or failing program rejects, naming its line
  run: async function (code) {
    await ready;
    const result = runProgram(code);
    if (result.error) throw new Error(result.error.message);
    return result.output;
  },
  train: train,  // train(steps): {losses, accuracy} once the worker has run them
  setLanguage: setLanguage,
  showTab: showTab,
  runBox: runBox,
  readySeconds: () => state.readySeconds,
  timings: () => state.timings,  // seconds since the page began to load: Pyodide started, chaingrad imported, viz-js ready
  pyodide: () => state.python,
};
