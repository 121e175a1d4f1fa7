// Weight packing, ISA dispatch, threads and the forward driver. Compiled for the baseline ISA.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <stdexcept>
#include <thread>

#if defined(__linux__)
#include <sched.h>
#endif

#include "forward_plan.h"
#include "fusedrnn/rnn.h"
#include "thread_pool.h"

namespace fusedrnn {

void on_long_barrier_wait() { ThreadPool::on_long_wait(); }

namespace {
// Oversubscription detection. Two barrier stalls (waits of 1 ms or more) this close together
// mean the machine is oversubscribed (a lone stall is the noise of a shared machine: a host
// preempting this virtual CPU, an interrupt storm). Jobs then avoid the per-step barrier for a
// back-off that starts short, so a false alarm costs little, and doubles (up to 1 s) while
// stalls come back right after each retry, so a persistently busy machine pays for few retries.
constexpr auto kStallPair = std::chrono::milliseconds(10);
constexpr auto kFirstBackoff = std::chrono::milliseconds(50);
constexpr auto kMaxBackoff = std::chrono::milliseconds(1000);

std::int64_t ticks(std::chrono::milliseconds d) {
  return std::chrono::duration_cast<std::chrono::steady_clock::duration>(d).count();
}
std::int64_t now_ticks() { return std::chrono::steady_clock::now().time_since_epoch().count(); }

std::atomic<std::int64_t> g_last_stall{0};
std::atomic<std::int64_t> g_avoid_barriers_until{0};
std::atomic<std::int64_t> g_backoff{0};

bool barrier_recently_stalled() {
  return now_ticks() < g_avoid_barriers_until.load(std::memory_order_relaxed);
}
}  // namespace

void on_barrier_stall() {
  const std::int64_t now = now_ticks();
  const std::int64_t previous = g_last_stall.exchange(now, std::memory_order_relaxed);
  if (previous == 0 || now - previous >= ticks(kStallPair)) return;
  const std::int64_t until = g_avoid_barriers_until.load(std::memory_order_relaxed);
  std::int64_t backoff = g_backoff.load(std::memory_order_relaxed);
  if (until != 0 && now - until < 2 * backoff) {
    backoff = std::min(2 * backoff, ticks(kMaxBackoff));  // stalled again right after a retry
  } else {
    backoff = ticks(kFirstBackoff);
  }
  g_backoff.store(backoff, std::memory_order_relaxed);
  g_avoid_barriers_until.store(now + backoff, std::memory_order_relaxed);
}

// ---------------------------------------------------------------------------------------------
// AlignedBuffer
AlignedBuffer::AlignedBuffer(std::size_t count, bool zero_fill) { resize(count, zero_fill); }
void AlignedBuffer::resize(std::size_t count, bool zero_fill) {
  const std::size_t bytes = ((count * sizeof(float) + 63) / 64) * 64;
  if (count > capacity_) {
    this->~AlignedBuffer();
    data_ = static_cast<float*>(::operator new(bytes, std::align_val_t{64}));
    capacity_ = bytes / sizeof(float);
  }
  size_ = count;
  if (zero_fill && count > 0) std::memset(data_, 0, bytes);
}
AlignedBuffer::AlignedBuffer(AlignedBuffer&& o) noexcept
    : data_(o.data_), size_(o.size_), capacity_(o.capacity_) {
  o.data_ = nullptr;
  o.size_ = 0;
  o.capacity_ = 0;
}
AlignedBuffer& AlignedBuffer::operator=(AlignedBuffer&& o) noexcept {
  if (this != &o) {
    this->~AlignedBuffer();
    data_ = o.data_;
    size_ = o.size_;
    capacity_ = o.capacity_;
    o.data_ = nullptr;
    o.size_ = 0;
    o.capacity_ = 0;
  }
  return *this;
}
AlignedBuffer::~AlignedBuffer() {
  if (data_) ::operator delete(data_, std::align_val_t{64});
  data_ = nullptr;
  size_ = 0;
  capacity_ = 0;
}

int num_gates(CellKind cell) {
  switch (cell) {
    case CellKind::kSimpleRnn: return 1;
    case CellKind::kGru: return 3;
    case CellKind::kLstm: return 4;
  }
  return 1;
}

// ---------------------------------------------------------------------------------------------
// Packing
namespace {

long interleaved_column(int g, int u, int gm) {
  return static_cast<long>(u / kLanes) * gm * kLanes + g * kLanes + u % kLanes;
}

// Packs gates [gate_begin, gate_begin + gm) of a Keras matrix src [rows, G*H] (column g*H + u)
// into interleaved panels [gm*Hp/16][rows_padded][16]; rows >= rows and units >= H stay zero.
AlignedBuffer pack_panels(const float* src, int rows, int rows_padded, int G, int H, int Hp,
                          int gate_begin, int gm) {
  AlignedBuffer out(static_cast<std::size_t>(gm) * Hp * rows_padded);
  float* dst = out.data();
  for (int k = 0; k < rows; ++k) {
    const float* row = src + static_cast<std::size_t>(k) * G * H;
    for (int g = 0; g < gm; ++g) {
      for (int u = 0; u < H; ++u) {
        const long col = interleaved_column(g, u, gm);
        const long panel = col / kPanelWidth, lane = col % kPanelWidth;
        dst[(panel * rows_padded + k) * kPanelWidth + lane] = row[(gate_begin + g) * H + u];
      }
    }
  }
  return out;
}

}  // namespace

std::shared_ptr<PackedRnnWeights> pack_rnn_weights(CellKind cell, Activation activation,
                                                   Activation recurrent_activation, bool reset_after,
                                                   int input_dim, int units, const float* kernel,
                                                   const float* recurrent_kernel, const float* bias) {
  if (input_dim < 1 || units < 1) throw std::invalid_argument("input_dim and units must be >= 1");
  if (kernel == nullptr || recurrent_kernel == nullptr)
    throw std::invalid_argument("kernel and recurrent_kernel are required");
  auto w = std::make_shared<PackedRnnWeights>();
  const int G = num_gates(cell), H = units, I = input_dim;
  const int Hp = (H + kUnitGroup - 1) / kUnitGroup * kUnitGroup;
  w->cell = cell;
  w->activation = activation;
  w->recurrent_activation = recurrent_activation;
  w->reset_after = cell == CellKind::kGru ? reset_after : false;
  w->use_bias = bias != nullptr;
  w->input_dim = I;
  w->units = H;
  w->padded_units = Hp;
  w->gates = G;
  const bool gru_split = cell == CellKind::kGru && !reset_after;
  w->recurrent_gates = gru_split ? 2 : G;

  w->kernel = pack_panels(kernel, I, I, G, H, Hp, 0, G);
  w->recurrent = pack_panels(recurrent_kernel, H, Hp, G, H, Hp, 0, w->recurrent_gates);
  if (gru_split) w->recurrent_candidate = pack_panels(recurrent_kernel, H, Hp, G, H, Hp, 2, 1);

  w->input_bias = AlignedBuffer(static_cast<std::size_t>(G) * Hp);
  w->candidate_bias = AlignedBuffer(static_cast<std::size_t>(Hp));
  if (bias != nullptr) {
    for (int g = 0; g < G; ++g) {
      for (int u = 0; u < H; ++u) {
        float b = bias[g * H + u];
        if (cell == CellKind::kGru && w->reset_after) {
          // bias is [2, 3H]: row 0 input, row 1 recurrent. The recurrent bias of z and r adds
          // outside any product, so it folds into the input bias; the candidate's stays apart.
          const float rb = bias[G * H + g * H + u];
          if (g < 2) b += rb;
          else w->candidate_bias.data()[u] = rb;
        }
        w->input_bias.data()[interleaved_column(g, u, G)] = b;
      }
    }
  }
  return w;
}

// ---------------------------------------------------------------------------------------------
// ISA dispatch
namespace {

bool cpu_has(IsaLevel level) {
  switch (level) {
    case IsaLevel::kGeneric: return true;
    case IsaLevel::kAvx2:
#if defined(FUSEDRNN_HAVE_AVX2)
      return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
      return false;
#endif
    case IsaLevel::kAvx512:
#if defined(FUSEDRNN_HAVE_AVX512)
      // x86-64-v4's AVX-512 subsets (the build's flags); the compiler's check also requires
      // the OS to save the zmm and mask registers.
      return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
             __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
             __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq");
#else
      return false;
#endif
  }
  return false;
}

const KernelTable* table_for(IsaLevel level) {
  if (!cpu_has(level)) return nullptr;
  switch (level) {
    case IsaLevel::kGeneric: return &kernels_generic();
#if defined(FUSEDRNN_HAVE_AVX2)
    case IsaLevel::kAvx2: return &kernels_avx2();
#endif
#if defined(FUSEDRNN_HAVE_AVX512)
    case IsaLevel::kAvx512: return &kernels_avx512();
#endif
    default: return nullptr;
  }
}

std::atomic<const KernelTable*>& active_table() {
  static std::atomic<const KernelTable*> table{nullptr};
  return table;
}

const KernelTable& kernels() {
  const KernelTable* t = active_table().load(std::memory_order_acquire);
  if (t == nullptr) {
    t = table_for(detect_best_isa());
    active_table().store(t, std::memory_order_release);
  }
  return *t;
}

}  // namespace

const char* isa_name(IsaLevel level) {
  switch (level) {
    case IsaLevel::kGeneric: return "generic";
    case IsaLevel::kAvx2: return "avx2";
    case IsaLevel::kAvx512: return "avx512";
  }
  return "unknown";
}

bool parse_isa(const std::string& name, IsaLevel* out) {
  for (IsaLevel l : {IsaLevel::kGeneric, IsaLevel::kAvx2, IsaLevel::kAvx512}) {
    if (name == isa_name(l)) {
      *out = l;
      return true;
    }
  }
  return false;
}

IsaLevel detect_best_isa() {
  for (IsaLevel l : {IsaLevel::kAvx512, IsaLevel::kAvx2})
    if (table_for(l)) return l;
  return IsaLevel::kGeneric;
}

std::vector<IsaLevel> available_isas() {
  std::vector<IsaLevel> out;
  for (IsaLevel l : {IsaLevel::kGeneric, IsaLevel::kAvx2, IsaLevel::kAvx512})
    if (table_for(l)) out.push_back(l);
  return out;
}

IsaLevel current_isa() { return kernels().isa; }

void set_isa(IsaLevel level) {
  const KernelTable* t = table_for(level);
  if (t == nullptr)
    throw std::runtime_error(std::string("ISA level '") + isa_name(level) +
                             "' is not available on this CPU or in this build");
  active_table().store(t, std::memory_order_release);
}

double measure_fma_peak_gflops(double seconds) {
  const KernelTable& k = kernels();
  float sink[kPanelWidth];
  long iters = 1 << 16;
  double best = 0.0;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < deadline) {
    auto t0 = std::chrono::steady_clock::now();
    k.fma_loop(iters, sink);
    const double dt = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (dt < 1e-3) {
      iters *= 2;
      continue;
    }
    best = std::max(best, static_cast<double>(iters) * 10 * k.lanes * 2 / dt / 1e9);
  }
  return best;
}

