// The kernels compiled for the generic ISA level (see CMakeLists.txt for the flags).
#define FUSEDRNN_ISA_NS isa_generic
#include "kernels_impl.h"

namespace fusedrnn {

const KernelTable& kernels_generic() {
  static constexpr KernelTable table{IsaLevel::kGeneric, &isa_generic::forward_thread,
                                 &isa_generic::fma_loop,
                                 isa_generic::kRowLanes};
  return table;
}

}  // namespace fusedrnn
