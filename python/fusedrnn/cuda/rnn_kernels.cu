// fusedrnn CUDA kernels: the recurrent part of SimpleRNN, GRU and LSTM inference.
//
// Compiled at run time through NVRTC (cupy.RawModule) with one template instantiation per
// (cell, activations, block shape), and by `nvcc -DFUSEDRNN_COMPILE_CHECK` in the tests so a
// syntax error cannot land. No headers: everything used is an NVRTC builtin.
//
// The input projection x @ K + b for all timesteps is one cuBLAS GEMM done by the caller;
// these kernels read it as XP.  Layouts (all float32, row-major):
//   xp    [B*T][ldx]      row (b*T + t) holds direction d's G*H gate pre-activations at
//                         columns [xoff, xoff + G*H); gate g of unit j at xoff + g*H + j
//   rbias [G*H]           GRU reset_after=True recurrent bias (row 1 of the Keras bias)
//   mask  [B][T]          1 = real step (only read when has_mask)
//   first [B]             first processing step s whose mask is real (T when none)
//   h     [H][Bp]         hidden state, TRANSPOSED (unit-major) so a warp reading 32 batch
//                         rows of one unit is coalesced; columns b >= B are padding
//   cst   [B][H]          LSTM cell state; GRU reset_after=False keeps z here
//   rhT   [H][Bp]         GRU reset_after=False: r * h_prev, input of the second phase
//   out   [B][T][H]       outputs in processing order (when ret_seq)
//   last  [B][H]          the output of the last processing step
// Masking: a masked step keeps every state; its output is the previous emitted output,
// which is zero before the first real step.

#define FUSEDRNN_CELL_SIMPLE 0
#define FUSEDRNN_CELL_GRU 1          // reset_after=True
#define FUSEDRNN_CELL_GRU_RB 2       // reset_after=False (two phases per step)
#define FUSEDRNN_CELL_LSTM 3

#define FUSEDRNN_ACT_TANH 0
#define FUSEDRNN_ACT_SIGMOID 1
#define FUSEDRNN_ACT_HARD_SIGMOID 2
#define FUSEDRNN_ACT_RELU 3
#define FUSEDRNN_ACT_LINEAR 4
#define FUSEDRNN_ACT_HARD_SIGMOID_KERAS2 5  // Keras 2's hard_sigmoid

