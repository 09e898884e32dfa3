"""A real data set through engine.compile: scikit-learn's 8x8 handwritten digits, MLP(64, [32, 10]).

    pip install scikit-learn          # or: pip install -e ".[examples]"
    python docs/examples/digits.py

1,797 images of 8x8 pixels (0-16), ten classes. 80% train with mini-batch SGD on softmax
cross-entropy; the other 20% are held out and only scored. Each step's graph (32 images: about
3,800 nodes and 77,000 edges) is traced once by engine.compile and then runs as generated code;
the labels go in as one-hot rows, numbers read anew on every call, so every batch reuses the
same code. The first steps also run eagerly, on the same batches, to show both times side by side
and that the losses agree.
"""

from __future__ import annotations

import random
import sys
import time

import engine
import nn


def load(seed: int) -> tuple[list, list, list, list]:
    """The digits as lists of 64 numbers in [0, 1] and labels, split 80/20 at random."""
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        sys.exit('this example needs scikit-learn: pip install scikit-learn (or pip install -e ".[examples]")')
    digits = load_digits()
    rows = [[pixel / 16.0 for pixel in image] for image in digits.data.tolist()]
    labels = [int(label) for label in digits.target]
    order = list(range(len(rows)))
    random.Random(seed).shuffle(order)
    cut = int(0.8 * len(order))
    train, test = order[:cut], order[cut:]
    return [rows[i] for i in train], [labels[i] for i in train], [rows[i] for i in test], [labels[i] for i in test]


def one_hot(label: int) -> list[float]:
    return [1.0 if k == label else 0.0 for k in range(10)]


def progress(total: int, quiet: bool):
    """A tqdm bar if the extra is installed (pip install tqdm), else a line per epoch."""
    if quiet:
        return None
    try:
        from tqdm import tqdm
    except ImportError:
        return None
    return tqdm(total=total, desc="training (compiled)", unit="step")


def main(epochs: int = 8, batch_size: int = 32, learning_rate: float = 0.5, eager_steps: int = 10,
         seed: int = 0, quiet: bool = False) -> dict:
    X, y, X_test, y_test = load(seed)
    model = nn.MLP(64, [32, 10], rng=seed)
    parameters = model.parameters()
    optimizer = nn.SGD(parameters, lr=learning_rate)

    def loss_of(images, targets):
        """Mean softmax cross-entropy, -mean of log softmax(z)[label], from one-hot rows."""
        picked = [engine.dot(target, nn.log_softmax(model(image))) for image, target in zip(images, targets)]
        return engine.sum(picked) * (-1.0 / len(picked))

    compiled = engine.compile(loss_of)
    rng = random.Random(seed)
    batches = []
    for _ in range(epochs):
        order = list(range(len(X)))
        rng.shuffle(order)
        for start in range(0, len(order) - batch_size + 1, batch_size):  # full batches only: one structure
            chosen = order[start : start + batch_size]
            batches.append(([X[i] for i in chosen], [one_hot(y[i]) for i in chosen]))

    # eager, the first steps only (for the times), on a copy of the model
    eager_model = nn.MLP(64, [32, 10], rng=seed)
    eager_optimizer = nn.SGD(eager_model.parameters(), lr=learning_rate)

    def eager_loss(images, targets):
        picked = [engine.dot(target, nn.log_softmax(eager_model(image))) for image, target in zip(images, targets)]
        return engine.sum(picked) * (-1.0 / len(picked))

    eager_losses = []
    started = time.perf_counter()
    for images, targets in batches[:eager_steps]:
        loss = eager_loss(images, targets)
        eager_optimizer.zero_grad()
        loss.backward()
        eager_optimizer.step()
        eager_losses.append(loss.data)
    eager_seconds = (time.perf_counter() - started) / max(eager_steps, 1)

    losses = []
    bar = progress(len(batches), quiet)
    started = time.perf_counter()
    for step, (images, targets) in enumerate(batches):
        if step == 1:
            compile_seconds = time.perf_counter() - started
            started = time.perf_counter()
        loss = compiled(images, targets)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.data)
        if bar is not None:
            if step % 10 == 0:
                bar.set_postfix(loss=f"{loss.data:.4f}", refresh=False)
            bar.update(1)
        elif not quiet and (step + 1) % (len(batches) // epochs) == 0:
            print(f"epoch {(step + 1) // (len(batches) // epochs)}: loss {loss.data:.4f}", flush=True)
    compiled_seconds = (time.perf_counter() - started) / max(len(batches) - 1, 1)
    if bar is not None:
        bar.close()

    with engine.no_grad():
        right = sum(max(range(10), key=lambda k: scores[k].data) == label
                    for scores, label in ((model(image), label) for image, label in zip(X_test, y_test)))
    accuracy = right / len(X_test)
    difference = max(abs(a - b) for a, b in zip(eager_losses, losses))
    if not quiet:
        print(f"{len(X)} training images, {len(X_test)} held out; {len(batches)} steps of {batch_size}; "
              f"{model.num_parameters()} parameters")
        print(f"eager:    {eager_seconds * 1000:7.1f} ms per step (first {eager_steps} steps)")
        print(f"compiled: {compiled_seconds * 1000:7.1f} ms per step ({eager_seconds / compiled_seconds:.1f}x faster), "
              f"first step with trace and compile {compile_seconds:.2f} s")
        print(f"largest difference between the eager and compiled losses: {difference:.1e}")
        print(f"held-out accuracy: {accuracy:.1%}")
    return {"accuracy": accuracy, "losses": losses, "eager_losses": eager_losses, "difference": difference,
            "eager_seconds": eager_seconds, "compiled_seconds": compiled_seconds, "compile_seconds": compile_seconds,
            "traces": compiled.traces}


if __name__ == "__main__":
    main()
