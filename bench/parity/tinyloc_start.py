"""tinyloc's own starting point, drawn in Python: its random generator, the initial weights of
the MLP and the student transformers, and the order of the training windows in every epoch.

With these the twin can start from exactly tinyloc's weights and see exactly tinyloc's batches
(parity.py --same-start), so that whatever still differs between the two learning curves is the
arithmetic of the layers, the loss or the optimizer, not the luck of the draw.

Written from tinyloc's sources (Sources/TinyTensor/RNG.swift: SplitMix64-seeded xoshiro256**,
Box–Muller normals; Sources/TinyNN/Linear.swift: weight [in, out] then bias, each U(±1/√in);
Sources/TinyNN/LearnedPositionEmbedding.swift: N(0, 0.02²); Sources/Models/Student.swift and
EncoderBlock.swift: the order layers draw in; Sources/Models/Trainer.swift: Fisher–Yates per
epoch from the seed's stream `epoch`). Float32 arithmetic is repeated step for step, so the
weights are bit-identical to tinyloc's.
"""
import math

import numpy as np
import torch

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


def linear(rng, inputs, outputs):
    """tinyloc's Linear: weight [in, out] row-major, then bias, U(±1/√in) in float32."""
    bound = np.float32(1) / np.sqrt(np.float32(inputs))
    two, one = np.float32(2), np.float32(1)
    weight = np.array([(rng.uniform() * two - one) * bound for _ in range(inputs * outputs)], dtype=np.float32)
    bias = np.array([(rng.uniform() * two - one) * bound for _ in range(outputs)], dtype=np.float32)
    return weight.reshape(inputs, outputs), bias


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


LOADERS = {"mlp": load_mlp, "student": load_student, "student-tiny": load_student}
