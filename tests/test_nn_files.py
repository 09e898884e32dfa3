"""Weight files: JSON and safetensors by suffix; saves that keep what they replace (mode, symlinks,
umask untouched, temporary file beside the real target, none left after a crash); loads that refuse
every malformed, hostile or oversized file with a bounded StateDictError; NaN and inf on request."""

import json
import math
import os
import signal
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import nn

ROOT = Path(__file__).resolve().parent.parent
MESSAGE_LIMIT = 400  # characters: no message grows with the input


def model():
    return nn.Sequential(nn.Linear(2, 3, rng=1), nn.ReLU(), nn.Linear(3, 1, rng=2))


def refused(path, match, **options):
    """nn.load(path) raises StateDictError matching `match`, naming the file, in a bounded message."""
    with pytest.raises(nn.StateDictError, match=match) as caught:
        nn.load(path, **options)
    message = str(caught.value)
    assert os.path.basename(str(path)) in message
    assert len(message) <= MESSAGE_LIMIT, len(message)
    return message


@pytest.mark.parametrize("suffix", [".json", ".safetensors", ".SAFETENSORS"])
def test_round_trip_by_suffix(tmp_path, suffix):
    if "safetensors" in suffix.lower():
        pytest.importorskip("safetensors")
    original = model()
    path = tmp_path / f"w{suffix}"
    nn.save(original, path)
    head = path.read_bytes()[:20]
    assert head.startswith(b"{") == (suffix == ".json")
    copy = model().apply(lambda m: None)
    copy[0].weight[0][0].data = 123.0
    copy.load_state_dict(nn.load(path))
    assert copy.state_dict() == original.state_dict()


def test_mlp_with_scalar_biases_round_trips_through_safetensors(tmp_path):
    pytest.importorskip("safetensors")
    original = nn.MLP(2, [3, 1], rng=4)
    nn.save(original, tmp_path / "m.safetensors")
    loaded = nn.load(tmp_path / "m.safetensors")
    assert loaded["layers.0.neurons.0.b"] == 0.0 and loaded == original.state_dict()


def test_version_1_files_still_load(tmp_path):
    original = nn.MLP(2, [2, 1], rng=3)
    flat = {name: p.data for name, p in original.named_parameters()}
    path = tmp_path / "old.json"
    path.write_text(json.dumps({"format": "chaingrad-state-dict", "version": 1, "parameters": flat}))
    other = nn.MLP(2, [2, 1], rng=8)
    other.load_state_dict(nn.load(path))
    assert other.state_dict() == original.state_dict()


# --- saving keeps what it replaces -------------------------------------------------------------

