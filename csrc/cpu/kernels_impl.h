// The recurrent kernels, written once and compiled once per ISA level: kernels_<isa>.cpp defines
// FUSEDRNN_ISA_NS and includes this file with that ISA's compiler flags. Everything here lives
// in namespace fusedrnn::FUSEDRNN_ISA_NS, so no function compiled for AVX2 can be merged with a
// baseline one by the linker. No SIMD constants at namespace scope.
//
// Vectors are GCC/Clang vector extensions of 8 floats: one ymm register with AVX2, two xmm
// registers in the generic x86-64 build, two NEON registers on aarch64.
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

FRNN_INLINE vf vload(const float* p) {
  vf v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
FRNN_INLINE void vstore(float* p, vf v) { std::memcpy(p, &v, sizeof v); }
FRNN_INLINE vf vset(float s) { return vf{s, s, s, s, s, s, s, s}; }
// The same 32 bytes seen as another type (std::bit_cast is C++20).
template <class To, class From>
FRNN_INLINE To bits_as(From v) {
  static_assert(sizeof(To) == sizeof(From), "bits_as needs types of one size");
  To r;
  std::memcpy(&r, &v, sizeof r);
  return r;
}
FRNN_INLINE vf as_float(vi v) { return bits_as<vf>(v); }
FRNN_INLINE vi as_int(vf v) { return bits_as<vi>(v); }
#if defined(__AVX__)
FRNN_INLINE __m256 to_m256(vf v) { return bits_as<__m256>(v); }
FRNN_INLINE vf from_m256(__m256 m) { return bits_as<vf>(m); }
#endif

// Clamps that let NaN through unchanged. With AVX, vminps/vmaxps return their second operand
// when either is NaN, so the bound goes first; elsewhere a NaN compares false.
FRNN_INLINE vf clamp_above(vf x, float hi) {
#if defined(__AVX__)
  return from_m256(_mm256_min_ps(_mm256_set1_ps(hi), to_m256(x)));
#else
  return x > vset(hi) ? vset(hi) : x;
#endif
}
FRNN_INLINE vf clamp_below(vf x, float lo) {
#if defined(__AVX__)
  return from_m256(_mm256_max_ps(_mm256_set1_ps(lo), to_m256(x)));
#else
  return x < vset(lo) ? vset(lo) : x;
#endif
}

FRNN_INLINE void cpu_pause() {
#if defined(__x86_64__) || defined(_M_X64) || defined(__i386__)
  _mm_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

// ---------------------------------------------------------------------------------------------
// Activations. exp: Cody-Waite range reduction x = n ln2 + r, a degree-6 polynomial for e^r on
// |r| <= ln2/2 (relative error ~1e-7), and 2^n built in the exponent bits.
FRNN_INLINE vf vexp(vf x) {
  x = clamp_above(x, 88.3762626647949f);
  x = clamp_below(x, -87.3365447505531f);
  // n = round(x log2 e): adding 1.5 * 2^23 rounds to an integer and leaves n in the low
  // mantissa bits of t (|n| <= 127), which also gives 2^n below with one shift.
  const vf magic = vset(12582912.0f);
  vf t = x * vset(1.44269504088896341f) + magic;
  vf nf = t - magic;
  vf r = x - nf * vset(0.693359375f);
  r = r - nf * vset(-2.12194440e-4f);
  vf p = vset(1.9875691500e-4f);
  p = p * r + vset(1.3981999507e-3f);
  p = p * r + vset(8.3334519073e-3f);
  p = p * r + vset(4.1665795894e-2f);
  p = p * r + vset(1.6666665459e-1f);
  p = p * r + vset(5.0000001201e-1f);
  p = p * (r * r) + r + vset(1.0f);
  // (bits of t) << 23 is n << 23: the magic constant's own low 9 bits are zero.
  vi bits = (as_int(t) << 23) + (127 << 23);
  return p * as_float(bits);
}

// 1 / d. With AVX: the 12-bit hardware estimate refined by one Newton step (relative error
// ~1e-7, a division's worth of accuracy at a fraction of its cost); elsewhere a division.
FRNN_INLINE vf vreciprocal(vf d) {
#if defined(__AVX__)
  const vf r = from_m256(_mm256_rcp_ps(to_m256(d)));
  return r * (vset(2.0f) - d * r);
#else
  return vset(1.0f) / d;
#endif
}

FRNN_INLINE vf vsigmoid(vf x) { return vreciprocal(vset(1.0f) + vexp(-x)); }

// tanh: odd minimax polynomial for |x| < 0.625, else sign(x) * (1 - 2 / (e^{2|x|} + 1)).
FRNN_INLINE vf vtanh(vf x) {
  const vi sign_mask = vi{} + static_cast<std::int32_t>(0x80000000u);
  vf ax = as_float(as_int(x) & ~sign_mask);
  vf z = x * x;
  vf p = vset(-5.70498872745e-3f);
  p = p * z + vset(2.06390887954e-2f);
  p = p * z + vset(-5.37397155531e-2f);
  p = p * z + vset(1.33314422036e-1f);
  p = p * z + vset(-3.33332819422e-1f);
  vf small = p * z * x + x;
  vf e = vexp(ax + ax);
  vf large = vset(1.0f) - vset(2.0f) * vreciprocal(e + vset(1.0f));
  large = as_float(as_int(large) | (as_int(x) & sign_mask));
  return ax < vset(0.625f) ? small : large;
}

FRNN_INLINE vf vhard_sigmoid(vf x) {  // Keras 3: relu6(x + 3) / 6
  vf y = (x + vset(3.0f)) * vset(1.0f / 6.0f);
  return clamp_above(clamp_below(y, 0.0f), 1.0f);
}

// Keras 2: clip(0.2 x + 0.5, 0, 1), as 0.2 (x + 2.5): x + 2.5 is exact near the lower corner,
// so small outputs keep their relative accuracy (0.2 x + 0.5 would cancel there).
FRNN_INLINE vf vhard_sigmoid_keras2(vf x) {
  vf y = (x + vset(2.5f)) * vset(0.2f);
  return clamp_above(clamp_below(y, 0.0f), 1.0f);
}

FRNN_INLINE vf vrelu(vf x) { return clamp_below(x, 0.0f); }

FRNN_INLINE vf activate(Activation a, vf x) {
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
  vf acc[KS][MR][2 * NP];
#pragma GCC unroll 64
  for (int s = 0; s < KS; ++s)
#pragma GCC unroll 64
    for (int r = 0; r < MR; ++r)
#pragma GCC unroll 64
      for (int j = 0; j < 2 * NP; ++j) acc[s][r][j] = vf{};

  const float* a[MR];
#pragma GCC unroll 64
  for (int r = 0; r < MR; ++r) a[r] = a_rows[r];

  int k = 0;
  for (; k + KS <= K; k += KS) {
    if (k < prefetch_lines) __builtin_prefetch(prefetch + static_cast<long>(k) * kPanelWidth, 0, 2);
#pragma GCC unroll 64
    for (int s = 0; s < KS; ++s) {
      vf b[2 * NP];
#pragma GCC unroll 64
      for (int p = 0; p < NP; ++p) {
        b[2 * p] = vload(panel + p * panel_stride + (k + s) * kPanelWidth);
        b[2 * p + 1] = vload(panel + p * panel_stride + (k + s) * kPanelWidth + kLanes);
      }
#pragma GCC unroll 64
      for (int r = 0; r < MR; ++r) {
        vf av = vset(a[r][k + s]);
#pragma GCC unroll 64
        for (int j = 0; j < 2 * NP; ++j) acc[s][r][j] += av * b[j];
      }
    }
  }
  for (; k < K; ++k) {
#pragma GCC unroll 64
    for (int p = 0; p < NP; ++p) {
      vf b0 = vload(panel + p * panel_stride + k * kPanelWidth);
      vf b1 = vload(panel + p * panel_stride + k * kPanelWidth + kLanes);
#pragma GCC unroll 64
      for (int r = 0; r < MR; ++r) {
        vf av = vset(a[r][k]);
        acc[0][r][2 * p] += av * b0;
        acc[0][r][2 * p + 1] += av * b1;
      }
    }
  }
#pragma GCC unroll 64
  for (int r = 0; r < MR; ++r) {
#pragma GCC unroll 64
    for (int j = 0; j < 2 * NP; ++j) {
      vf v = acc[0][r][j];
#pragma GCC unroll 64
      for (int s = 1; s < KS; ++s) v += acc[s][r][j];
      if (init) v += vload(init + j * kLanes);
      vstore(c_rows[r] + j * kLanes, v);
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

// All Gm panels of one 16-unit group for 1 or 2 rows (the matrix-vector case of small batches).
// The k-split (independent FMA chains) depends on Gm only, for the same reason as above.
inline void group_rows(int mr, int gm, const float* const* a, int K, const float* panel,
                       long panel_stride, float* const* c) {
  if (mr == 1) {
    switch (gm) {
      case 1: micro_kernel<1, 1, 2>(a, K, panel, panel_stride, nullptr, c); break;
      case 2: micro_kernel<1, 2, 1>(a, K, panel, panel_stride, nullptr, c); break;
      case 3: micro_kernel<1, 3, 1>(a, K, panel, panel_stride, nullptr, c); break;
      default: micro_kernel<1, 4, 1>(a, K, panel, panel_stride, nullptr, c); break;
    }
  } else {
    switch (gm) {
      case 1: micro_kernel<2, 1, 2>(a, K, panel, panel_stride, nullptr, c); break;
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
  for (; pnl < panel_end; ++pnl) {
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
      tile_16(mr, a, v.I, kernel + pnl * panel_size, bias + pnl * kPanelWidth, c);
    }
  }
}

// Recurrent pre-activations of group q for rows [r0, r0 + mr): src rows (stride Hp) times the
// Gm-gate matrix `packed`; writes scratch rows of 16*Gm floats (interleaved, both 8-unit blocks).
FRNN_INLINE void recurrent_preacts(const ThreadView& v, const float* src, const float* packed,
                                   int gm, int q, int r0, int mr, float* scratch, long row_stride) {
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
    // Phase 2: the candidate from (r * h_prev) and the update.
    for (int i = 0; i < n_groups; ++i) {
      const int q = group_at(i);
      for (int rb = 0; rb < n_row_blocks; ++rb) {
        const int r0 = v.row_begin + balanced_split(n_rows, n_row_blocks, rb);
        const int mr = v.row_begin + balanced_split(n_rows, n_row_blocks, rb + 1) - r0;
        recurrent_preacts(v, p.rh, w.recurrent_candidate.data(), 1, q, r0, mr, scratch, 16);
        for (int r = 0; r < mr; ++r) {
          const int b = r0 + r;
          const float* xr = xp_row(b);
          const bool live = real(b);
          for (int half = 0; half < 2; ++half) {
            const int blk = 2 * q + half, u0 = blk * kLanes;
            const long o = static_cast<long>(b) * v.Hp + u0;
            vf hp = vload(h_prev + o);
            vf h = hp;
            if (live) {
              const float* xb = xr + static_cast<long>(blk) * G * kLanes;
              vf hh = activate(act, vload(xb + 16) + vload(scratch + r * 16 + half * 8));
              vf z = vload(p.z + o);
              h = hh + z * (hp - hh);
            }
            emit(v, b, s, u0, h, h_next);
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
  auto finish = [&](int b, int blk, const float* pre, bool live,
                    const float* xr) __attribute__((noinline)) {
    finish_inline(b, blk, pre, live, xr);
  };

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
      for (int blk = 2 * v.group_begin; blk < 2 * v.group_end; ++blk)
        finish(b, blk, pre_row + (blk >> 1) * 16 * G + (blk & 1) * G * kLanes, live, xr);
    }
  } else if (v.B <= 2) {  // a SimpleRNN's matrix-vector step, one group at a time
    for (int i = 0; i < n_groups; ++i) {
      const int q = group_at(i);
      recurrent_preacts(v, h_prev, w.recurrent.data(), G, q, v.row_begin, n_rows, scratch, 16 * G);
      for (int r = 0; r < n_rows; ++r) {
        const int b = v.row_begin + r;
        const bool live = real(b);
        const float* xr = xp_row(b);
        for (int half = 0; half < 2; ++half)
          finish(b, 2 * q + half, scratch + r * 16 * G + half * G * kLanes, live, xr);
      }
    }
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

// 10 independent 8-wide FMA chains per iteration (the peak probe of PERF.md).
void fma_loop(long iterations, float* sink) {
  vf acc[10];
  for (int i = 0; i < 10; ++i) acc[i] = vset(static_cast<float>(i) * 0.001f);
  const vf m = vset(0.999999f), a = vset(1e-7f);
  for (long it = 0; it < iterations; ++it) {
#pragma GCC unroll 10
    for (int i = 0; i < 10; ++i) acc[i] = acc[i] * m + a;
  }
  vf total = vf{};
  for (int i = 0; i < 10; ++i) total += acc[i];
  vstore(sink, total);
}

}  // namespace FUSEDRNN_ISA_NS
}  // namespace fusedrnn
