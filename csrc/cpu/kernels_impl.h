// The recurrent kernels, written once and compiled once per ISA level: kernels_<isa>.cpp defines
// FUSEDRNN_ISA_NS and includes this file with that ISA's compiler flags. Everything here lives
// in namespace fusedrnn::FUSEDRNN_ISA_NS, so no function compiled for AVX2 can be merged with a
// baseline one by the linker. No SIMD constants at namespace scope.
//
// Vectors are GCC/Clang vector extensions of 8 floats: one ymm register with AVX2 and AVX-512,
// two xmm registers in the generic x86-64 build, two NEON registers on aarch64. The products
// over packed weight panels (micro_kernel) work on panel rows of 16 floats: two such vectors,
// or with AVX-512 one 16-float vector (a zmm register).
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <thread>

#if defined(__x86_64__) || defined(_M_X64) || defined(__i386__)
#include <immintrin.h>
#endif

#include "forward_plan.h"

#ifndef FUSEDRNN_ISA_NS
#error "define FUSEDRNN_ISA_NS before including kernels_impl.h"
#endif

namespace fusedrnn {
namespace FUSEDRNN_ISA_NS {

#define FRNN_INLINE inline __attribute__((always_inline))

typedef float vf __attribute__((vector_size(32)));
typedef std::int32_t vi __attribute__((vector_size(32)));
#if defined(__AVX512F__)
typedef float vf16 __attribute__((vector_size(64)));
typedef std::int32_t vi16 __attribute__((vector_size(64)));
#endif

// The same bytes seen as another type (std::bit_cast is C++20).
template <class To, class From>
FRNN_INLINE To bits_as(From v) {
  static_assert(sizeof(To) == sizeof(From), "bits_as needs types of one size");
  To r;
  std::memcpy(&r, &v, sizeof r);
  return r;
}

// Vector helpers, for the 8-float vf and (AVX-512) the 16-float vf16: load, store, splat
// (all lanes s), the integer vector of the same width, and the clamps that let NaN through
// unchanged (with AVX, vminps/vmaxps return their second operand when either is NaN, so the
// bound goes first; elsewhere a NaN compares false).
template <class V>
FRNN_INLINE V load_as(const float* p) {
  V v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
template <class V>
FRNN_INLINE void store_as(float* p, V v) { std::memcpy(p, &v, sizeof v); }
template <class V> struct VecInt;
template <> struct VecInt<vf> { typedef vi type; };
FRNN_INLINE vf splat(vf, float s) { return vf{s, s, s, s, s, s, s, s}; }
FRNN_INLINE vf vmin_bound_first(vf bound, vf x) {
#if defined(__AVX__)
  return bits_as<vf>(_mm256_min_ps(bits_as<__m256>(bound), bits_as<__m256>(x)));
#else
  return x > bound ? bound : x;
#endif
}
FRNN_INLINE vf vmax_bound_first(vf bound, vf x) {
#if defined(__AVX__)
  return bits_as<vf>(_mm256_max_ps(bits_as<__m256>(bound), bits_as<__m256>(x)));
#else
  return x < bound ? bound : x;
#endif
}
// 1 / d. With AVX: the 12-bit hardware estimate refined by one Newton step (relative error
// ~1e-7, a division's worth of accuracy at a fraction of its cost); elsewhere a division.
// AVX-512 builds take the 14-bit estimate, as their 16-float vectors do (below), so that the
// two widths give the same results.
FRNN_INLINE vf vreciprocal(vf d) {
#if defined(__AVX512VL__)
  const __m256 m = bits_as<__m256>(d);
  const vf r = bits_as<vf>(_mm256_mask_rcp14_ps(m, static_cast<__mmask8>(0xFF), m));
  return r * (splat(d, 2.0f) - d * r);
#elif defined(__AVX__)
  const vf r = bits_as<vf>(_mm256_rcp_ps(bits_as<__m256>(d)));
  return r * (splat(d, 2.0f) - d * r);
#else
  return splat(d, 1.0f) / d;
#endif
}
#if defined(__AVX512F__)
template <> struct VecInt<vf16> { typedef vi16 type; };
FRNN_INLINE vf16 splat(vf16, float s) { return bits_as<vf16>(_mm512_set1_ps(s)); }
// (The all-lanes masked forms: GCC 12's plain ones start from _mm512_undefined_ps, which its
// -Wmaybe-uninitialized reports once inlined.)
FRNN_INLINE vf16 vmin_bound_first(vf16 bound, vf16 x) {
  const __m512 b = bits_as<__m512>(bound);
  return bits_as<vf16>(_mm512_mask_min_ps(b, static_cast<__mmask16>(0xFFFF), b, bits_as<__m512>(x)));
}
FRNN_INLINE vf16 vmax_bound_first(vf16 bound, vf16 x) {
  const __m512 b = bits_as<__m512>(bound);
  return bits_as<vf16>(_mm512_mask_max_ps(b, static_cast<__mmask16>(0xFFFF), b, bits_as<__m512>(x)));
}
// The 14-bit estimate and one Newton step.
FRNN_INLINE vf16 vreciprocal(vf16 d) {
  const __m512 m = bits_as<__m512>(d);
  const vf16 r = bits_as<vf16>(_mm512_mask_rcp14_ps(m, static_cast<__mmask16>(0xFFFF), m));
  return r * (splat(d, 2.0f) - d * r);
}
#endif
template <class V>
FRNN_INLINE V vsplat(float s) { return splat(V{}, s); }
template <class V>
FRNN_INLINE V clamp_above(V x, float hi) { return vmin_bound_first(vsplat<V>(hi), x); }
template <class V>
FRNN_INLINE V clamp_below(V x, float lo) { return vmax_bound_first(vsplat<V>(lo), x); }

FRNN_INLINE vf vload(const float* p) { return load_as<vf>(p); }
FRNN_INLINE void vstore(float* p, vf v) { store_as(p, v); }
FRNN_INLINE vf vset(float s) { return vsplat<vf>(s); }

// The vector type of the panel products: kRowVecs vectors of kRowLanes floats make a 16-float
// panel row.
#if defined(__AVX512F__)
typedef vf16 vrow;
constexpr int kRowVecs = 1;
#else
typedef vf vrow;
constexpr int kRowVecs = 2;
#endif
constexpr int kRowLanes = kPanelWidth / kRowVecs;
// AVX-512: a tile of one panel has too few accumulators (6 rows: 6 zmm chains against the 8+
// that keep two FMA pipes of latency 4 busy), so the batched products take several panels; and
// the gates run on 16 units at a time (finish_group).
constexpr bool kWideRows = kRowVecs == 1;
FRNN_INLINE vrow vrow_load(const float* p) { return load_as<vrow>(p); }
FRNN_INLINE void vrow_store(float* p, vrow v) { store_as(p, v); }
FRNN_INLINE vrow vrow_set(float s) { return vsplat<vrow>(s); }

FRNN_INLINE void cpu_pause() {
#if defined(__x86_64__) || defined(_M_X64) || defined(__i386__)
  _mm_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

// ---------------------------------------------------------------------------------------------
// Activations, for either vector width (the same operations lane by lane). exp: Cody-Waite
// range reduction x = n ln2 + r, a degree-6 polynomial for e^r on |r| <= ln2/2 (relative error
// ~1e-7), and 2^n built in the exponent bits.
template <class V>
FRNN_INLINE V vexp(V x) {
  typedef typename VecInt<V>::type I;
  x = clamp_above(x, 88.3762626647949f);
  x = clamp_below(x, -87.3365447505531f);
  // n = round(x log2 e): adding 1.5 * 2^23 rounds to an integer and leaves n in the low
  // mantissa bits of t (|n| <= 127), which also gives 2^n below with one shift.
  const V magic = vsplat<V>(12582912.0f);
  V t = x * vsplat<V>(1.44269504088896341f) + magic;
  V nf = t - magic;
  V r = x - nf * vsplat<V>(0.693359375f);
  r = r - nf * vsplat<V>(-2.12194440e-4f);
  V p = vsplat<V>(1.9875691500e-4f);
  p = p * r + vsplat<V>(1.3981999507e-3f);
  p = p * r + vsplat<V>(8.3334519073e-3f);
  p = p * r + vsplat<V>(4.1665795894e-2f);
  p = p * r + vsplat<V>(1.6666665459e-1f);
  p = p * r + vsplat<V>(5.0000001201e-1f);
  p = p * (r * r) + r + vsplat<V>(1.0f);
  // (bits of t) << 23 is n << 23: the magic constant's own low 9 bits are zero.
  I bits = (bits_as<I>(t) << 23) + (127 << 23);
  return p * bits_as<V>(bits);
}

template <class V>
FRNN_INLINE V vsigmoid(V x) { return vreciprocal(vsplat<V>(1.0f) + vexp(-x)); }

// tanh: odd minimax polynomial for |x| < 0.625, else sign(x) * (1 - 2 / (e^{2|x|} + 1)).
template <class V>
FRNN_INLINE V vtanh(V x) {
  typedef typename VecInt<V>::type I;
  const I sign_mask = I{} + static_cast<std::int32_t>(0x80000000u);
  V ax = bits_as<V>(bits_as<I>(x) & ~sign_mask);
  V z = x * x;
  V p = vsplat<V>(-5.70498872745e-3f);
  p = p * z + vsplat<V>(2.06390887954e-2f);
  p = p * z + vsplat<V>(-5.37397155531e-2f);
  p = p * z + vsplat<V>(1.33314422036e-1f);
  p = p * z + vsplat<V>(-3.33332819422e-1f);
  V small = p * z * x + x;
  V e = vexp(ax + ax);
  V large = vsplat<V>(1.0f) - vsplat<V>(2.0f) * vreciprocal(e + vsplat<V>(1.0f));
  large = bits_as<V>(bits_as<I>(large) | (bits_as<I>(x) & sign_mask));
  return ax < vsplat<V>(0.625f) ? small : large;
}

template <class V>
FRNN_INLINE V vhard_sigmoid(V x) {  // Keras 3: relu6(x + 3) / 6
  V y = (x + vsplat<V>(3.0f)) * vsplat<V>(1.0f / 6.0f);
  return clamp_above(clamp_below(y, 0.0f), 1.0f);
}

// Keras 2: clip(0.2 x + 0.5, 0, 1), as 0.2 (x + 2.5): x + 2.5 is exact near the lower corner,
// so small outputs keep their relative accuracy (0.2 x + 0.5 would cancel there).
template <class V>
FRNN_INLINE V vhard_sigmoid_keras2(V x) {
  V y = (x + vsplat<V>(2.5f)) * vsplat<V>(0.2f);
  return clamp_above(clamp_below(y, 0.0f), 1.0f);
}

template <class V>
FRNN_INLINE V vrelu(V x) { return clamp_below(x, 0.0f); }

template <class V>
FRNN_INLINE V activate(Activation a, V x) {
  switch (a) {
    case Activation::kTanh: return vtanh(x);
    case Activation::kSigmoid: return vsigmoid(x);
    case Activation::kHardSigmoid: return vhard_sigmoid(x);
    case Activation::kHardSigmoidKeras2: return vhard_sigmoid_keras2(x);
    case Activation::kRelu: return vrelu(x);
    case Activation::kLinear: break;
  }
  return x;
}

// ---------------------------------------------------------------------------------------------
// The micro-kernel: MR rows of A times NP packed panels (16 columns each), accumulated over K in
// KS interleaved partial sums (independent FMA chains for the small-MR, matrix-vector case).
//   a_rows[r]: row r of A, K floats.  panel: [NP panels][K][16], panels panel_stride apart.
//   init: 16*NP floats added to every row, or nullptr.  c_rows[r]: 16*NP outputs.
//   prefetch: optional; line k (16 floats) of it is prefetched into L2 at iteration k, for
//   k < prefetch_lines (the next panel, fetched while this one computes; see step()).
template <int MR, int NP, int KS>
__attribute__((noinline)) void micro_kernel(const float* const* a_rows, int K, const float* panel,
                                            long panel_stride, const float* init,
                                            float* const* c_rows, const float* prefetch = nullptr,
                                            int prefetch_lines = 0) {
  constexpr int NV = NP * kRowVecs;  // accumulators per row
  vrow acc[KS][MR][NV];
#pragma GCC unroll 64
  for (int s = 0; s < KS; ++s)
#pragma GCC unroll 64
    for (int r = 0; r < MR; ++r)
#pragma GCC unroll 64
      for (int j = 0; j < NV; ++j) acc[s][r][j] = vrow{};

  const float* a[MR];
#pragma GCC unroll 64
  for (int r = 0; r < MR; ++r) a[r] = a_rows[r];

  int k = 0;
  auto block = [&](int k0) __attribute__((always_inline)) {  // iterations k0 .. k0 + KS - 1
#pragma GCC unroll 64
    for (int s = 0; s < KS; ++s) {
      vrow b[NV];
#pragma GCC unroll 64
      for (int p = 0; p < NP; ++p)
#pragma GCC unroll 4
        for (int h = 0; h < kRowVecs; ++h)
          b[p * kRowVecs + h] = vrow_load(panel + p * panel_stride + (k0 + s) * kPanelWidth + h * kRowLanes);
#pragma GCC unroll 64
      for (int r = 0; r < MR; ++r) {
        vrow av = vrow_set(a[r][k0 + s]);
#pragma GCC unroll 64
        for (int j = 0; j < NV; ++j) acc[s][r][j] += av * b[j];
      }
    }
  };
  // While lines remain to prefetch, then without the check.
  for (; k + KS <= K && k < prefetch_lines; k += KS) {
    __builtin_prefetch(prefetch + static_cast<long>(k) * kPanelWidth, 0, 2);
    block(k);
  }
  for (; k + KS <= K; k += KS) block(k);
  for (; k < K; ++k) {
#pragma GCC unroll 64
    for (int p = 0; p < NP; ++p) {
      vrow b[kRowVecs];
#pragma GCC unroll 4
      for (int h = 0; h < kRowVecs; ++h)
        b[h] = vrow_load(panel + p * panel_stride + k * kPanelWidth + h * kRowLanes);
#pragma GCC unroll 64
      for (int r = 0; r < MR; ++r) {
        vrow av = vrow_set(a[r][k]);
#pragma GCC unroll 4
        for (int h = 0; h < kRowVecs; ++h) acc[0][r][p * kRowVecs + h] += av * b[h];
      }
    }
  }
#pragma GCC unroll 64
  for (int r = 0; r < MR; ++r) {
#pragma GCC unroll 64
    for (int j = 0; j < NV; ++j) {
      vrow v = acc[0][r][j];
#pragma GCC unroll 64
      for (int s = 1; s < KS; ++s) v += acc[s][r][j];
      if (init) v += vrow_load(init + j * kRowLanes);
      vrow_store(c_rows[r] + j * kRowLanes, v);
    }
  }
}

// One 16-column panel for 1..6 rows (the register-blocked GEMM tile). Every MR sums over k in
// the same order, so a row's result does not depend on which rows share its tile (and so not
// on the number of threads).
inline void tile_16(int mr, const float* const* a, int K, const float* panel, const float* init,
                    float* const* c, const float* prefetch = nullptr, int prefetch_lines = 0) {
  switch (mr) {
    case 1: micro_kernel<1, 1, 1>(a, K, panel, 0, init, c, prefetch, prefetch_lines); break;
    case 2: micro_kernel<2, 1, 1>(a, K, panel, 0, init, c, prefetch, prefetch_lines); break;
    case 3: micro_kernel<3, 1, 1>(a, K, panel, 0, init, c, prefetch, prefetch_lines); break;
    case 4: micro_kernel<4, 1, 1>(a, K, panel, 0, init, c, prefetch, prefetch_lines); break;
    case 5: micro_kernel<5, 1, 1>(a, K, panel, 0, init, c, prefetch, prefetch_lines); break;
    default: micro_kernel<6, 1, 1>(a, K, panel, 0, init, c, prefetch, prefetch_lines); break;
  }
}

// 1..6 rows times NP = 1..4 consecutive panels (panel_stride apart): the batched tiles of the
// AVX-512 kernels (kWideRows). The same sums as tile_16's, column by column.
template <int NP>
void tile_rows(int mr, const float* const* a, int K, const float* panel, long panel_stride,
               const float* init, float* const* c) {
  switch (mr) {
    case 1: micro_kernel<1, NP, 1>(a, K, panel, panel_stride, init, c); break;
    case 2: micro_kernel<2, NP, 1>(a, K, panel, panel_stride, init, c); break;
    case 3: micro_kernel<3, NP, 1>(a, K, panel, panel_stride, init, c); break;
    case 4: micro_kernel<4, NP, 1>(a, K, panel, panel_stride, init, c); break;
    case 5: micro_kernel<5, NP, 1>(a, K, panel, panel_stride, init, c); break;
    default: micro_kernel<6, NP, 1>(a, K, panel, panel_stride, init, c); break;
  }
}
inline void tile_panels(int mr, int np, const float* const* a, int K, const float* panel,
                        long panel_stride, const float* init, float* const* c) {
  switch (np) {
    case 1: tile_rows<1>(mr, a, K, panel, panel_stride, init, c); break;
    case 2: tile_rows<2>(mr, a, K, panel, panel_stride, init, c); break;
    case 3: tile_rows<3>(mr, a, K, panel, panel_stride, init, c); break;
    default: tile_rows<4>(mr, a, K, panel, panel_stride, init, c); break;
  }
}

// All Gm panels of one 16-unit group for 1 or 2 rows (the matrix-vector case of small batches).
// The k-split (independent FMA chains) depends on Gm only, for the same reason as above: one
// panel (a SimpleRNN) splits k in two, in four with AVX-512 (one zmm accumulator per row);
// the gated cells' 2-4 panels sum in order, like the batched tiles, so a row's result does
// not depend on the batch it comes in either.
inline void group_rows(int mr, int gm, const float* const* a, int K, const float* panel,
                       long panel_stride, float* const* c) {
  constexpr int kOnePanelSplit = kWideRows ? 4 : 2;
  if (mr == 1) {
    switch (gm) {
      case 1: micro_kernel<1, 1, kOnePanelSplit>(a, K, panel, panel_stride, nullptr, c); break;
      case 2: micro_kernel<1, 2, 1>(a, K, panel, panel_stride, nullptr, c); break;
      case 3: micro_kernel<1, 3, 1>(a, K, panel, panel_stride, nullptr, c); break;
      default: micro_kernel<1, 4, 1>(a, K, panel, panel_stride, nullptr, c); break;
    }
  } else {
    switch (gm) {
      case 1: micro_kernel<2, 1, kOnePanelSplit>(a, K, panel, panel_stride, nullptr, c); break;
      case 2: micro_kernel<2, 2, 1>(a, K, panel, panel_stride, nullptr, c); break;
      case 3: micro_kernel<2, 3, 1>(a, K, panel, panel_stride, nullptr, c); break;
      default: micro_kernel<2, 4, 1>(a, K, panel, panel_stride, nullptr, c); break;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// count_stall: false for the barriers of a job's first step, where a wait also covers the worker
// waking up (a virtual CPU left idle can take over a millisecond to resume), not contention.
FRNN_INLINE void barrier_wait(BarrierState* b, int& sense, bool count_stall) {
  sense ^= 1;
  if (b->remaining.fetch_sub(1, std::memory_order_acq_rel) == 1) {
    b->remaining.store(b->parties, std::memory_order_relaxed);
    b->phase.store(sense, std::memory_order_release);
    return;
  }
  // Spin (a crossing costs ~1 us when every thread has its own core) for up to kBarrierSpin.
  // A longer wait means another participant is not running: it shares this CPU, or the machine
  // is oversubscribed. Then let the pool spread the threads over the CPUs, and yield.
  constexpr auto kBarrierSpin = std::chrono::microseconds(20);
  const auto start = std::chrono::steady_clock::now();
  int spins = 0;
  bool long_wait = false;
  while (b->phase.load(std::memory_order_acquire) != sense) {
    if (long_wait) {
      std::this_thread::yield();
    } else if ((++spins & 63) != 0) {
      cpu_pause();
    } else if (std::chrono::steady_clock::now() - start > kBarrierSpin) {
      long_wait = true;
      on_long_barrier_wait();
    }
  }
  // A wait of a scheduler time slice's order (1 ms and more) means a participant was
  // descheduled: the machine is oversubscribed (other processes, or this one's other thread
  // pools). Shorter hiccups (a vCPU preempted by the host, a worker waking on a busy CPU)
  // happen on an idle machine too and must not count.
  constexpr auto kStall = std::chrono::microseconds(1000);
  if (count_stall && long_wait && std::chrono::steady_clock::now() - start > kStall)
    on_barrier_stall();
}

// Start of part i of n near-equal parts of [0, total).
FRNN_INLINE int balanced_split(int total, int parts, int i) {
  return static_cast<int>(static_cast<long>(total) * i / parts);
}

// Everything one thread needs while it steps through time.
struct ThreadView {
  const ForwardPlan* plan;
  const RnnForwardArgs* args;
  const PackedRnnWeights* w;
  int B, T, I, H, Hp, G;
  long Nx;  // columns of the input projection: G * Hp
  int row_begin, row_end, group_begin, group_end;
  int tid;
};

// xp for processing steps [s0, s0 + len) of rows [row_begin, row_end), for this thread's groups.
void project_inputs(const ThreadView& v, int t_low, int len) {
  const ForwardPlan& p = *v.plan;
  const int rows = v.row_end - v.row_begin;
  const int m_total = rows * len;
  const int panel_begin = v.group_begin * v.G, panel_end = v.group_end * v.G;
  const float* kernel = v.w->kernel.data();
  const float* bias = v.w->input_bias.data();
  const long panel_size = static_cast<long>(v.I) * kPanelWidth;
  int pnl = panel_begin;
  if (m_total <= 2) {
    // One or two rows (streaming, T=1): a 16-column tile would have only 2-4 FMA chains, so take
    // 4 panels at once. Each row still sums over k in order, so results equal the tiled path's.
    const float* a[2] = {nullptr, nullptr};
    float* c[2] = {nullptr, nullptr};
    for (int r = 0; r < m_total; ++r) {
      const int b = v.row_begin + r / len, j = r % len;
      a[r] = v.args->x + (static_cast<long>(b) * v.T + t_low + j) * v.I;
      c[r] = p.xp + (static_cast<long>(j) * v.B + b) * v.Nx;
    }
    for (; pnl + 4 <= panel_end; pnl += 4) {
      float* cp[2] = {c[0] + pnl * kPanelWidth, m_total > 1 ? c[1] + pnl * kPanelWidth : nullptr};
      const float* init = bias + pnl * kPanelWidth;
      if (m_total == 1)
        micro_kernel<1, 4, 1>(a, v.I, kernel + pnl * panel_size, panel_size, init, cp);
      else
        micro_kernel<2, 4, 1>(a, v.I, kernel + pnl * panel_size, panel_size, init, cp);
    }
  }
  // One panel per tile, or with AVX-512 up to 4 (see kWideRows); all rows for each.
  constexpr int kPanelsPerTile = kWideRows ? 4 : 1;
  for (; pnl < panel_end; pnl += kPanelsPerTile) {
    const int np = panel_end - pnl < kPanelsPerTile ? panel_end - pnl : kPanelsPerTile;
    const int n_blocks = (m_total + 5) / 6;
    for (int i = 0; i < n_blocks; ++i) {
      const int m0 = balanced_split(m_total, n_blocks, i);
      const int mr = balanced_split(m_total, n_blocks, i + 1) - m0;
      const float* a[6];
      float* c[6];
      for (int r = 0; r < mr; ++r) {
        const int b = v.row_begin + (m0 + r) / len, j = (m0 + r) % len;
        a[r] = v.args->x + (static_cast<long>(b) * v.T + t_low + j) * v.I;
        c[r] = p.xp + (static_cast<long>(j) * v.B + b) * v.Nx + pnl * kPanelWidth;
      }
      if (kWideRows)
        tile_panels(mr, np, a, v.I, kernel + pnl * panel_size, panel_size, bias + pnl * kPanelWidth, c);
      else
        tile_16(mr, a, v.I, kernel + pnl * panel_size, bias + pnl * kPanelWidth, c);
    }
  }
}

// Recurrent pre-activations of group q (and the groups - 1 after it) for rows [r0, r0 + mr): src
// rows (stride Hp) times the Gm-gate matrix `packed`; writes scratch rows of 16*Gm*groups floats
// (interleaved, both 8-unit blocks of each group). Several groups: AVX-512 batched steps only.
FRNN_INLINE void recurrent_preacts(const ThreadView& v, const float* src, const float* packed,
                                   int gm, int q, int r0, int mr, float* scratch, long row_stride,
                                   int groups = 1) {
  const long panel_stride = static_cast<long>(v.Hp) * kPanelWidth;
  const float* a[6];
  float* c[6];
  for (int r = 0; r < mr; ++r) {
    a[r] = src + static_cast<long>(r0 + r) * v.Hp;
    c[r] = scratch + r * row_stride;
  }
  const float* first = packed + static_cast<long>(q) * gm * panel_stride;
  if (v.B <= 2) {  // matrix-vector path; chosen by the whole batch, not this thread's rows
    group_rows(mr, gm, a, v.Hp, first, panel_stride, c);
  } else if (kWideRows) {
    tile_panels(mr, gm * groups, a, v.Hp, first, panel_stride, nullptr, c);
  } else {
    for (int g = 0; g < gm; ++g) {
      float* cg[6];
      for (int r = 0; r < mr; ++r) cg[r] = c[r] + g * kPanelWidth;
      tile_16(mr, a, v.Hp, first + g * panel_stride, nullptr, cg);
    }
  }
}

// Units u >= H pad the state to a whole number of 16-unit groups. Their weights are zero, yet
// an inf in x or in a state makes their pre-activations inf * 0 = NaN, and a NaN kept in the
// state would reach every real unit through the padding's zero recurrent rows (NaN * 0 = NaN).
// So the thread that owns the padding sets it back to 0 in what feeds the next product
// (a separate pass: a lane mask in emit() made batched LSTM steps 2-3% slower).
__attribute__((noinline)) void zero_padding(const ThreadView& v, float* state) {
  if (v.group_end * kUnitGroup <= v.H) return;  // none of this thread's units is padding
  for (int b = v.row_begin; b < v.row_end; ++b)
    for (int u = v.H; u < v.Hp; ++u) state[static_cast<long>(b) * v.Hp + u] = 0.0f;
}

// Writes h for block u0 (8 units) of row b: into the next state and, if wanted, the output.
FRNN_INLINE void emit(const ThreadView& v, int b, int s, int u0, vf h, float* h_next) {
  vstore(h_next + static_cast<long>(b) * v.Hp + u0, h);
  if (!v.args->return_sequences || u0 >= v.H) return;
  float* out = v.args->output + (static_cast<long>(b) * v.T + s) * v.H + u0;
  const int n = v.H - u0 < kLanes ? v.H - u0 : kLanes;
  if (s < v.plan->first_real[b]) {
    for (int l = 0; l < n; ++l) out[l] = 0.0f;
  } else if (n == kLanes) {
    vstore(out, h);
  } else {
    float tmp[kLanes];
    vstore(tmp, h);
    for (int l = 0; l < n; ++l) out[l] = tmp[l];
  }
}

#if defined(__AVX512F__)
// emit() for 16 units u0 .. u0 + 15 (a 16-unit group) with one zmm register.
FRNN_INLINE void emit16(const ThreadView& v, int b, int s, int u0, vf16 h, float* h_next) {
  store_as(h_next + static_cast<long>(b) * v.Hp + u0, h);
  if (!v.args->return_sequences || u0 >= v.H) return;
  float* out = v.args->output + (static_cast<long>(b) * v.T + s) * v.H + u0;
  const int n = v.H - u0 < 16 ? v.H - u0 : 16;
  const __mmask16 lanes = static_cast<__mmask16>((1u << n) - 1u);
  if (s < v.plan->first_real[b])
    _mm512_mask_storeu_ps(out, lanes, _mm512_setzero_ps());
  else
    _mm512_mask_storeu_ps(out, lanes, bits_as<__m512>(h));
}

// Gate g of a 16-unit group from a row of its interleaved columns (block 2q's G gates of 8
// units, then block 2q+1's): the two 8-unit halves in one zmm register.
FRNN_INLINE vf16 group_gate(const float* cols, int G, int g) {
  // (Two memcpy halves into one vf16 went through the stack: a store-forwarding stall. Not
  // _mm512_zextps256_ps512, whose _mm512_undefined_ps GCC 12 reports as uninitialized, nor
  // __builtin_shufflevector, which GCC has only since version 12.)
  const __m256 lo = _mm256_loadu_ps(cols + g * kLanes);
  const __m256 hi = _mm256_loadu_ps(cols + (G + g) * kLanes);
  return bits_as<vf16>(_mm512_insertf32x8(_mm512_castps256_ps512(lo), hi, 1));
}
#endif

// Whether step() computes all of a step's recurrent pre-activations before any gate: the gated
// cells' matrix-vector steps (GRU reset_after=False has a two-phase step of its own). Only these
// steps can take a chunk's input projection after their pre-activations (project_len below).
FRNN_INLINE bool preacts_before_gates(const ThreadView& v) {
  return v.B <= 2 && v.G > 1 && !(v.w->cell == CellKind::kGru && !v.w->reset_after);
}

// One timestep (processing step s, time t) for this thread's rows and groups.
// project_len > 0: this step first computes the recurrent pre-activations, then the input
// projection of the chunk's project_len steps (see forward_thread), then the gates.
void step(const ThreadView& v, int s, int t, int t_low, int& sense, int project_len) {
  const ForwardPlan& p = *v.plan;
  const PackedRnnWeights& w = *v.w;
  const RnnForwardArgs& args = *v.args;
  const float* h_prev = p.h[s & 1];
  float* h_next = p.h[(s + 1) & 1];
  const Activation act = w.activation, ract = w.recurrent_activation;
  const int G = v.G;
  const bool sync = p.split_units && p.threads > 1;
  // After the last step each thread reads only its own units (the final states), so the
  // closing barrier is needed only between steps.
  const bool sync_end = sync && s + 1 < v.T;
  auto xp_row = [&](int b) { return p.xp + (static_cast<long>(t - t_low) * v.B + b) * v.Nx; };
  auto real = [&](int b) { return args.mask == nullptr || args.mask[static_cast<long>(b) * v.T + t] != 0; };
  alignas(64) float scratch[6 * 16 * 4];
  // Row blocks of near-equal size (32 rows: 5,5,5,5,6,6 rather than 6,6,6,6,6,2, whose last
  // tile would run at a third of the speed). Rows sum in the same order in any block.
  const int row_block = v.B <= 2 ? 2 : 6;
  const int n_rows = v.row_end - v.row_begin;
  const int n_row_blocks = (n_rows + row_block - 1) / row_block;
  // Alternate the direction of the sweep over this thread's groups every step, and from one call
  // to the next (sweep_parity). The weights are read cyclically; when they are a little larger
  // than the cache, a sweep in a fixed order evicts each panel just before it is needed again,
  // while a reversed sweep starts with the panels the last one left in the cache. The order of
  // groups does not change any sum.
  const int n_groups = v.group_end - v.group_begin;
  const bool reverse = ((s + p.sweep_parity) & 1) != 0;
  auto group_at = [&](int i) { return reverse ? v.group_end - 1 - i : v.group_begin + i; };

  if (w.cell == CellKind::kGru && !w.reset_after) {
    // Phase 1: z and r; keep z and r * h_prev.
    for (int i = 0; i < n_groups; ++i) {
      const int q = group_at(i);
      for (int rb = 0; rb < n_row_blocks; ++rb) {
        const int r0 = v.row_begin + balanced_split(n_rows, n_row_blocks, rb);
        const int mr = v.row_begin + balanced_split(n_rows, n_row_blocks, rb + 1) - r0;
        recurrent_preacts(v, h_prev, w.recurrent.data(), 2, q, r0, mr, scratch, 32);
        for (int r = 0; r < mr; ++r) {
          const int b = r0 + r;
          const float* xr = xp_row(b);
          for (int half = 0; half < 2; ++half) {
            const int blk = 2 * q + half, u0 = blk * kLanes;
            const float* pre = scratch + r * 32 + half * 16;
            const float* xb = xr + static_cast<long>(blk) * G * kLanes;
            vf z = activate(ract, vload(xb) + vload(pre));
            vf rg = activate(ract, vload(xb + 8) + vload(pre + 8));
            const long o = static_cast<long>(b) * v.Hp + u0;
            vstore(p.z + o, z);
            vstore(p.rh + o, rg * vload(h_prev + o));
          }
        }
      }
    }
    if (v.Hp != v.H) zero_padding(v, p.rh);
    if (sync) barrier_wait(p.barrier, sense, s > 0);
    // Phase 2: the candidate from (r * h_prev) and the update. The AVX-512 batched steps take
    // two groups' candidate panels per tile (one alone is 6 zmm chains; see kWideRows).
    const int per_tile = kWideRows && v.B > 2 ? 2 : 1;
    for (int i = 0; i < n_groups; i += per_tile) {
      const int nq = n_groups - i < per_tile ? n_groups - i : per_tile;
      const int q0 = reverse ? group_at(i + nq - 1) : group_at(i);
      const int sstride = 16 * nq;
      for (int rb = 0; rb < n_row_blocks; ++rb) {
        const int r0 = v.row_begin + balanced_split(n_rows, n_row_blocks, rb);
        const int mr = v.row_begin + balanced_split(n_rows, n_row_blocks, rb + 1) - r0;
        recurrent_preacts(v, p.rh, w.recurrent_candidate.data(), 1, q0, r0, mr, scratch, sstride,
                          nq);
        for (int r = 0; r < mr; ++r) {
          const int b = r0 + r;
          const float* xr = xp_row(b);
          const bool live = real(b);
          for (int q = q0; q < q0 + nq; ++q) {
            for (int half = 0; half < 2; ++half) {
              const int blk = 2 * q + half, u0 = blk * kLanes;
              const long o = static_cast<long>(b) * v.Hp + u0;
              vf hp = vload(h_prev + o);
              vf h = hp;
              if (live) {
                const float* xb = xr + static_cast<long>(blk) * G * kLanes;
                vf hh = activate(act, vload(xb + 16) +
                                          vload(scratch + r * sstride + (q - q0) * 16 + half * 8));
                vf z = vload(p.z + o);
                h = hh + z * (hp - hh);
              }
              emit(v, b, s, u0, h, h_next);
            }
          }
        }
      }
    }
    if (v.Hp != v.H) zero_padding(v, h_next);
    if (sync_end) barrier_wait(p.barrier, sense, s > 0);
    return;
  }

  const float* cand_bias = w.candidate_bias.data();
  // The gates and the state update of block blk (8 units) of row b, from the block's recurrent
  // pre-activations `pre` (G vectors).
  // Inlined into the batched loop (SimpleRNN throughput -5%), called out of line by the
  // matrix-vector loops, where inlining it made GRU/LSTM steps at batch 1 ~15% slower.
  auto finish_inline = [&](int b, int blk, const float* pre, bool live,
                           const float* xr) __attribute__((always_inline)) {
    const int u0 = blk * kLanes;
    const long o = static_cast<long>(b) * v.Hp + u0;
    const float* xb = xr + static_cast<long>(blk) * G * kLanes;
    vf hp = vload(h_prev + o);
    vf h = hp;
    if (live) {
      switch (w.cell) {
        case CellKind::kSimpleRnn:
          h = activate(act, vload(xb) + vload(pre));
          break;
        case CellKind::kGru: {
          vf z = activate(ract, vload(xb) + vload(pre));
          vf rg = activate(ract, vload(xb + 8) + vload(pre + 8));
          vf hh = activate(act, vload(xb + 16) + rg * (vload(pre + 16) + vload(cand_bias + u0)));
          h = hh + z * (hp - hh);
          break;
        }
        case CellKind::kLstm: {
          vf ig = activate(ract, vload(xb) + vload(pre));
          vf fg = activate(ract, vload(xb + 8) + vload(pre + 8));
          vf cg = activate(act, vload(xb + 16) + vload(pre + 16));
          vf og = activate(ract, vload(xb + 24) + vload(pre + 24));
          vf c = fg * vload(p.c + o) + ig * cg;
          vstore(p.c + o, c);
          h = og * activate(act, c);
          break;
        }
      }
    }
    emit(v, b, s, u0, h, h_next);
  };
#if defined(__AVX512F__)
  // finish_inline for the 16 units of group q at once: pre and xr's group hold both blocks.
  auto finish_group = [&](int b, int q, const float* pre, bool live,
                          const float* xr) __attribute__((always_inline)) {
    const int u0 = q * kUnitGroup;
    const long o = static_cast<long>(b) * v.Hp + u0;
    const float* xb = xr + static_cast<long>(2 * q) * G * kLanes;
    vf16 hp = load_as<vf16>(h_prev + o);
    vf16 h = hp;
    if (live) {
      auto gate = [&](int g) { return group_gate(xb, G, g) + group_gate(pre, G, g); };
      switch (w.cell) {
        case CellKind::kSimpleRnn:
          h = activate(act, gate(0));
          break;
        case CellKind::kGru: {
          vf16 z = activate(ract, gate(0));
          vf16 rg = activate(ract, gate(1));
          vf16 hh = activate(act, group_gate(xb, G, 2) +
                                      rg * (group_gate(pre, G, 2) + load_as<vf16>(cand_bias + u0)));
          h = hh + z * (hp - hh);
          break;
        }
        case CellKind::kLstm: {
          vf16 ig = activate(ract, gate(0));
          vf16 fg = activate(ract, gate(1));
          vf16 cg = activate(act, gate(2));
          vf16 og = activate(ract, gate(3));
          vf16 c = fg * load_as<vf16>(p.c + o) + ig * cg;
          store_as(p.c + o, c);
          h = og * activate(act, c);
          break;
        }
      }
    }
    emit16(v, b, s, u0, h, h_next);
  };
  // Out of line for the matrix-vector loops, as finish below.
  auto finish_wide = [&](int b, int q, const float* pre, bool live,
                         const float* xr) __attribute__((noinline)) {
    finish_group(b, q, pre, live, xr);
  };
#else
  auto finish = [&](int b, int blk, const float* pre, bool live,
                    const float* xr) __attribute__((noinline)) {
    finish_inline(b, blk, pre, live, xr);
  };
#endif

  if (preacts_before_gates(v)) {
    // Matrix-vector steps of the gated cells: first every recurrent pre-activation of this
    // thread's groups, so the weights stream back to back, then the gates of all its units in
    // one loop of independent work the core can overlap (after each 16-unit group, the short
    // epilogue stalled the pipeline: 14% of a GRU step at batch 1; a SimpleRNN's
    // one-activation epilogue gains nothing from this).
    const long pre_stride = static_cast<long>(G) * v.Hp;
    for (int i = 0; i < n_groups; ++i) {
      const int q = group_at(i);
      recurrent_preacts(v, h_prev, w.recurrent.data(), G, q, v.row_begin, n_rows,
                        p.pre + static_cast<long>(v.row_begin) * pre_stride + q * 16 * G, pre_stride);
    }
    if (project_len > 0) project_inputs(v, t_low, project_len);
    for (int b = v.row_begin; b < v.row_end; ++b) {
      const bool live = real(b);
      const float* xr = xp_row(b);
      const float* pre_row = p.pre + static_cast<long>(b) * pre_stride;
#if defined(__AVX512F__)
      for (int q = v.group_begin; q < v.group_end; ++q)
        finish_wide(b, q, pre_row + q * 16 * G, live, xr);
#else
      for (int blk = 2 * v.group_begin; blk < 2 * v.group_end; ++blk)
        finish(b, blk, pre_row + (blk >> 1) * 16 * G + (blk & 1) * G * kLanes, live, xr);
#endif
    }
  } else if (v.B <= 2) {  // a SimpleRNN's matrix-vector step, one group at a time
    for (int i = 0; i < n_groups; ++i) {
      const int q = group_at(i);
      recurrent_preacts(v, h_prev, w.recurrent.data(), G, q, v.row_begin, n_rows, scratch, 16 * G);
      for (int r = 0; r < n_rows; ++r) {
        const int b = v.row_begin + r;
        const bool live = real(b);
        const float* xr = xp_row(b);
#if defined(__AVX512F__)
        finish_wide(b, q, scratch + r * 16 * G, live, xr);
#else
        for (int half = 0; half < 2; ++half)
          finish(b, 2 * q + half, scratch + r * 16 * G + half * G * kLanes, live, xr);
#endif
      }
    }
#if defined(__AVX512F__)
  } else if (kWideRows) {
    // Batched AVX-512 steps: tiles of up to 6 rows times all the G panels of a group (four
    // groups of a SimpleRNN: 6 x 4 accumulators; two gave 3-5% less throughput), 6 x G zmm
    // accumulators, then the gates of those groups for all rows.
    // The group's panels (G x 16 KB at Hp = 256) stay in L1/L2 while the row blocks pass.
    const long panel_stride = static_cast<long>(v.Hp) * kPanelWidth;
    const int per_tile = G == 1 ? 4 : 1;  // groups per tile
    const long row_stride = 16L * G * per_tile;
    float* gs = p.pre + static_cast<long>(v.tid) * v.B * row_stride;  // [rows][16*G*per_tile]
    // No software prefetch of the next tile's panels here (the AVX2 path below has one for
    // large layers): with these tiles the hardware's alone was 2-5% faster on large GRU/LSTM.
    for (int i = 0; i < n_groups; i += per_tile) {
      const int nq = n_groups - i < per_tile ? n_groups - i : per_tile;
      // The tile's lowest group (its groups are consecutive).
      const int q0 = reverse ? group_at(i + nq - 1) : group_at(i);
      const int np = nq * G;
      const float* first = w.recurrent.data() + static_cast<long>(q0) * G * panel_stride;
      for (int rb = 0; rb < n_row_blocks; ++rb) {
        const int o0 = balanced_split(n_rows, n_row_blocks, rb);
        const int mr = balanced_split(n_rows, n_row_blocks, rb + 1) - o0;
        const float* a[6];
        float* c[6];
        for (int r = 0; r < mr; ++r) {
          a[r] = h_prev + static_cast<long>(v.row_begin + o0 + r) * v.Hp;
          c[r] = gs + (o0 + r) * row_stride;
        }
        tile_panels(mr, np, a, v.Hp, first, panel_stride, nullptr, c);
      }
      for (int r = 0; r < n_rows; ++r) {
        const int b = v.row_begin + r;
        const bool live = real(b);
        const float* xr = xp_row(b);
        for (int q = q0; q < q0 + nq; ++q)
          finish_group(b, q, gs + r * row_stride + (q - q0) * 16 * G, live, xr);
      }
    }
#endif
  } else {
    // Batched steps, one 16-unit group at a time: each gate's 16-column panel times all of this
    // thread's rows (the panel stays in L1 while the rows stream through), then the gates of
    // the group for all rows.
    const long panel_stride = static_cast<long>(v.Hp) * kPanelWidth;
    const long row_stride = 16L * G;
    float* gs = p.pre + static_cast<long>(v.tid) * v.B * row_stride;  // [rows][16*G]
    const bool prefetch_panels = w.recurrent.size() * sizeof(float) > (4u << 20);
    for (int i = 0; i < n_groups; ++i) {
      const int q = group_at(i);
      const float* first = w.recurrent.data() + static_cast<long>(q) * G * panel_stride;
      for (int g = 0; g < G; ++g) {
        // The panel used after this one (the next gate's, or the next group's first), fetched
        // into L2 a slice per row block while this one computes: when the weights come from
        // memory (large layers), the first row block would otherwise wait for the whole panel.
        // Large GRU/LSTM (H=1024): 0-11% faster over four A/B runs, never slower; at H=256
        // (1 MB, from L3) it gained nothing.
        const float* next = !prefetch_panels ? nullptr
                            : g + 1 < G     ? first + (g + 1) * panel_stride
                            : i + 1 < n_groups
                                ? w.recurrent.data() + static_cast<long>(group_at(i + 1)) * G * panel_stride
                                : nullptr;
        for (int rb = 0; rb < n_row_blocks; ++rb) {
          const int o0 = balanced_split(n_rows, n_row_blocks, rb);
          const int mr = balanced_split(n_rows, n_row_blocks, rb + 1) - o0;
          const float* a[6];
          float* c[6];
          for (int r = 0; r < mr; ++r) {
            a[r] = h_prev + static_cast<long>(v.row_begin + o0 + r) * v.Hp;
            c[r] = gs + (o0 + r) * row_stride + g * kPanelWidth;
          }
          const int l0 = balanced_split(v.Hp, n_row_blocks, rb);
          const int nl = next ? balanced_split(v.Hp, n_row_blocks, rb + 1) - l0 : 0;
          tile_16(mr, a, v.Hp, first + g * panel_stride, nullptr, c,
                  next ? next + static_cast<long>(l0) * kPanelWidth : nullptr, nl);
        }
      }
      for (int r = 0; r < n_rows; ++r) {
        const int b = v.row_begin + r;
        const bool live = real(b);
        const float* xr = xp_row(b);
        for (int half = 0; half < 2; ++half)
          finish_inline(b, 2 * q + half, gs + r * row_stride + half * G * kLanes, live, xr);
      }
    }
  }
  if (v.Hp != v.H) zero_padding(v, h_next);
  if (sync_end) barrier_wait(p.barrier, sense, s > 0);
}

void forward_thread(const ForwardPlan& p, int tid) {
  const RnnForwardArgs& args = *p.args;
  const PackedRnnWeights& w = *p.w;
  ThreadView v;
  v.plan = &p;
  v.args = &args;
  v.w = &w;
  v.B = args.batch;
  v.T = args.timesteps;
  v.I = w.input_dim;
  v.H = w.units;
  v.Hp = w.padded_units;
  v.G = w.gates;
  v.Nx = static_cast<long>(w.gates) * w.padded_units;
  v.row_begin = p.row_begin[tid];
  v.row_end = p.row_end[tid];
  v.group_begin = p.group_begin[tid];
  v.group_end = p.group_end[tid];
  v.tid = tid;
  const int u_begin = v.group_begin * kUnitGroup, u_end = v.group_end * kUnitGroup;
  const bool lstm = w.cell == CellKind::kLstm;
  // The driver has set h[0] (and c) from the initial states before starting the threads.
  int sense = 0;

  for (int s0 = 0; s0 < v.T; s0 += p.chunk) {
    const int len = v.T - s0 < p.chunk ? v.T - s0 : p.chunk;
    const int t_low = args.go_backwards ? v.T - s0 - len : s0;
    // A chunk whose first step sweeps the recurrent weights backwards projects its inputs after
    // that sweep, where the step computes all its recurrent pre-activations before any gate
    // (the gated cells' matrix-vector steps). Across one-step calls the weights are then
    // touched in mirrored order, call after call (input projection, recurrent forwards |
    // recurrent backwards, input projection | ...), so each call starts with what the previous
    // one touched last, still in L2.
    const bool project_late = preacts_before_gates(v) && ((s0 + p.sweep_parity) & 1) != 0;
    if (!project_late) project_inputs(v, t_low, len);
    for (int s = s0; s < s0 + len; ++s) {
      const int t = args.go_backwards ? v.T - 1 - s : s;
      step(v, s, t, t_low, sense, project_late && s == s0 ? len : 0);
    }
  }

  const float* h_final = p.h[v.T & 1];
  const int u_stop = u_end < v.H ? u_end : v.H;
  for (int b = v.row_begin; b < v.row_end; ++b) {
    const bool emitted = p.first_real[b] < v.T;
    for (int u = u_begin; u < u_stop; ++u) {
      const long o = static_cast<long>(b) * v.Hp + u;
      const long i = static_cast<long>(b) * v.H + u;
      args.final_h[i] = h_final[o];
      if (lstm) args.final_c[i] = p.c[o];
      if (!args.return_sequences) args.output[i] = emitted ? h_final[o] : 0.0f;
    }
  }
}

// 10 independent FMA chains of the panel products' vectors (kRowLanes wide) per iteration (the
// peak probe of PERF.md). sink: kRowLanes floats.
void fma_loop(long iterations, float* sink) {
  vrow acc[10];
  for (int i = 0; i < 10; ++i) acc[i] = vrow_set(static_cast<float>(i) * 0.001f);
  const vrow m = vrow_set(0.999999f), a = vrow_set(1e-7f);
  for (long it = 0; it < iterations; ++it) {
#pragma GCC unroll 10
    for (int i = 0; i < 10; ++i) acc[i] = acc[i] * m + a;
  }
  vrow total = vrow{};
  for (int i = 0; i < 10; ++i) total += acc[i];
  vrow_store(sink, total);
}

}  // namespace FUSEDRNN_ISA_NS
}  // namespace fusedrnn
