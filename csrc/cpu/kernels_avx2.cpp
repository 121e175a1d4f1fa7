// The kernels compiled for the avx2 ISA level (see CMakeLists.txt for the flags).
#define FUSEDRNN_ISA_NS isa_avx2
#include "kernels_impl.h"

namespace fusedrnn {

const KernelTable& kernels_avx2() {
  static constexpr KernelTable table{IsaLevel::kAvx2, &isa_avx2::forward_thread,
                                 &isa_avx2::fma_loop,
                                 isa_avx2::kRowLanes};
  return table;
}

}  // namespace fusedrnn
