"""PyTorch CPU re-implementations of tinyloc's models, exactly as ../shared/docs/MODELS.md.

Each builder takes (steps T, features F, classes C) and returns an nn.Module mapping
x [B, T, F] -> logits [B, C]. Layer sizes, biases and the parameter counts match tinyloc's
`tinyloc bench train --json` "parameters" (compare.py checks it before timing).

The code is written the way a PyTorch user would write these networks (nn.Linear, nn.Conv1d,
nn.TransformerEncoderLayer, a sequential selective scan as in the reference "mamba-minimal"
style, since the CUDA scan kernels do not exist on CPU), so that the comparison is against what
a researcher would otherwise run.
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


# --------------------------------------------------------------------------------------- MLP
class MLP(nn.Module):
    """flatten(T·F) -> Linear 64 -> ReLU -> Linear C."""

    def __init__(self, steps, features, classes, hidden=64):
        super().__init__()
        self.fc1 = nn.Linear(steps * features, hidden)
        self.fc2 = nn.Linear(hidden, classes)

    def forward(self, x):
        return self.fc2(F.relu(self.fc1(x.flatten(1))))


# ----------------------------------------------------------------------------------- Student
class Student(nn.Module):
    """Pre-LN encoder: Linear(F -> d) + learned position (T x d); L blocks of
    [LN -> MHSA (h heads, QKV and output projections with bias) -> residual;
     LN -> Linear(d -> f) -> GELU -> Linear(f -> d) -> residual]; LN -> mean over steps -> Linear(d -> C)."""

    def __init__(self, steps, features, classes, width, heads, layers, feed_forward):
        super().__init__()
        self.embed = nn.Linear(features, width)
        self.position = nn.Parameter(torch.randn(steps, width) * 0.02)
        self.blocks = nn.ModuleList([
            nn.TransformerEncoderLayer(width, heads, dim_feedforward=feed_forward, dropout=0.0,
                                       activation="gelu", batch_first=True, norm_first=True)
            for _ in range(layers)
        ])
        self.norm = nn.LayerNorm(width)
        self.head = nn.Linear(width, classes)

    def forward(self, x):
        h = self.embed(x) + self.position
        for block in self.blocks:
            h = block(h)
        return self.head(self.norm(h).mean(dim=1))


# ----------------------------------------------------------------------------------- Teacher
def sinusoidal_table(steps, width):
    t = torch.arange(steps, dtype=torch.float64).unsqueeze(1)
    j = torch.arange(width)
    angle = t / torch.pow(10_000.0, (j - j % 2).double() / width)
    table = torch.where(j % 2 == 0, torch.sin(angle), torch.cos(angle))
    return table.float()


class CausalConv(nn.Module):
    """Conv1d(d -> d, kernel k) over time with left padding k - 1, on [B, T, d]."""

    def __init__(self, width, kernel):
        super().__init__()
        self.kernel = kernel
        self.conv = nn.Conv1d(width, width, kernel)

    def forward(self, x):
        x = x.transpose(1, 2)
        x = F.pad(x, (self.kernel - 1, 0))
        return self.conv(x).transpose(1, 2)


class ModalityAttention(nn.Module):
    """Q = tanh(CausalConv_k(x)), K = tanh(CausalConv_k(x)), V = x; single-head scaled
    dot-product attention with dropout on the weights; residual + LayerNorm."""

    def __init__(self, width, kernel, dropout):
        super().__init__()
        self.q = CausalConv(width, kernel)
        self.k = CausalConv(width, kernel)
        self.dropout = dropout
        self.norm = nn.LayerNorm(width)

    def forward(self, x, mask=None):
        q = torch.tanh(self.q(x))
        k = torch.tanh(self.k(x))
        if mask is None:
            a = F.scaled_dot_product_attention(q, k, x, dropout_p=self.dropout if self.training else 0.0)
        else:
            # A given dropout mask (already scaled by 1 / (1 - p)) on the attention weights.
            scores = q @ k.transpose(1, 2) * (1 / math.sqrt(q.shape[-1]))
            a = (torch.softmax(scores, dim=-1) * mask) @ x
        return self.norm(x + a)


class GatedResidualNetwork(nn.Module):
    """a = ELU(fc1(x) + ctx(c)); b = fc2(a); [v|u] = gate(b); y = LN(x + v * sigmoid(u))."""

    def __init__(self, width, hidden, has_context):
        super().__init__()
        self.fc1 = nn.Linear(width, hidden)
        self.ctx = nn.Linear(width, hidden, bias=False) if has_context else None
        self.fc2 = nn.Linear(hidden, hidden)
        self.gate = nn.Linear(hidden, 2 * width)
        self.norm = nn.LayerNorm(width)

    def forward(self, x, c=None):
        pre = self.fc1(x)
        if self.ctx is not None:
            pre = pre + self.ctx(c)
        b = self.fc2(F.elu(pre))
        return self.norm(x + F.glu(self.gate(b), dim=-1))


class Teacher(nn.Module):
    """MDCSA-style teacher: per-modality Linear·sqrt(d) + PE; branches k in {1, 4, 7} of
    per-modality dual-conv attention fused by a GRN; interleave to 3T tokens; parameter-free
    self-attention; Conv1d(d -> d, kernel 3, stride 3); LayerNorm; dropout 0.3 -> Linear(d -> C)
    per step; window logits = last step's emissions. RSSI = the leading F - 3 features,
    accelerometer = the last 3 (tinyloc's windowing layout)."""

    def __init__(self, steps, features, classes, width=64, kernels=(1, 4, 7), grn_multiplier=4,
                 attention_dropout=0.15, head_dropout=0.3, accelerometer=3):
        super().__init__()
        self.width = width
        self.accelerometer = accelerometer
        self.rssi = features - accelerometer
        modality_widths = [self.rssi, accelerometer] if accelerometer > 0 else [self.rssi]
        self.embeddings = nn.ModuleList([nn.Linear(f, width) for f in modality_widths])
        self.register_buffer("pe", sinusoidal_table(steps, width))
        self.branches = nn.ModuleList()
        for k in kernels:
            branch = nn.Module()
            branch.modalities = nn.ModuleList([ModalityAttention(width, k, attention_dropout) for _ in modality_widths])
            branch.grn = GatedResidualNetwork(width, grn_multiplier * width, accelerometer > 0)
            self.branches.append(branch)
        self.n = len(kernels)
        self.fuse_conv = nn.Conv1d(width, width, self.n, stride=self.n)
        self.fuse_norm = nn.LayerNorm(width)
        self.head_dropout = nn.Dropout(head_dropout)
        self.head = nn.Linear(width, classes)
        # None: PyTorch draws the dropout masks. Otherwise a callable giving, for a batch of B
        # windows in training, the attention masks [branch][modality] of [B, T, T] and the head's
        # mask of the last step [B, d] (bench/parity/tinyloc_start.py draws tinyloc's own).
        self.dropout_masks = None

    def forward(self, x):
        batch, steps, _ = x.shape
        scale = math.sqrt(self.width)
        inputs = [x[..., :self.rssi], x[..., self.rssi:]] if self.accelerometer > 0 else [x]
        embedded = [emb(xm) * scale + self.pe[:steps] for emb, xm in zip(self.embeddings, inputs)]
        given = self.dropout_masks(batch) if self.training and self.dropout_masks is not None else None
        outputs = []
        for i, branch in enumerate(self.branches):
            z = [m(e, given[0][i][j] if given else None) for j, (m, e) in enumerate(zip(branch.modalities, embedded))]
            outputs.append(branch.grn(z[0], z[1] if len(z) > 1 else None))
        tokens = torch.stack(outputs, dim=2).reshape(batch, self.n * steps, self.width)
        attended = F.scaled_dot_product_attention(tokens, tokens, tokens)
        fused = self.fuse_conv(attended.transpose(1, 2)).transpose(1, 2)
        fused = self.fuse_norm(fused)
        if given:
            return self.head(fused[:, -1] * given[1])
        emissions = self.head(self.head_dropout(fused))
        return emissions[:, -1]


# ------------------------------------------------------------------------------------- Mamba
class MambaBlock(nn.Module):
    """RMSNorm -> in_proj(d -> 2E, no bias) -> u, z; u -> depthwise causal conv(k, bias) -> SiLU;
    x_proj(E -> R + 2N, no bias) -> (delta, B, C); Delta = softplus(dt_proj(delta)), dt_proj R -> E
    with bias; A = -exp(A_log); h_t = exp(Delta_t A) h_{t-1} + (Delta_t u_t) outer B_t;
    y_t = h_t C_t + D u_t; y * SiLU(z) -> out_proj(E -> d, no bias) -> residual."""

    def __init__(self, width, state, expand, kernel):
        super().__init__()
        inner = expand * width
        self.inner, self.state, self.kernel = inner, state, kernel
        self.rank = math.ceil(width / 16)
        self.norm_weight = nn.Parameter(torch.ones(width))
        self.in_proj = nn.Linear(width, 2 * inner, bias=False)
        self.conv = nn.Conv1d(inner, inner, kernel, groups=inner, padding=kernel - 1)
        self.x_proj = nn.Linear(inner, self.rank + 2 * state, bias=False)
        self.dt_proj = nn.Linear(self.rank, inner)
        self.A_log = nn.Parameter(torch.log(torch.arange(1, state + 1, dtype=torch.float32)).repeat(inner, 1))
        self.D = nn.Parameter(torch.ones(inner))
        self.out_proj = nn.Linear(inner, width, bias=False)

    def forward(self, x):
        batch, steps, _ = x.shape
        xn = x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + 1e-5) * self.norm_weight
        u, z = self.in_proj(xn).chunk(2, dim=-1)
        u = self.conv(u.transpose(1, 2))[..., :steps].transpose(1, 2)
        u = F.silu(u)
        delta, b, c = self.x_proj(u).split([self.rank, self.state, self.state], dim=-1)
        delta = F.softplus(self.dt_proj(delta))                      # [B, T, E]
        a = -torch.exp(self.A_log)                                   # [E, N]
        decay = torch.exp(delta.unsqueeze(-1) * a)                   # [B, T, E, N]
        drive = (delta * u).unsqueeze(-1) * b.unsqueeze(2)           # [B, T, E, N]
        h = torch.zeros(batch, self.inner, self.state)
        ys = []
        for t in range(steps):
            h = decay[:, t] * h + drive[:, t]
            ys.append((h * c[:, t].unsqueeze(1)).sum(-1))
        y = torch.stack(ys, dim=1) + self.D * u
        return x + self.out_proj(y * F.silu(z))


