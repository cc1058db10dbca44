using SpeechSeparation.Tensors;
using SpeechSeparation.Tensors.NN;

namespace SpeechSeparation.Training;

/// <summary>
/// Stochastic gradient descent, step for step as <c>torch.optim.SGD</c> 1.13: optional L2 weight decay, momentum with
/// dampening (the buffer starts as a copy of the first gradient), Nesterov momentum and maximisation:
/// <code>
/// g = ±grad (+ weight_decay·θ)
/// b = g (first step) or momentum·b + (1−dampening)·g;  g = nesterov ? g + momentum·b : b
/// θ −= lr·g
/// </code>
/// </summary>
public sealed class SGD : Optimizer
{
    /// <summary>Creates SGD over parameters.</summary>
    public SGD(IEnumerable<Parameter> parameters, double lr, double momentum = 0, double dampening = 0, double weightDecay = 0,
        bool nesterov = false, bool maximize = false)
        : this([new ParamGroup(parameters)], lr, momentum, dampening, weightDecay, nesterov, maximize) { }

    /// <summary>Creates SGD over parameter groups; a null <paramref name="lr"/> makes it required in every group.</summary>
    public SGD(IEnumerable<ParamGroup> groups, double? lr, double momentum = 0, double dampening = 0, double weightDecay = 0,
        bool nesterov = false, bool maximize = false)
        : base(groups, new Dictionary<string, object?>
        {
            ["lr"] = lr.HasValue ? lr.Value : Required.Value,
            ["momentum"] = momentum,
            ["dampening"] = dampening,
            ["weight_decay"] = weightDecay,
            ["nesterov"] = nesterov,
            ["maximize"] = maximize,
            ["foreach"] = null,
            ["differentiable"] = false,
        }) { }

    /// <inheritdoc />
    protected override void Validate(ParamGroup group)
    {
        CheckNonNegative(group, "lr");
        CheckNonNegative(group, "momentum");
        CheckNonNegative(group, "weight_decay");
        if (group.GetBool("nesterov") && (group.GetDouble("momentum") <= 0 || group.GetDouble("dampening") != 0))
            throw new ArgumentException("Nesterov momentum requires a momentum and zero dampening.", nameof(group));
    }

    /// <inheritdoc />
    protected override void StepGroup(ParamGroup group)
    {
        double lr = group.Lr;
        double momentum = group.GetDouble("momentum");
        double dampening = group.GetDouble("dampening");
        double weightDecay = group.GetDouble("weight_decay");
        bool nesterov = group.GetBool("nesterov");
        bool maximize = group.Options.TryGetValue("maximize", out var mx) && mx is not null && PyConvert.ToBool(mx, "maximize");
        foreach (var p in group.Parameters)
        {
            var g = p.grad;
            if (g is null) continue;
            var state = StateOf(p);
            var d = maximize ? -g : g;
            if (weightDecay != 0) d = d.Add(p, weightDecay);
            if (momentum != 0)
            {
                if (state.TryGetValue("momentum_buffer", out var b) && b is Tensor buf)
                {
                    buf.MulInPlace(momentum).AddInPlace(d, 1 - dampening);
                }
                else
                {
                    buf = d.clone().detach().DetachFromDisposeScope();
                    state["momentum_buffer"] = buf;
                }
                d = nesterov ? d.Add(buf, momentum) : buf;
            }
            else
            {
                state["momentum_buffer"] = null;
            }
            p.AddInPlace(d, -lr);
        }
    }
}
