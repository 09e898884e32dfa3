"""The words of every picture, caption, table and page of viz, in English and in Chinese, side by side.

`words(lang)` gives the phrasebook of one language: `say = words("zh")`, then `say("forward", ...)`.
The Chinese is written as the backprop texts write it: 正向传播, 反向传播, 局部导数, 堆放 (a node
"piles up" what it receives, text 001), 链式法则, 计算图. `data` and `grad` stay as they are: they are
the attribute names a learner types.
"""

from __future__ import annotations

from typing import Callable

LANGUAGES = ("en", "zh")

PHRASES: dict[str, tuple[str, str]] = {  # key: (English, Chinese); {fields} are filled by say(key, **fields)
    # node and edge texts (pictures and the explorer)
    "data unknown": ("data ?", "data ?"),
    "grad not yet": ("grad not yet", "grad 未算"),
    "constant": ("constant {number}", "常数 {number}"),
    "more": ("… {count} more", "… 另有 {count} 个"),
    "output": ("output", "输出"),
    "parameter": ("parameter", "参数"),
    "input": ("input", "输入"),
    "intermediate": ("intermediate", "中间节点"),
    "list separator": (", ", "，"),
    # the explorer's steps
    "start": ("the graph of {root}: the inputs are known ({leaves} leaves); {ops} ops to compute",
              "{root} 的计算图：输入已知（{leaves} 个叶子节点），还有 {ops} 个运算要算"),
    "forward": ("forward {number}/{total}: {name} = {symbols} = {numbers} = {value}",
                "正向传播 {number}/{total}：{name} = {symbols} = {numbers} = {value}"),
    "seed": ("backward starts: ∂{root}/∂{root} = 1 (the seed)", "反向传播开始：∂{root}/∂{root} = 1（起点）"),
    "sends": ("{node} (grad {grad}) sends {sent}", "{node}（梯度 {grad}）{sent}"),
    "sent to": ("{flow} to {parent}", "向 {parent} 发送 {flow}"),
    "pile": ("; {name}'s pile: {pile}", "；{name} 堆放起来的量：{pile}"),
    "done": ("backward done: each gradient is the pile (堆放) of what its consumers sent; "
             "click a node for its chain-rule sum",
             "反向传播结束：每个节点的梯度，就是后面各节点发来的量堆放起来的和；点击节点，看它的链式法则求和"),
    "the seed": ("the seed: backward() starts here", "起点：backward() 从这里开始"),
    "detail": ("{name} ({role}, data {data})", "{name}（{role}，data {data}）"),
    "detail made": ("{name} ({role}, data {data}, made by {op})", "{name}（{role}，data {data}，由 {op} 算出）"),
    "constant detail": ("a number given to {op} (for {name}); no gradient flows to it",
                        "传给 {op} 的一个数（用来算 {name}）；梯度不会流向它"),
    # the explorer's page
    "page title": ("Backpropagation through {root}", "{root} 的正向传播与反向传播（逐步演示）"),
    "frame title": ("chaingrad explorer", "chaingrad 计算图逐步演示"),
    "first": ("first step (Home)", "第一步（Home）"),
    "previous": ("previous step (←)", "上一步（←）"),
    "play title": ("play / pause (space)", "播放 / 暂停（空格）"),
    "next": ("next step (→)", "下一步（→）"),
    "last": ("last step (End)", "最后一步（End）"),
    "play": ("▶ play", "▶ 播放"),
    "pause": ("⏸ pause", "⏸ 暂停"),
    "step slider": ("step", "步骤"),
    "counter": ("step {current} / {last}", "第 {current} / {last} 步"),
    "chain rule": ("chain rule", "链式法则"),
    "click a node": ("click a node to see its gradient as a sum over its consumers",
                     "点击一个节点，看它的梯度怎样由链式法则求和得到"),
    "legend": ("legend", "图例"),
    "legend pending": ("dashed: not computed / not reached yet", "虚线：还没算到（正向或反向）"),
    "legend partial": ("pile still growing", "还在堆放，梯度未完成"),
    "legend complete": ("gradient complete", "梯度已完成"),
    "legend active": ("this step's node and edges", "这一步的节点和边"),
    "legend edge": ("edge label: local × upstream = sent", "边上的数：局部导数 × 上游梯度 = 发送量"),
    "keys": ("keys: ← → step, Home / End, space plays", "按键：← → 逐步，Home / End 首尾，空格播放"),
    "fit": ("⤢ fit", "⤢ 适应窗口"),
    "fit title": ("zoom to fit the whole graph (0 or f)", "缩放到能看见整张图（0 或 f）"),
    "zoom in": ("zoom in (+, or the wheel)", "放大（+ 或滚轮）"),
    "zoom out": ("zoom out (-, or the wheel)", "缩小（- 或滚轮）"),
    "panel": ("▤ panel", "▤ 侧栏"),
    "panel title": ("show / hide the side panel (p)", "显示 / 隐藏侧栏（p）"),
    "layout": ("⇄ layout", "⇄ 布局"),
    "layout title": ("left to right / top to bottom (l)", "从左到右 / 从上到下（l）"),
    "neurons": ("⊞ neurons", "⊞ 神经元"),
    "neurons title": ("each neuron as one box, or every Value (n); click a box to open it",
                      "每个神经元画成一个框，或画出每个 Value（n）；点击框展开"),
    "export svg": ("SVG", "SVG"),
    "export svg title": ("this step as an SVG picture, for slides", "把这一步存成 SVG 图片（做幻灯片用）"),
    "export png": ("PNG", "PNG"),
    "export png title": ("this step as a PNG picture, for slides", "把这一步存成 PNG 图片（做幻灯片用）"),
    "tab chain": ("chain rule", "链式法则"),
    "tab nudge": ("nudge", "微调"),
    "tab paths": ("paths", "路径"),
    "zoom keys": ("drag or Shift + arrows to move, wheel or + / - to zoom, 0 to fit, p: panel, l: layout, n: neurons",
                  "拖动或 Shift + 方向键移动，滚轮或 + / - 缩放，0 适应窗口，p 侧栏，l 布局，n 神经元"),
    # the nudge and paths views (viz.views)
    "nudge what": ("nudge {name} by h = {h}, run the forward pass again:", "把 {name} 增加 h = {h}，再做一遍正向传播："),
    "nudge says": ("the output moves {slope} times as fast as {name}: the gradient says {grad}",
                   "输出的变化是 {name} 的 {slope} 倍：梯度说是 {grad}"),
    "nudge unknown": ("this graph's ops cannot be run again here, so there is no nudge to show",
                      "这张图的运算无法在这里重新计算，所以没有微调可看"),
    "none nudge": ("click a node to nudge it", "点击一个节点，对它做微调"),
    "none paths": ("click a node to see its paths to the output", "点击一个节点，看它到输出的每条路径"),
    "paths root": ("{root} is the output: its gradient is the seed, 1", "{root} 就是输出：它的梯度是起点 1"),
    "paths none": ("no path leads from {name} to {root}: its gradient is 0", "从 {name} 到 {root} 没有路径：梯度为 0"),
    "paths count": ("{count} path(s) from {name} to {root}, each the product of its local derivatives:",
                    "从 {name} 到 {root} 共 {count} 条路径，每条路径上的局部导数相乘："),
    "paths more": ("… and {count} more", "……另有 {count} 条"),
    "paths sum": ("sum over the paths = {total}; backpropagation's pile (堆放) = {grad}",
                  "各路径之和 = {total}；反向传播堆放起来的梯度 = {grad}"),
    "paths cost": ("multiplications: {by_paths} summing over the {count} path(s), for this gradient alone; "
                   "{edges} by backpropagation, one per edge, for every gradient at once",
                   "乘法次数：按路径求和要 {by_paths} 次，只得到这一个梯度；反向传播每条边乘一次，共 {edges} 次，"
                   "所有梯度一起得到"),
    # the trace table
    "table header": ("step|node|grad|-> parent|local|sent|parent's pile",
                     "步|节点|梯度|-> 发送给|局部导数|发送量|堆放起来的量"),
    "piles heading": ("piles (堆放): each Value's gradient is the sum of what it received",
                      "堆放：每个节点的梯度，是它收到的各份之和"),
    # the frames of render_backward_frames
    "frames title": ("The backward pass, step by step (堆放)", "反向传播，逐帧演示（堆放）"),
    "frames previous": ("← previous", "← 上一帧"),
    "frames next": ("next →", "下一帧 →"),
    "frames keys": ("(arrow keys step)", "（方向键翻帧）"),
    "frames counter": ("frame {current} of {last}", "第 {current} / {last} 帧"),
    "all steps": ("All steps", "全部步骤"),
    "frame forward": ("forward pass done: every gradient not yet computed", "正向传播完成：梯度都还没算"),
    "frame step": ("step {number}: {text}", "第 {number} 步：{text}"),
    "frames left out": ("max_frames={max_frames}: steps {first} to {last} are not drawn ({count} steps; "
                        "raise max_frames, or use viz.explore for every step).",
                        "max_frames={max_frames}：第 {first} 到 {last} 步没有画出（共 {count} 步；"
                        "调大 max_frames，或用 viz.explore 看每一步）。"),
    # draw_layers
    "inputs": ("inputs", "输入"),
    "values": ("{count} Values", "{count} 个 Value"),
    "one value": ("1 Value", "1 个 Value"),
    "plain numbers": ("plain numbers (no Values)", "普通数字（没有 Value）"),
    "layer counts": ("{parameters} parameters, {computed} Values computed", "{parameters} 个参数，算出 {computed} 个 Value"),
    "layer grads": ("parameters' |grad|: mean {mean}, max {largest}", "参数的 |grad|：平均 {mean}，最大 {largest}"),
    "edges": ("{count} edges", "{count} 条边"),
    "numbers": ("{count} numbers", "{count} 个数"),
    "loss": ("loss", "损失"),
    "one edge": ("1 edge", "1 条边"),
}


def check_language(lang: object) -> str:
    """lang itself if it is 'en' or 'zh'; otherwise a ValueError that names it and the choices."""
    if lang not in LANGUAGES:
        raise ValueError(f"lang must be 'en' (English) or 'zh' (中文), got {lang!r}")
    return str(lang)


def words(lang: str) -> Callable[..., str]:
    """The phrasebook of `lang`: say(key, **fields) -> the phrase with its fields filled in."""
    column = LANGUAGES.index(check_language(lang))

    def say(key: str, **fields: object) -> str:
        return PHRASES[key][column].format(**fields)

    return say
