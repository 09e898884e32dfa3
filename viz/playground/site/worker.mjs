// chaingrad playground: the train tab's Python, in its own Pyodide in this Web Worker, so that the
// page stays responsive while the MLP trains. Messages in: {type: "reset", options}, {type: "train",
// steps}, {type: "stop"}; out: {type: "ready"}, {type: "state", state}, {type: "done"}, {type: "error", message}.
import { loadPyodide } from "./pyodide/pyodide.mjs";

const CHUNK = 10;  // steps between two pictures (and two chances to stop)
let python = null;
let stopping = false;

async function start() {
  const zip = fetch(new URL("chaingrad.zip", import.meta.url)).then((response) => response.arrayBuffer());
  python = await loadPyodide({ indexURL: new URL("pyodide/", import.meta.url).href });
  python.unpackArchive(await zip, "zip", { extractDir: "/home/pyodide/chaingrad" });
  python.runPython("import sys, json; sys.path.insert(0, '/home/pyodide/chaingrad')\n"
    + "from viz.playground.training import Trainer, state_json");
}

function stateOf(code) {
  return JSON.parse(python.runPython(code));
}

const ready = start().then(() => postMessage({ type: "ready" }),
  (error) => postMessage({ type: "error", message: "Python could not start in the worker: " + error }));

async function train(steps) {
  stopping = false;
  let done = 0;
  while (done < steps && !stopping) {
    const count = Math.min(CHUNK, steps - done);
    const first = python.runPython("trainer.steps == 0");
    postMessage({ type: "state", state: stateOf(`state_json(trainer, trainer.train(${count}), ${first ? "True" : "False"})`) });
    done += count;
    await new Promise((resolve) => setTimeout(resolve, 0));  // let a "stop" message in
  }
}

onmessage = async (event) => {
  await ready;
  const message = event.data;
  try {
    if (message.type === "reset") {
      python.globals.set("options", JSON.stringify(message.options));
      postMessage({ type: "state", state: stateOf("trainer = Trainer(**json.loads(options))\nstate_json(trainer, [])") });
    } else if (message.type === "train") {
      await train(message.steps);
      postMessage({ type: "done" });
    } else if (message.type === "stop") {
      stopping = true;
    }
  } catch (error) {
    postMessage({ type: "error", message: String(error) });
  }
};
