using SpeechSeparation.Tensors;

namespace SpeechSeparation.Models.MossFormer;

/// <summary>
/// Receives named intermediate tensors during a forward pass (for bisecting against reference fixtures). The tensor is
/// only valid during the call (it belongs to the caller's dispose scope): copy what you need to keep.
/// </summary>
/// <param name="name">Intermediate name, e.g. <c>enc_out</c>, <c>block0_out</c>, <c>masks</c>.</param>
/// <param name="value">The tensor.</param>
public delegate void TensorProbe(string name, Tensor value);