namespace fusedrnn_cuda {

template <int A>
__device__ __forceinline__ float activate(float x) {
  if (A == FUSEDRNN_ACT_TANH) return tanhf(x);
  if (A == FUSEDRNN_ACT_SIGMOID) return 1.0f / (1.0f + expf(-x));
  if (A == FUSEDRNN_ACT_HARD_SIGMOID) return fminf(fmaxf((x + 3.0f) / 6.0f, 0.0f), 1.0f);
  if (A == FUSEDRNN_ACT_HARD_SIGMOID_KERAS2) return fminf(fmaxf((x + 2.5f) * 0.2f, 0.0f), 1.0f);
  if (A == FUSEDRNN_ACT_RELU) return fmaxf(x, 0.0f);
  return x;  // linear
}

// Everything one (direction, step) needs to finish a unit; built inside the kernels.
struct StepCtx {
  const float* xp;            // [B*T][ldx]
  int ldx, xoff;
  const float* rbias;         // [G*H]
  const unsigned char* mask;  // [B][T]
  int has_mask;
  const int* first;           // [B]
  const float* h_cur;         // [H][Bp]
  float* h_nxt;               // [H][Bp]
  float* cst;                 // [B][H]
  float* rhT;                 // [H][Bp]
  float* out;                 // [B][T][H]
  float* last;                // [B][H]
  int ret_seq, B, T, H, Bp, s, tt;
};

// Per-(row, unit) inputs of a step that do not depend on the recurrent product: loaded before
// the matrix-vector product so their latency overlaps it.
struct UnitIn {
  float x[4];   // input-projection pre-activations of this phase's gates
  float rb[3];  // GRU reset_after=True recurrent bias
  float hp;     // h_prev[b, j]
  float cz;     // LSTM c_prev[b, j]; GRU reset_after=False phase 1: z
  bool real;    // mask entry
};

template <int CELL, int PHASE>
__device__ __forceinline__ UnitIn unit_load(const StepCtx& c, int b, int j) {
  constexpr int NX = (CELL == FUSEDRNN_CELL_SIMPLE) ? 1
                     : (CELL == FUSEDRNN_CELL_LSTM) ? 4
                     : (CELL == FUSEDRNN_CELL_GRU)  ? 3
                     : (PHASE == 0 ? 2 : 1);
  constexpr int G0 = (CELL == FUSEDRNN_CELL_GRU_RB && PHASE == 1) ? 2 : 0;
  const int H = c.H;
  const float* xrow = c.xp + (long long)(b * c.T + c.tt) * c.ldx + c.xoff;
  UnitIn in;
#pragma unroll
  for (int g = 0; g < NX; ++g) in.x[g] = __ldg(xrow + (G0 + g) * H + j);
  if (CELL == FUSEDRNN_CELL_GRU) {
#pragma unroll
    for (int g = 0; g < 3; ++g) in.rb[g] = __ldg(c.rbias + g * H + j);
  }
  in.hp = __ldcg(c.h_cur + (long long)j * c.Bp + b);
  in.real = !c.has_mask || c.mask[(long long)b * c.T + c.tt] != 0;
  if (CELL == FUSEDRNN_CELL_LSTM || (CELL == FUSEDRNN_CELL_GRU_RB && PHASE == 1))
    in.cz = c.cst[(long long)b * H + j];
  return in;
}

// Finishes unit j of batch row b for this step (PHASE 0), or the first/second phase of a
// GRU reset_after=False step (PHASE 0 / 1).  rec[g] = sum_k src[b, k] * R[k, gate g of j].
template <int CELL, int ACT, int RACT, int PHASE>
__device__ __forceinline__ void unit_finish(const StepCtx& c, int b, int j, const float* rec,
                                            const UnitIn& in) {
  const int H = c.H;
  const float hp = in.hp;
  float hn;
  if (CELL == FUSEDRNN_CELL_SIMPLE) {
    hn = activate<ACT>(in.x[0] + rec[0]);
  } else if (CELL == FUSEDRNN_CELL_GRU) {
    const float z = activate<RACT>(in.x[0] + rec[0] + in.rb[0]);
    const float r = activate<RACT>(in.x[1] + rec[1] + in.rb[1]);
    const float hh = activate<ACT>(in.x[2] + r * (rec[2] + in.rb[2]));
    hn = z * hp + (1.0f - z) * hh;
  } else if (CELL == FUSEDRNN_CELL_GRU_RB) {
    if (PHASE == 0) {
      const float z = activate<RACT>(in.x[0] + rec[0]);
      const float r = activate<RACT>(in.x[1] + rec[1]);
      c.cst[(long long)b * H + j] = z;
      c.rhT[(long long)j * c.Bp + b] = r * hp;
      return;
    }
    const float z = in.cz;
    const float hh = activate<ACT>(in.x[0] + rec[0]);
    hn = z * hp + (1.0f - z) * hh;
  } else {  // LSTM, gates i, f, c, o
    const float ig = activate<RACT>(in.x[0] + rec[0]);
    const float fg = activate<RACT>(in.x[1] + rec[1]);
    const float gg = activate<ACT>(in.x[2] + rec[2]);
    const float og = activate<RACT>(in.x[3] + rec[3]);
    const float cn = fg * in.cz + ig * gg;
    hn = og * activate<ACT>(cn);
    if (in.real) c.cst[(long long)b * H + j] = cn;
  }
  float o;
  if (in.real) {
    o = hn;
  } else {
    hn = hp;
    o = (c.s > c.first[b]) ? hp : 0.0f;
  }
  c.h_nxt[(long long)j * c.Bp + b] = hn;
  if (c.ret_seq) c.out[((long long)b * c.T + c.s) * H + j] = o;
  if (c.s == c.T - 1) c.last[(long long)b * H + j] = o;
}

template <int CELL, int ACT, int RACT, int PHASE>
__device__ __forceinline__ void unit_update(const StepCtx& c, int b, int j, const float* rec) {
  const UnitIn in = unit_load<CELL, PHASE>(c, b, j);
  unit_finish<CELL, ACT, RACT, PHASE>(c, b, j, rec, in);
}

// Grid-wide barrier (all blocks of one direction are co-resident: the host launches
// cooperatively with at most one block per multiprocessor).  bar[0] counts arrivals and only
// grows; the block whose arrival completes a crossing publishes the new total in bar[32] (its
// own 128-byte line, so the pollers do not slow the arrivals); the others poll that flag.
__device__ __forceinline__ unsigned int ld_acquire_gpu(const unsigned int* p) {
  unsigned int v;
  asm volatile("ld.acquire.gpu.global.u32 %0, [%1];" : "=r"(v) : "l"(p) : "memory");
  return v;
}

__device__ __forceinline__ void grid_barrier(unsigned int* bar, unsigned int& target,
                                             unsigned int nblk) {
  __syncthreads();
  if (nblk > 1) {
    target += nblk;
    if (threadIdx.x == 0) {
      __threadfence();
      unsigned int old;
      asm volatile("atom.add.acq_rel.gpu.global.u32 %0, [%1], %2;"
                   : "=r"(old) : "l"(bar), "r"(1u) : "memory");
      if (old == target - 1) {
        asm volatile("st.release.gpu.global.u32 [%0], %1;" ::"l"(bar + 32), "r"(target) : "memory");
      } else {
        while (ld_acquire_gpu(bar + 32) < target) {
        }
      }
    }
    __syncthreads();
  }
}

constexpr int kThreads = 256;
constexpr int kWarps = kThreads / 32;

// acc[i][q] += hv[i] * wrow[q] for the NC columns of one shared-memory weight row.
template <int NC, int BT>
__device__ __forceinline__ void fma_row(float (&acc)[BT][NC], const float* hv, const float* wrow) {
  const float4* w = reinterpret_cast<const float4*>(wrow);
#pragma unroll
  for (int q4 = 0; q4 < NC / 4; ++q4) {
    const float4 wv = w[q4];
#pragma unroll
    for (int i = 0; i < BT; ++i) {
      acc[i][4 * q4 + 0] = fmaf(hv[i], wv.x, acc[i][4 * q4 + 0]);
      acc[i][4 * q4 + 1] = fmaf(hv[i], wv.y, acc[i][4 * q4 + 1]);
      acc[i][4 * q4 + 2] = fmaf(hv[i], wv.z, acc[i][4 * q4 + 2]);
      acc[i][4 * q4 + 3] = fmaf(hv[i], wv.w, acc[i][4 * q4 + 3]);
    }
  }
}

// One phase of one step for the block's rows [rowbase, rowbase + ROWS):
// acc = src^T-rows times the block's weight columns [col0, col0 + NC) held in shared memory,
// reduced over the k-split, then unit_update for every (unit, row) the block owns.
//   Ws   [H][NCP] shared: column g*US + u (from col0) = R[:, g*H + blk*US + u], zero padded
//   srcT [H][Bp]  the vector(s) multiplied: h (or r*h for GRU reset_after=False phase 1)
//   red  [WK][NC][ROWS] shared scratch for the cross-warp reduction
// Threads: lane = kl*BL + bl (bl: batch lane, kl: k lane), warp = wb*WK + wk.
template <int CELL, int ACT, int RACT, int PHASE, int NGP, int US, int NC, int BL, int WK, int BT>
__device__ __forceinline__ void block_phase(const StepCtx& c, const float* Ws, int ncp, int col0,
                                            const float* srcT, float* red, int rowbase, int j0) {
  constexpr int KL = 32 / BL;
  constexpr int KS = KL * WK;
  constexpr int WB = kWarps / WK;
  constexpr int ROWS = WB * BL * BT;
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  const int bl = lane % BL, kl = lane / BL;
  const int wk = warp % WK, wb = warp / WK;
  const int H = c.H, Bp = c.Bp;

  // Small blocks (every (unit, row) pair has its own thread): load the pair's step inputs now.
  constexpr bool kPrefetch = (WK > 1) && (US * ROWS <= kThreads);
  UnitIn pre;
  const int pu = threadIdx.x / ROWS, prl = threadIdx.x % ROWS;
  const bool pvalid = kPrefetch && threadIdx.x < US * ROWS && rowbase + prl < c.B && j0 + pu < c.H;
  if (kPrefetch && pvalid) pre = unit_load<CELL, PHASE>(c, rowbase + prl, j0 + pu);

  float acc[BT][NC];
#pragma unroll
  for (int i = 0; i < BT; ++i)
#pragma unroll
    for (int q = 0; q < NC; ++q) acc[i][q] = 0.0f;

  const float* src = srcT + rowbase + wb * (BL * BT) + bl;
  // The h values come from L2 (other blocks wrote them): issue U iterations' loads before
  // using any, so U L2 round trips overlap instead of queueing one behind another.
  constexpr int U = (BT == 1) ? 16 : 8;
  int k = wk * KL + kl;
  for (; k + (U - 1) * KS < H; k += U * KS) {
    float hv[U][BT];
#pragma unroll
    for (int t = 0; t < U; ++t)
#pragma unroll
      for (int i = 0; i < BT; ++i) hv[t][i] = __ldcg(src + (long long)(k + t * KS) * Bp + i * BL);
#pragma unroll
    for (int t = 0; t < U; ++t)
      fma_row<NC, BT>(acc, hv[t], Ws + (k + t * KS) * ncp + col0);
  }
  for (; k < H; k += KS) {
    float hv[BT];
#pragma unroll
    for (int i = 0; i < BT; ++i) hv[i] = __ldcg(src + (long long)k * Bp + i * BL);
    fma_row<NC, BT>(acc, hv, Ws + k * ncp + col0);
  }
  // Reduce over the k lanes of the warp (fixed butterfly order: deterministic).
#pragma unroll
  for (int off = BL; off < 32; off <<= 1)
#pragma unroll
    for (int i = 0; i < BT; ++i)
#pragma unroll
      for (int q = 0; q < NC; ++q) acc[i][q] += __shfl_xor_sync(0xffffffffu, acc[i][q], off);

  if (WK == 1) {
    // The warp holds complete sums: finish this thread's rows for all the block's units.
    if (kl == 0) {
#pragma unroll
      for (int i = 0; i < BT; ++i) {
        const int b = rowbase + wb * (BL * BT) + i * BL + bl;
        if (b < c.B) {
#pragma unroll
          for (int u = 0; u < US; ++u) {
            const int j = j0 + u;
            if (j < H) {
              float rec[NGP];
#pragma unroll
              for (int g = 0; g < NGP; ++g) rec[g] = acc[i][g * US + u];
              unit_update<CELL, ACT, RACT, PHASE>(c, b, j, rec);
            }
          }
        }
      }
    }
  } else {
    if (kl == 0) {
#pragma unroll
      for (int i = 0; i < BT; ++i) {
        const int rl = wb * (BL * BT) + i * BL + bl;
#pragma unroll
        for (int q = 0; q < NC; ++q) red[(wk * NC + q) * ROWS + rl] = acc[i][q];
      }
    }
    __syncthreads();
    if (kPrefetch) {
      if (pvalid) {
        float rec[NGP];
#pragma unroll
        for (int g = 0; g < NGP; ++g) {
          float sum = 0.0f;
#pragma unroll
          for (int w = 0; w < WK; ++w) sum += red[(w * NC + g * US + pu) * ROWS + prl];
          rec[g] = sum;
        }
        unit_finish<CELL, ACT, RACT, PHASE>(c, rowbase + prl, j0 + pu, rec, pre);
      }
    } else {
      for (int p = threadIdx.x; p < US * ROWS; p += kThreads) {
        const int u = p / ROWS, rl = p % ROWS;
        const int b = rowbase + rl, j = j0 + u;
        if (b < c.B && j < H) {
          float rec[NGP];
#pragma unroll
          for (int g = 0; g < NGP; ++g) {
            float sum = 0.0f;
#pragma unroll
            for (int w = 0; w < WK; ++w) sum += red[(w * NC + g * US + u) * ROWS + rl];
            rec[g] = sum;
          }
          unit_update<CELL, ACT, RACT, PHASE>(c, b, j, rec);
        }
      }
    }
    __syncthreads();
  }
}

}  // namespace fusedrnn_cuda

