"""tinyloc's own starting point, drawn in Python: its random generator, the initial weights of
the MLP, the student transformers and Mamba, and the order of the training windows in every epoch.

With these the twin can start from exactly tinyloc's weights and see exactly tinyloc's batches
(parity.py --same-start), so that whatever still differs between the two learning curves is the
arithmetic of the layers, the loss or the optimizer, not the luck of the draw.

Written from tinyloc's sources (Sources/TinyTensor/RNG.swift: SplitMix64-seeded xoshiro256**,
Box–Muller normals; Sources/TinyNN/Linear.swift: weight [in, out] then bias, each U(±1/√in);
Sources/TinyNN/LearnedPositionEmbedding.swift: N(0, 0.02²); Sources/Models/Student.swift,
EncoderBlock.swift, Mamba.swift and MambaBlock.swift: the order the layers draw in;
Sources/Models/Trainer.swift: Fisher–Yates per epoch from the seed's stream `epoch`). Float32
arithmetic is repeated step for step, so the weights are tinyloc's bit for bit; if tinyloc's
layers change how they draw, this file must follow (parity.py --same-start then counts runs that
no longer end alike).
"""
import ctypes
import ctypes.util
import math

import numpy as np
import torch

# Mamba's dt_proj bias goes through expf/logf/expm1f; numpy's float32 versions may round
# differently by an ulp, so the C library's own (the ones tinyloc calls on Linux) are used.
_libm = ctypes.CDLL(ctypes.util.find_library("m"))
for _name in ("expf", "logf", "expm1f"):
    getattr(_libm, _name).restype = ctypes.c_float
    getattr(_libm, _name).argtypes = [ctypes.c_float]

MASK = (1 << 64) - 1


class SeededRNG:
    """tinyloc's SeededRNG: xoshiro256** seeded by SplitMix64."""

    def __init__(self, seed):
        x = seed & MASK
        state = []
        for _ in range(4):
            x = (x + 0x9E3779B97F4A7C15) & MASK
            z = x
            z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
            z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
            state.append(z ^ (z >> 31))
        self.s0, self.s1, self.s2, self.s3 = state

    def next(self):
        s0, s1, s2, s3 = self.s0, self.s1, self.s2, self.s3
        five = (s1 * 5) & MASK
        result = ((((five << 7) | (five >> 57)) & MASK) * 9) & MASK
        t = (s1 << 17) & MASK
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = ((s3 << 45) | (s3 >> 19)) & MASK
        self.s0, self.s1, self.s2, self.s3 = s0, s1, s2, s3
        return result

    def split(self, stream):
        return SeededRNG(((self.s0 ^ ((stream * 0xD1B54A32D192ED03) & MASK)) + self.s3) & MASK)

    def uniform(self):
        return np.float32(self.next() >> 40) * np.float32(1.0 / 16_777_216.0)

    def uniform_double(self):
        return (self.next() >> 11) * (1.0 / 9_007_199_254_740_992.0)

    def normal(self):
        u1 = max(self.uniform_double(), 1e-300)
        u2 = self.uniform_double()
        return np.float32(math.sqrt(-2 * math.log(u1)) * math.cos(2 * math.pi * u2))

    def int_below(self, n):
        return self.next() % n


def uniform_values(rng, count, fan_in):
    """`count` draws of U(±1/√fan_in) as tinyloc's layers make them, in float32."""
    bound = np.float32(1) / np.sqrt(np.float32(fan_in))
    two, one = np.float32(2), np.float32(1)
    return np.array([(rng.uniform() * two - one) * bound for _ in range(count)], dtype=np.float32)


def linear(rng, inputs, outputs, bias=True):
    """tinyloc's Linear: weight [in, out] row-major, then (unless it has none) bias, U(±1/√in)."""
    weight = uniform_values(rng, inputs * outputs, inputs).reshape(inputs, outputs)
    return weight, (uniform_values(rng, outputs, inputs) if bias else None)


def load_weight(module, weight):
    module.weight.copy_(torch.from_numpy(weight.T.copy()))


