#include "thread_pool.h"

#include <chrono>
#include <new>
#include <stdexcept>
#include <string>

#if defined(__unix__) || defined(__APPLE__)
#include <pthread.h>
#define FUSEDRNN_HAVE_ATFORK 1
#endif
#if defined(__linux__)
#include <sched.h>
#define FUSEDRNN_HAVE_SCHED_GETCPU 1
#endif

#if defined(__x86_64__) || defined(_M_X64) || defined(__i386__)
#include <immintrin.h>
#define FUSEDRNN_PAUSE() _mm_pause()
#elif defined(__aarch64__)
#define FUSEDRNN_PAUSE() asm volatile("yield")
#else
#define FUSEDRNN_PAUSE() ((void)0)
#endif

namespace fusedrnn {
namespace {
// How long an idle worker keeps spinning before it sleeps.
constexpr auto kSpinTime = std::chrono::microseconds(300);
// At most one placement check per thread in this interval from on_long_wait().
constexpr auto kRecheckInterval = std::chrono::milliseconds(1);

thread_local int t_participant = 0;  // this thread's index in the running job (0: the caller)
thread_local int t_job_threads = 1;  // threads of the job this thread is in
thread_local std::chrono::steady_clock::time_point t_last_check{};

int current_cpu() {
#if defined(FUSEDRNN_HAVE_SCHED_GETCPU)
  return sched_getcpu();
#else
  return -1;
#endif
}
}  // namespace

ThreadPool& ThreadPool::instance() {
  static ThreadPool* pool = new ThreadPool();  // never destroyed: workers may outlive static dtors
  return *pool;
}

ThreadPool::ThreadPool() {
  for (auto& c : cpu_of_) c.store(-1, std::memory_order_relaxed);
#if defined(FUSEDRNN_HAVE_ATFORK)
  pthread_atfork(nullptr, nullptr, &ThreadPool::after_fork_in_child);
#endif
}

// A forked child has only the forking thread: the workers' std::thread objects refer to
// threads that do not exist there. Forget them (joining or destroying them is undefined) and
// start new workers on the next job. Runs in the child right after fork: no allocation here.
void ThreadPool::after_fork_in_child() {
  ThreadPool& pool = instance();
  pool.forked_.store(true, std::memory_order_relaxed);
}

ThreadPool::~ThreadPool() { stop_workers(); }

void ThreadPool::stop_workers() {
  {
    std::lock_guard<std::mutex> lock(sleep_mutex_);
    stopping_.store(true, std::memory_order_relaxed);
    job_word_.fetch_add(std::uint64_t{1} << 16, std::memory_order_release);
  }
  wake_.notify_all();
  for (auto& t : workers_) t.join();
  workers_.clear();
  stopping_.store(false, std::memory_order_relaxed);
}

void ThreadPool::start_workers(int num_threads) {
  // Each worker starts from the generation current now, so a job posted before the thread
  // gets scheduled is still seen as new.
  const std::uint64_t start = job_word_.load(std::memory_order_acquire) >> 16;
  for (int i = 1; i < num_threads; ++i)
    workers_.emplace_back([this, i, start] { worker_loop(i, start); });
}

void ThreadPool::resize(int num_threads) {
  if (forked_.exchange(false)) {
    // In a forked child: the old mutexes may have been held by threads that are gone, and the
    // thread objects must not be joined. Leak both and start afresh.
    new (&run_mutex_) std::mutex();
    new (&sleep_mutex_) std::mutex();
    new (&wake_) std::condition_variable();
    auto* orphans = new std::vector<std::thread>(std::move(workers_));
    (void)orphans;  // intentionally leaked: destroying joinable std::threads would terminate
    workers_ = std::vector<std::thread>();
    stopping_.store(false, std::memory_order_relaxed);
    std::lock_guard<std::mutex> run_lock(run_mutex_);
    wanted_threads_ = num_threads < 1 ? 1 : num_threads;
    start_workers(wanted_threads_);
    return;
  }
  std::lock_guard<std::mutex> run_lock(run_mutex_);
  if (num_threads < 1) num_threads = 1;
  wanted_threads_ = num_threads;
  if (num_threads == size()) return;
  stop_workers();
  start_workers(num_threads);
}

void ThreadPool::worker_loop(int index, std::uint64_t seen) {
  auto generation = [](std::uint64_t word) { return word >> 16; };
  for (;;) {
    // Spin for a while, then sleep until the generation changes.
    auto start = std::chrono::steady_clock::now();
    int polls = 0;
    while (generation(job_word_.load(std::memory_order_acquire)) == seen) {
      FUSEDRNN_PAUSE();
      if (++polls == 256) {
        polls = 0;
        if (std::chrono::steady_clock::now() - start > kSpinTime) {
          std::unique_lock<std::mutex> lock(sleep_mutex_);
          wake_.wait(lock, [&] {
            return generation(job_word_.load(std::memory_order_acquire)) != seen;
          });
          break;
        }
      }
    }
    const std::uint64_t word = job_word_.load(std::memory_order_acquire);
    seen = generation(word);
    if (stopping_.load(std::memory_order_relaxed)) return;
    if (index < static_cast<int>(word & 0xffff)) {
      spread(index, static_cast<int>(word & 0xffff));
      t_participant = index;
      t_job_threads = static_cast<int>(word & 0xffff);
      task_(context_, index);
      pending_.fetch_sub(1, std::memory_order_acq_rel);
    }
  }
}

std::mutex& ThreadPool::ready_for_job() {
  if (forked_.load(std::memory_order_relaxed)) resize(wanted_threads_);
  return run_mutex_;
}

ThreadPool::Lease::Lease(ThreadPool& pool) : pool_(pool), lock_(pool.ready_for_job()) {}

void ThreadPool::Lease::run(int n, TaskFn fn, void* context) {
  if (n < 1 || n > size())
    throw std::logic_error("fusedrnn: a job of " + std::to_string(n) +
                           " threads on a thread pool of " + std::to_string(size()));
  if (n == 1) {
    fn(context, 0);
    return;
  }
  ThreadPool& p = pool_;
  p.task_ = fn;
  p.context_ = context;
  p.cpu_of_[0].store(current_cpu(), std::memory_order_relaxed);
  t_participant = 0;
  t_job_threads = n;
  p.pending_.store(n - 1, std::memory_order_relaxed);
  {
    std::lock_guard<std::mutex> lock(p.sleep_mutex_);
    const std::uint64_t next = ((p.job_word_.load(std::memory_order_relaxed) >> 16) + 1) << 16;
    p.job_word_.store(next | static_cast<std::uint64_t>(n), std::memory_order_release);
  }
  p.wake_.notify_all();
  fn(context, 0);
  while (p.pending_.load(std::memory_order_acquire) != 0) FUSEDRNN_PAUSE();
}

void ThreadPool::spread(int index, int n) {
#if defined(FUSEDRNN_HAVE_SCHED_GETCPU)
  if (index >= kMaxTracked || n > kMaxTracked) return;
  const int mine = current_cpu();
  cpu_of_[index].store(mine, std::memory_order_relaxed);
  if (index == 0 || mine < 0) return;  // the caller's thread is the user's: never moved
  bool shared = false;
  for (int j = 0; j < n && !shared; ++j)
    shared = j != index && cpu_of_[j].load(std::memory_order_relaxed) == mine;
  if (!shared) return;  // the common case: no system call
  cpu_set_t allowed;
  if (sched_getaffinity(0, sizeof allowed, &allowed) != 0) return;
  cpu_set_t away = allowed;
  for (int j = 0; j < n; ++j) {
    const int c = cpu_of_[j].load(std::memory_order_relaxed);
    if (c >= 0 && c < CPU_SETSIZE) CPU_CLR(c, &away);
  }
  CPU_CLR(mine, &away);
  if (CPU_COUNT(&away) == 0) return;
  // Narrowing the mask moves this thread at once; restoring it does not move it back.
  if (sched_setaffinity(0, sizeof away, &away) != 0) return;
  sched_setaffinity(0, sizeof allowed, &allowed);
  cpu_of_[index].store(current_cpu(), std::memory_order_relaxed);
#else
  (void)index;
  (void)n;
#endif
}

void ThreadPool::on_long_wait() {
  const auto now = std::chrono::steady_clock::now();
  if (now - t_last_check < kRecheckInterval) return;
  t_last_check = now;
  instance().spread(t_participant, t_job_threads);
}

}  // namespace fusedrnn
