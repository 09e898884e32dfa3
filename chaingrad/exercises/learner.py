"""The learner's file: loading it, calling into it, and reading its nodes.

The file is loaded by its path under a name of its own (so a file called engine.py or value.py
never stands for chaingrad's packages); while it loads, its folder is first on sys.path and the
modules named as its files are out of sys.modules, so that ``from my_value import Value`` (or
``from engine import Value``, micrograd's names) in my_nn.py finds the learner's other file; afterwards
sys.path and sys.modules are put back as they were. Every call into the learner's code goes through `run`,
which turns an exception into a Failure naming the learner's own line, under a time limit.
"""

from __future__ import annotations

import contextlib
import importlib.util
import signal
import sys
import threading
import traceback
from numbers import Real
from pathlib import Path
from types import ModuleType
from typing import Any, Callable, Iterator

from chaingrad.exercises.report import Failure, Text

SECONDS = 10.0  # the time limit of one call into the learner's code


def load(path: str | Path) -> ModuleType:
    """The learner's file as a module (FileNotFoundError if there is none; Failure if it does not load)."""
    path = Path(path).resolve()
    if not path.is_file():
        raise FileNotFoundError(f"no file {str(path)!r}: give the path of your .py file")
    spec = importlib.util.spec_from_file_location(f"learner_{path.stem}", path)
    if spec is None or spec.loader is None:
        raise FileNotFoundError(f"{str(path)!r} is not a Python file: give the path of your .py file")
    module, loader = importlib.util.module_from_spec(spec), spec.loader
    folder = str(path.parent)
    own = {item.stem for item in path.parent.iterdir() if item.suffix == ".py" or (item / "__init__.py").is_file()}
    hidden = {name: sys.modules.pop(name) for name in list(sys.modules) if name.split(".")[0] in own}
    modules_before = set(sys.modules)
    sys.path.insert(0, folder)
    try:  # the learner's engine.py or nn.py, not chaingrad's modules of the same name, for its imports
        run(Text(f"loading {path.name}", f"加载 {path.name} 时"), lambda: loader.exec_module(module), path)
    finally:
        sys.path.remove(folder)
        for name in set(sys.modules) - modules_before:  # the learner's other files, imported from its folder
            if name.split(".")[0] in own:
                del sys.modules[name]
        sys.modules.update(hidden)
    module.__dict__["__learner_path__"] = path
    return module


def needs(module: ModuleType, name: str, exercise: int) -> Any:
    """The learner's `name` (Value, topological_order, MLP, ...), or a Failure saying where it goes."""
    if not hasattr(module, name):
        raise Failure(
            Text(f"your file has no {name}", f"你的文件里没有 {name}"),
            Text(f"exercise {exercise} looks for {name} at the top level of your file (start from the template "
                 "in docs/exercises/)", f"第 {exercise} 题要在文件的最外层找到 {name}（从 docs/exercises/ 里的模板开始写）"),
        )
    return getattr(module, name)


