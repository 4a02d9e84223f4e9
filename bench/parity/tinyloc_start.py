"""tinyloc's own starting point, drawn in Python: its random generator, the initial weights of
every family (MLP, CNN, LSTM, the student transformers, Mamba, the teacher with its dropout
masks), and the order of the training windows in every epoch.

With these the twin can start from exactly tinyloc's weights and see exactly tinyloc's batches
(parity.py --same-start), so that whatever still differs between the two learning curves is the
arithmetic of the layers, the loss or the optimizer, not the luck of the draw.

Written from tinyloc's sources (Sources/TinyTensor/RNG.swift: SplitMix64-seeded xoshiro256**,
Box–Muller normals; Sources/TinyNN/Linear.swift: weight [in, out] then bias, each U(±1/√in);
Conv1d.swift and LSTM.swift likewise; LearnedPositionEmbedding.swift: N(0, 0.02²);
Sources/Models/CNN.swift, LSTMClassifier.swift, Student.swift, EncoderBlock.swift, Mamba.swift,
MambaBlock.swift, Teacher.swift, ModalityAttention.swift and TinyNN/GatedResidualNetwork.swift: the
order the layers draw in; TinyNN/Dropout.swift and ScaledDotProductAttention.swift: the masks;
Sources/Models/Trainer.swift: Fisher–Yates per epoch from the seed's stream `epoch`). Float32
arithmetic is repeated step for step, so the weights are tinyloc's bit for bit; if tinyloc's layers
change how they draw, this file must follow (parity.py --same-start then counts runs that no longer
end alike).
"""
import ctypes
import ctypes.util
import math
import os

import numpy as np
import torch

# Mamba's dt_proj bias goes through expf/logf/expm1f; numpy's float32 versions may round
# differently by an ulp, so the C library's own (the ones tinyloc calls on Linux) are used.
_libm = ctypes.CDLL(ctypes.util.find_library("m"))
for _name in ("expf", "logf", "expm1f"):
    getattr(_libm, _name).restype = ctypes.c_float
    getattr(_libm, _name).argtypes = [ctypes.c_float]

MASK = (1 << 64) - 1

# The teacher's dropout masks take millions of draws an epoch, too many for the Python generator
# below; the same xoshiro256** steps in C, compiled on first use with the system's C compiler.
_UNIFORMS_C = r"""
#include <stdint.h>
static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
void uniforms(uint64_t *s, float *out, long n) {
    for (long i = 0; i < n; i++) {
        uint64_t result = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
        s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3]; s[2] ^= t; s[3] = rotl(s[3], 45);
        out[i] = (float)(result >> 40) * (1.0f / 16777216.0f);
    }
}
"""
_uniforms = None


def _compiled_uniforms():
    global _uniforms
    if _uniforms is None:
        import subprocess
        import tempfile
        directory = tempfile.mkdtemp(prefix="tinyloc-start-")
        source, library = os.path.join(directory, "uniforms.c"), os.path.join(directory, "uniforms.so")
        with open(source, "w") as f:
            f.write(_UNIFORMS_C)
        subprocess.run([os.environ.get("CC", "cc"), "-O2", "-shared", "-fPIC", source, "-o", library], check=True)
        _uniforms = ctypes.CDLL(library).uniforms
        _uniforms.argtypes = [ctypes.POINTER(ctypes.c_uint64), ctypes.POINTER(ctypes.c_float), ctypes.c_long]
    return _uniforms


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

    def uniforms(self, count):
        """`count` successive uniform() draws as a float32 array (the C copy of the same steps)."""
        state = (ctypes.c_uint64 * 4)(self.s0, self.s1, self.s2, self.s3)
        out = np.empty(count, dtype=np.float32)
        _compiled_uniforms()(state, out.ctypes.data_as(ctypes.POINTER(ctypes.c_float)), count)
        self.s0, self.s1, self.s2, self.s3 = state
        return out

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


def conv_weight(rng, inputs, outputs, kernel):
    """tinyloc's Conv1d draws as a Linear of k·Cin inputs (weight [k·Cin, out], row j·Cin + c, then
    bias, U(±1/√(k·Cin))); returned as PyTorch's weight [out, Cin, k] and bias."""
    weight, bias = linear(rng, kernel * inputs, outputs)
    return torch.from_numpy(weight.reshape(kernel, inputs, outputs).transpose(2, 1, 0).copy()), torch.from_numpy(bias)


def load_conv(conv, rng):
    weight, bias = conv_weight(rng, conv.in_channels, conv.out_channels, conv.kernel_size[0])
    conv.weight.copy_(weight)
    conv.bias.copy_(bias)


