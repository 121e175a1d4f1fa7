// Packing and the forward pass. Validates every array it is handed (shape, dtype, layout)
// before any pointer reaches the kernels.
#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <cstdint>
#include <string>
#include <vector>

#include "bindings.h"
#include "fusedrnn/rnn.h"

namespace py = pybind11;

namespace fusedrnn::bindings {
namespace {

using FloatArray = py::array_t<float, py::array::c_style | py::array::forcecast>;
using MaskArray = py::array_t<bool, py::array::c_style | py::array::forcecast>;

// A float32 C-contiguous array is used as it is; anything else goes through NumPy's
// conversion (which costs ~0.2 us even when there is nothing to convert). nullptr: not numeric.
FloatArray as_float_array(py::handle h) {
  if (FloatArray::check_(h)) return py::reinterpret_borrow<FloatArray>(h);
  return FloatArray::ensure(h);
}

std::string shape_str(const py::array& a) {
  std::string s = "(";
  for (py::ssize_t i = 0; i < a.ndim(); ++i) s += (i ? ", " : "") + std::to_string(a.shape(i));
  return s + (a.ndim() == 1 ? ",)" : ")");
}

void expect_shape(const py::array& a, std::vector<py::ssize_t> shape, const char* what) {
  bool ok = a.ndim() == static_cast<py::ssize_t>(shape.size());
  for (std::size_t i = 0; ok && i < shape.size(); ++i) ok = a.shape(i) == shape[i];
  if (!ok) {
    std::string want = "(";
    for (std::size_t i = 0; i < shape.size(); ++i) want += (i ? ", " : "") + std::to_string(shape[i]);
    throw py::value_error(std::string(what) + " must have shape " + want +
                          (shape.size() == 1 ? ",)" : ")") + ", got " + shape_str(a));
  }
}

Activation parse_activation(const std::string& name) {
  if (name == "tanh") return Activation::kTanh;
  if (name == "sigmoid") return Activation::kSigmoid;
  if (name == "hard_sigmoid") return Activation::kHardSigmoid;
  if (name == "hard_sigmoid_keras2") return Activation::kHardSigmoidKeras2;
  if (name == "relu") return Activation::kRelu;
  if (name == "linear") return Activation::kLinear;
  throw py::value_error("unknown activation '" + name +
                        "'; expected tanh, sigmoid, hard_sigmoid, hard_sigmoid_keras2, relu or linear");
}

const char* activation_name(Activation a) {
  switch (a) {
    case Activation::kTanh: return "tanh";
    case Activation::kSigmoid: return "sigmoid";
    case Activation::kHardSigmoid: return "hard_sigmoid";
    case Activation::kHardSigmoidKeras2: return "hard_sigmoid_keras2";
    case Activation::kRelu: return "relu";
    case Activation::kLinear: return "linear";
  }
  return "?";
}

const char* cell_name(CellKind c) {
  switch (c) {
    case CellKind::kSimpleRnn: return "simple_rnn";
    case CellKind::kGru: return "gru";
    case CellKind::kLstm: return "lstm";
  }
  return "?";
}

CellKind parse_cell(const std::string& name) {
  if (name == "simple_rnn") return CellKind::kSimpleRnn;
  if (name == "gru") return CellKind::kGru;
  if (name == "lstm") return CellKind::kLstm;
  throw py::value_error("unknown cell '" + name + "'; expected simple_rnn, gru or lstm");
}

std::shared_ptr<PackedRnnWeights> pack(const std::string& cell_name_, const FloatArray& kernel,
                                       const FloatArray& recurrent_kernel, py::object bias_obj,
                                       const std::string& activation,
                                       const std::string& recurrent_activation, bool reset_after) {
  const CellKind cell = parse_cell(cell_name_);
  const Activation act = parse_activation(activation);
  const Activation ract = parse_activation(recurrent_activation);
  if (recurrent_kernel.ndim() != 2)
    throw py::value_error("recurrent_kernel must be 2-D (units, gates*units), got shape " +
                          shape_str(recurrent_kernel));
  const py::ssize_t H = recurrent_kernel.shape(0), G = num_gates(cell);
  if (H < 1) throw py::value_error("units must be >= 1");
  expect_shape(recurrent_kernel, {H, G * H}, "recurrent_kernel");
  if (kernel.ndim() != 2 || kernel.shape(0) < 1)
    throw py::value_error("kernel must be 2-D (input_dim, gates*units), got shape " + shape_str(kernel));
  const py::ssize_t I = kernel.shape(0);
  expect_shape(kernel, {I, G * H}, "kernel");
  FloatArray bias;
  const float* bias_ptr = nullptr;
  if (!bias_obj.is_none()) {
    bias = FloatArray::ensure(bias_obj);
    if (!bias) throw py::type_error("bias must be a float array or None");
    if (cell == CellKind::kGru && reset_after)
      expect_shape(bias, {2, G * H}, "bias");
    else
      expect_shape(bias, {G * H}, "bias");
    bias_ptr = bias.data();
  }
  py::gil_scoped_release release;
  return pack_rnn_weights(cell, act, ract, reset_after, static_cast<int>(I), static_cast<int>(H),
                          kernel.data(), recurrent_kernel.data(), bias_ptr);
}

// Arrays of one job, kept alive until the kernels return. Plain handles: a default-constructed
// py::array_t is an empty NumPy array, which cost seven allocations per call.
struct Job {
  std::shared_ptr<PackedRnnWeights> weights;
  py::object x, h0, c0, out, h, c, mask;
  RnnForwardArgs args;
};

void prepare(Job& job, py::handle x_obj, std::shared_ptr<PackedRnnWeights> w, py::object h0,
             py::object c0, py::object mask, bool go_backwards, bool return_sequences) {
  FloatArray x = as_float_array(x_obj);
  if (!x) throw py::type_error("x must be a numeric array");
  if (!w) throw py::type_error("packed weights are required");
  const PackedRnnWeights& pw = *w;
  if (x.ndim() != 3)
    throw py::value_error("x must be 3-D (batch, timesteps, input_dim), got shape " + shape_str(x));
  const py::ssize_t B = x.shape(0), T = x.shape(1), I = x.shape(2), H = pw.units;
  if (T < 1) throw py::value_error("x must have at least one timestep");
  if (I != pw.input_dim)
    throw py::value_error("x has input_dim " + std::to_string(I) + " but the weights expect " +
                          std::to_string(pw.input_dim));
  if (B > (1LL << 31) - 1 || T > (1LL << 31) - 1) throw py::value_error("x is too large");
  job.weights = std::move(w);
  job.x = x;
  RnnForwardArgs& a = job.args;
  a.weights = job.weights.get();
  a.x = x.data();
  a.batch = static_cast<int>(B);
  a.timesteps = static_cast<int>(T);
  a.go_backwards = go_backwards;
  a.return_sequences = return_sequences;
  if (!h0.is_none()) {
    FloatArray h0a = as_float_array(h0);
    if (!h0a) throw py::type_error("initial h must be a float array");
    expect_shape(h0a, {B, H}, "initial state h");
    a.initial_h = h0a.data();
    job.h0 = std::move(h0a);
  }
  const bool lstm = pw.cell == CellKind::kLstm;
  if (!c0.is_none()) {
    if (!lstm) throw py::value_error("only LSTM has a cell state c");
    FloatArray c0a = as_float_array(c0);
    if (!c0a) throw py::type_error("initial c must be a float array");
    expect_shape(c0a, {B, H}, "initial state c");
    a.initial_c = c0a.data();
    job.c0 = std::move(c0a);
  }
  if (!mask.is_none()) {
    MaskArray m = MaskArray::ensure(mask);
    if (!m) throw py::type_error("mask must be a boolean array");
    expect_shape(m, {B, T}, "mask");
    a.mask = reinterpret_cast<const std::uint8_t*>(m.data());
    job.mask = std::move(m);
  }
  FloatArray out = return_sequences ? FloatArray({B, T, H}) : FloatArray({B, H});
  FloatArray h({B, H});
  a.output = out.mutable_data();
  a.final_h = h.mutable_data();
  job.out = std::move(out);
  job.h = std::move(h);
  if (lstm) {
    FloatArray c({B, H});
    a.final_c = c.mutable_data();
    job.c = std::move(c);
  }
}

py::tuple result(Job& job) {
  if (job.args.final_c) return py::make_tuple(job.out, py::make_tuple(job.h, job.c));
  return py::make_tuple(job.out, py::make_tuple(job.h));
}

}  // namespace

void register_rnn(py::module_& m) {
  py::class_<PackedRnnWeights, std::shared_ptr<PackedRnnWeights>>(m, "PackedWeights")
      .def_property_readonly("cell", [](const PackedRnnWeights& w) { return cell_name(w.cell); })
      .def_property_readonly("units", [](const PackedRnnWeights& w) { return w.units; })
      .def_property_readonly("input_dim", [](const PackedRnnWeights& w) { return w.input_dim; })
      .def_property_readonly("padded_units", [](const PackedRnnWeights& w) { return w.padded_units; })
      .def_property_readonly("num_gates", [](const PackedRnnWeights& w) { return w.gates; })
      .def_property_readonly("num_states", [](const PackedRnnWeights& w) {
        return w.cell == CellKind::kLstm ? 2 : 1;
      })
      .def_property_readonly("reset_after", [](const PackedRnnWeights& w) { return w.reset_after; })
      .def_property_readonly("use_bias", [](const PackedRnnWeights& w) { return w.use_bias; })
      .def_property_readonly("activation",
                             [](const PackedRnnWeights& w) { return activation_name(w.activation); })
      .def_property_readonly("recurrent_activation", [](const PackedRnnWeights& w) {
        return activation_name(w.recurrent_activation);
      })
      .def_property_readonly("nbytes", [](const PackedRnnWeights& w) {
        return 4 * (w.kernel.size() + w.input_bias.size() + w.recurrent.size() +
                    w.recurrent_candidate.size() + w.candidate_bias.size());
      });

  m.def("pack_weights", &pack, py::arg("cell"), py::arg("kernel"), py::arg("recurrent_kernel"),
        py::arg("bias"), py::arg("activation"), py::arg("recurrent_activation"),
        py::arg("reset_after"));

  m.def(
      "forward",
      [](py::handle x_obj, std::shared_ptr<PackedRnnWeights> w, py::object h0, py::object c0,
         py::object mask, bool go_backwards, bool return_sequences) {
        Job job;
        prepare(job, x_obj, std::move(w), h0, c0, mask, go_backwards, return_sequences);
        {
          py::gil_scoped_release release;
          rnn_forward(&job.args, 1);
        }
        return result(job);
      },
      py::arg("x"), py::arg("packed"), py::arg("h0"), py::arg("c0"), py::arg("mask"),
      py::arg("go_backwards"), py::arg("return_sequences"));

  m.def(
      "forward_many",
      [](const py::list& specs) {
        // Each spec: (x, packed, h0, c0, mask, go_backwards, return_sequences). Runs concurrently.
        std::vector<Job> jobs(specs.size());
        for (std::size_t i = 0; i < jobs.size(); ++i) {
          py::tuple t = specs[i].cast<py::tuple>();
          if (t.size() != 7) throw py::value_error("each job is a 7-tuple");
          prepare(jobs[i], t[0], t[1].cast<std::shared_ptr<PackedRnnWeights>>(),
                  t[2], t[3], t[4], t[5].cast<bool>(), t[6].cast<bool>());
        }
        std::vector<RnnForwardArgs> args;
        for (auto& j : jobs) args.push_back(j.args);
        {
          py::gil_scoped_release release;
          rnn_forward(args.data(), static_cast<int>(args.size()));
        }
        py::list out;
        for (auto& j : jobs) out.append(result(j));
        return out;
      },
      py::arg("jobs"));
}

}  // namespace fusedrnn::bindings
