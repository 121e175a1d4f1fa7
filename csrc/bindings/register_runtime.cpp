// ISA levels, threads and the FMA peak probe.
#include <pybind11/stl.h>

#include <string>
#include <vector>

#include "bindings.h"
#include "fusedrnn/rnn.h"

namespace py = pybind11;

namespace fusedrnn::bindings {

void register_runtime(py::module_& m) {
  m.def("cpu_isa", [] { return std::string(isa_name(current_isa())); },
        "The ISA level the kernels run with.");
  m.def("best_isa", [] { return std::string(isa_name(detect_best_isa())); });
  m.def("available_isas", [] {
    std::vector<std::string> out;
    for (IsaLevel l : available_isas()) out.emplace_back(isa_name(l));
    return out;
  });
  m.def("set_isa", [](const std::string& name) {
    IsaLevel level;
    if (!parse_isa(name, &level))
      throw py::value_error("unknown ISA level '" + name + "'; expected generic, avx2 or avx512");
    set_isa(level);
  });
  m.def("set_num_threads", [](int n) {
    if (n < 1) throw py::value_error("set_num_threads: n must be >= 1, got " + std::to_string(n));
    py::gil_scoped_release release;
    set_num_threads(n);
  });
  m.def("get_num_threads", &get_num_threads);
  m.def("default_num_threads", &default_num_threads);
  m.def("measure_fma_peak_gflops", [](double seconds) {
    py::gil_scoped_release release;
    return measure_fma_peak_gflops(seconds);
  }, py::arg("seconds") = 0.2,
        "fp32 FMA throughput of one core (GFLOP/s): 10 independent 8-wide FMA chains.");
}

}  // namespace fusedrnn::bindings
