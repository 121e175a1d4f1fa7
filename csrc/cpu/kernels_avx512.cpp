// The kernels compiled for the avx512 ISA level (see CMakeLists.txt for the flags).
#define FUSEDRNN_ISA_NS isa_avx512
#include "kernels_impl.h"

namespace fusedrnn {

const KernelTable& kernels_avx512() {
  static constexpr KernelTable table{IsaLevel::kAvx512, &isa_avx512::forward_thread,
                                 &isa_avx512::fma_loop,
                                 isa_avx512::kRowLanes};
  return table;
}

}  // namespace fusedrnn
