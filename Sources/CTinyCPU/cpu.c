#include "CTinyCPU.h"

// The Swift standard library has no CPU-feature query; the compiler builtin reads CPUID once.
int tinyloc_cpu_has_avx2_fma(void) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
    return 0;
#endif
}

const char *tinyloc_cpu_vector_isa(void) {
#if defined(__x86_64__)
    return tinyloc_cpu_has_avx2_fma() ? "avx2+fma" : "sse2";
#elif defined(__aarch64__)
    return "neon";
#else
    return "scalar";
#endif
}
