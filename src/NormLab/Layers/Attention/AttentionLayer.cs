namespace NormLab.Layers;

/// <summary>
/// What MultiHeadAttention, Attention and AdditiveAttention share: the calls on (query, value, key) for eager
/// and symbolic tensors, building from all three shapes, and the masks. A single-tensor
/// <c>Call(x)</c> is self-attention (query = value = key = x), so the layers also fit a Sequential model.
/// </summary>
/// <remarks>
/// Masks, as Keras: a (batch, time) <see cref="Tensor.Mask"/> on the query or value (from
/// <c>Embedding(maskZero: true)</c>), an explicit attention mask (batch, Tq, Tk) with 1 where a query step
/// may attend a key step, and <c>useCausalMask</c> (step i attends steps ≤ i) are combined into one score mask;
/// masked scores have 1e9 subtracted before the softmax.
/// </remarks>
public abstract class AttentionLayer : Layer
{
    private int[]? valueShape, keyShape;

    private protected AttentionLayer(string? name) : base(name) { }

    /// <summary>Creates the weights for the three full input shapes (batch first).</summary>
    private protected abstract void BuildAttention(int[] queryShape, int[] valueShape, int[] keyShape);

    /// <summary>The attention: the output and the attention probabilities.</summary>
    private protected abstract (Tensor Output, Tensor Scores) Attend(Tensor query, Tensor value, Tensor key,
        Tensor? attentionMask, bool useCausalMask, bool training);

    /// <summary>Attends from <paramref name="query"/> to <paramref name="value"/> (keys: <paramref name="key"/>, or the values).</summary>
    /// <param name="query">The queries (batch, Tq, dim).</param>
    /// <param name="value">The values (batch, Tv, dim).</param>
    /// <param name="key">The keys (batch, Tv, dim); the values when null.</param>
    /// <param name="attentionMask">Optional (batch, Tq, Tv) of 1 (attend) and 0 (do not).</param>
    /// <param name="useCausalMask">Whether query step i may attend only key steps ≤ i.</param>
    /// <param name="training">Whether dropout is active.</param>
    public Tensor Call(Tensor query, Tensor value, Tensor? key = null, Tensor? attentionMask = null,
        bool useCausalMask = false, bool training = false) =>
        CallWithScores(query, value, key, attentionMask, useCausalMask, training).Output;

