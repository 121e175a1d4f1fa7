#include "bindings.h"

PYBIND11_MODULE(_core, m) {
  m.doc() = "fusedrnn's compiled core: fused recurrent kernels (private; use fusedrnn.ops)";
  fusedrnn::bindings::register_runtime(m);
  fusedrnn::bindings::register_rnn(m);
}
