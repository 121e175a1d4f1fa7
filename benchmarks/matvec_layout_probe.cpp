// The batch-1 matrix-vector pass over GRU/LSTM weights (16-unit groups of 3-4 gate panels of
// K rows of 16 floats, each row times a broadcast h[k]), with the panels one after another (S
// streams, fusedrnn's layout) or a group's gate rows side by side (one stream): does the layout
// change the rate the weights arrive at? (docs/performance.md, change 29.) Not part of the
// package or the tests:
//   g++ -O3 -march=x86-64-v3 -std=c++17 benchmarks/matvec_layout_probe.cpp -o /tmp/mv && /tmp/mv
#include <immintrin.h>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <initializer_list>
// Read a buffer of `groups` groups, each holding S panels of K rows of 16 floats: either
// panel-major (S streams of 64 B rows, K*64 B apart) or row-major (one stream).
// Mimics the matvec: for each k, broadcast h[k], FMA with S*2 vectors.
template <int S>
double run(const float* w, const float* h, int groups, int K, bool interleaved, int reps, float* out) {
  auto t0 = std::chrono::steady_clock::now();
  for (int r = 0; r < reps; ++r)
    for (int g = 0; g < groups; ++g) {
      __m256 acc[2 * S];
      for (int j = 0; j < 2 * S; ++j) acc[j] = _mm256_setzero_ps();
      const float* base = w + (long)g * S * K * 16;
      for (int k = 0; k < K; ++k) {
        __m256 hb = _mm256_broadcast_ss(h + k);
        for (int s = 0; s < S; ++s) {
          const float* row = interleaved ? base + ((long)k * S + s) * 16 : base + ((long)s * K + k) * 16;
          acc[2 * s] = _mm256_fmadd_ps(hb, _mm256_load_ps(row), acc[2 * s]);
          acc[2 * s + 1] = _mm256_fmadd_ps(hb, _mm256_load_ps(row + 8), acc[2 * s + 1]);
        }
      }
      for (int j = 0; j < 2 * S; ++j) _mm256_store_ps(out + (g * 2 * S + j) * 8, acc[j]);
    }
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}
int main() {
  const int K = 256, groups = 16;  // GRU H=256: 16 groups x 3 gates x 256 rows x 64 B = 768 KB
  for (int S : {3, 4}) {
    long n = (long)groups * S * K * 16;
    float* w = (float*)aligned_alloc(64, n * 4);
    float* h = (float*)aligned_alloc(64, K * 4);
    float* out = (float*)aligned_alloc(64, groups * 2 * 4 * 8 * 4 * 2);
    for (long i = 0; i < n; ++i) w[i] = 1e-6f * (i % 13);
    for (int i = 0; i < K; ++i) h[i] = 1.0f;
    for (bool inter : {false, true}) {
      double best = 1e9;
      int reps = 2000;
      for (int t = 0; t < 7; ++t) {
        double d = S == 3 ? run<3>(w, h, groups, K, inter, reps, out) : run<4>(w, h, groups, K, inter, reps, out);
        if (d < best) best = d;
      }
      printf("S=%d (%ld KB) %s: %.2f us per pass, %.1f GB/s\n", S, n * 4 / 1024,
             inter ? "interleaved (1 stream)" : "panel-major (S streams)", best / reps * 1e6,
             n * 4.0 * reps / best / 1e9);
    }
  }
}