def load_cnn(model, seed, steps, features, classes):
    """CNN: per stage the kernel-1 Conv1d; the head over the step-major flattened stages."""
    rng = SeededRNG(seed)
    with torch.no_grad():
        for conv in (m for m in model.stages if isinstance(m, torch.nn.Conv1d)):
            load_conv(conv, rng)
        load_linear(model.head, *linear(rng, model.head.in_features, classes))


def load_lstm(model, seed, steps, features, classes):
    """LSTM: input weights [F, 4H], recurrent weights [H, 4H], the one gate bias, each U(±1/√H), gates
    i f g o on both sides (PyTorch's second bias stays 0); the head."""
    rng = SeededRNG(seed)
    lstm, hidden = model.lstm, model.lstm.hidden_size
    with torch.no_grad():
        lstm.weight_ih_l0.copy_(torch.from_numpy(uniform_values(rng, features * 4 * hidden, hidden).reshape(features, 4 * hidden).T.copy()))
        lstm.weight_hh_l0.copy_(torch.from_numpy(uniform_values(rng, hidden * 4 * hidden, hidden).reshape(hidden, 4 * hidden).T.copy()))
        lstm.bias_ih_l0.copy_(torch.from_numpy(uniform_values(rng, 4 * hidden, hidden)))
        load_linear(model.head, *linear(rng, hidden, classes))


class TeacherDropout:
    """The teacher's dropout masks as tinyloc draws them: every epoch e, from SeededRNG(seed) split
    1000 + e, the head's stream 0 and each modality attention its own stream 1, 2, … (branch by
    branch, RSSI before accelerometer); per batch of B windows the attention masks [B, T, T] in row
    order and the head's over the last step only [B, d] (tinyloc's head sees just that step). A
    value is dropped when its draw is below p; the survivors are scaled by 1 / (1 − p) in float32."""

    def __init__(self, seed, model):
        self.seed, self.model = seed, model
        self.reseed(0)

    def reseed(self, epoch):
        base = SeededRNG(self.seed).split(1000 + epoch)
        self.head = base.split(0)
        self.attention = [[base.split(1 + i * len(branch.modalities) + j) for j in range(len(branch.modalities))]
                          for i, branch in enumerate(self.model.branches)]

    @staticmethod
    def _mask(rng, shape, probability):
        p = np.float32(probability)
        keep = np.float32(1) / (np.float32(1) - p)
        values = rng.uniforms(int(np.prod(shape)))
        return torch.from_numpy(np.where(values < p, np.float32(0), keep).astype(np.float32).reshape(shape))

    def __call__(self, batch):
        steps = self.model.pe.shape[0]
        attention = [[self._mask(rng, (batch, steps, steps), module.dropout) for rng, module in zip(rngs, branch.modalities)]
                     for rngs, branch in zip(self.attention, self.model.branches)]
        return attention, self._mask(self.head, (batch, self.model.width), self.model.head_dropout.p)


def load_teacher(model, seed, steps, features, classes):
    """Teacher: the modality embeddings (RSSI, accelerometer); per branch, per modality the causal
    Q and K convolutions, then the branch's GRN (fc1, ctx without bias, fc2, gate); the fusing
    Conv1d (kernel = stride = number of branches); the head. LayerNorms draw nothing. tinyloc's
    dropout masks come with the weights (TeacherDropout; parity.py reseeds them every epoch)."""
    rng = SeededRNG(seed)
    with torch.no_grad():
        for embedding in model.embeddings:
            load_linear(embedding, *linear(rng, embedding.in_features, embedding.out_features))
        for branch in model.branches:
            for modality in branch.modalities:
                load_conv(modality.q.conv, rng)
                load_conv(modality.k.conv, rng)
            grn = branch.grn
            load_linear(grn.fc1, *linear(rng, grn.fc1.in_features, grn.fc1.out_features))
            if grn.ctx is not None:
                load_weight(grn.ctx, linear(rng, grn.ctx.in_features, grn.ctx.out_features, bias=False)[0])
            load_linear(grn.fc2, *linear(rng, grn.fc2.in_features, grn.fc2.out_features))
            load_linear(grn.gate, *linear(rng, grn.gate.in_features, grn.gate.out_features))
        load_conv(model.fuse_conv, rng)
        load_linear(model.head, *linear(rng, model.width, classes))
    model.dropout_masks = TeacherDropout(seed, model)


LOADERS = {"mlp": load_mlp, "teacher": load_teacher, "cnn": load_cnn, "lstm": load_lstm, "student": load_student, "student-tiny": load_student,
           "mamba": load_mamba, "mamba-wide": load_mamba}
