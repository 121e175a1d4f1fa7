// fusedrnn: the C++ API of the recurrent kernels. Plain C++ (no Python, no pybind11).
//
// Shapes use Keras's words: batch B, timesteps T, input_dim I, units H, gates G
// (SimpleRNN 1, GRU 3 in order z r h, LSTM 4 in order i f c o).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace fusedrnn {

enum class CellKind : int { kSimpleRnn = 0, kGru = 1, kLstm = 2 };
// kHardSigmoidKeras2: Keras 2's hard_sigmoid, clip(0.2 x + 0.5, 0, 1) (Keras 3's is kHardSigmoid).
enum class Activation : int {
  kTanh = 0, kSigmoid, kHardSigmoid, kRelu, kLinear, kHardSigmoidKeras2
};
enum class IsaLevel : int { kGeneric = 0, kAvx2 = 1, kAvx512 = 2 };

constexpr int kLanes = 8;         // floats per vector; units are handled in blocks of 8
constexpr int kPanelWidth = 16;   // columns per packed weight panel
constexpr int kUnitGroup = 16;    // units are padded to a multiple of this

int num_gates(CellKind cell);

// 64-byte aligned float storage.
class AlignedBuffer {
 public:
  AlignedBuffer() = default;
  // Zero-filled unless zero_fill is false (for scratch every element of which is written first).
  explicit AlignedBuffer(std::size_t count, bool zero_fill = true);
  AlignedBuffer(AlignedBuffer&&) noexcept;
  AlignedBuffer& operator=(AlignedBuffer&&) noexcept;
  AlignedBuffer(const AlignedBuffer&) = delete;
  AlignedBuffer& operator=(const AlignedBuffer&) = delete;
  ~AlignedBuffer();
  float* data() { return data_; }
  const float* data() const { return data_; }
  std::size_t size() const { return size_; }
  std::size_t capacity() const { return capacity_; }
  // Makes size() == count, keeping the storage when it is large enough; zero-fills the first
  // count elements unless zero_fill is false (their contents are then unspecified).
  void resize(std::size_t count, bool zero_fill = true);

 private:
  float* data_ = nullptr;
  std::size_t size_ = 0;
  std::size_t capacity_ = 0;
};

// Weights of one recurrent layer, packed once into the layout the kernels stream.
//
// Columns are "interleaved": within a matrix of Gm gates, the column of gate g and unit u is
//   (u / 8) * Gm * 8 + g * 8 + u % 8,
// so the gates of each block of 8 units sit side by side and one thread can finish the
// state update of its units without waiting for another. A matrix [K, Gm*Hp] is stored as
// Gm*Hp/16 panels of [K][16] floats (panel-major, then row k, then 16 columns).
struct PackedRnnWeights {
  CellKind cell = CellKind::kSimpleRnn;
  Activation activation = Activation::kTanh;
  Activation recurrent_activation = Activation::kSigmoid;
  bool reset_after = true;
  bool use_bias = true;
  int input_dim = 0;      // I
  int units = 0;          // H
  int padded_units = 0;   // Hp: H rounded up to kUnitGroup; pad rows and columns are zero
  int gates = 0;          // G
  int recurrent_gates = 0;  // Gm of `recurrent`: G, or 2 (z, r) for GRU reset_after=False

  AlignedBuffer kernel;               // [G*Hp/16][I][16]   input kernel, interleaved
  AlignedBuffer input_bias;           // [G*Hp]             interleaved; recurrent biases folded in where they commute
  AlignedBuffer recurrent;            // [Gm*Hp/16][Hp][16] recurrent kernel, interleaved
  AlignedBuffer recurrent_candidate;  // GRU reset_after=False: [Hp/16][Hp][16] candidate columns
  AlignedBuffer candidate_bias;       // GRU reset_after=True: [Hp] recurrent bias of the candidate (inside r * (...))
  // Forward passes started with these weights (wraps): its parity sets the direction of the first
  // step's sweep over the recurrent weights, so one-step calls alternate like a sequence's steps.
  mutable std::atomic<unsigned> passes{0};
};

// Packs Keras-layout weights: kernel [I, G*H], recurrent_kernel [H, G*H], bias as Keras keeps it
// (SimpleRNN [H], GRU reset_after [2, 3H] flattened to 6H, GRU [3H], LSTM [4H]) or nullptr.
// Throws std::invalid_argument on sizes < 1.
std::shared_ptr<PackedRnnWeights> pack_rnn_weights(CellKind cell, Activation activation,
                                                   Activation recurrent_activation, bool reset_after,
                                                   int input_dim, int units, const float* kernel,
                                                   const float* recurrent_kernel, const float* bias);

// One forward pass of one layer over a batch. All pointers are C-contiguous float32 (mask: bytes).
struct RnnForwardArgs {
  const PackedRnnWeights* weights = nullptr;
  const float* x = nullptr;          // [B, T, I]
  int batch = 0;                     // B >= 0
  int timesteps = 0;                 // T >= 1
  const float* initial_h = nullptr;  // [B, H] or nullptr (zeros)
  const float* initial_c = nullptr;  // [B, H] or nullptr (zeros); LSTM only
  const std::uint8_t* mask = nullptr;  // [B, T], nonzero = real step; or nullptr
  bool go_backwards = false;
  bool return_sequences = true;
  float* output = nullptr;           // [B, T, H] in processing order, or [B, H]
  float* final_h = nullptr;          // [B, H]
  float* final_c = nullptr;          // [B, H]; LSTM only
};

// Runs the jobs concurrently (e.g. the two directions of a Bidirectional layer), sharing the
// thread pool between them. Blocks until all are done. Does not touch Python.
void rnn_forward(const RnnForwardArgs* jobs, int num_jobs);

// ISA dispatch.
IsaLevel detect_best_isa();
std::vector<IsaLevel> available_isas();  // levels this CPU can run and this build contains
IsaLevel current_isa();
void set_isa(IsaLevel level);  // throws std::runtime_error if unavailable
const char* isa_name(IsaLevel level);
bool parse_isa(const std::string& name, IsaLevel* out);

// Threads.
void set_num_threads(int n);  // n >= 1
int get_num_threads();
int default_num_threads();

// Measures the fp32 FMA throughput of one core with the current ISA (GFLOP/s).
double measure_fma_peak_gflops(double seconds);

}  // namespace fusedrnn