    /// <summary>
    /// As <see cref="Call(Tensor, Tensor, Tensor?, Tensor?, bool, bool)"/>, also returning the attention
    /// probabilities before dropout (Keras's return_attention_scores=True).
    /// </summary>
    /// <param name="query">The queries (batch, Tq, dim).</param>
    /// <param name="value">The values (batch, Tv, dim).</param>
    /// <param name="key">The keys (batch, Tv, dim); the values when null.</param>
    /// <param name="attentionMask">Optional (batch, Tq, Tv) of 1 (attend) and 0 (do not).</param>
    /// <param name="useCausalMask">Whether query step i may attend only key steps ≤ i.</param>
    /// <param name="training">Whether dropout is active.</param>
    /// <exception cref="ArgumentNullException">When <paramref name="query"/> or <paramref name="value"/> is null.</exception>
    /// <exception cref="ArgumentException">When an input is not rank 3, or the inputs differ in batch size or the key and value in length.</exception>
    public (Tensor Output, Tensor Scores) CallWithScores(Tensor query, Tensor value, Tensor? key = null,
        Tensor? attentionMask = null, bool useCausalMask = false, bool training = false)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(value);
        key ??= value;
        RequireRank(query, 3, 3);
        CheckInput(value, "value");
        CheckInput(key, "key");
        if (value.Dims[0] != query.Dims[0] || key.Dims[0] != query.Dims[0] || key.Dims[1] != value.Dims[1])
            throw new ArgumentException($"{Describe()}: query, value and key must share the batch size and key and value the length, received {Shapes.Format(query.Dims)}, {Shapes.Format(value.Dims)} and {Shapes.Format(key.Dims)}.");
        if (!Built)
        {
            (valueShape, keyShape) = (value.Shape, key.Shape);
            Build(query.Shape);
        }
        return Attend(query, value, key, attentionMask, useCausalMask, training);
    }

    /// <summary>Records a call on (query, value, key) in a functional model.</summary>
    /// <param name="query">The queries.</param>
    /// <param name="value">The values.</param>
    /// <param name="key">The keys; the values when null.</param>
    /// <exception cref="ArgumentNullException">When <paramref name="query"/> or <paramref name="value"/> is null.</exception>
    public SymbolicTensor Call(SymbolicTensor query, SymbolicTensor value, SymbolicTensor? key = null)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(value);
        return CallSymbolic(key == null ? [query, value] : [query, value, key], training: null)[0];
    }

    /// <summary>A graph node's call: one input is self-attention, two or three are (query, value, key).</summary>
    internal override Tensor[] CallOnList(IReadOnlyList<Tensor> inputs, bool training) => inputs.Count switch
    {
        1 => [Call(inputs[0], training)],
        2 or 3 => [Call(inputs[0], inputs[1], inputs.Count == 3 ? inputs[2] : null, training: training)],
        _ => throw new ArgumentException($"{Describe()}: expects 2 or 3 inputs (query, value, key), received {inputs.Count}."),
    };

    /// <inheritdoc/>
    protected override void BuildCore(int[] inputShape)
    {
        if (inputShape.Length != 3)
            throw new ArgumentException($"{Describe()}: expected a query of rank 3 (batch, time, dim), received shape {Shapes.Format(inputShape)}.");
        BuildAttention(inputShape, valueShape ?? inputShape, keyShape ?? valueShape ?? inputShape);
    }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training) => Call(x, x, training: training);

    /// <summary>
    /// The score mask (batch or 1, Tq, Tk) from the query's and value's attached masks (the query's only when
    /// <paramref name="useQueryMask"/>), the explicit attention mask and the causal mask; null when none applies.
    /// </summary>
    private protected Tensor? ScoreMask(Tensor query, Tensor value, Tensor? attentionMask, bool useCausalMask, bool useQueryMask)
    {
        int batch = query.Dims[0], tq = query.Dims[1], tk = value.Dims[1];
        CheckSequenceMask(query.Mask, batch, tq, "query");
        var queryMask = useQueryMask ? query.Mask : null;
        CheckSequenceMask(value.Mask, batch, tk, "value");
        if (attentionMask != null && (attentionMask.Rank != 3 || attentionMask.Dims[0] != batch || attentionMask.Dims[1] != tq || attentionMask.Dims[2] != tk))
            throw new ArgumentException($"{Describe()}: the attention mask must have shape (batch, Tq, Tv) = ({batch}, {tq}, {tk}), received {Shapes.Format(attentionMask.Dims)}.");
        if (queryMask == null && value.Mask == null && attentionMask == null && !useCausalMask) return null;
        bool perSample = queryMask != null || value.Mask != null || attentionMask != null;
        int rows = perSample ? batch : 1;
        var mask = new float[rows * tq * tk];
        for (int b = 0; b < rows; b++)
            for (int i = 0; i < tq; i++)
                for (int j = 0; j < tk; j++)
                {
                    bool attend = (!useCausalMask || j <= i)
                        && (queryMask == null || queryMask.Data[b * tq + i] != 0)
                        && (value.Mask == null || value.Mask.Data[b * tk + j] != 0)
                        && (attentionMask == null || attentionMask.Data[(b * tq + i) * tk + j] != 0);
                    mask[(b * tq + i) * tk + j] = attend ? 1 : 0;
                }
        return new Tensor(mask, [rows, tq, tk]);
    }

    private void CheckSequenceMask(Tensor? mask, int batch, int steps, string input)
    {
        if (mask != null && (mask.Rank != 2 || mask.Dims[0] != batch || mask.Dims[1] != steps))
            throw new ArgumentException($"{Describe()}: the {input} mask must have shape (batch, time) = ({batch}, {steps}), received {Shapes.Format(mask.Dims)}.");
    }

    private void CheckInput(Tensor x, string input)
    {
        if (x.Rank != 3)
            throw new ArgumentException($"{Describe()}: expected a {input} of rank 3 (batch, time, dim), received shape {Shapes.Format(x.Dims)}.");
    }

    /// <summary>Checks that an input's last axis has the size the layer was built for.</summary>
    private protected void RequireDim(Tensor x, int expected, string input)
    {
        if (x.Dims[^1] != expected)
            throw new ArgumentException($"{Describe()}: expected the last axis of the {input} to have size {expected}, received shape {Shapes.Format(x.Dims)}.");
    }
}