def epoch_order(seed, epoch, count):
    """The training windows' order in `epoch` (1-based), as tinyloc's Trainer shuffles them."""
    rng = SeededRNG(seed).split(epoch)
    order = list(range(count))
    for i in range(count - 1, 0, -1):
        j = rng.int_below(i + 1)
        order[i], order[j] = order[j], order[i]
    return torch.tensor(order)


def load_linear(module, weight, bias):
    module.weight.copy_(torch.from_numpy(weight.T.copy()))
    module.bias.copy_(torch.from_numpy(bias))


def load_mlp(model, seed, steps, features, classes):
    rng = SeededRNG(seed)
    with torch.no_grad():
        load_linear(model.fc1, *linear(rng, steps * features, model.fc1.out_features))
        load_linear(model.fc2, *linear(rng, model.fc1.out_features, classes))


def load_student(model, seed, steps, features, classes):
    """Student: embed, position table, per block QKV (one Linear d → 3d, columns q | k | v, which is
    PyTorch's in_proj row order), output projection, the two feed-forward Linears; the head.
    LayerNorms start at γ 1, β 0 on both sides and draw nothing."""
    rng = SeededRNG(seed)
    width = model.embed.out_features
    two_percent = np.float32(0.02)
    with torch.no_grad():
        load_linear(model.embed, *linear(rng, features, width))
        table = np.array([rng.normal() * two_percent for _ in range(steps * width)], dtype=np.float32)
        model.position.copy_(torch.from_numpy(table.reshape(steps, width)))
        for block in model.blocks:
            weight, bias = linear(rng, width, 3 * width)
            block.self_attn.in_proj_weight.copy_(torch.from_numpy(weight.T.copy()))
            block.self_attn.in_proj_bias.copy_(torch.from_numpy(bias))
            load_linear(block.self_attn.out_proj, *linear(rng, width, width))
            load_linear(block.linear1, *linear(rng, width, block.linear1.out_features))
            load_linear(block.linear2, *linear(rng, block.linear1.out_features, width))
        load_linear(model.head, *linear(rng, width, classes))


def load_mamba(model, seed, steps, features, classes):
    """Mamba: embed; per block in_proj (no bias), the depthwise conv (weight [k, E] then bias,
    U(±1/√k); tinyloc's weight[j, e] is PyTorch's weight[e, 0, j]), x_proj (no bias), dt_proj (weight
    and bias drawn as a Linear), out_proj (no bias), then dt_proj's bias drawn again as the reference
    Mamba sets it (softplus⁻¹ of Δ₀, log-uniform in [0.001, 0.1]); the head. RMSNorm weights, A_log
    and D are set, not drawn, alike on both sides."""
    rng = SeededRNG(seed)
    width = model.embed.out_features
    f32 = np.float32
    with torch.no_grad():
        load_linear(model.embed, *linear(rng, features, width))
        for block in model.blocks:
            inner, kernel = block.inner, block.kernel
            load_weight(block.in_proj, linear(rng, width, 2 * inner, bias=False)[0])
            weight = uniform_values(rng, kernel * inner, kernel).reshape(kernel, inner)
            block.conv.weight.copy_(torch.from_numpy(weight.T.copy()).unsqueeze(1))
            block.conv.bias.copy_(torch.from_numpy(uniform_values(rng, inner, kernel)))
            load_weight(block.x_proj, linear(rng, inner, block.rank + 2 * block.state, bias=False)[0])
            load_linear(block.dt_proj, *linear(rng, block.rank, inner))
            load_weight(block.out_proj, linear(rng, inner, width, bias=False)[0])
            low, high = _libm.logf(0.001), _libm.logf(0.1)
            dt_bias = []
            for _ in range(inner):
                dt = max(f32(_libm.expf(f32(low) + rng.uniform() * (f32(high) - f32(low)))), f32(1e-4))
                dt_bias.append(dt + f32(_libm.logf(-_libm.expm1f(-dt))))
            block.dt_proj.bias.copy_(torch.from_numpy(np.array(dt_bias, dtype=f32)))
        load_linear(model.head, *linear(rng, width, classes))


LOADERS = {"mlp": load_mlp, "student": load_student, "student-tiny": load_student,
           "mamba": load_mamba, "mamba-wide": load_mamba}
