// Read bandwidth of one core from a buffer of each size, re-read many times, with 256-bit
// (AVX2) and 512-bit (AVX-512) loads: where the batch-1 recurrent weights (GRU H=256: 768 KB a
// step, 384 KB per core at 2 threads) come from, and how fast (docs/performance.md).
// Not part of the package or the tests. Build and run on an AVX-512 machine:
//   g++ -O3 -march=x86-64-v4 -std=c++17 benchmarks/bandwidth_probe.cpp -o /tmp/bw && /tmp/bw
#include <immintrin.h>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>
template <int W>
float run(const float* p, size_t n, int reps) {
  if constexpr (W == 8) {
    __m256 a0=_mm256_setzero_ps(),a1=a0,a2=a0,a3=a0,a4=a0,a5=a0,a6=a0,a7=a0;
    for (int r = 0; r < reps; ++r)
      for (size_t i = 0; i < n; i += 64) {
        a0=_mm256_add_ps(a0,_mm256_load_ps(p+i)); a1=_mm256_add_ps(a1,_mm256_load_ps(p+i+8));
        a2=_mm256_add_ps(a2,_mm256_load_ps(p+i+16)); a3=_mm256_add_ps(a3,_mm256_load_ps(p+i+24));
        a4=_mm256_add_ps(a4,_mm256_load_ps(p+i+32)); a5=_mm256_add_ps(a5,_mm256_load_ps(p+i+40));
        a6=_mm256_add_ps(a6,_mm256_load_ps(p+i+48)); a7=_mm256_add_ps(a7,_mm256_load_ps(p+i+56));
      }
    __m256 s=_mm256_add_ps(_mm256_add_ps(_mm256_add_ps(a0,a1),_mm256_add_ps(a2,a3)),_mm256_add_ps(_mm256_add_ps(a4,a5),_mm256_add_ps(a6,a7)));
    float o[8]; _mm256_storeu_ps(o,s); return o[0];
  } else {
    __m512 a0=_mm512_setzero_ps(),a1=a0,a2=a0,a3=a0;
    for (int r = 0; r < reps; ++r)
      for (size_t i = 0; i < n; i += 64) {
        a0=_mm512_add_ps(a0,_mm512_load_ps(p+i)); a1=_mm512_add_ps(a1,_mm512_load_ps(p+i+16));
        a2=_mm512_add_ps(a2,_mm512_load_ps(p+i+32)); a3=_mm512_add_ps(a3,_mm512_load_ps(p+i+48));
      }
    float o[16];
    _mm512_storeu_ps(o, _mm512_add_ps(_mm512_add_ps(a0,a1),_mm512_add_ps(a2,a3)));
    return o[0];
  }
}
int main() {
  for (size_t kb : {128, 256, 384, 512, 768, 896, 1024, 1536, 4096}) {
    size_t n = kb * 1024 / 4;
    float* p = (float*)aligned_alloc(64, n * 4);
    for (size_t i = 0; i < n; ++i) p[i] = 1e-9f * (i % 7);
    int reps = (int)(2e9 / (n * 4)) + 1;
    double best[2] = {1e9, 1e9}; float sink = 0;
    for (int t = 0; t < 5; ++t) {
      auto s = std::chrono::steady_clock::now(); sink += run<8>(p, n, reps);
      double d = std::chrono::duration<double>(std::chrono::steady_clock::now() - s).count();
      if (d < best[0]) best[0] = d;
      s = std::chrono::steady_clock::now(); sink += run<16>(p, n, reps);
      d = std::chrono::duration<double>(std::chrono::steady_clock::now() - s).count();
      if (d < best[1]) best[1] = d;
    }
    printf("%5zu KB: avx2 %6.1f GB/s  avx512 %6.1f GB/s  (%g)\n", kb, n * 4.0 * reps / best[0] / 1e9,
           n * 4.0 * reps / best[1] / 1e9, sink);
    free(p);
  }
}
