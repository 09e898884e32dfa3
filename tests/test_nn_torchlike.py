"""nn as a miniature torch.nn: forward, parameters in every attribute, containers, train/eval,
requires_grad_, state dicts (strict or not), Linear and Sequential, seeds, pickle and deepcopy."""

import copy
import pickle
import random

import pytest

import nn
from engine import Value


class Affine(nn.Module):
    """A user's module as a torch user writes one: forward(), an underscore attribute, a dict, a tuple."""

    def __init__(self):
        super().__init__()
        self._scale = Value(2.0)
        self.shift = {"a": Value(0.5), "b": [Value(1.0), Value(-1.0)]}
        self.pair = (nn.Linear(2, 2, rng=0), nn.ReLU())
        self.heads = nn.ModuleList([nn.Linear(2, 1, rng=1), nn.Linear(2, 1, rng=2)])
        self.by_name = nn.ModuleDict({"left": nn.Linear(2, 1, rng=3)})
        self.note = "not a parameter"
        self.count = 3

    def forward(self, x):
        hidden = self.pair[1](self.pair[0](x))
        hidden = [h * self._scale + self.shift["a"] for h in hidden]
        return self.heads[0](hidden)[0] + self.heads[1](hidden)[0] + self.by_name["left"](hidden)[0] + self.shift["b"][1]


def test_a_subclass_with_forward_is_callable_and_finds_every_parameter():
    model = Affine()
    out = model([1.0, -2.0])
    assert isinstance(out, Value)
    names = [name for name, _ in model.named_parameters()]
    assert names == [
        "_scale", "shift.a", "shift.b.0", "shift.b.1",
        "pair.0.weight.0.0", "pair.0.weight.0.1", "pair.0.weight.1.0", "pair.0.weight.1.1", "pair.0.bias.0", "pair.0.bias.1",
        "heads.0.weight.0.0", "heads.0.weight.0.1", "heads.0.bias.0",
        "heads.1.weight.0.0", "heads.1.weight.0.1", "heads.1.bias.0",
        "by_name.left.weight.0.0", "by_name.left.weight.0.1", "by_name.left.bias.0",
    ]
    assert list(model.state_dict()) == [
        "_scale", "shift.a", "shift.b", "pair.0.weight", "pair.0.bias", "heads.0.weight", "heads.0.bias",
        "heads.1.weight", "heads.1.bias", "by_name.left.weight", "by_name.left.bias",
    ]
    out.backward()
    assert all(p.grad != 0.0 for p in [model._scale, model.shift["b"][1]])  # gradients reach them


def test_module_without_forward_names_the_fix():
    class Empty(nn.Module):
        pass

    with pytest.raises(NotImplementedError, match="define forward"):
        Empty()(1.0)


def test_children_modules_apply():
    model = Affine()
    assert [name for name, _ in model.named_children()] == ["pair.0", "pair.1", "heads", "by_name"]
    names = [name for name, _ in model.named_modules()]
    assert names == ["", "pair.0", "pair.1", "heads", "heads.0", "heads.1", "by_name", "by_name.left"]
    visited = []
    assert model.apply(lambda module: visited.append(type(module).__name__)) is model
    assert visited[-1] == "Affine" and visited.count("Linear") == 4  # children first, self last
    assert len(list(model.modules())) == 8


def test_train_eval_and_requires_grad():
    model = nn.Sequential(nn.Linear(2, 3, rng=0), nn.Tanh(), nn.Linear(3, 1, rng=1))
    assert model.training and all(m.training for m in model.modules())
    assert model.eval() is model
    assert not any(m.training for m in model.modules())
    model.train()
    assert all(m.training for m in model.modules())
    model[0].requires_grad_(False)
    assert model.num_parameters() == 13  # frozen parameters are still parameters
    optimizer = nn.SGD(model.parameters(), lr=0.1, weight_decay=0.1)
    frozen = [p.data for p in model[0].parameters()]
    model([1.0, 2.0])[0].backward()
    optimizer.step()
    assert [p.data for p in model[0].parameters()] == frozen  # skipped, weight decay included
    assert all(p.grad == 0.0 for p in model[0].parameters())  # backward does not reach them
    assert any(p.grad != 0.0 for p in model[2].parameters())
    model.requires_grad_()
    model.zero_grad()
    model([1.0, 2.0])[0].backward()
    assert all(p.requires_grad for p in model.parameters())
    assert any(p.grad != 0.0 for p in model[0].parameters())


def test_load_state_dict_strict_false_reports_missing_and_unexpected():
    model = nn.Sequential(nn.Linear(2, 2, rng=0), nn.Tanh(), nn.Linear(2, 1, rng=1))
    other = nn.Sequential(nn.Linear(2, 2, rng=5), nn.Tanh(), nn.Linear(2, 1, rng=6))
    state = other.state_dict()
    del state["2.bias"]
    state["3.weight"] = [[1.0]]
    with pytest.raises(nn.StateDictError, match=r"missing \['2.bias'\], unexpected \['3.weight'\].*strict=False"):
        model.load_state_dict(state)
    result = model.load_state_dict(state, strict=False)
    assert (result.missing_keys, result.unexpected_keys) == (["2.bias"], ["3.weight"])
    assert model.state_dict()["0.weight"] == other.state_dict()["0.weight"]
    assert model.state_dict()["2.bias"] != other.state_dict()["2.bias"]


