/// The C text of the integer kernels, one piece per kernel, each a line-by-line transcription of
/// its Swift counterpart in `Compression` (same widths, same roundings, same order of operations),
/// so the exported model equals `IntegerInterpreter` byte for byte. `CExporter` emits only the
/// pieces a graph uses: `-Wall -Wextra -Werror` rejects unused static functions.
enum CKernelSource {
    /// Views, loads and stores: what every kernel uses.
    static let views = #"""
/* A tensor, or a band of its columns, in the arena: element (r, c) sits at
   p + (r * stride + c) * bits / 8. Loads and stores go through memcpy so that int16/int32
   tensors in the byte arena never break C's aliasing rules; compilers turn them into plain loads. */
typedef struct { uint8_t *p; int32_t bits; int32_t stride; } tl_view;

/* A real multiplier M = m * 2^(shift - 31), m a Q31 significand (QuantizedMultiplier). */
typedef struct { int32_t m; int32_t shift; } tl_mult;

static int32_t tl_get(tl_view v, int32_t r, int32_t c) {
    const uint8_t *a = v.p + (size_t)(r * v.stride + c) * (size_t)(v.bits / 8);
    if (v.bits == 8) { int8_t x; memcpy(&x, a, 1); return x; }
    if (v.bits == 16) { int16_t x; memcpy(&x, a, 2); return x; }
    { int32_t x; memcpy(&x, a, 4); return x; }
}

static void tl_put(tl_view v, int32_t r, int32_t c, int32_t x) {
    uint8_t *a = v.p + (size_t)(r * v.stride + c) * (size_t)(v.bits / 8);
    if (v.bits == 8) { int8_t y = (int8_t)x; memcpy(a, &y, 1); }
    else if (v.bits == 16) { int16_t y = (int16_t)x; memcpy(a, &y, 2); }
    else memcpy(a, &x, 4);
}
"""#

    /// Sets a persistent tensor to real 0 (its zero point).
    static let fill = #"""
static void tl_fill(tl_view v, int32_t count, int32_t value) {
    int32_t i;
    for (i = 0; i < count; i++) tl_put(v, 0, i, value);
}
"""#

    static let clamp = #"""
static int32_t tl_clamp(int32_t x, int32_t lo, int32_t hi) { return x < lo ? lo : (x > hi ? hi : x); }
"""#

    static let saturate = #"""
/* IntegerMath.saturate: int8 keeps -128, wider widths are symmetric. */
static int32_t tl_saturate(int64_t x, int32_t bits) {
    int64_t high = ((int64_t)1 << (bits - 1)) - 1, low = -high - (bits == 8 ? 1 : 0);
    return (int32_t)(x < low ? low : (x > high ? high : x));
}
"""#

    /// `FixedPoint`.
    static let fixedPoint = #"""
/* round(a * b / 2^31), ties toward +inf, the one overflow saturated; C's / truncates as Swift's does. */
static int32_t tl_high_mul(int32_t a, int32_t b) {
    if (a == b && a == INT32_MIN) return INT32_MAX;
    {
        int64_t product = (int64_t)a * (int64_t)b;
        int64_t nudge = product >= 0 ? ((int64_t)1 << 30) : (1 - ((int64_t)1 << 30));
        return (int32_t)((product + nudge) / ((int64_t)1 << 31));
    }
}

/* x / 2^e rounded to nearest, ties away from zero; >> on a negative value is arithmetic here,
   as on every compiler this code targets (and as Swift's). */
static int32_t tl_divide_pot(int32_t x, int32_t e) {
    int32_t mask = (int32_t)(((int64_t)1 << e) - 1);
    int32_t remainder = x & mask;
    int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
    return (x >> e) + (remainder > threshold ? 1 : 0);
}

/* FixedPoint.multiply: the left shift wraps (Swift's &<<, which also masks the count to 0...31). */
static int32_t tl_multiply(int32_t x, tl_mult m) {
    int32_t left = m.shift > 0 ? m.shift : 0, right = m.shift > 0 ? 0 : -m.shift;
    int32_t shifted = (int32_t)((uint32_t)x << (left & 31));
    return tl_divide_pot(tl_high_mul(shifted, m.m), right);
}
"""#

    static let weight = #"""
/* Weight i of an output-major weight matrix: int8, or int4 packed two to a byte (low nibble first). */
static int32_t tl_weight(const int8_t *w, int32_t bits, int32_t i) {
    if (bits == 8) return w[i];
    {
        uint8_t byte = (uint8_t)w[i >> 1];
        int32_t nibble = (i & 1) ? (byte >> 4) : (byte & 15);
        return nibble >= 8 ? nibble - 16 : nibble;
    }
}
"""#

    /// `IntegerMath.exp` and its 257-entry table (the table's values are appended by the exporter).
    static let exp = #"""
/* e^x in Q16 for x <= 0 in Q10: 2^(x log2 e) from the table of 2^(i/256) in Q15 (stored less 32768,
   so 16 bits hold it), interpolated, shifted. */
static int32_t tl_exp_q10(int32_t x) {
    int64_t t = ((int64_t)x * 94548) >> 10;
    int64_t n = -(t >> 16);
    int32_t frac = (int32_t)(t & 0xFFFF);
    if (n >= 31) return 0;
    {
        int32_t i = frac >> 8, r = frac & 0xFF;
        int32_t low = 32768 + tl_power_of_two[i], high = 32768 + tl_power_of_two[i + 1];
        int32_t q15 = low + (((high - low) * r + 128) >> 8);
        return (int32_t)(((int64_t)q15 << 1) >> n);
    }
}
"""#

    /// LookupTable.apply (tables and the LSTM's gates).
    static let lookup = #"""
/* LookupTable: int8 input, 256 entries; int16 input, 513 entries 128 codes apart, interpolated. */
typedef struct { int32_t input_bits; const int8_t *v8; const int16_t *v16; } tl_table;

static int32_t tl_table_entry(const tl_table *t, int32_t i) { return t->v8 ? t->v8[i] : t->v16[i]; }

static int32_t tl_lookup(const tl_table *t, int32_t q) {
    if (t->input_bits == 8) return tl_table_entry(t, q + 128);
    {
        int32_t u = q + 32768, i = u >> 7, r = u & 127;
        int32_t low = tl_table_entry(t, i), high = tl_table_entry(t, i + 1);
        return low + (((high - low) * r + 64) >> 7);
    }
}

"""#

    static let tableOp = #"""
static void tl_apply_table(const tl_table *t, tl_view x, int32_t rows, int32_t cols, tl_view y) {
    int32_t r, c;
    for (r = 0; r < rows; r++)
        for (c = 0; c < cols; c++) tl_put(y, r, c, tl_lookup(t, tl_get(x, r, c)));
}
"""#

    /// Packed pairs: the Cortex-M4's SXTB16 and SMLAD (dual 16-bit multiply-accumulate) where the
    /// compiler targets them, the same steps in portable C elsewhere, so the host runs the very loop the
    /// chip runs. Sums of int8 products in int32 are exact in any order.
    static let packedPairs = #"""
#if defined(__ARM_FEATURE_SIMD32)
#include <arm_acle.h>
#define TL_SXTB16(x) ((uint32_t)__sxtb16(x))
#define TL_SMLAD(a, b, acc) __smlad(a, b, acc)
/* SXTB16 with its free rotation: bytes 1 and 3 (the ACLE of GCC 12 has no __ror to ask for it). */
static inline uint32_t tl_sxtb16_odd(uint32_t x) { uint32_t y; __asm__("sxtb16 %0, %1, ror #8" : "=r"(y) : "r"(x)); return y; }
#define TL_SXTB16_ODD(x) tl_sxtb16_odd(x)
#else
/* Bytes 0 and 2 of x, sign-extended to the two halfwords (ARM's SXTB16). */
static uint32_t tl_sxtb16(uint32_t x) {
    uint32_t low = (uint32_t)(int32_t)(int8_t)(x & 0xFF) & 0xFFFFu, high = (uint32_t)(int32_t)(int8_t)((x >> 16) & 0xFF) & 0xFFFFu;
    return low | (high << 16);
}
/* acc + a.low * b.low + a.high * b.high, halfwords signed (ARM's SMLAD). */
static int32_t tl_smlad(uint32_t a, uint32_t b, int32_t acc) {
    return acc + (int16_t)(a & 0xFFFF) * (int16_t)(b & 0xFFFF) + (int16_t)(a >> 16) * (int16_t)(b >> 16);
}
#define TL_SXTB16(x) tl_sxtb16(x)
#define TL_SXTB16_ODD(x) tl_sxtb16((x) >> 8)
#define TL_SMLAD(a, b, acc) tl_smlad(a, b, acc)
#endif

"""#

    /// FULLY_CONNECTED's four dot products.
    static let dot4 = #"""
/* d[j] = sum_i w[j][i] x[i] for four weight rows (which may repeat), four inputs per step: each word
   of x is unpacked once for the four rows. */
static void tl_dot4(const int8_t *const w[4], const int8_t *x, int32_t n, int32_t d[4]) {
    const int8_t *w0 = w[0], *w1 = w[1], *w2 = w[2], *w3 = w[3];
    int32_t i = 0, a0 = 0, a1 = 0, a2 = 0, a3 = 0;
    for (; i + 4 <= n; i += 4) {
        uint32_t xv, wv, xe, xo;
        memcpy(&xv, x + i, 4);
        xe = TL_SXTB16(xv);
        xo = TL_SXTB16_ODD(xv);
        memcpy(&wv, w0 + i, 4);
        a0 = TL_SMLAD(TL_SXTB16_ODD(wv), xo, TL_SMLAD(TL_SXTB16(wv), xe, a0));
        memcpy(&wv, w1 + i, 4);
        a1 = TL_SMLAD(TL_SXTB16_ODD(wv), xo, TL_SMLAD(TL_SXTB16(wv), xe, a1));
        memcpy(&wv, w2 + i, 4);
        a2 = TL_SMLAD(TL_SXTB16_ODD(wv), xo, TL_SMLAD(TL_SXTB16(wv), xe, a2));
        memcpy(&wv, w3 + i, 4);
        a3 = TL_SMLAD(TL_SXTB16_ODD(wv), xo, TL_SMLAD(TL_SXTB16(wv), xe, a3));
    }
    for (; i < n; i++) { a0 += w0[i] * x[i]; a1 += w1[i] * x[i]; a2 += w2[i] * x[i]; a3 += w3[i] * x[i]; }
    d[0] = a0;
    d[1] = a1;
    d[2] = a2;
    d[3] = a3;
}

"""#

    /// Attention's Q·K: four dot products with the query moved by its zero point.
    static let dot4Centred = #"""
#if defined(__ARM_FEATURE_SIMD32)
#define TL_SSUB16(a, b) ((uint32_t)__ssub16(a, b))
#else
/* a - b on each signed halfword (ARM's SSUB16; the differences here always fit). */
static uint32_t tl_ssub16(uint32_t a, uint32_t b) {
    uint32_t low = (uint32_t)((int16_t)(a & 0xFFFF) - (int16_t)(b & 0xFFFF)) & 0xFFFFu;
    uint32_t high = (uint32_t)((int16_t)(a >> 16) - (int16_t)(b >> 16)) & 0xFFFFu;
    return low | (high << 16);
}
#define TL_SSUB16(a, b) tl_ssub16(a, b)
#endif

/* d[j] = sum_i w[j][i] (x[i] - x_zero): as tl_dot4 with x moved by its zero point once per word
   (x - x_zero lies in -255...255, a halfword). */
static void tl_dot4_centred(const int8_t *const w[4], const int8_t *x, int32_t x_zero, int32_t n, int32_t d[4]) {
    const int8_t *w0 = w[0], *w1 = w[1], *w2 = w[2], *w3 = w[3];
    uint32_t zero = ((uint32_t)x_zero & 0xFFFFu) | (((uint32_t)x_zero & 0xFFFFu) << 16);
    int32_t i = 0, a0 = 0, a1 = 0, a2 = 0, a3 = 0;
    for (; i + 4 <= n; i += 4) {
        uint32_t xv, wv, xe, xo;
        memcpy(&xv, x + i, 4);
        xe = TL_SSUB16(TL_SXTB16(xv), zero);
        xo = TL_SSUB16(TL_SXTB16_ODD(xv), zero);
        memcpy(&wv, w0 + i, 4);
        a0 = TL_SMLAD(TL_SXTB16_ODD(wv), xo, TL_SMLAD(TL_SXTB16(wv), xe, a0));
        memcpy(&wv, w1 + i, 4);
        a1 = TL_SMLAD(TL_SXTB16_ODD(wv), xo, TL_SMLAD(TL_SXTB16(wv), xe, a1));
        memcpy(&wv, w2 + i, 4);
        a2 = TL_SMLAD(TL_SXTB16_ODD(wv), xo, TL_SMLAD(TL_SXTB16(wv), xe, a2));
        memcpy(&wv, w3 + i, 4);
        a3 = TL_SMLAD(TL_SXTB16_ODD(wv), xo, TL_SMLAD(TL_SXTB16(wv), xe, a3));
    }
    for (; i < n; i++) {
        int32_t xi = x[i] - x_zero;
        a0 += w0[i] * xi; a1 += w1[i] * xi; a2 += w2[i] * xi; a3 += w3[i] * xi;
    }
    d[0] = a0;
    d[1] = a1;
    d[2] = a2;
    d[3] = a3;
}
"""#

    static let fullyConnected = #"""
/* y = clamp(M[c] * (bias[c] + sum_i w[c][i] * (x[i] - z_x)) + z_y). The zero point comes out of
   the dot product through the weight sums; `wide` accumulates in 64 bits where int32 could overflow.
   int8 inputs with int8 weights take the packed dot product, four outputs at a time. */
typedef struct {
    int32_t in, out, weight_bits, wide;
    const int8_t *w; const int32_t *bias, *weight_sum; const tl_mult *mult;
    int32_t in_zero, out_zero, out_min, out_max;
} tl_fully_connected_k;

static void tl_fully_connected_put(const tl_fully_connected_k *k, tl_view y, int32_t r, int32_t c, int64_t acc) {
    tl_put(y, r, c, tl_clamp(tl_multiply(tl_saturate(acc, 32), k->mult[c]) + k->out_zero, k->out_min, k->out_max));
}

static void tl_fully_connected(const tl_fully_connected_k *k, tl_view x, int32_t rows, tl_view y) {
    int32_t r, c, i, n = k->in;
    for (r = 0; r < rows; r++) {
        if (x.bits == 8 && k->weight_bits == 8 && !k->wide) {
            const int8_t *xr = (const int8_t *)(x.p + r * x.stride);
            for (c = 0; c < k->out; c += 4) {
                const int8_t *w[4];
                int32_t d[4], j;
                for (j = 0; j < 4; j++) w[j] = k->w + (c + j < k->out ? c + j : c) * n;
                tl_dot4(w, xr, n, d);
                for (j = 0; j < 4 && c + j < k->out; j++)
                    tl_fully_connected_put(k, y, r, c + j, (int64_t)k->bias[c + j] + d[j] - (int64_t)k->in_zero * k->weight_sum[c + j]);
            }
            continue;
        }
        for (c = 0; c < k->out; c++) {
            int64_t acc;
            if (k->wide) {
                acc = k->bias[c];
                for (i = 0; i < n; i++) acc += (int64_t)tl_weight(k->w, k->weight_bits, c * n + i) * (tl_get(x, r, i) - k->in_zero);
            } else {
                uint32_t dot = 0;
                for (i = 0; i < n; i++) dot += (uint32_t)(tl_weight(k->w, k->weight_bits, c * n + i) * tl_get(x, r, i));
                acc = (int64_t)k->bias[c] + (int32_t)dot - (int64_t)k->in_zero * k->weight_sum[c];
            }
            tl_fully_connected_put(k, y, r, c, acc);
        }
    }
}
"""#

    /// The ADD arithmetic shared by ADD and ADD_CONST.
    static let addCore = #"""
/* TFLite's ADD: both operands shifted left and rescaled to 2 max(s1, s2), added, requantized. */
typedef struct { int32_t left_shift; tl_mult first, second, out; int32_t first_zero, second_zero, out_zero, out_min, out_max; } tl_add_k;

static int32_t tl_add_one(const tl_add_k *k, int32_t a, int32_t b) {
    int32_t x = tl_multiply((int32_t)((uint32_t)(a - k->first_zero) << k->left_shift), k->first);
    int32_t y = tl_multiply((int32_t)((uint32_t)(b - k->second_zero) << k->left_shift), k->second);
    return tl_clamp(tl_multiply(x + y, k->out) + k->out_zero, k->out_min, k->out_max);
}

"""#

    static let addOp = #"""
static void tl_add(const tl_add_k *k, tl_view a, tl_view b, int32_t rows, int32_t cols, tl_view y) {
    int32_t r, c;
    for (r = 0; r < rows; r++)
        for (c = 0; c < cols; c++) tl_put(y, r, c, tl_add_one(k, tl_get(a, r, c), tl_get(b, r, c)));
}
"""#

    /// ADD with a constant operand (int8, row-major like the tensor).
    static let addConstant = #"""
static void tl_add_constant(const tl_add_k *k, tl_view a, const int8_t *constant, int32_t rows, int32_t cols, tl_view y) {
    int32_t r, c;
    for (r = 0; r < rows; r++)
        for (c = 0; c < cols; c++) tl_put(y, r, c, tl_add_one(k, tl_get(a, r, c), constant[r * cols + c]));
}
"""#

    static let mul = #"""
/* y = clamp(M * (x1 - z1)(x2 - z2) + z_y). */
typedef struct { tl_mult mult; int32_t first_zero, second_zero, out_zero, out_min, out_max; } tl_mul_k;

static void tl_mul(const tl_mul_k *k, tl_view a, tl_view b, int32_t rows, int32_t cols, tl_view y) {
    int32_t r, c;
    for (r = 0; r < rows; r++)
        for (c = 0; c < cols; c++) {
            int32_t product = (tl_get(a, r, c) - k->first_zero) * (tl_get(b, r, c) - k->second_zero);
            tl_put(y, r, c, tl_clamp(tl_multiply(product, k->mult) + k->out_zero, k->out_min, k->out_max));
        }
}
"""#

    /// `RequantizeKernel`: interleaving, MEAN and RUNNING_MEAN.
    static let requantize = #"""
/* y = clamp(M * centred + z_y). */
typedef struct { tl_mult mult; int32_t in_zero, out_zero, out_min, out_max; } tl_requantize_k;

static int32_t tl_requantize(const tl_requantize_k *k, int32_t centred) {
    return tl_clamp(tl_multiply(centred, k->mult) + k->out_zero, k->out_min, k->out_max);
}
"""#

    static let interleave = #"""
/* Row t of input i becomes row t * n + i of y, requantized to y's quantization. */
static void tl_interleave(const tl_requantize_k *k, int32_t index, int32_t n, tl_view x, int32_t rows, int32_t cols, tl_view y) {
    int32_t t, c;
    for (t = 0; t < rows; t++)
        for (c = 0; c < cols; c++) tl_put(y, t * n + index, c, tl_requantize(k, tl_get(x, t, c) - k->in_zero));
}
"""#

    static let meanRows = #"""
/* [T, C] -> [1, C]: sum_t (x - z_x) in int32, one requantization by s_x / (T s_y). */
static void tl_mean_rows(const tl_requantize_k *k, tl_view x, int32_t rows, int32_t cols, tl_view y) {
    int32_t t, c;
    for (c = 0; c < cols; c++) {
        int32_t sum = 0;
        for (t = 0; t < rows; t++) sum += tl_get(x, t, c) - k->in_zero;
        tl_put(y, 0, c, tl_requantize(k, sum));
    }
}
"""#

    static let runningMean = #"""
/* Streaming mean: a persistent int32 sum of (x - z_x), requantized by s_x / (T s_y) every step. */
static void tl_running_mean(const tl_requantize_k *k, tl_view x, int32_t cols, tl_view sum, tl_view y) {
    int32_t c;
    for (c = 0; c < cols; c++) {
        int32_t s = (int32_t)((uint32_t)tl_get(sum, 0, c) + (uint32_t)(tl_get(x, 0, c) - k->in_zero));
        tl_put(sum, 0, c, s);
        tl_put(y, 0, c, tl_requantize(k, s));
    }
}
"""#

    static let lastRow = #"""
static void tl_last_row(tl_view x, int32_t rows, int32_t cols, tl_view y) {
    int32_t c;
    for (c = 0; c < cols; c++) tl_put(y, 0, c, tl_get(x, rows - 1, c));
}
"""#

    static let maxPool = #"""
/* Row t of y is the maximum of rows t * size ... t * size + size - 1 (a partial last window is dropped). */
static void tl_max_pool(int32_t size, tl_view x, int32_t out_rows, int32_t cols, tl_view y) {
    int32_t t, c, s;
    for (t = 0; t < out_rows; t++)
        for (c = 0; c < cols; c++) {
            int32_t best = tl_get(x, t * size, c);
            for (s = 1; s < size; s++) { int32_t v = tl_get(x, t * size + s, c); if (v > best) best = v; }
            tl_put(y, t, c, best);
        }
}
"""#

    static let norm = #"""
/* floor(sqrt(n)) bit by bit (IntegerMath.squareRoot). */
static int64_t tl_square_root(int64_t n) {
    int64_t remainder = n, root = 0, bit = (int64_t)1 << 62;
    while (bit > remainder) bit >>= 2;
    while (bit != 0) {
        if (remainder >= root + bit) { remainder -= root + bit; root = (root >> 1) + bit; }
        else root >>= 1;
        bit >>= 2;
    }
    return root;
}

/* LayerNorm (centred) or RMSNorm per row: d_i = C x_i - sum x (RMSNorm: C x_i), sigma_C =
   floor(sqrt(sum d^2 / C + eps)), n_i = d_i 2^12 / sigma_C truncated, y_i = +-M_i n_i + b_i + z_y.
   d_i is recomputed in the second pass instead of kept: it costs no RAM. */
typedef struct {
    int32_t centred, columns; const tl_mult *mult; const uint8_t *negative; const int32_t *bias;
    int64_t epsilon; int32_t in_zero, out_zero, out_min, out_max;
} tl_norm_k;

static void tl_norm(const tl_norm_k *k, tl_view x, int32_t rows, tl_view y) {
    int32_t r, i, c = k->columns;
    for (r = 0; r < rows; r++) {
        int64_t sum = 0, squares = 0, sigma;
        for (i = 0; i < c; i++) sum += tl_get(x, r, i) - k->in_zero;
        for (i = 0; i < c; i++) {
            int64_t d = (int64_t)c * (tl_get(x, r, i) - k->in_zero) - (k->centred ? sum : 0);
            squares += d * d;
        }
        sigma = tl_square_root(squares / c + k->epsilon);
        if (sigma < 1) sigma = 1;
        for (i = 0; i < c; i++) {
            int64_t d = (int64_t)c * (tl_get(x, r, i) - k->in_zero) - (k->centred ? sum : 0);
            int64_t numerator = d * 4096;
            /* Both in 32 bits (always, for int8 inputs and fewer than 1,000 columns): the truncating
               32-bit division gives the same quotient as the 64-bit one for a fraction of its cost. */
            int32_t n = numerator >= INT32_MIN && numerator <= INT32_MAX && sigma <= INT32_MAX
                ? (int32_t)numerator / (int32_t)sigma : tl_saturate(numerator / sigma, 32);
            int32_t scaled = tl_multiply(n, k->mult[i]);
            int64_t v = (k->negative[i] ? -(int64_t)scaled : (int64_t)scaled) + k->bias[i] + k->out_zero;
            tl_put(y, r, i, (int32_t)(v < k->out_min ? k->out_min : (v > k->out_max ? k->out_max : v)));
        }
    }
}
"""#

    static let attention = #"""
/* Per head and asking query: int32 scores against every key, softmax on a_j - max a in Q10 by the
   fixed-point exp, probabilities in Q15 (64-bit division, truncating), output sum_j p_j (v_j - z_v)
   requantized. `scores` is the op's scratch: one int32 row of T. Only the last `asking` query rows ask. */
typedef struct {
    int32_t heads, width, asking, score_shift, value_shift; int32_t query_zero, key_zero, value_zero;
    tl_mult score, out; int32_t out_zero, out_min, out_max;
} tl_attention_k;

static void tl_attention(const tl_attention_k *k, tl_view q, int32_t query_rows, tl_view key, tl_view value, int32_t keys,
                         tl_view scores, tl_view y) {
    int32_t d = k->width, dh = d / k->heads, first = query_rows - k->asking, h, i, j, c;
    int32_t packed = q.bits == 8 && key.bits == 8;
    for (h = 0; h < k->heads; h++) {
        for (i = 0; i < k->asking; i++) {
            int32_t best = INT32_MIN;
            int64_t total = 0;
            if (packed) {
                /* sum (q - z_q)(k - z_k) = sum k (q - z_q) - z_k sum (q - z_q), four keys at a time */
                const int8_t *qi = (const int8_t *)(q.p + (first + i) * q.stride) + h * dh;
                int32_t centred_sum = 0;
                for (c = 0; c < dh; c++) centred_sum += qi[c] - k->query_zero;
                for (j = 0; j < keys; j += 4) {
                    const int8_t *rows[4];
                    int32_t d[4], r;
                    for (r = 0; r < 4; r++) rows[r] = (const int8_t *)(key.p + (j + r < keys ? j + r : j) * key.stride) + h * dh;
                    tl_dot4_centred(rows, qi, k->query_zero, dh, d);
                    for (r = 0; r < 4 && j + r < keys; r++) tl_put(scores, 0, j + r, d[r] - k->key_zero * centred_sum);
                }
                for (j = 0; j < keys; j++) if (tl_get(scores, 0, j) > best) best = tl_get(scores, 0, j);
            } else {
                /* int16 operands: 64-bit sums shifted into 32 bits (the multiplier carries 2^score_shift) */
                for (j = 0; j < keys; j++) {
                    int64_t acc = 0;
                    int32_t score;
                    for (c = 0; c < dh; c++)
                        acc += (int64_t)(tl_get(q, first + i, h * dh + c) - k->query_zero) * (tl_get(key, j, h * dh + c) - k->key_zero);
                    score = tl_saturate(acc >> k->score_shift, 32);
                    tl_put(scores, 0, j, score);
                    if (score > best) best = score;
                }
            }
            for (j = 0; j < keys; j++) {
                int32_t logit = -tl_multiply(tl_saturate((int64_t)best - tl_get(scores, 0, j), 32), k->score);
                int32_t e = tl_exp_q10(logit > -24 * 1024 ? logit : -24 * 1024);
                tl_put(scores, 0, j, e);
                total += e;
            }
            /* e_j 2^15 <= 2^31 and, for fewer than 2^15 keys, the total fits 32 bits: the same quotient
               from one 32-bit unsigned division (a single UDIV on the M4) instead of a 64-bit one. */
            for (j = 0; j < keys; j++)
                tl_put(scores, 0, j, total <= (int64_t)UINT32_MAX
                    ? (int32_t)(((uint32_t)tl_get(scores, 0, j) << 15) / (uint32_t)total)
                    : (int32_t)(((int64_t)tl_get(scores, 0, j) << 15) / total));
            for (c = 0; c < dh; c++) {
                int32_t acc = 0;
                if (value.bits == 8) {
                    /* typed loads: Q15 probabilities do not fit the halfwords SMLAD takes */
                    const int8_t *v = (const int8_t *)value.p + h * dh + c;
                    for (j = 0; j < keys; j++) {
                        int32_t p;
                        memcpy(&p, scores.p + 4 * j, 4);
                        acc += p * (v[j * value.stride] - k->value_zero);
                    }
                } else {
                    int64_t wide = 0;
                    for (j = 0; j < keys; j++) wide += (int64_t)tl_get(scores, 0, j) * (tl_get(value, j, h * dh + c) - k->value_zero);
                    acc = tl_saturate(wide >> k->value_shift, 32);
                }
                tl_put(y, i, h * dh + c, tl_clamp(tl_multiply(acc, k->out) + k->out_zero, k->out_min, k->out_max));
            }
        }
    }
}
"""#

    static let conv1d = #"""
/* 1-D convolution over rows, weights [out][k * Cin] tap-major; rows outside the input read real 0. */
typedef struct {
    int32_t taps, stride, padding, in_channels, out_channels, weight_bits;
    const int8_t *w; const int32_t *bias; const tl_mult *mult;
    int32_t in_zero, out_zero, out_min, out_max;
} tl_conv1d_k;

static void tl_conv1d(const tl_conv1d_k *k, tl_view x, int32_t rows, int32_t out_rows, tl_view y) {
    int32_t t, o, j, c, cin = k->in_channels, n = k->taps * cin;
    for (t = 0; t < out_rows; t++)
        for (o = 0; o < k->out_channels; o++) {
            int64_t acc = k->bias[o];
            for (j = 0; j < k->taps; j++) {
                int32_t row = t * k->stride + j - k->padding;
                uint32_t dot = 0;
                if (row < 0 || row >= rows) continue;
                for (c = 0; c < cin; c++)
                    dot += (uint32_t)(tl_weight(k->w, k->weight_bits, o * n + j * cin + c) * (tl_get(x, row, c) - k->in_zero));
                acc += (int32_t)dot;
            }
            tl_put(y, t, o, tl_clamp(tl_multiply(tl_saturate(acc, 32), k->mult[o]) + k->out_zero, k->out_min, k->out_max));
        }
}
"""#

    static let depthwiseConv = #"""
/* Causal depthwise convolution, taps before the first row skipped. Streaming, `history` holds the
   k - 1 previous input rows (oldest first) and is shifted by the new rows afterwards. */
typedef struct {
    int32_t taps, channels, weight_bits; const int8_t *w; const int32_t *bias; const tl_mult *mult;
    int32_t in_zero, out_zero, out_min, out_max;
} tl_depthwise_k;

/* Row `row` of history followed by x. */
static int32_t tl_joined(tl_view history, int32_t history_rows, tl_view x, int32_t row, int32_t c) {
    return row < history_rows ? tl_get(history, row, c) : tl_get(x, row - history_rows, c);
}

static void tl_depthwise_conv(const tl_depthwise_k *k, tl_view x, int32_t rows, tl_view history, int32_t history_rows, tl_view y) {
    int32_t t, ch, j, r, kk = k->taps;
    for (t = 0; t < rows; t++) {
        int32_t last = t + history_rows;
        for (ch = 0; ch < k->channels; ch++) {
            int32_t acc = k->bias[ch];
            for (j = 0; j < kk; j++) {
                int32_t row = last - (kk - 1) + j;
                if (row < 0) continue;
                acc += tl_weight(k->w, k->weight_bits, ch * kk + j) * (tl_joined(history, history_rows, x, row, ch) - k->in_zero);
            }
            tl_put(y, t, ch, tl_clamp(tl_multiply(acc, k->mult[ch]) + k->out_zero, k->out_min, k->out_max));
        }
    }
    for (r = 0; r < history_rows; r++)
        for (ch = 0; ch < k->channels; ch++) tl_put(history, r, ch, tl_joined(history, history_rows, x, r + rows, ch));
}
"""#

    static let selectiveScan = #"""
/* Mamba's S6 scan per row t, channel e, state entry n (ScanKernel):
   decay = exp(-M_A (delta A_q)) in Q16; h <- round(decay h / 2^16) + M_in (delta u (B - z_B) >> product_shift), saturated;
   y = clamp(M_y (sum_n h (C - z_C) >> acc_shift) + M_D (u D_q) + z_y). `state` is [E, N] at `state_bits`. */
typedef struct {
    int32_t channels, state_size, state_bits, acc_shift, product_shift; const int16_t *decay_rates, *skip;
    tl_mult decay, input, readout, skip_mult;
    int32_t u_zero, delta_zero, b_zero, c_zero, out_zero, out_min, out_max;
} tl_scan_k;

static void tl_selective_scan(const tl_scan_k *k, tl_view u, tl_view delta, tl_view b, tl_view cv, int32_t rows,
                              tl_view state, tl_view y) {
    int32_t t, ch, j, e = k->channels, n = k->state_size;
    for (t = 0; t < rows; t++)
        for (ch = 0; ch < e; ch++) {
            int32_t dt = tl_get(delta, t, ch) - k->delta_zero, uu = tl_get(u, t, ch) - k->u_zero;
            int64_t acc = 0, v;
            int32_t readout, direct;
            for (j = 0; j < n; j++) {
                int32_t decay = tl_exp_q10(-tl_multiply(dt * k->decay_rates[ch * n + j], k->decay));
                int64_t kept = ((int64_t)decay * tl_get(state, ch, j) + (1 << 15)) >> 16;
                int64_t product = (int64_t)dt * uu * (tl_get(b, t, j) - k->b_zero);
                int32_t input = tl_multiply(tl_saturate(product >> k->product_shift, 32), k->input);
                int32_t h = tl_saturate(kept + input, k->state_bits);
                tl_put(state, ch, j, h);
                acc += (int64_t)h * (tl_get(cv, t, j) - k->c_zero);
            }
            readout = tl_multiply(tl_saturate(acc >> k->acc_shift, 32), k->readout);
            direct = tl_multiply(uu * k->skip[ch], k->skip_mult);
            v = (int64_t)readout + direct + k->out_zero;
            tl_put(y, t, ch, (int32_t)(v < k->out_min ? k->out_min : (v > k->out_max ? k->out_max : v)));
        }
}
"""#

    static let lstm = #"""
/* LSTM with int16 gates (LSTMKernel): pre-activations in Q3.12, sigmoid/tanh tables to Q0.15, an int16
   cell with `cell_bits` fraction bits, h = o tanh(c) requantized to int8 and fed back. The op's
   scratch holds the 4H gates, then h and the cell (int16 each). */
typedef struct {
    int32_t hidden, in, cell_bits, input_bits, recurrent_bits;
    const int8_t *wx, *wh; const int32_t *bias; const tl_mult *input_mult, *recurrent_mult; tl_mult out;
    int32_t in_zero, out_zero, out_min, out_max; tl_table sigmoid, tanh;
} tl_lstm_k;

static void tl_lstm(const tl_lstm_k *k, tl_view x, int32_t rows, uint8_t *scratch, tl_view y) {
    int32_t hid = k->hidden, f = k->in, g = 4 * hid, t, o, i, j;
    tl_view gates = { scratch, 16, 0 }, h = { scratch + 2 * g, 16, 0 }, cell = { scratch + 2 * g + 2 * hid, 16, 0 };
    for (j = 0; j < hid; j++) { tl_put(h, 0, j, k->out_zero); tl_put(cell, 0, j, 0); }
    for (t = 0; t < rows; t++) {
        for (o = 0; o < g; o++) {
            int32_t ax = k->bias[o], ah = 0;
            int64_t pre;
            for (i = 0; i < f; i++) ax += tl_weight(k->wx, k->input_bits, o * f + i) * (tl_get(x, t, i) - k->in_zero);
            for (i = 0; i < hid; i++) ah += tl_weight(k->wh, k->recurrent_bits, o * hid + i) * (tl_get(h, 0, i) - k->out_zero);
            pre = (int64_t)tl_multiply(ax, k->input_mult[o]) + tl_multiply(ah, k->recurrent_mult[o]);
            tl_put(gates, 0, o, tl_saturate(pre, 16));
        }
        for (j = 0; j < hid; j++) {
            int32_t ig = tl_lookup(&k->sigmoid, tl_get(gates, 0, j)), fg = tl_lookup(&k->sigmoid, tl_get(gates, 0, hid + j));
            int32_t gg = tl_lookup(&k->tanh, tl_get(gates, 0, 2 * hid + j)), og = tl_lookup(&k->sigmoid, tl_get(gates, 0, 3 * hid + j));
            int64_t kept = ((int64_t)fg * tl_get(cell, 0, j) + (1 << 14)) >> 15;
            int64_t shift = 30 - k->cell_bits;
            int64_t added = ((int64_t)ig * gg + ((int64_t)1 << (shift - 1))) >> shift;
            int32_t c = tl_saturate(kept + added, 16), c12, product, hj;
            tl_put(cell, 0, j, c);
            c12 = k->cell_bits >= 12 ? tl_divide_pot(c, k->cell_bits - 12) : tl_saturate((int64_t)c * ((int64_t)1 << (12 - k->cell_bits)), 16);
            product = og * tl_lookup(&k->tanh, c12);
            hj = tl_clamp(tl_multiply(product, k->out) + k->out_zero, k->out_min, k->out_max);
            tl_put(h, 0, j, hj);
            tl_put(y, t, j, hj);
        }
    }
}
"""#
}