def _learner_line(error: BaseException, path: Path | None) -> str:
    """'my_value.py, line 12: return ...' for the deepest frame of the learner's file, or ''."""
    frames = [frame for frame in traceback.extract_tb(error.__traceback__)
              if path is not None and Path(frame.filename).resolve() == path]
    if isinstance(error, SyntaxError) and error.lineno is not None:
        return f"{Path(error.filename or '').name}, line {error.lineno}: {(error.text or '').strip()}"
    if not frames:
        return ""
    frame = frames[-1]
    return f"{Path(frame.filename).name}, line {frame.lineno}: {frame.line}"


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise TimeoutError in this thread after `seconds` (on Unix, in the main thread; elsewhere no limit).
    The alarm signal's handler and timer are put back as they were on the way out."""
    if not hasattr(signal, "setitimer") or threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, frame: object) -> None:
        raise TimeoutError(f"stopped after {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def run(doing: Text, function: Callable[[], Any], path: Path | None, program: tuple[str, ...] = (),
        seconds: float = SECONDS) -> Any:
    """function() (a call into the learner's code), any exception turned into a Failure."""
    try:
        with time_limit(seconds):
            return function()
    except Failure:
        raise
    except NotImplementedError as error:
        where = _learner_line(error, path)
        raise Failure(
            Text(f"{doing.en}: your code reached a TODO that is not filled in yet ({where})",
                 f"{doing.zh}：程序走到了还没填写的 TODO（{where}）"),
            Text("replace that `raise NotImplementedError` with your code (the exercise's instructions say what it does)",
                 "把这行 raise NotImplementedError 换成你自己的代码（题目说明里讲了它要做什么）"),
            program=program,
        ) from None
    except RecursionError:
        raise Failure(
            Text(f"{doing.en}: Python's recursion limit was hit (RecursionError)",
                 f"{doing.zh}：超过了 Python 的递归深度上限（RecursionError）"),
            Text("a function that calls itself once per node fails near 1,000 nodes; keep the nodes still to visit "
                 "on a list used as a stack (append, pop) and loop while it is not empty",
                 "函数每到一个节点就调用自己一次，节点一过一千左右就会出错；改用一个列表当栈（append 和 pop），"
                 "栈不空就一直循环"),
            program=program,
        ) from None
    except TimeoutError:
        raise Failure(
            Text(f"{doing.en}: still running after {seconds:g} s", f"{doing.zh}：运行了 {seconds:g} 秒还没结束"),
            Text("a walk that goes into a node again each time another path reaches it does exponential work; "
                 "remember the nodes you have visited (a set) and skip them",
                 "如果每条路径经过一个节点都要重新走一遍，工作量会按指数增长；用一个集合记下已访问的节点，再遇到就跳过"),
            program=program,
        ) from None
    except Exception as error:  # the learner's bug, shown with the learner's line
        where = _learner_line(error, path)
        message = error.msg if isinstance(error, SyntaxError) else error  # the line is in `where`
        raise Failure(
            Text(f"{doing.en}: {type(error).__name__}: {message}" + (f" ({where})" if where else ""),
                 f"{doing.zh}：{type(error).__name__}: {message}" + (f"（{where}）" if where else "")),
            Text("read the line named above; the instructions of this exercise say what each method receives",
                 "看看上面指出的那一行；题目说明里写了每个方法收到的是什么"),
            program=program,
        ) from None


# ---- reading the learner's nodes ---------------------------------------------------------------


def operands(node: Any) -> tuple:
    """What the op that made the node was given, in order: its _prev (the templates' name), or, in
    engine/tiny.py's names, its operands (numbers included there)."""
    prev = getattr(node, "_prev", None)
    if prev is None and hasattr(node, "operands") and hasattr(node, "local_derivatives"):
        return tuple(node.operands)
    if prev is None:
        raise Failure(
            Text(f"a Value ({node!r}) has no _prev", f"有个 Value（{node!r}）没有 _prev"),
            Text("every Value keeps its parents in self._prev: () for a leaf, (a, b) for a + b",
                 "每个 Value 都要把父节点存在 self._prev 里：叶子节点是 ()，a + b 是 (a, b)"),
        )
    if isinstance(prev, (set, frozenset)):
        raise Failure(
            Text("_prev is a set", "_prev 是个集合（set）"),
            Text("keep _prev a tuple: a set forgets the order and keeps x * x's parent x only once, "
                 "though x takes part twice", "把 _prev 存成元组：集合不记顺序，而且 x * x 里 x 出现两次，集合只留一个"),
        )
    return tuple(prev)


def parents(node: Any) -> tuple:
    """The Values among the node's operands: where a walk goes on to."""
    return tuple(operand for operand in operands(node) if not isinstance(operand, Real))


def local_derivatives(node: Any) -> tuple:
    """The node's local derivatives d(node)/d(operand), one per operand (its _local, or tiny.py's
    local_derivatives)."""
    local = getattr(node, "_local", None)
    if local is None and not hasattr(node, "_prev") and hasattr(node, "local_derivatives"):
        local = node.local_derivatives
    if local is None:
        raise Failure(
            Text(f"a Value made by an op ({node!r}) has no _local", f"运算得到的 Value（{node!r}）没有 _local"),
            Text("store the local derivatives next to the parents: self._local = (d out/d a, d out/d b)",
                 "把局部导数和父节点放在一起：self._local = (∂out/∂a, ∂out/∂b)"),
        )
    return tuple(local)
