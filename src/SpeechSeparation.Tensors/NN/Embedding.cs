namespace SpeechSeparation.Tensors.NN;

/// <summary>A lookup table (key <c>weight</c> [num_embeddings, dim], initialised N(0, 1)).</summary>
public sealed class Embedding : Module<Tensor, Tensor>
{
    /// <summary>Creates the table.</summary>
    public Embedding(long numEmbeddings, long embeddingDim)
    {
        using var t = torch.empty([numEmbeddings, embeddingDim]).DetachFromDisposeScope();
        Init.Normal(t);
        Weight = RegisterParameter("weight", new Parameter(t))!;
    }

    /// <summary>[num_embeddings, dim]</summary>
    public Parameter Weight { get; }

    /// <inheritdoc />
    public override Tensor Forward(Tensor indices)
    {
        using var scope = torch.NewDisposeScope();
        var shape = indices.shape;
        var flat = Weight.index_select(0, indices.reshape(-1));
        return flat.view([.. shape, Weight.size(1)]).MoveToOuterDisposeScope();
    }
}
