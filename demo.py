"""chaingrad end to end: train a small MLP on a toy dataset, then draw what happened.

    python demo.py                      # moons, MLP(2, [16, 16, 1]), hinge loss + L2, SGD, 100 steps
    python demo.py --dataset spiral --hidden 32 32 --optimizer adam --steps 200
    python demo.py --compiled           # the same training through engine.compile (the same losses)

Reads top to bottom as a tutorial: data, model, loss, training loop, pictures.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time

import engine
import nn
import viz
from engine import Value
from nn.weights.files import write_atomically


def parse_arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Train a toy classifier with chaingrad and draw its pictures.")
    parser.add_argument("--dataset", choices=sorted(nn.DATASETS), default="moons", help="toy dataset (default: moons)")
    parser.add_argument("--samples", type=int, default=100, help="number of points (default: 100)")
    parser.add_argument("--hidden", type=int, nargs="+", default=[16, 16], metavar="N",
                        help="hidden layer sizes (default: 16 16)")
    parser.add_argument("--activation", choices=["relu", "tanh", "sigmoid", "leaky_relu"], default="relu")
    parser.add_argument("--loss", choices=["hinge", "bce", "cross_entropy"], default=None,
                        help="default: hinge for two classes, cross_entropy for more")
    parser.add_argument("--l2", type=float, default=1e-4, help="L2 penalty strength (default: 1e-4)")
    parser.add_argument("--optimizer", choices=["sgd", "adam"], default="sgd")
    parser.add_argument("--lr", type=float, default=None, help="learning rate (default: 1.0 for sgd, decaying; 0.05 for adam)")
    parser.add_argument("--steps", type=int, default=100, help="training steps (default: 100)")
    parser.add_argument("--batch-size", type=int, default=None, help="mini-batch size (default: the whole dataset)")
    parser.add_argument("--seed", type=int, default=1337, help="seed for data, weights and batches")
    parser.add_argument("--out", default="out", help="folder for the pictures (default: out)")
    parser.add_argument("--no-plots", action="store_true", help="train only, write no pictures")
    parser.add_argument("--compiled", action="store_true",
                        help="run each step through engine.compile: traced once, then generated code (same losses)")
    parser.add_argument("--quiet", action="store_true", help="print only the summary")
    arguments = parser.parse_args(argv)
    for name in ("samples", "steps"):
        if getattr(arguments, name) < 1:
            parser.error(f"--{name} must be at least 1")
    if any(size < 1 for size in arguments.hidden):
        parser.error("--hidden sizes must be at least 1")
    if arguments.batch_size is not None and arguments.batch_size < 1:
        parser.error("--batch-size must be at least 1")
    if arguments.lr is not None and not arguments.lr > 0:
        parser.error("--lr must be positive")
    return arguments


def train(arguments: argparse.Namespace) -> tuple | None:
    """Steps 1-4: data, model, loss, training loop; (model, X, y, history, (final loss, final accuracy)), or None
    (after printing why) if the options do not fit together."""
    rng = random.Random(arguments.seed)

    # 1. Data: 2-D points with integer class labels.
    X, y = nn.DATASETS[arguments.dataset](arguments.samples, seed=rng.randrange(2**31))
    classes = max(y) + 1
    loss_name = arguments.loss or ("hinge" if classes == 2 else "cross_entropy")
    if classes > 2 and loss_name != "cross_entropy":
        print(f"error: --loss {loss_name} needs two classes; {arguments.dataset} has {classes}: use --loss cross_entropy",
              file=sys.stderr)
        return None

    # 2. Model: hidden layers with the activation, a linear output layer (one score, or one per class).
    outputs = 1 if loss_name != "cross_entropy" else classes
    model = nn.MLP(2, arguments.hidden + [outputs], activation=arguments.activation, rng=rng)
    parameters = model.parameters()

    # 3. Loss: the data term plus an L2 penalty on every parameter. The targets are made from the
    # integer labels outside the loss (hinge: -1/+1, bce: 0/1), so that engine.compile reads them
    # as numbers; for cross-entropy it gets one-hot rows (integer labels would be structure to it,
    # and every reshuffle a new trace), which give the same numbers as nn.cross_entropy.
    def targets_of(labels):
        if loss_name == "hinge":
            return [2.0 * label - 1.0 for label in labels]  # labels in {-1, +1}
        if loss_name == "bce":
            return [float(label) for label in labels]
        if not arguments.compiled:
            return list(labels)
        return [[1.0 if k == label else 0.0 for k in range(classes)] for label in labels]

    def loss_of(batch_X, targets):
        scores = [model(x) for x in batch_X]
        if loss_name == "hinge":
            data_loss = nn.hinge(scores, targets)
        elif loss_name == "bce":
            data_loss = nn.binary_cross_entropy(scores, targets)
        elif not arguments.compiled:
            data_loss = nn.cross_entropy(scores, targets)
        else:  # -mean of log softmax(z)[target], from one-hot rows
            picked = [engine.dot(row, nn.log_softmax(z)) for z, row in zip(scores, targets)]
            data_loss = engine.sum(picked) * (-1.0 / len(picked))
        # the scores only for accuracy: detached, so that a compiled call differentiates the loss alone
        return data_loss + nn.l2(parameters, arguments.l2), [
            z.detach() if isinstance(z, Value) else [v.detach() for v in z] for z in scores]

    step_loss = engine.compile(loss_of) if arguments.compiled else loss_of

    def accuracy(scores, labels):
        if isinstance(scores[0], Value):
            right = [(score.data > 0) == (label == 1) for score, label in zip(scores, labels)]
        else:
            right = [max(range(classes), key=lambda k: score[k].data) == label for score, label in zip(scores, labels)]
        return sum(right) / len(right)

    # 4. Training loop: forward, zero_grad, backward, step.
    base_lr = arguments.lr or (1.0 if arguments.optimizer == "sgd" else 0.05)
    if arguments.optimizer == "sgd":
        optimizer: nn.Optimizer = nn.SGD(parameters, lr=base_lr)
    else:
        optimizer = nn.Adam(parameters, lr=base_lr)
    batch_size = arguments.batch_size or len(X)
    history: dict[str, list[float]] = {"loss": [], "accuracy": []}
    progress = Progress(arguments.steps, quiet=arguments.quiet)
    batch_stream = iter(())
    for step in range(arguments.steps):
        batch = next(batch_stream, None)
        if batch is None:  # a new epoch, reshuffled
            batch_stream = nn.batches(X, y, batch_size, seed=rng.randrange(2**31))
            batch = next(batch_stream)
        loss, scores = step_loss(batch[0], targets_of(batch[1]))
        optimizer.zero_grad()
        loss.backward()
        if arguments.optimizer == "sgd":
            optimizer.lr = base_lr * (1.0 - 0.9 * step / arguments.steps)  # decay to a tenth
        optimizer.step()
        history["loss"].append(loss.data)
        history["accuracy"].append(accuracy(scores, batch[1]))
        progress.update(step, loss.data, history["accuracy"][-1])
    progress.close()

    # The trained model (after the last update) on every point: its loss and its accuracy. The last
    # step's line shows the model before that update.
    with engine.no_grad():
        final_loss, final_scores = loss_of(X, targets_of(y))
        final = (final_loss.data, accuracy(final_scores, y))
    return model, X, y, history, final


def main(argv: list[str] | None = None) -> int:
    arguments = parse_arguments(argv)
    started = time.perf_counter()
    trained = train(arguments)
    if trained is None:
        return 2
    model, X, y, history, (final_loss, final_accuracy) = trained
    seconds = time.perf_counter() - started

    # 5. Pictures.
    where = "no pictures (--no-plots)"
    if not arguments.no_plots:
        where = draw_pictures(model, X, y, history, arguments.out)
    print(f"{arguments.dataset}: {len(X)} points, {model.num_parameters()} parameters, {arguments.steps} steps, "
          f"trained model: loss {final_loss:.4f}, accuracy {final_accuracy:.0%}, {seconds:.1f} s; {where}")
    return 0


class Progress:
    """A tqdm bar on a terminal; a plain line per step otherwise; nothing when quiet."""

    def __init__(self, total: int, quiet: bool) -> None:
        self.bar = None
        self.quiet = quiet
        if not quiet and sys.stderr.isatty():
            try:
                from tqdm import tqdm

                self.bar = tqdm(total=total, desc="training", unit="step")
            except ImportError:
                self.bar = None

    def update(self, step: int, loss: float, accuracy: float) -> None:
        if self.bar is not None:
            self.bar.set_postfix(loss=f"{loss:.4f}", accuracy=f"{accuracy:.0%}")
            self.bar.update(1)
        elif not self.quiet:
            print(f"step {step + 1:4d}  loss {loss:.4f}  accuracy {accuracy:.0%}", flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def draw_pictures(model: nn.MLP, X, y, history, folder: str) -> str:
    """Write the demo's pictures into `folder`; a missing extra costs its pictures, not the run."""
    os.makedirs(folder, exist_ok=True)
    written, missing = [], []

    def attempt(name, make):
        try:
            make()
            written.append(name)
        except (viz.MissingDependencyError, viz.MissingRendererError) as error:
            missing.append(str(error).split(";")[0] + "; " + str(error).split(";")[-1].strip())

    boundary = os.path.join(folder, "decision_boundary.png")
    attempt("decision_boundary.png", lambda: viz.plot_decision_boundary(model, X, y, boundary))
    attempt("training.png", lambda: viz.plot_loss(history, os.path.join(folder, "training.png")))

    # One neuron's forward and backward pass: the first hidden neuron on the first point.
    neuron = model.layers[0].neurons[0]
    inputs = [Value(X[0][0], label="x1"), Value(X[0][1], label="x2")]
    for index, weight in enumerate(neuron.w, start=1):
        weight.label = f"w{index}"
    neuron.b.label = "b"
    out = neuron(inputs)
    out.label = "out"
    neuron.zero_grad()
    out.backward()
    for name in ("neuron.svg", "neuron.png"):
        path = os.path.join(folder, name)
        attempt(name, lambda path=path: viz.render(out, path, parameters=neuron.parameters(), show_flow=True))
    for weight in neuron.w + [neuron.b]:
        weight.label = ""
    neuron.zero_grad()

    # The backward pass of e = (a + b)(b + 1) at a = 2, b = 1, step by step (the texts' example).
    a, b = engine.Value(2.0, label="a"), engine.Value(1.0, label="b")
    c, d = a + b, b + 1
    e = c * d
    c.label, d.label, e.label = "c", "d", "e"
    trace = viz.trace_backward(e)
    write_atomically(os.path.join(folder, "backward_trace.txt"), (trace.table() + "\n").encode("utf-8"))
    written.append("backward_trace.txt")
    attempt("backward_steps/index.html", lambda: viz.render_backward_frames(e, os.path.join(folder, "backward_steps")))
    attempt("explore.html", lambda: viz.explore(e, os.path.join(folder, "explore.html")))  # the same, interactive

    for line in dict.fromkeys(missing):
        print(f"note: {line}", file=sys.stderr)
    return f"pictures in {folder}/: {', '.join(written)}"


if __name__ == "__main__":
    sys.exit(main())