class Mamba(nn.Module):
    """Linear(F -> d) -> L blocks -> RMSNorm -> mean over steps -> Linear(d -> C)."""

    def __init__(self, steps, features, classes, width=16, state=8, expand=2, kernel=4, blocks=2):
        super().__init__()
        self.embed = nn.Linear(features, width)
        self.blocks = nn.ModuleList([MambaBlock(width, state, expand, kernel) for _ in range(blocks)])
        self.norm_weight = nn.Parameter(torch.ones(width))
        self.head = nn.Linear(width, classes)

    def forward(self, x):
        h = self.embed(x)
        for block in self.blocks:
            h = block(h)
        h = h * torch.rsqrt(h.pow(2).mean(-1, keepdim=True) + 1e-5) * self.norm_weight
        return self.head(h.mean(dim=1))


# ---------------------------------------------------------------------------------- CNN
class CNN(nn.Module):
    """Per stage Conv1d kernel 1 -> ReLU -> MaxPool 2 (flooring), filters 32, 64, 128; flatten -> Linear C."""

    def __init__(self, steps, features, classes, filters=(32, 64, 128)):
        super().__init__()
        stages, channels = [], features
        for f in filters:
            stages += [nn.Conv1d(channels, f, kernel_size=1), nn.ReLU(), nn.MaxPool1d(2)]
            channels, steps = f, steps // 2
        self.stages = nn.Sequential(*stages)
        self.head = nn.Linear(steps * channels, classes)

    def forward(self, x):
        h = self.stages(x.transpose(1, 2))               # [B, C, T']
        return self.head(h.transpose(1, 2).flatten(1))   # flattened step-major, as tinyloc


