// A persistent pool of worker threads. The caller's thread is worker 0.
// Workers spin briefly after each job (so back-to-back calls, e.g. streaming one step at a
// time, find them awake) and then sleep on a condition variable.
//
// Placement: Linux often wakes a sleeping worker on the CPU of the thread that woke it, while
// another CPU sits idle, and leaves it there for milliseconds. Two threads of one job sharing a
// CPU turn every per-step barrier into a context switch (measured: a 0.6 ms GRU call took
// 10-15 ms when the previous call was more than ~0.3 ms earlier). So each participant records
// the CPU it runs on, and a worker that finds itself on a CPU another participant of the job
// uses moves itself to one none of them uses (its affinity mask is narrowed for one syscall and
// restored at once). The caller's thread is never moved.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

namespace fusedrnn {

class ThreadPool {
 public:
  using TaskFn = void (*)(void* context, int thread_index);

  static ThreadPool& instance();

  // Total threads including the caller's (>= 1).
  int size() const { return static_cast<int>(workers_.size()) + 1; }
  void resize(int num_threads);

  // The pool held for one job: while a Lease lives no other job runs and the pool is not
  // resized, so a job planned for at most size() threads gets them all. (Planned before taking
  // the pool, a job could meet a pool that set_num_threads on another thread was shrinking or
  // rebuilding, and threads that meet at a barrier every step, run with fewer, wait forever.)
  class Lease {
   public:
    explicit Lease(ThreadPool& pool);
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    int size() const { return pool_.size(); }
    // Runs fn(context, i) for i in [0, n), 1 <= n <= size(); i = 0 on the calling thread.
    // Returns when all are done.
    void run(int n, TaskFn fn, void* context);

   private:
    ThreadPool& pool_;
    std::lock_guard<std::mutex> lock_;
  };

  ~ThreadPool();

  // For a participant of the running job that has waited long for the others (called by the
  // kernels' barrier): records this thread's CPU and, on a worker sharing its CPU with another
  // participant, moves the worker away. Rate-limited; a no-op off Linux.
  static void on_long_wait();

 private:
  ThreadPool();
  // Restarts the workers in a forked child (they do not exist there); returns the job mutex.
  std::mutex& ready_for_job();
  void worker_loop(int index, std::uint64_t seen_generation);
  void stop_workers();
  void start_workers(int num_threads);
  static void after_fork_in_child();
  // Records the calling participant's CPU; a worker sharing one with another participant of a
  // job of `n` threads moves itself to a CPU none of them uses, if the affinity mask has one.
  void spread(int index, int n);

  static constexpr int kMaxTracked = 256;

  int wanted_threads_ = 1;           // what resize() asked for
  std::atomic<bool> forked_{false};  // set in a forked child: the worker threads are gone

  std::vector<std::thread> workers_;
  std::mutex run_mutex_;  // one job at a time
  std::mutex sleep_mutex_;
  std::condition_variable wake_;
  // (generation << 16) | threads of the current job, read atomically by the workers so a worker
  // that wakes late never pairs one job's generation with another's thread count.
  alignas(64) std::atomic<std::uint64_t> job_word_{0};
  alignas(64) std::atomic<int> pending_{0};
  TaskFn task_ = nullptr;  // valid while a participant of the current job has not finished
  void* context_ = nullptr;
  std::atomic<bool> stopping_{false};
  std::atomic<int> cpu_of_[kMaxTracked];  // participant index -> CPU it last ran on (-1: unknown)
};

}  // namespace fusedrnn