// Persistent recurrent kernel: the whole time loop of one layer (or both directions of a
// Bidirectional layer) in one cooperative launch.  Block blk of direction d = blockIdx.x / nblk
// owns units [blk*US, blk*US + US) and keeps all their recurrent-weight columns in shared
// memory for the whole sequence; blocks of a direction meet at a grid barrier after each
// step (twice per step for GRU reset_after=False).
//   wpk   [ndir][nblk][H][NCP]  packed recurrent weights (see _ops.pack_blocks)
//   xp    [B*T][ldx]            input projections; direction d at column offset d * xdir
//   rbias [ndir][G*H]; first [ndir][B]; h [ndir][2][H][Bp]; cst [ndir][B][H];
//   rhT   [ndir][H][Bp]; out [ndir][B][T][H]; last [ndir][B][H]; bar [ndir * 64] zeroed
//   bw_bits: bit d set = direction d runs backwards in time.
// Template: NCA/NCB = padded column counts of phase 0/1 (NCB = 0 unless GRU_RB); NCP = the
// shared-memory row length (4 * odd, so 32 lanes reading 32 rows hit distinct banks).
template <int CELL, int ACT, int RACT, int US, int NCA, int NCB, int NCP, int BL, int WK, int BT>
__global__ void __launch_bounds__(256, 1) rnn_persistent(
    const float* __restrict__ wpk, const float* __restrict__ xp, int ldx, int xdir,
    const float* __restrict__ rbias, const unsigned char* __restrict__ mask, int has_mask,
    const int* __restrict__ first, float* h, float* cst, float* rhT, float* out, int ret_seq,
    float* last, unsigned int* bar, int B, int T, int H, int Bp, int nblk, int bw_bits) {
  using namespace fusedrnn_cuda;
  constexpr int G = (CELL == FUSEDRNN_CELL_SIMPLE) ? 1 : (CELL == FUSEDRNN_CELL_LSTM ? 4 : 3);
  constexpr int WB = kWarps / WK;
  constexpr int ROWS = WB * BL * BT;
  extern __shared__ float4 smem4[];
  float* Ws = reinterpret_cast<float*>(smem4);
  float* red = Ws + (long long)H * NCP;

  const int dir = blockIdx.x / nblk;
  const int blk = blockIdx.x % nblk;
  const int j0 = blk * US;
  {
    const float4* src =
        reinterpret_cast<const float4*>(wpk + ((long long)dir * nblk + blk) * H * NCP);
    for (int i = threadIdx.x; i < H * NCP / 4; i += kThreads) smem4[i] = src[i];
  }
  __syncthreads();

  StepCtx c;
  c.xp = xp;
  c.ldx = ldx;
  c.xoff = dir * xdir;
  c.rbias = rbias + (long long)dir * G * H;
  c.mask = mask;
  c.has_mask = has_mask;
  c.first = first + (long long)dir * B;
  c.cst = cst + (long long)dir * B * H;
  c.rhT = rhT + (long long)dir * H * Bp;
  c.out = out + (long long)dir * B * T * H;
  c.last = last + (long long)dir * B * H;
  c.ret_seq = ret_seq;
  c.B = B;
  c.T = T;
  c.H = H;
  c.Bp = Bp;
  float* hd = h + (long long)dir * 2 * H * Bp;
  unsigned int* mybar = bar + dir * 64;
  unsigned int target = 0;
  const bool backwards = (bw_bits >> dir) & 1;

  for (int s = 0; s < T; ++s) {
    c.s = s;
    c.tt = backwards ? T - 1 - s : s;
    c.h_cur = hd + (long long)(s & 1) * H * Bp;
    c.h_nxt = hd + (long long)((s + 1) & 1) * H * Bp;
    for (int rowbase = 0; rowbase < B; rowbase += ROWS)
      block_phase<CELL, ACT, RACT, 0, (CELL == FUSEDRNN_CELL_GRU_RB ? 2 : G), US, NCA, BL, WK, BT>(
          c, Ws, NCP, 0, c.h_cur, red, rowbase, j0);
    if (CELL == FUSEDRNN_CELL_GRU_RB) {
      grid_barrier(mybar, target, nblk);
      for (int rowbase = 0; rowbase < B; rowbase += ROWS)
        block_phase<CELL, ACT, RACT, 1, 1, US, (NCB > 0 ? NCB : 4), BL, WK, BT>(
            c, Ws, NCP, NCA, c.rhT, red, rowbase, j0);
    }
    grid_barrier(mybar, target, nblk);
  }
}

