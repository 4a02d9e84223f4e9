#ifndef CTINYCPU_H
#define CTINYCPU_H

/// 1 when the CPU executing this process supports AVX2 and FMA (x86-64), else 0.
int tinyloc_cpu_has_avx2_fma(void);

/// A short human name for the vector path the CPU allows ("avx2+fma", "sse2", "neon").
const char *tinyloc_cpu_vector_isa(void);

#endif
