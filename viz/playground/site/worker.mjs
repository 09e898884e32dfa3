// chaingrad playground: Python (Pyodide) in a Web Worker, so that the page stays responsive while it
// starts, while a program runs and while a model trains. The page starts two: "graph" (runs students'
// programs and draws their explorer, with viz-js for the layout) and "train" (the train tab's MLP);
// bench.playground starts a third, "bench", to time W1.
// In: {id, type: "run" | "with_leaf" | "reset" | "train", ...} and {type: "stop"}.
// Out: {type: "ready", timings}, {id, result} or {id, error}, and {type: "state", state} while training.
import { loadPyodide } from "./pyodide/pyodide.mjs";

const role = new URL(import.meta.url).searchParams.get("role");
const CHUNK = 10;  // training steps between two pictures (and two chances to stop)
let python = null;
let stopping = false;

async function start() {
  const zip = fetch(new URL("chaingrad.zip", import.meta.url)).then((response) => response.arrayBuffer());
  let layout = null;
  if (role === "graph") {  // viz.files.use_layout(browser_layout) calls globalThis.chaingradLayout from Python
    layout = import("./vizjs/viz.js").then((module) => module.instance()).then((viz) => {
      globalThis.chaingradLayout = (source) => viz.renderString(source, { format: "svg", engine: "dot" });
    });
  }
  python = await loadPyodide({ indexURL: new URL("pyodide/", import.meta.url).href });
  const timings = { pyodide: performance.now() };
  python.unpackArchive(await zip, "zip", { extractDir: "/home/pyodide/chaingrad" });
  const imports = {
    graph: "from viz.playground.runner import run_json, with_leaf_json",
    train: "from viz.playground.training import Trainer, state_json",
    bench: "import engine, nn",
  };
  python.runPython("import sys, json; sys.path.insert(0, '/home/pyodide/chaingrad')\n" + imports[role]);
  timings.chaingrad = performance.now();
  await layout;
  timings.layout = performance.now();
  return timings;  // milliseconds since this worker started
}

async function train(id, steps) {
  stopping = false;
  let done = 0;
  while (done < steps && !stopping) {
    const count = Math.min(CHUNK, steps - done);
    const first = python.runPython("trainer.steps == 0") ? "True" : "False";
    postMessage({ type: "state", id: id, state: JSON.parse(python.runPython(`state_json(trainer, trainer.train(${count}), ${first})`)) });
    done += count;
    await new Promise((resolve) => setTimeout(resolve, 0));  // let a "stop" message in
  }
}

const handlers = {
  run: (message) => JSON.parse(python.globals.get("run_json")(message.code, message.lang)),
  with_leaf: (message) => JSON.parse(python.globals.get("with_leaf_json")(message.code, message.name, message.number)),
  reset: (message) => {
    python.globals.set("options", JSON.stringify(message.options));
    const state = JSON.parse(python.runPython("trainer = Trainer(**json.loads(options))\nstate_json(trainer, [])"));
    postMessage({ type: "state", id: message.id, state: state });
    return null;
  },
  train: (message) => train(message.id, message.steps),
  // for bench.playground only (the page never starts a "bench" worker): files written, then Python run
  python: (message) => {
    if (role !== "bench") throw new Error("the 'python' message is for bench.playground's own worker");
    for (const [name, text] of Object.entries(message.files)) {
      python.FS.mkdirTree("/home/pyodide/chaingrad/" + name.split("/").slice(0, -1).join("/"));
      python.FS.writeFile("/home/pyodide/chaingrad/" + name, text);
    }
    return python.runPython(message.code);
  },
};

const ready = start().then((timings) => postMessage({ type: "ready", timings: timings }),
  (error) => postMessage({ type: "failed", message: String(error) }));

onmessage = async (event) => {
  const message = event.data;
  if (message.type === "stop") { stopping = true; return; }
  await ready;
  try {
    postMessage({ id: message.id, result: await handlers[message.type](message) });
  } catch (error) {
    postMessage({ id: message.id, error: String(error) });
  }
};