// Per-step fallback (sizes whose weights do not fit in shared memory): the caller does
// rec = src @ R[:, phase columns] with cuBLAS, then this finishes every (b, j).
//   rec [B][NGP*H]; h_cur/h_nxt/rhT [H][B] (Bp = B); other layouts as above.
template <int CELL, int ACT, int RACT, int PHASE>
__global__ void rnn_step(const float* __restrict__ rec, const float* __restrict__ xp, int ldx,
                         int xoff, const float* __restrict__ rbias,
                         const unsigned char* __restrict__ mask, int has_mask,
                         const int* __restrict__ first, const float* h_cur, float* h_nxt,
                         float* cst, float* rhT, float* out, int ret_seq, float* last, int B,
                         int T, int H, int s, int tt) {
  using namespace fusedrnn_cuda;
  constexpr int NGP = (CELL == FUSEDRNN_CELL_SIMPLE) ? 1
                      : (CELL == FUSEDRNN_CELL_LSTM)  ? 4
                      : (CELL == FUSEDRNN_CELL_GRU)   ? 3
                      : (PHASE == 0 ? 2 : 1);
  const long long idx = (long long)blockIdx.x * blockDim.x + threadIdx.x;
  if (idx >= (long long)B * H) return;
  const int b = (int)(idx / H), j = (int)(idx % H);
  StepCtx c;
  c.xp = xp;
  c.ldx = ldx;
  c.xoff = xoff;
  c.rbias = rbias;
  c.mask = mask;
  c.has_mask = has_mask;
  c.first = first;
  c.h_cur = h_cur;
  c.h_nxt = h_nxt;
  c.cst = cst;
  c.rhT = rhT;
  c.out = out;
  c.last = last;
  c.ret_seq = ret_seq;
  c.B = B;
  c.T = T;
  c.H = H;
  c.Bp = B;
  c.s = s;
  c.tt = tt;
  float r[NGP];
#pragma unroll
  for (int g = 0; g < NGP; ++g) r[g] = rec[(long long)b * NGP * H + g * H + j];
  unit_update<CELL, ACT, RACT, PHASE>(c, b, j, r);
}