def test_save_keeps_the_mode_of_the_file_it_replaces(tmp_path):
    path = tmp_path / "w.json"
    nn.save(model(), path)
    os.chmod(path, 0o600)
    nn.save(model(), path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    os.chmod(path, 0o640)
    nn.save(model(), path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o640


def test_new_files_get_the_umask_and_the_umask_is_never_touched(tmp_path, monkeypatch):
    previous = os.umask(0o027)
    try:
        def no_umask(*args):
            raise AssertionError("nn.save called os.umask (process-wide state)")

        monkeypatch.setattr(os, "umask", no_umask)
        nn.save(model(), tmp_path / "new.json")
        monkeypatch.undo()
        assert stat.S_IMODE(os.stat(tmp_path / "new.json").st_mode) == 0o640  # 0o666 & ~0o027
    finally:
        os.umask(previous)


def test_save_writes_through_a_symlink_and_puts_the_temporary_file_beside_the_target(tmp_path, monkeypatch):
    real_folder, link_folder = tmp_path / "real", tmp_path / "links"
    real_folder.mkdir()
    link_folder.mkdir()
    target = real_folder / "w.json"
    nn.save(model(), target)
    os.chmod(target, 0o600)
    link = link_folder / "w.json"
    link.symlink_to(target)
    renames = []
    replace = os.replace

    def recording_replace(source, destination):
        renames.append((source, destination))
        replace(source, destination)

    monkeypatch.setattr(os, "replace", recording_replace)
    trained = model()
    trained[0].bias[0].data = 42.0
    nn.save(trained, link)
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert nn.load(target)["0.bias"][0] == 42.0
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600
    (source, destination), = renames
    assert os.path.dirname(source) == str(real_folder) and destination == str(target)
    assert sorted(os.listdir(real_folder)) == ["w.json"] and sorted(os.listdir(link_folder)) == ["w.json"]


def test_save_through_a_symlink_to_another_file_system(tmp_path):
    other = Path("/dev/shm")
    if not other.is_dir() or os.stat(other).st_dev == os.stat(tmp_path).st_dev or not os.access(other, os.W_OK):
        pytest.skip("no writable second file system (/dev/shm) here")
    target = other / f"chaingrad-test-{os.getpid()}.json"
    try:
        target.write_text("{}")
        link = tmp_path / "w.json"
        link.symlink_to(target)
        nn.save(model(), link)  # a temporary file in tmp_path would fail with EXDEV on the rename
        assert nn.load(target) == model().state_dict()
    finally:
        target.unlink(missing_ok=True)


def test_a_crash_mid_save_keeps_the_old_file_and_the_next_save_removes_the_leftover(tmp_path):
    path = tmp_path / "w.json"
    nn.save(model(), path)
    before = path.read_bytes()
    script = textwrap.dedent(f"""
        import os, sys, time
        sys.path.insert(0, {str(ROOT)!r})
        import nn
        os.fsync = lambda fd: (print("writing", flush=True), time.sleep(60))
        nn.save(nn.MLP(2, [50, 1], rng=9), {str(path)!r})
    """)
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline() == "writing\n"
        child.send_signal(signal.SIGKILL)  # the power cut: no except clause runs
    finally:
        child.wait(timeout=30)
    leftovers = [name for name in os.listdir(tmp_path) if name != "w.json"]
    assert len(leftovers) == 1 and leftovers[0].endswith(".chaingrad-tmp")
    assert path.read_bytes() == before
    nn.save(model(), path)
    assert os.listdir(tmp_path) == ["w.json"]


def test_an_interrupt_mid_save_leaves_nothing(tmp_path, monkeypatch):
    path = tmp_path / "w.json"
    nn.save(model(), path)
    before = path.read_bytes()
    monkeypatch.setattr(os, "replace", lambda *args: (_ for _ in ()).throw(KeyboardInterrupt()))
    with pytest.raises(KeyboardInterrupt):
        nn.save(nn.MLP(2, [2, 1]), path)
    assert path.read_bytes() == before and os.listdir(tmp_path) == ["w.json"]


@pytest.mark.parametrize("bad", [1, 0, True, None, 2.5, ["w.json"], object()])
def test_non_paths_raise_type_error(tmp_path, bad):
    with pytest.raises(TypeError, match="file path"):
        nn.load(bad)
    with pytest.raises(TypeError, match="file path"):
        nn.save(model(), bad)
    os.fstat(1)  # stdout is still open (nn.load(1) once read and closed it)


def test_bytes_and_pathlike_paths_work(tmp_path):
    nn.save(model(), os.fsencode(tmp_path / "b.json"))
    assert nn.load(str(tmp_path / "b.json")) == nn.load(tmp_path / "b.json")


# --- hostile and malformed files ---------------------------------------------------------------

def header(parameters_text):
    return '{"format": "chaingrad-state-dict", "version": 2, "parameters": ' + parameters_text + "}"


def test_nested_100000_deep_is_refused(tmp_path):
    path = tmp_path / "deep.json"
    path.write_text(header('{"w": ' + "[" * 100_000 + "]" * 100_000 + "}"))
    refused(path, "nests lists or objects more than")
    path.write_text("[" * 100_000 + "]" * 100_000)
    refused(path, r"starts with b'\['")


def test_nested_100000_deep_is_refused_with_a_raised_recursion_limit(tmp_path):
    path = tmp_path / "deep.json"
    path.write_text("{" * 100_000 + "}" * 100_000)
    script = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(ROOT)!r})
        sys.setrecursionlimit(1_000_000)
        import nn
        try:
            nn.load({str(path)!r})
        except nn.StateDictError as error:
            print("StateDictError", error)
    """)
    completed = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert completed.returncode == 0 and completed.stdout.startswith("StateDictError"), completed


def test_a_1_gb_file_is_refused_quickly_before_reading(tmp_path):
    path = tmp_path / "huge.json"
    with open(path, "wb") as handle:
        handle.truncate(2**30)  # sparse: 1 GiB on paper, nothing on disk
    started = time.perf_counter()
    refused(path, "1,073,741,824 bytes, more than")
    assert time.perf_counter() - started < 5.0  # generous: reading it would take far longer
    small = tmp_path / "small.json"
    nn.save(model(), small)
    refused(small, "more than the 100 a weights file may have", max_bytes=100)


def test_megabytes_of_whitespace_are_refused(tmp_path):
    path = tmp_path / "blank.json"
    path.write_bytes(b" \n\t" * 2_000_000)
    refused(path, "only whitespace")
    path.write_bytes(b"{" + b" \n\t" * 2_000_000 + b"}")
    refused(path, "not a chaingrad weights file")
    path.write_bytes(b"")
    refused(path, "is empty")


def test_latin_1_is_refused(tmp_path):
    path = tmp_path / "latin.json"
    path.write_bytes(header('{"caf\xe9": 1.0}').encode("latin-1"))
    refused(path, r"not UTF-8 text \(byte 68 is b'\\xe9'\)")


@pytest.mark.parametrize("number", ["1" * 5000, "1." + "0" * 5000, "1e" + "9" * 5000, "-" + "7" * 5000])
def test_5000_digit_numbers_are_refused(tmp_path, number):
    path = tmp_path / "digits.json"
    path.write_text(header('{"w": ' + number + "}"))
    refused(path, "a number of 5,0")


def test_duplicate_keys_are_refused(tmp_path):
    path = tmp_path / "dup.json"
    path.write_text(header('{"w": 1.0, "w": 2.0}'))
    refused(path, "the key 'w' appears twice")


@pytest.mark.parametrize("version", ['"2"', "2.0", "true", "null", "[2]"])
def test_non_integer_versions_are_refused(tmp_path, version):
    path = tmp_path / "version.json"
    path.write_text('{"format": "chaingrad-state-dict", "version": ' + version + ', "parameters": {}}')
    refused(path, "which is not an integer")


def test_future_versions_and_other_documents_are_refused(tmp_path):
    path = tmp_path / "v.json"
    path.write_text('{"format": "chaingrad-state-dict", "version": 99, "parameters": {}}')
    refused(path, "version 99")
    path.write_text('{"w": 1.0}')
    refused(path, "not a chaingrad weights file")
    path.write_text(header('{"w": [1.0, [2.0]]}'))
    refused(path, "neither a number nor a rectangular list")
    path.write_text(header('{"w": "x"}'))
    refused(path, "holds 'x', not a finite number")


def test_huge_keys_and_values_give_bounded_messages(tmp_path):
    path = tmp_path / "long.json"
    path.write_text(header(json.dumps({"k" * 200_000: "v" * 200_000})))
    refused(path, "not a finite number")
    path.write_text(header(json.dumps({"w": [1.0] * 100_000 + ["x"]})))
    refused(path, "holds 'x', not a finite number")
    path.write_text(header(json.dumps({"w": [[1.0] * 100_000, [1.0]]})))
    refused(path, "neither a number nor a rectangular list")


def test_every_truncation_and_many_corruptions_raise_state_dict_error(tmp_path):
    path = tmp_path / "w.json"
    nn.save(nn.Sequential(nn.Linear(2, 2, rng=0)), path)
    data = path.read_bytes()
    for end in range(len(data)):  # every truncation
        path.write_bytes(data[:end])
        with pytest.raises(nn.StateDictError):
            nn.load(path)
    import random

    rng = random.Random(0)
    for _ in range(500):  # random byte changes: a state dict or StateDictError, nothing else
        corrupted = bytearray(data)
        for _ in range(rng.randint(1, 4)):
            corrupted[rng.randrange(len(corrupted))] = rng.randrange(256)
        path.write_bytes(bytes(corrupted))
        try:
            nn.load(path)
        except nn.StateDictError as error:
            assert len(str(error)) <= MESSAGE_LIMIT


def test_hostile_safetensors_files_are_refused(tmp_path):
    pytest.importorskip("safetensors")
    numpy = pytest.importorskip("numpy")
    import safetensors.numpy

    path = tmp_path / "bad.safetensors"
    for data in [b"", b"\x00" * 7, (2**40).to_bytes(8, "little") + b"{}", (10).to_bytes(8, "little") + b"not json!!",
                 (4).to_bytes(8, "little") + b"[[[[", os.urandom(300)]:
        path.write_bytes(data)
        refused(path, "not a safetensors file")
    good = safetensors.numpy.save({"w": numpy.ones(3)})
    for end in range(0, len(good) - 1, 7):
        path.write_bytes(good[:end])
        with pytest.raises(nn.StateDictError):
            nn.load(path)
    path.write_bytes(safetensors.numpy.save({"w": numpy.array([True, False])}))
    refused(path, "dtype bool")


# --- NaN and inf, on request only ----------------------------------------------------------------

@pytest.mark.parametrize("suffix", [".json", ".safetensors"])
def test_nonfinite_weights_only_on_request(tmp_path, suffix):
    if suffix == ".safetensors":
        pytest.importorskip("safetensors")
    diverged = model()
    diverged[0].weight[0][0].data = math.nan
    diverged[0].bias[1].data = math.inf
    diverged[2].bias[0].data = -math.inf
    path = tmp_path / f"diverged{suffix}"
    with pytest.raises(nn.StateDictError, match="allow_nonfinite=True"):
        nn.save(diverged, path)
    assert not path.exists()
    nn.save(diverged, path, allow_nonfinite=True)
    if suffix == ".json":
        json.loads(path.read_text(), parse_constant=lambda name: pytest.fail(f"{name} is not strict JSON"))
    message = refused(path, "not a finite number")
    assert "allow_nonfinite=True" in message
    state = nn.load(path, allow_nonfinite=True)
    assert math.isnan(state["0.weight"][0][0]) and state["0.bias"][1] == math.inf and state["2.bias"][0] == -math.inf
    inspected = model()
    with pytest.raises(nn.StateDictError, match="allow_nonfinite=True"):
        inspected.load_state_dict(state)
    inspected.load_state_dict(state, allow_nonfinite=True)
    assert math.isnan(inspected[0].weight[0][0].data)


def test_files_another_thread_creates_during_saves_keep_the_umask(tmp_path):
    import threading

    previous = os.umask(0o022)
    try:
        stop = threading.Event()
        modes = []

        def create_files():
            index = 0
            while not stop.is_set():
                name = tmp_path / f"other-{index}"
                os.close(os.open(name, os.O_WRONLY | os.O_CREAT, 0o666))
                modes.append(stat.S_IMODE(os.stat(name).st_mode))
                os.remove(name)
                index += 1

        creator = threading.Thread(target=create_files)
        creator.start()
        try:
            for _ in range(200):
                nn.save(nn.Linear(2, 1, rng=0), tmp_path / "w.json")
        finally:
            stop.set()
            creator.join()
        assert modes and set(modes) == {0o644}
    finally:
        os.umask(previous)


# ---- issue 21: the last silent corners of weight files ----------------------------------------------


def test_an_unclosed_100000_deep_nesting_never_reaches_the_parser(tmp_path):
    """'[' * 100000 never closed: refused by the bracket count before json.loads recurses (with a
    raised recursion limit, the parser itself would crash the interpreter)."""
    path = tmp_path / "open.json"
    path.write_text(header('{"w": ' + "[" * 100_000))
    refused(path, r"brackets \[ \] \{ \} do not pair up")
    script = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(ROOT)!r})
        sys.setrecursionlimit(1_000_000)
        import nn
        try:
            nn.load({str(path)!r})
        except nn.StateDictError as error:
            print("StateDictError", error)
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and "do not pair up" in result.stdout, (result.returncode, result.stderr[-300:])


def test_a_byte_order_mark_is_named(tmp_path):
    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + header("{}").encode())
    refused(path, r"starts with a byte order mark \(BOM.*save it again as UTF-8 without BOM")
    path.write_bytes(b"x" + header("{}").encode())
    refused(path, r"bom.json' starts with b'x', not a JSON object")  # not "is starts with"


def test_safetensors_with_a_name_twice_is_refused(tmp_path):
    pytest.importorskip("safetensors")
    import struct

    entry = '{"dtype": "F64", "shape": [1], "data_offsets": [0, 8]}'
    text = ('{"w": ' + entry + ', "w": ' + entry + "}").encode()
    path = tmp_path / "dup.safetensors"
    path.write_bytes(struct.pack("<Q", len(text)) + text + struct.pack("<d", 1.0))
    refused(path, "the tensor name 'w' appears twice in the safetensors header")
    once = ('{"w": ' + entry + "}").encode()
    path.write_bytes(struct.pack("<Q", len(once)) + once + struct.pack("<d", 1.0))
    assert nn.load(path) == {"w": [1.0]}


@pytest.mark.parametrize("name", ["m.pt", "m.pth", "m.bin", "weights.PKL"])
def test_save_refuses_a_suffix_it_does_not_write(tmp_path, name):
    refusal = r"nn.save writes JSON \(.json\) or safetensors \(.safetensors\), not '\.\w+'.*'m?\w*\.json'"
    with pytest.raises(ValueError, match=refusal):
        nn.save(model(), tmp_path / name)
    assert os.listdir(tmp_path) == []
    nn.save(model(), tmp_path / "no_suffix")  # no suffix: JSON, as before
    assert nn.load(tmp_path / "no_suffix") == model().state_dict()


def test_save_makes_no_missing_folder_even_through_a_dangling_symlink(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"the folder '.*missing' does not exist; create it first"):
        nn.save(model(), tmp_path / "missing" / "w.json")
    link = tmp_path / "w.json"
    link.symlink_to(tmp_path / "gone" / "deeper" / "w.json")
    with pytest.raises(FileNotFoundError, match=r"it is a symlink to .*gone.*the folder .*deeper' does not exist"):
        nn.save(model(), link)
    assert sorted(os.listdir(tmp_path)) == ["w.json"]  # no folder made