def test_load_state_dict_shape_mismatch_changes_nothing():
    model = nn.Sequential(nn.Linear(2, 3, rng=0))
    before = model.state_dict()
    state = nn.Sequential(nn.Linear(3, 2, rng=1)).state_dict()
    message = r"size mismatch for '0.weight': the state dict has shape \[2, 3\], the model \[3, 2\]"
    with pytest.raises(nn.StateDictError, match=message):
        model.load_state_dict(state, strict=False)
    assert model.state_dict() == before


def test_load_state_dict_takes_arrays_and_the_flat_form():
    numpy = pytest.importorskip("numpy")
    model = nn.Linear(2, 2, rng=0)
    model.load_state_dict({"weight": numpy.array([[1.0, 2.0], [3.0, 4.0]]), "bias": numpy.zeros(2)})
    assert model.state_dict() == {"weight": [[1.0, 2.0], [3.0, 4.0]], "bias": [0.0, 0.0]}
    model.load_state_dict({"weight.0.0": 5.0, "weight.0.1": 6.0, "weight.1": [7.0, 8.0], "bias": [1.0, 1.0]})
    assert model.state_dict()["weight"] == [[5.0, 6.0], [7.0, 8.0]]
    with pytest.raises(nn.StateDictError, match=r"missing \['weight'\]"):
        model.load_state_dict({"weight.0.0": 5.0, "bias": [1.0, 1.0]})


def test_linear_has_torch_shapes_and_initialisation():
    layer = nn.Linear(4, 3, rng=0)
    state = layer.state_dict()
    assert list(state) == ["weight", "bias"]
    assert len(state["weight"]) == 3 and all(len(row) == 4 for row in state["weight"]) and len(state["bias"]) == 3
    assert all(abs(w) <= 0.5 for row in state["weight"] for w in row) and all(abs(b) <= 0.5 for b in state["bias"])
    assert nn.Linear(4, 3, bias=False).state_dict().keys() == {"weight"}
    assert repr(layer) == "Linear(in_features=4, out_features=3, bias=True)"
    out = layer([1.0, 2.0, 3.0, 4.0])
    assert len(out) == 3 and all(o.op == "dot" for o in out)
    with pytest.raises(ValueError, match="Linear expects 4 inputs, got 2"):
        layer([1.0, 2.0])


def test_sequential_equals_an_mlp_of_the_same_weights():
    mlp = nn.MLP(3, [4, 4, 1], activation="tanh", rng=7)
    sequential = mlp.to_sequential()
    assert list(sequential.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias"]
    fresh = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 4), nn.Tanh(), nn.Linear(4, 1))
    fresh.load_state_dict(sequential.state_dict())
    x = [0.2, -1.0, 0.7]
    a, (b,) = mlp(x), fresh(x)
    assert a.data == b.data
    a.backward()
    b.backward()
    assert [p.grad for p in mlp.to_sequential().parameters()] == [p.grad for p in fresh.parameters()]


def test_sequential_containers_index_and_name():
    model = nn.Sequential(nn.Linear(2, 2), nn.ReLU())
    assert len(model) == 2 and isinstance(model[-1], nn.ReLU) and isinstance(model[:1], nn.Sequential)
    model.append(nn.Linear(2, 1))
    assert list(model.state_dict())[-1] == "2.bias"
    from collections import OrderedDict

    named = nn.Sequential(OrderedDict(hidden=nn.Linear(2, 2), act=nn.ReLU(), out=nn.Linear(2, 1)))
    assert list(named.state_dict()) == ["hidden.weight", "hidden.bias", "out.weight", "out.bias"]
    with pytest.raises(TypeError, match="holds Modules"):
        nn.Sequential(nn.Linear(2, 2), lambda x: x)
    with pytest.raises(KeyError):
        nn.ModuleDict({"a.b": nn.ReLU()})


def test_micrograd_shapes_and_nonlin():
    assert nn.Neuron(2, nonlin=False).activation == "linear"
    assert nn.Neuron(2, nonlin=True).nonlin is True
    assert nn.Layer(2, 3, nonlin=False).neurons[0].activation == "linear"
    assert [layer.neurons[0].activation for layer in nn.MLP(2, [3, 3, 1], nonlin=False).layers] == ["linear"] * 3
    with pytest.raises(ValueError, match="disagree"):
        nn.Neuron(2, "tanh", nonlin=True)
    with pytest.raises(TypeError, match="nonlin must be True or False"):
        nn.Neuron(2, nonlin=1)
    # micrograd's README, as written
    model = nn.MLP(2, [16, 16, 1])
    score = model([1.0, -1.0])
    assert isinstance(score, Value)
    for p in model.parameters():
        p.grad = 0
    score.backward()
    assert len(model.parameters()) == 337


