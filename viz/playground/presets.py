"""The playground's preset programs, with their comments in English and in Chinese: the texts' apple
purchase (000), e = (a + b)(b + 1) (001), a small network of Nielsen's chapter 2 (002), and the
neuron of micrograd's lecture. Each is a program the page's box runs as a student's own.
"""

from __future__ import annotations

PRESETS: dict[str, dict[str, dict[str, str]]] = {
    "sum_times": {
        "title": {"en": "e = (a + b)(b + 1), text 001", "zh": "e = (a + b)(b + 1)（文本 001）"},
        "code": {
            "en": """# text 001, at a = 2 and b = 1
a = Value(2.0)
b = Value(1.0)
c = a + b
d = b + 1
e = c * d
e.backward()  # the backward pass
print(a.grad, b.grad)  # 2 and 2 + 3 = 5
""",
            "zh": """# 文本 001，取 a = 2，b = 1
a = Value(2.0)
b = Value(1.0)
c = a + b
d = b + 1
e = c * d
e.backward()  # 反向传播
print(a.grad, b.grad)  # 2 和 2 + 3 = 5
""",
        },
    },
    "apple": {
        "title": {"en": "the apple purchase, text 000", "zh": "买苹果（文本 000）"},
        "code": {
            "en": """# text 000: 2 apples at 100, tax 1.1
apple = Value(100.0)
count = Value(2.0)
tax = Value(1.1)
price = apple * count
pay = price * tax
pay.backward()
print(f"pay {pay.data:g}")
# d pay / d apple, count, tax:
print(f"{apple.grad:g} {count.grad:g} {tax.grad:g}")
""",
            "zh": """# 文本 000：2 个苹果，单价 100，税 1.1
apple = Value(100.0)
count = Value(2.0)
tax = Value(1.1)
price = apple * count
pay = price * tax
pay.backward()
print(f"支付 {pay.data:g}")
print(f"对单价 {apple.grad:g}，对个数 {count.grad:g}，对税 {tax.grad:g}")
""",
        },
    },
    "nielsen": {
        "title": {"en": "Nielsen's small network, text 002", "zh": "Nielsen 的小网络（文本 002）"},
        "code": {
            "en": """# text 002 (Nielsen, chapter 2):
# 2 inputs, 2 sigmoid neurons, 1 output
x1 = Value(1.0)
x2 = Value(0.5)
w11 = Value(0.2)
w12 = Value(-0.4)
w21 = Value(0.6)
w22 = Value(0.1)
b1 = Value(0.1)
b2 = Value(-0.2)
v1 = Value(0.7)
v2 = Value(-0.3)
b3 = Value(0.05)
# a = σ(z), z the weighted input
h1 = (w11 * x1 + w12 * x2 + b1).sigmoid()
h2 = (w21 * x1 + w22 * x2 + b2).sigmoid()
z = v1 * h1 + v2 * h2 + b3
a = z.sigmoid()
# the quadratic cost, target y = 1
C = 0.5 * (a - 1.0) ** 2
C.backward()
print(f"C = {C.data:.4f}")
d = (a.data - 1) * a.data * (1 - a.data)
print(f"BP1: δ = (a - y) σ'(z) = {d:.4f}")
print(f"BP3: dC/db3 = δ = {b3.grad:.4f}")
print(f"BP4: dC/dv1 = h1 δ = {v1.grad:.4f}")
""",
            "zh": """# 文本 002（Nielsen 第二章）：
# 2 个输入，2 个 sigmoid 神经元，1 个输出
x1 = Value(1.0)
x2 = Value(0.5)
w11 = Value(0.2)
w12 = Value(-0.4)
w21 = Value(0.6)
w22 = Value(0.1)
b1 = Value(0.1)
b2 = Value(-0.2)
v1 = Value(0.7)
v2 = Value(-0.3)
b3 = Value(0.05)
# 激活 a = σ(z)，z 是加权输入
h1 = (w11 * x1 + w12 * x2 + b1).sigmoid()
h2 = (w21 * x1 + w22 * x2 + b2).sigmoid()
z = v1 * h1 + v2 * h2 + b3
a = z.sigmoid()
# 二次代价，目标 y = 1
C = 0.5 * (a - 1.0) ** 2
C.backward()
print(f"C = {C.data:.4f}")
d = (a.data - 1) * a.data * (1 - a.data)
print(f"BP1，输出层误差 δ = {d:.4f}")
print(f"BP3：dC/db3 = δ = {b3.grad:.4f}")
print(f"BP4：dC/dv1 = h1 δ = {v1.grad:.4f}")
""",
        },
    },
    "neuron": {
        "title": {"en": "micrograd's lecture neuron", "zh": "micrograd 课上的神经元"},
        "code": {
            "en": """# micrograd's lecture neuron:
# o = tanh(x1 w1 + x2 w2 + b)
x1 = Value(2.0)
x2 = Value(0.0)
w1 = Value(-3.0)
w2 = Value(1.0)
b = Value(6.8813735870195432)
x1w1 = x1 * w1
x2w2 = x2 * w2
x1w1x2w2 = x1w1 + x2w2
n = x1w1x2w2 + b
o = n.tanh()
o.backward()
print(f"o = {o.data:.4f}")
print(f"x1 {x1.grad:.4f}, w1 {w1.grad:.4f}")
print(f"x2 {x2.grad:.4f}, w2 {w2.grad:.4f}")
""",
            "zh": """# micrograd 课上的神经元：
# o = tanh(x1 w1 + x2 w2 + b)
x1 = Value(2.0)
x2 = Value(0.0)
w1 = Value(-3.0)
w2 = Value(1.0)
b = Value(6.8813735870195432)
x1w1 = x1 * w1
x2w2 = x2 * w2
x1w1x2w2 = x1w1 + x2w2
n = x1w1x2w2 + b
o = n.tanh()
o.backward()
print(f"o = {o.data:.4f}")
print(f"梯度：x1 {x1.grad:.4f}，w1 {w1.grad:.4f}")
print(f"梯度：x2 {x2.grad:.4f}，w2 {w2.grad:.4f}")
""",
        },
    },
}
DEFAULT = "sum_times"