# ---------------------------------------------------------------------------------- LSTM
class LSTM(nn.Module):
    """LSTM hidden 8 over the steps, last hidden state -> Linear C. tinyloc has one gate bias (as
    Keras); PyTorch has two, so the second is zeroed and frozen: same parameters, same init."""

    def __init__(self, steps, features, classes, hidden=8):
        super().__init__()
        self.lstm = nn.LSTM(features, hidden, batch_first=True)
        with torch.no_grad():
            self.lstm.bias_hh_l0.zero_()
        self.lstm.bias_hh_l0.requires_grad_(False)
        self.head = nn.Linear(hidden, classes)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.head(out[:, -1])


# ---------------------------------------------------------------------------------- registry
BUILDERS = {
    "mlp": lambda T, F_, C: MLP(T, F_, C),
    "student": lambda T, F_, C: Student(T, F_, C, width=32, heads=2, layers=2, feed_forward=64),
    "student-tiny": lambda T, F_, C: Student(T, F_, C, width=16, heads=2, layers=1, feed_forward=32),
    "teacher": lambda T, F_, C: Teacher(T, F_, C, width=64),
    "mamba": lambda T, F_, C: Mamba(T, F_, C, width=16, state=8),
    "mamba-wide": lambda T, F_, C: Mamba(T, F_, C, width=32, state=16),
    "cnn": lambda T, F_, C: CNN(T, F_, C),
    "lstm": lambda T, F_, C: LSTM(T, F_, C),
}


def build(kind, steps=20, features=11, classes=9):
    torch.manual_seed(1)
    return BUILDERS[kind](steps, features, classes)


def parameter_count(model):
    return sum(p.numel() for p in model.parameters() if p.requires_grad)
