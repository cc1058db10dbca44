using SpeechSeparation.Tensors;
using SpeechSeparation.Tensors.NN;

namespace SpeechSeparation.Training;

/// <summary>
/// Adam (Kingma &amp; Ba), step for step as <c>torch.optim.Adam</c> 1.13 (single-tensor path), with L2 weight decay added
/// to the gradient, optional AMSGrad and maximisation:
/// <code>
/// g = ±grad (+ weight_decay·θ);  t += 1
/// m = β1·m + (1−β1)·g;  v = β2·v + (1−β2)·g²;  (AMSGrad: v̂ = max(v̂, v))
/// θ −= lr/(1−β1^t) · m / (sqrt(v or v̂)/sqrt(1−β2^t) + eps)
/// </code>
/// </summary>
public sealed class Adam : Optimizer
{
    /// <summary>Creates Adam over parameters with PyTorch's defaults.</summary>
    public Adam(IEnumerable<Parameter> parameters, double lr = 1e-3, (double, double)? betas = null, double eps = 1e-8,
        double weightDecay = 0, bool amsgrad = false, bool maximize = false)
        : this([new ParamGroup(parameters)], lr, betas, eps, weightDecay, amsgrad, maximize) { }

    /// <summary>Creates Adam over parameter groups; options a group does not set come from these arguments.</summary>
    public Adam(IEnumerable<ParamGroup> groups, double lr = 1e-3, (double, double)? betas = null, double eps = 1e-8,
        double weightDecay = 0, bool amsgrad = false, bool maximize = false)
        : base(groups, AdamMath.Defaults(lr, betas ?? (0.9, 0.999), eps, weightDecay, amsgrad, maximize)) { }

    /// <inheritdoc />
    protected override void Validate(ParamGroup group) => AdamMath.Validate(group);

    /// <inheritdoc />
    protected override void StepGroup(ParamGroup group) => AdamMath.Step(group, decoupled: false, StateOf);
}

/// <summary>
/// AdamW (Loshchilov &amp; Hutter), step for step as <c>torch.optim.AdamW</c> 1.13: decoupled weight decay
/// <c>θ ← θ·(1 − lr·weight_decay)</c> before the Adam update (default weight decay 0.01), optional AMSGrad.
/// </summary>
public sealed class AdamW : Optimizer
{
    /// <summary>Creates AdamW over parameters with PyTorch's defaults.</summary>
    public AdamW(IEnumerable<Parameter> parameters, double lr = 1e-3, (double, double)? betas = null, double eps = 1e-8,
        double weightDecay = 1e-2, bool amsgrad = false, bool maximize = false)
        : this([new ParamGroup(parameters)], lr, betas, eps, weightDecay, amsgrad, maximize) { }

    /// <summary>Creates AdamW over parameter groups.</summary>
    public AdamW(IEnumerable<ParamGroup> groups, double lr = 1e-3, (double, double)? betas = null, double eps = 1e-8,
        double weightDecay = 1e-2, bool amsgrad = false, bool maximize = false)
        : base(groups, AdamMath.Defaults(lr, betas ?? (0.9, 0.999), eps, weightDecay, amsgrad, maximize)) { }

    /// <inheritdoc />
    protected override void Validate(ParamGroup group) => AdamMath.Validate(group);

    /// <inheritdoc />
    protected override void StepGroup(ParamGroup group) => AdamMath.Step(group, decoupled: true, StateOf);
}

/// <summary>The update shared by <see cref="Adam"/> and <see cref="AdamW"/>.</summary>
internal static class AdamMath
{
    public static Dictionary<string, object?> Defaults(double lr, (double, double) betas, double eps, double weightDecay, bool amsgrad, bool maximize) => new()
    {
        ["lr"] = lr,
        ["betas"] = betas,
        ["eps"] = eps,
        ["weight_decay"] = weightDecay,
        ["amsgrad"] = amsgrad,
        ["maximize"] = maximize,
        ["foreach"] = null,
        ["capturable"] = false,
        ["differentiable"] = false,
    };

    public static void Validate(ParamGroup g)
    {
        var lr = g.GetDouble("lr");
        if (!(lr >= 0)) throw new ArgumentOutOfRangeException("lr", lr, $"Invalid learning rate: {lr}");
        var eps = g.GetDouble("eps");
        if (!(eps >= 0)) throw new ArgumentOutOfRangeException("eps", eps, $"Invalid epsilon value: {eps}");
        var (b1, b2) = g.GetPair("betas");
        if (!(b1 >= 0 && b1 < 1)) throw new ArgumentOutOfRangeException("betas", b1, $"Invalid beta parameter at index 0: {b1}");
        if (!(b2 >= 0 && b2 < 1)) throw new ArgumentOutOfRangeException("betas", b2, $"Invalid beta parameter at index 1: {b2}");
        var wd = g.GetDouble("weight_decay");
        if (!(wd >= 0)) throw new ArgumentOutOfRangeException("weight_decay", wd, $"Invalid weight_decay value: {wd}");
    }

    public static void Step(ParamGroup group, bool decoupled, Func<Parameter, Dictionary<string, object?>> stateOf)
    {
        double lr = group.Lr;
        var (beta1, beta2) = group.GetPair("betas");
        double eps = group.GetDouble("eps");
        double weightDecay = group.GetDouble("weight_decay");
        bool amsgrad = group.GetBool("amsgrad");
        bool maximize = group.Options.TryGetValue("maximize", out var mx) && mx is not null && PyConvert.ToBool(mx, "maximize");
        foreach (var p in group.Parameters)
        {
            var g0 = p.grad;
            if (g0 is null) continue;
            var state = stateOf(p);
            if (state.Count == 0)
            {
                state["step"] = 0.0;
                state["exp_avg"] = NewState(p);
                state["exp_avg_sq"] = NewState(p);
                if (amsgrad) state["max_exp_avg_sq"] = NewState(p);
            }
            var expAvg = (Tensor)state["exp_avg"]!;
            var expAvgSq = (Tensor)state["exp_avg_sq"]!;
            var grad = maximize ? -g0 : g0;
            double step = PyConvert.ToDouble(state["step"], "step") + 1;
            state["step"] = step;
            if (decoupled) p.MulInPlace(1 - lr * weightDecay);
            else if (weightDecay != 0) grad = grad.Add(p, weightDecay);
            expAvg.MulInPlace(beta1).AddInPlace(grad, 1 - beta1);
            expAvgSq.MulInPlace(beta2).AddcmulInPlace(grad, grad, 1 - beta2);
            double biasCorrection1 = 1 - Math.Pow(beta1, step);
            double biasCorrection2 = 1 - Math.Pow(beta2, step);
            double stepSize = lr / biasCorrection1;
            double biasCorrection2Sqrt = Math.Sqrt(biasCorrection2);
            Tensor denom;
            if (amsgrad)
            {
                if (!state.TryGetValue("max_exp_avg_sq", out var mv) || mv is not Tensor maxSq)
                    state["max_exp_avg_sq"] = maxSq = NewState(p);
                maxSq.copy_(torch.maximum(maxSq, expAvgSq));
                denom = maxSq.sqrt().Div(biasCorrection2Sqrt).AddInPlace(eps);
            }
            else
            {
                denom = expAvgSq.sqrt().Div(biasCorrection2Sqrt).AddInPlace(eps);
            }
            p.AddcdivInPlace(expAvg, denom, -stepSize);
        }
    }

    private static Tensor NewState(Tensor like) => torch.zeros_like(like).DetachFromDisposeScope();
}
