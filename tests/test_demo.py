"""demo.py end to end: trains to at least 97% on moons, writes its pictures, handles bad options."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
import demo  # noqa: E402


def test_demo_trains_and_writes_pictures(tmp_path, capsys):
    assert demo.main(["--out", str(tmp_path), "--quiet"]) == 0
    summary = capsys.readouterr().out.strip().splitlines()[-1]
    accuracy = int(summary.split("accuracy ")[1].split("%")[0])
    assert accuracy >= 97, summary
    assert f"pictures in {tmp_path}" in summary
    for name in ("decision_boundary.png", "training.png", "neuron.png"):
        assert (tmp_path / name).read_bytes()[:4] == b"\x89PNG"
    assert b"<svg" in (tmp_path / "neuron.svg").read_bytes()
    assert "b: 2 + 3 = 5" in (tmp_path / "backward_trace.txt").read_text(encoding="utf-8")
    assert (tmp_path / "backward_steps" / "index.html").exists()


@pytest.mark.parametrize("dataset", ["circles", "blobs", "xor"])
def test_other_datasets_train(dataset, capsys):
    assert demo.main(["--dataset", dataset, "--no-plots", "--quiet", "--steps", "40", "--samples", "40"]) == 0
    assert "accuracy" in capsys.readouterr().out


def test_adam_and_minibatches(capsys):
    arguments = ["--optimizer", "adam", "--batch-size", "16", "--steps", "10", "--no-plots", "--hidden", "8"]
    assert demo.main(arguments) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0].startswith("step    1  loss") and len(lines) == 11


@pytest.mark.parametrize("arguments, message", [
    (["--dataset", "iris"], "invalid choice: 'iris'"),
    (["--steps", "0"], "--steps must be at least 1"),
    (["--lr", "-1"], "--lr must be positive"),
    (["--hidden", "0"], "--hidden sizes must be at least 1"),
])
def test_bad_options(arguments, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        demo.main(arguments)
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


def test_hinge_on_three_classes_is_refused(capsys):
    assert demo.main(["--dataset", "blobs", "--loss", "hinge", "--no-plots"]) == 2
    assert "use --loss cross_entropy" in capsys.readouterr().err


def test_missing_plot_extra_still_trains(tmp_path, monkeypatch, capsys):
    import builtins

    real_import = builtins.__import__

    def no_matplotlib(name, *args, **kwargs):
        if name.startswith("matplotlib"):
            raise ImportError("no matplotlib")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_matplotlib)
    assert demo.main(["--out", str(tmp_path), "--quiet", "--steps", "5"]) == 0
    captured = capsys.readouterr()
    notes = [line for line in captured.err.splitlines() if "matplotlib" in line]
    assert notes == ["note: matplotlib is not installed; install the 'plot' extra: pip install 'chaingrad[plot]'"]
    assert not (tmp_path / "training.png").exists()
    assert "accuracy" in captured.out


def test_help_runs_as_a_script():
    completed = subprocess.run([sys.executable, "demo.py", "--help"], cwd=ROOT, capture_output=True, text=True)
    assert completed.returncode == 0
    for option in ("--dataset", "--hidden", "--activation", "--loss", "--optimizer", "--lr", "--steps",
                   "--batch-size", "--seed", "--out", "--no-plots", "--quiet"):
        assert option in completed.stdout


@pytest.mark.parametrize("options", [
    [],  # moons, hinge, the whole set per step
    ["--dataset", "blobs", "--samples", "30", "--batch-size", "8", "--hidden", "8"],  # cross-entropy, mini-batches
    ["--loss", "bce", "--optimizer", "adam", "--samples", "40", "--activation", "tanh"],
])
def test_compiled_demo_has_the_eager_loss_curve(options):
    common = ["--no-plots", "--quiet", "--steps", "12", *options]
    _, _, _, eager, _ = demo.train(demo.parse_arguments(common))
    _, _, _, compiled, _ = demo.train(demo.parse_arguments(common + ["--compiled"]))
    assert len(eager["loss"]) == len(compiled["loss"]) == 12
    for a, b in zip(eager["loss"], compiled["loss"]):
        assert abs(a - b) <= 1e-12 * max(1.0, abs(a)), (a, b)
    assert eager["accuracy"] == compiled["accuracy"]


def test_summary_reports_loss_and_accuracy_of_the_trained_model(capsys):
    """Both numbers of the summary are of the model after the last update: with Adam (no learning-rate
    schedule) and the whole set per step, a 5-step run's summary is what step 6 of a 6-step run reports."""
    common = ["--optimizer", "adam", "--no-plots", "--samples", "40", "--hidden", "8"]
    assert demo.main(common + ["--steps", "5", "--quiet"]) == 0
    summary = capsys.readouterr().out.strip().splitlines()[-1]
    assert demo.main(common + ["--steps", "6"]) == 0
    step_6 = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("step    6 "))
    loss, accuracy = step_6.split("loss ")[1].split()[0], step_6.split("accuracy ")[1]
    assert f"loss {loss}, accuracy {accuracy}," in summary, (summary, step_6)