// ---------------------------------------------------------------------------------------------
// Threads
int default_num_threads() {
#if defined(__linux__)
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) == 0) {
    const int n = CPU_COUNT(&set);
    if (n > 0) return std::min(n, kMaxThreads);
  }
#endif
  const unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : std::min(static_cast<int>(n), kMaxThreads);
}

namespace {
std::atomic<int>& requested_threads() {
  static std::atomic<int> n{0};
  return n;
}
}  // namespace

void set_num_threads(int n) {
  if (n < 1) throw std::invalid_argument("number of threads must be >= 1");
  n = std::min(n, kMaxThreads);
  requested_threads().store(n);
  ThreadPool::instance().resize(n);
}

int get_num_threads() {
  int n = requested_threads().load();
  if (n == 0) {
    n = default_num_threads();
    set_num_threads(n);
  }
  return n;
}

// ---------------------------------------------------------------------------------------------
// The forward driver
namespace {

// The input projection xp is computed for a chunk of timesteps at a time. A chunk that fits in
// L2 (~256 KB) is read back by the steps at cache speed: a 4 MB chunk made the batched steps'
// epilogue wait on L3/DRAM (SimpleRNN throughput 21.7 -> 19.1 ms at 256 KB). But each chunk
// streams the input weights once, so when they are large (I*G*H floats) the chunk grows to half
// their size, keeping that traffic a small share (large: 8 steps a chunk, as before).
constexpr std::size_t kProjectionChunkFloats = (256u << 10) / sizeof(float);

struct JobWorkspace {
  ForwardPlan plan;
  AlignedBuffer xp, h0, h1, c, z, rh, pre;
  std::vector<int> first_real;
  BarrierState barrier;
};

void plan_job(const RnnForwardArgs& a, int threads_available, JobWorkspace& ws) {
  const PackedRnnWeights& w = *a.weights;
  ForwardPlan& p = ws.plan;
  const int B = a.batch, T = a.timesteps, Hp = w.padded_units, groups = Hp / kUnitGroup;
  const long Nx = static_cast<long>(w.gates) * Hp;
  const long recurrent_bytes = static_cast<long>(w.gates) * Hp * Hp * 4;
  const int nt = std::max(1, threads_available);

  p.args = &a;
  p.w = &w;
  p.sweep_parity = static_cast<int>(w.passes.fetch_add(1, std::memory_order_relaxed) & 1u);
  p.split_units = false;
  p.threads = 1;
  if (nt > 1) {
    // Recurrent weights over 4 MB (the large layers) come from L3 or memory at every step.
    // Split by rows, each thread streams all of them (2 threads: twice the traffic); split by
    // units, each its share. Large LSTM at 2 threads in the bench, beside the peers' own
    // copies of the weights: 52.3-55.9 -> 43.5-44.2 ms (GRU 33.4-33.8 -> 31.8-31.9 ms);
    // alone, where the shared L3 holds both, the same (0.99-1.03).
    const bool large_weights = recurrent_bytes > (4L << 20);
    if (B >= 4 * nt && !(large_weights && groups >= nt && !barrier_recently_stalled())) {
      p.threads = nt;
    } else if (groups >= 2 && recurrent_bytes >= (64 << 10) && !barrier_recently_stalled()) {
      // Units split across threads, a barrier per step. Not while the machine is
      // oversubscribed: every step would wait for a descheduled thread (a 0.6 ms GRU call's
      // p99 went to 9 ms with two such processes on two cores); one thread keeps going.
      p.split_units = true;
      p.threads = std::min(nt, groups);
    } else if (B >= 2) {
      p.threads = std::min(nt, B);
    }
  }
  for (int i = 0; i < p.threads; ++i) {
    if (p.split_units) {
      p.row_begin[i] = 0;
      p.row_end[i] = B;
      p.group_begin[i] = static_cast<int>(static_cast<long>(groups) * i / p.threads);
      p.group_end[i] = static_cast<int>(static_cast<long>(groups) * (i + 1) / p.threads);
    } else {
      p.row_begin[i] = static_cast<int>(static_cast<long>(B) * i / p.threads);
      p.row_end[i] = static_cast<int>(static_cast<long>(B) * (i + 1) / p.threads);
      p.group_begin[i] = 0;
      p.group_end[i] = groups;
    }
  }
  const std::size_t per_step = static_cast<std::size_t>(B) * Nx;
  const std::size_t budget =
      std::max(kProjectionChunkFloats, static_cast<std::size_t>(w.input_dim) * Nx / 2);
  p.chunk = static_cast<int>(std::clamp<std::size_t>(budget / std::max<std::size_t>(per_step, 1), 1, T));

  const std::size_t state = static_cast<std::size_t>(B) * Hp;
  // Every element of xp and pre is written (all G*Hp columns) before it is read.
  ws.xp.resize(static_cast<std::size_t>(B) * p.chunk * Nx, false);
  ws.h0.resize(state);  // zero: the padded units stay 0
  ws.h1.resize(state, false);  // every element is written by the first step before it is read
  const bool lstm = w.cell == CellKind::kLstm;
  const bool gru_two_phase = w.cell == CellKind::kGru && !w.reset_after;
  if (lstm) ws.c.resize(state);
  if (gru_two_phase) {
    ws.z.resize(state, false);
    ws.rh.resize(state);
  }
  p.xp = ws.xp.data();
  p.h[0] = ws.h0.data();
  p.h[1] = ws.h1.data();
  p.c = lstm ? ws.c.data() : nullptr;
  p.z = gru_two_phase ? ws.z.data() : nullptr;
  p.rh = gru_two_phase ? ws.rh.data() : nullptr;
  // Recurrent pre-activations: of one whole step at B <= 2, else of one tile's 16-unit groups
  // (one, or four for a SimpleRNN's AVX-512 tiles: at most 4 x 16 floats a row) for each
  // thread's rows.
  ws.pre.resize(B <= 2 ? static_cast<std::size_t>(B) * Nx
                       : static_cast<std::size_t>(p.threads) * B * 16 * 4, false);
  p.pre = ws.pre.data();

  ws.first_real.assign(B, a.mask == nullptr ? 0 : T);
  for (int b = 0; a.mask != nullptr && b < B; ++b) {
    for (int s = 0; s < T; ++s) {
      const int t = a.go_backwards ? T - 1 - s : s;
      if (a.mask[static_cast<long>(b) * T + t]) {
        ws.first_real[b] = s;
        break;
      }
    }
  }
  p.first_real = ws.first_real.data();

  // Initial states, set here so the threads need no barrier before their first step.
  for (int b = 0; b < B; ++b) {
    const int H = w.units;
    float* h = p.h[0] + static_cast<std::size_t>(b) * Hp;
    if (a.initial_h) std::memcpy(h, a.initial_h + static_cast<std::size_t>(b) * H, sizeof(float) * H);
    if (p.c && a.initial_c) {
      std::memcpy(p.c + static_cast<std::size_t>(b) * Hp, a.initial_c + static_cast<std::size_t>(b) * H,
                  sizeof(float) * H);
    }
  }
  ws.barrier.parties = p.threads;
  ws.barrier.remaining.store(p.threads);
  ws.barrier.phase.store(0);
  p.barrier = &ws.barrier;
}

struct RunContext {
  const KernelTable* kernels;
  std::vector<JobWorkspace*> jobs;
  std::vector<int> first_thread;  // global index of each job's thread 0
};

void run_thread(void* context, int index) {
  auto* ctx = static_cast<RunContext*>(context);
  int j = static_cast<int>(ctx->jobs.size()) - 1;
  while (ctx->first_thread[j] > index) --j;
  ctx->kernels->forward_thread(ctx->jobs[j]->plan, index - ctx->first_thread[j]);
}

}  // namespace