#ifdef FUSEDRNN_COMPILE_CHECK
// Instantiates representative specialisations so `nvcc -c` type-checks the templates.
const void* fusedrnn_compile_check_instantiations(int i) {
  static const void* const kernels[] = {
      (const void*)&rnn_persistent<0, 0, 1, 4, 4, 0, 4, 1, 8, 1>,
      (const void*)&rnn_persistent<1, 0, 1, 2, 8, 0, 12, 4, 8, 1>,
      (const void*)&rnn_persistent<2, 1, 2, 2, 4, 4, 12, 32, 4, 1>,
      (const void*)&rnn_persistent<3, 3, 2, 8, 32, 0, 36, 32, 1, 2>,
      (const void*)&rnn_persistent<3, 4, 1, 1, 4, 0, 4, 32, 2, 1>,
      (const void*)&rnn_persistent<1, 0, 1, 8, 24, 0, 28, 32, 2, 2>,
      (const void*)&rnn_persistent<3, 5, 5, 8, 32, 0, 36, 32, 1, 2>,
      (const void*)&rnn_step<0, 0, 1, 0>,
      (const void*)&rnn_step<1, 2, 1, 0>,
      (const void*)&rnn_step<2, 0, 1, 0>,
      (const void*)&rnn_step<2, 0, 1, 1>,
      (const void*)&rnn_step<3, 4, 3, 0>,
      (const void*)&rnn_step<1, 5, 5, 0>,
  };
  return kernels[i];
}
#endif