def test_activation_modules():
    x = [Value(-1.0), Value(2.0)]
    assert [v.data for v in nn.ReLU()(x)] == [0.0, 2.0]
    assert [v.data for v in nn.LeakyReLU(0.1)(x)] == [-0.1, 2.0]
    assert nn.Tanh()(Value(0.0)).data == 0.0 and nn.Sigmoid()(Value(0.0)).data == 0.5
    assert nn.Identity()(x) == x
    assert repr(nn.LeakyReLU()) == "LeakyReLU(negative_slope=0.01)"


def test_seeds_without_rng():
    nn.manual_seed(1337)
    first = nn.MLP(2, [4, 1]).state_dict()
    second = nn.MLP(2, [4, 1]).state_dict()
    assert first != second  # two modules built in a row never share weights
    random.seed(1337)  # Python's random is the generator, as in micrograd
    assert nn.MLP(2, [4, 1]).state_dict() == first
    heads = [nn.Linear(3, 1) for _ in range(3)]
    assert len({str(head.state_dict()) for head in heads}) == 3
    assert nn.MLP(2, [4, 1], rng=3).state_dict() == nn.MLP(2, [4, 1], rng=3).state_dict()
    with pytest.raises(TypeError, match="manual_seed needs an int"):
        nn.manual_seed("1")


def every_module():
    return [
        nn.Neuron(3, "tanh"), nn.Layer(3, 2), nn.MLP(3, [4, 1], activation="leaky_relu"), nn.Linear(3, 2),
        nn.Sequential(nn.Linear(3, 2), nn.Sigmoid(), nn.Linear(2, 1)), nn.ReLU(), nn.LeakyReLU(0.2), nn.Tanh(),
        nn.Identity(), nn.ModuleList([nn.Linear(3, 1)]), nn.ModuleDict({"a": nn.Linear(3, 1)}), Affine(),
    ]


@pytest.mark.parametrize("module", every_module(), ids=lambda m: type(m).__name__)
@pytest.mark.parametrize("how", ["pickle", "deepcopy"])
def test_every_module_pickles_and_deep_copies(module, how):
    twin = pickle.loads(pickle.dumps(module)) if how == "pickle" else copy.deepcopy(module)
    assert type(twin) is type(module) and repr(twin) == repr(module)
    assert twin.state_dict() == module.state_dict()
    assert all(a is not b for a, b in zip(twin.parameters(), module.parameters()))
    if not isinstance(module, (nn.ModuleList, nn.ModuleDict)):
        x = [0.3, -0.2] if isinstance(module, Affine) else [0.1, 0.2, -0.3]
        assert str(twin(x)) == str(module(x))


@pytest.mark.parametrize("make", [
    lambda p: nn.SGD(p, lr=0.1, momentum=0.9), lambda p: nn.Adam(p, lr=0.1), lambda p: nn.AdamW(p, lr=0.1),
])
def test_model_and_optimizer_pickle_together_and_keep_training_alike(make):
    model = nn.MLP(2, [3, 1], rng=0)
    optimizer = make(model.parameters())
    scheduler = nn.StepLR(optimizer, step_size=2, gamma=0.5)

    def train(model, optimizer, scheduler):
        for step in range(3):
            optimizer.zero_grad()
            model([0.5, -1.0 + step]).backward()
            optimizer.step()
            scheduler.step()
        return model.state_dict()

    train(model, optimizer, scheduler)
    copies = [pickle.loads(pickle.dumps((model, optimizer, scheduler))), copy.deepcopy((model, optimizer, scheduler))]
    expected = train(model, optimizer, scheduler)
    for twin_model, twin_optimizer, twin_scheduler in copies:
        assert twin_optimizer.parameters[0] is twin_model.parameters()[0]  # still the model's Values
        assert twin_scheduler.optimizer is twin_optimizer
        assert train(twin_model, twin_optimizer, twin_scheduler) == expected


def test_hostile_state_dicts_in_memory_give_bounded_errors():
    model = nn.Linear(2, 1, rng=0)
    deep = [1.0]
    for _ in range(100_000):  # nested 100,000 deep, built without recursion
        deep = [deep]
    for state, match in [
        ({"weight": deep, "bias": [0.0]}, "size mismatch for 'weight'"),
        ({"weight": [[10 ** 400, 1.0]], "bias": [0.0]}, "too large for a float"),
        ({"weight": [[1.0, 2.0]], "bias": [0.0], "x" * 100_000: 1.0}, "unexpected"),
        ({"weight": [["1.0", 2.0]], "bias": [0.0]}, "holds '1.0', not a finite number"),
        ([("weight", 1.0)], "must map names"),
    ]:
        with pytest.raises(nn.StateDictError, match=match) as caught:
            model.load_state_dict(state)
        assert len(str(caught.value)) < 400