void rnn_forward(const RnnForwardArgs* jobs, int num_jobs) {
  const int pool_threads = get_num_threads();
  ThreadPool& pool = ThreadPool::instance();
  const KernelTable& k = kernels();

  // Workspaces are kept per calling thread and reused: allocating them for every call cost
  // ~1 us of a 3.6 us tiny call in malloc/free (the 4 KB plan triggered malloc_consolidate).
  // Large ones are given back after the call.
  thread_local std::vector<std::unique_ptr<JobWorkspace>> cache;
  while (static_cast<int>(cache.size()) < num_jobs) cache.push_back(std::make_unique<JobWorkspace>());
  struct Release {
    std::vector<std::unique_ptr<JobWorkspace>>& cache;
    int n;
    ~Release() {
      constexpr std::size_t kKeepFloats = (16u << 20) / sizeof(float);
      for (int j = 0; j < n; ++j) {
        JobWorkspace& w = *cache[j];
        const std::size_t floats = w.xp.capacity() + w.h0.capacity() + w.h1.capacity() +
                                   w.c.capacity() + w.z.capacity() + w.rh.capacity() +
                                   w.pre.capacity();
        if (floats > kKeepFloats) cache[j] = std::make_unique<JobWorkspace>();
      }
    }
  } release{cache, num_jobs};
  auto ws = [&](int j) -> JobWorkspace& { return *cache[j]; };
  // The index lists are kept with the workspaces too: a streaming call made four small
  // allocations here.
  thread_local std::vector<int> live;
  thread_local RunContext ctx;
  live.clear();
  for (int j = 0; j < num_jobs; ++j)
    if (jobs[j].batch > 0 && jobs[j].timesteps > 0) live.push_back(j);
  if (live.empty()) return;

  // Run all jobs at once when each can have a thread; otherwise one after another.
  const int n = static_cast<int>(live.size());
  const bool together = n > 1 && pool_threads >= n;
  // Plans jobs group[0..count) with threads_each threads at most each; returns their total.
  auto plan_group = [&](const int* group, int count, int threads_each) {
    ctx.kernels = &k;
    ctx.jobs.clear();
    ctx.first_thread.clear();
    int total = 0;
    for (int i = 0; i < count; ++i) {
      const int j = group[i];
      plan_job(jobs[j], threads_each, ws(j));
      ctx.jobs.push_back(&ws(j));
      ctx.first_thread.push_back(total);
      total += ws(j).plan.threads;
    }
    return total;
  };
  auto launch = [&](const int* group, int count, int threads_each) {
    const int total = plan_group(group, count, threads_each);
    if (total == 1) {  // runs on this thread alone: other callers need not wait for the pool
      run_thread(&ctx, 0);
      return;
    }
    ThreadPool::Lease lease(pool);
    if (total <= lease.size()) {
      lease.run(total, &run_thread, &ctx);
      return;
    }
    // The pool has fewer threads than get_num_threads() said: set_num_threads on another
    // thread is resizing it. Plan again for the threads there are, one job at a time.
    for (int i = 0; i < count; ++i) lease.run(plan_group(group + i, 1, lease.size()), &run_thread, &ctx);
  };
  if (together) {
    launch(live.data(), n, pool_threads / n);
  } else {
    for (int i = 0; i < n; ++i) launch(&live[i], 1, pool_threads);
  }
}

}  // namespace fusedrnn
