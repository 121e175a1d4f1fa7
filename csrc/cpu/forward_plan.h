// The plan of one forward pass, shared by the driver (rnn.cpp, baseline ISA) and the per-ISA
// kernels (kernels_impl.h). Plain data only: no inline code here, so nothing compiled with
// AVX2 can be merged into baseline code by the linker.
#pragma once

#include <atomic>

#include "fusedrnn/rnn.h"

namespace fusedrnn {

constexpr int kMaxThreads = 256;

// A sense-reversing spin barrier's state; the wait lives in each ISA's kernels.
struct BarrierState {
  alignas(64) std::atomic<int> remaining{0};
  alignas(64) std::atomic<int> phase{0};
  int parties = 1;
};

struct ForwardPlan {
  const RnnForwardArgs* args = nullptr;
  const PackedRnnWeights* w = nullptr;
  int threads = 1;           // threads working on this job
  bool split_units = false;  // true: threads own unit groups (barrier per step); false: batch rows
  int chunk = 1;             // timesteps per input-projection chunk
  int sweep_parity = 0;      // 0 or 1: step s sweeps the groups backwards when (s + this) is odd
  float* xp = nullptr;       // [chunk][B][G*Hp] input projection of the current chunk (a step's
                             // rows contiguous: one stream to read per step, not B)
  float* h[2] = {nullptr, nullptr};  // [B][Hp] double-buffered hidden state
  float* c = nullptr;        // [B][Hp] LSTM cell state
  float* z = nullptr;        // [B][Hp] GRU reset_after=False: update gate
  float* rh = nullptr;       // [B][Hp] GRU reset_after=False: r * h_prev
  float* pre = nullptr;      // [B][G*Hp] recurrent pre-activations of one step (B <= 2 only)
  const int* first_real = nullptr;  // [B] first processing step whose mask is set (T if none)
  BarrierState* barrier = nullptr;
  // Thread i owns batch rows [row_begin[i], row_end[i]) and 16-unit groups [group_begin[i], group_end[i]).
  int row_begin[kMaxThreads], row_end[kMaxThreads];
  int group_begin[kMaxThreads], group_end[kMaxThreads];
};

// Entry points each ISA's kernels provide.
struct KernelTable {
  IsaLevel isa;
  void (*forward_thread)(const ForwardPlan& plan, int thread_index);
  void (*fma_loop)(long iterations, float* sink);  // 10 chains x lanes x 2 FLOP per iteration
  int lanes;  // floats per vector of fma_loop (and of the panel products)
};

// Called by a barrier participant that has waited long (compiled for the baseline ISA): see
// ThreadPool::on_long_wait.
void on_long_barrier_wait();
// Called after a barrier wait long enough to mean a participant was descheduled: for a while,
// steps that would need a barrier run on one thread (see plan_job in rnn.cpp).
void on_barrier_stall();

const KernelTable& kernels_generic();
#if defined(FUSEDRNN_HAVE_AVX2)
const KernelTable& kernels_avx2();
#endif
#if defined(FUSEDRNN_HAVE_AVX512)
const KernelTable& kernels_avx512();
#endif

}  // namespace fusedrnn
