#pragma once
#include <pybind11/pybind11.h>

namespace fusedrnn::bindings {
void register_runtime(pybind11::module_& m);
void register_rnn(pybind11::module_& m);
}  // namespace fusedrnn::bindings
