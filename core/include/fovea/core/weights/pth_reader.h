#pragma once

#include <filesystem>

#include "fovea/core/result.h"
#include "fovea/core/state_dict.h"

namespace fovea::core {

// Reads a PyTorch .pth file as torch.save writes it, without running any of its code.
//
// Containers: the zip archive of torch >= 1.6 (<archive>/data.pkl + <archive>/data/<key>) and
// the legacy stream of torch.save(..., _use_new_zipfile_serialization=False) that many
// torchvision downloads use (magic, protocol and sys_info pickles, the main pickle, the list
// of storage keys, then each storage as an int64 element count and its raw bytes). The tar
// format of torch < 0.1.10 and TorchScript archives are not read.
//
// The pickle is read by Fovea's restricted unpickler (pickle protocols 2-5; torch.save writes
// 2). It knows only collections.OrderedDict, torch._utils._rebuild_tensor_v2 /
// _rebuild_tensor / _rebuild_parameter and the storage types torch.<Dtype>Storage (and
// torch.cuda.<Dtype>Storage of older GPU saves) for Float, Double, Half, BFloat16, Long, Int,
// Short, Char, Byte and Bool. Any other global (posix.system, builtins.eval, a model class...)
// is refused with an error that names it, before anything in the file is acted on. The
// OrderedDict's `_metadata` is ignored.
//
// Accepted top-level objects, in this order:
//   - a dict or OrderedDict whose keys are all strings and values all tensors (a state dict);
//   - a dict with a "state_dict" entry, else a "model" entry, that is such a dict (the usual
//     checkpoint layouts; other entries such as "epoch" or "optimizer" are read and ignored);
//   - a single tensor or nn.Parameter, returned as one entry named "".
// Tensors come back on the CPU, in file order, with the dtype of their storage, as contiguous
// copies that share no memory with each other (views into one storage are copied out with
// their offsets and strides). The one exception is a tensor with zero strides that spans more
// elements than its storage holds (an expand()ed buffer): it stays a view of the file's
// storage so that reading never allocates more than the file holds.
//
// Corrupt, truncated or hostile files give an Error whose message names the file and the
// problem. Every length, offset and stride the file declares is checked against the file
// (and the storage it indexes) before anything is allocated or read for it, and the copies
// together may take at most 4 times the file's size (+1 MiB): more means many names for the
// same data, a memory bomb (tied weights, two names for one tensor, stay well within it).
Result<StateDict> readPth(const std::filesystem::path& file);

}  // namespace fovea::core
