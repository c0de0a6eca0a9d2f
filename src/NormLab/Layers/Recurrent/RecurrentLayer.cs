using System.Text.Json.Nodes;
using NormLab.Initializers;
using NormLab.Saving;

namespace NormLab.Layers;

/// <summary>
/// What LSTM, GRU and SimpleRNN share, as Keras's RNN layer: input (batch, time, features) projected by one
/// kernel (features, gates·units) for every step at once, a recurrent kernel (units, gates·units), a bias,
/// and the options <c>returnSequences</c>, <c>returnState</c>, <c>goBackwards</c>, <c>dropout</c>,
/// <c>recurrentDropout</c> and masking.
/// </summary>
/// <remarks>
/// Masking: a (batch, time) mask of 1/0 comes from the input's <see cref="Tensor.Mask"/> (set by
/// <c>Embedding(maskZero: true)</c>) or from <see cref="Call(Tensor, Tensor, bool)"/>. At a masked step the
/// state is carried unchanged and the step's output repeats the previous one (Keras's
/// <c>zero_output_for_mask=False</c>), so the last output is the state after the last real step. With
/// <c>returnSequences</c> the output carries the mask on.
/// Dropout (training only, as Keras): one mask per sample and feature, shared by every step, on the inputs
/// (<c>dropout</c>) and on the previous state where it enters the recurrent product (<c>recurrentDropout</c>).
/// </remarks>
public abstract class RecurrentLayer : Layer
{
    private readonly Initializer kernelInitializer, recurrentInitializer, biasInitializer;
    private Tensor? kernel, recurrentKernel, bias;

    private protected RecurrentLayer(int units, int gates, bool useBias, Initializer? kernelInitializer,
        Initializer? recurrentInitializer, Initializer? biasInitializer, bool returnSequences, bool returnState,
        bool goBackwards, double dropout, double recurrentDropout, int[]? inputShape, string? name)
        : base(name, inputShape)
    {
        if (units < 1) throw new ArgumentException($"{Describe()}: units must be >= 1, received {units}.");
        CheckRate(dropout, nameof(dropout));
        CheckRate(recurrentDropout, nameof(recurrentDropout));
        Units = units;
        Gates = gates;
        UseBias = useBias;
        ReturnSequences = returnSequences;
        ReturnState = returnState;
        GoBackwards = goBackwards;
        Dropout = dropout;
        RecurrentDropout = recurrentDropout;
        this.kernelInitializer = kernelInitializer ?? "glorot_uniform";
        this.recurrentInitializer = recurrentInitializer ?? "orthogonal";
        this.biasInitializer = biasInitializer ?? "zeros";
    }

    /// <summary>The size of the hidden state.</summary>
    public int Units { get; }
    /// <summary>Whether the gates have a bias.</summary>
    public bool UseBias { get; }
    /// <summary>Whether every step's output is returned (batch, time, units) rather than the last (batch, units).</summary>
    public bool ReturnSequences { get; }
    /// <summary>Whether <see cref="CallWithState"/> may be used to get the final states beside the output (Keras's return_state).</summary>
    public bool ReturnState { get; }
    /// <summary>Whether the sequence is processed last step first; the returned sequence is then in that reversed order, as Keras.</summary>
    public bool GoBackwards { get; }
    /// <summary>The fraction of input features dropped in training.</summary>
    public double Dropout { get; }
    /// <summary>The fraction of the previous state dropped in training where it enters the recurrent product.</summary>
    public double RecurrentDropout { get; }

    /// <summary>The input kernel (features, gates·units) (null before build).</summary>
    internal Tensor? Kernel => kernel;
    /// <summary>The recurrent kernel (units, gates·units) (null before build).</summary>
    private protected Tensor RecurrentKernel => recurrentKernel!;
    /// <summary>The bias as Keras stores it (null without one).</summary>
    private protected Tensor? Bias => bias;

    /// <summary>The number of gate blocks in the kernels (LSTM 4, GRU 3, SimpleRNN 1).</summary>
    private protected int Gates { get; }

    /// <summary>The bias shape Keras uses.</summary>
    private protected virtual int[] BiasShape => [Gates * Units];

    /// <summary>Adjusts the initial bias (LSTM's unit forget bias).</summary>
    private protected virtual void InitializeBias(Tensor bias) { }

    /// <summary>The bias added to the input projection (GRU keeps a second one for the recurrent product).</summary>
    private protected virtual Tensor? InputBias => bias;

    /// <summary>
    /// The recurrence over the projected inputs (batch, time, gates·units), first step first.
    /// <paramref name="stepMask"/> is (batch, time) or null; <paramref name="recurrentDropoutMask"/> (batch, units) or null.
    /// Returns every step's output (only needed with <see cref="ReturnSequences"/>) and the final states, h first.
    /// </summary>
    private protected abstract (Tensor? Sequence, Tensor[] States) Recur(Tensor projected, Tensor? stepMask, Tensor? recurrentDropoutMask);

    /// <inheritdoc/>
    protected override void BuildCore(int[] inputShape)
    {
        if (inputShape.Length != 3)
            throw new ArgumentException($"{Describe()}: expected input of rank 3 (batch, time, features), received shape {Shapes.Format(inputShape)}.");
        if (inputShape[2] < 1)
            throw new ArgumentException($"{Describe()}: the input has no features, shape {Shapes.Format(inputShape)}.");
        kernel = AddWeight("kernel", [inputShape[2], Gates * Units], kernelInitializer);
        recurrentKernel = AddWeight("recurrent_kernel", [Units, Gates * Units], recurrentInitializer);
        if (UseBias)
        {
            bias = AddWeight("bias", BiasShape, biasInitializer);
            InitializeBias(bias);
        }
    }

    /// <inheritdoc/>
    protected override Tensor Forward(Tensor x, bool training) => Run(x, x.Mask, training, kernel!)[0];

    /// <summary>Runs the layer with an explicit (batch, time) mask of 1 (real step) and 0 (padding), as Keras's <c>mask=</c>.</summary>
    /// <param name="x">The input (batch, time, features).</param>
    /// <param name="mask">The mask; it replaces any mask attached to <paramref name="x"/>.</param>
    /// <param name="training">Whether dropout is active.</param>
    /// <exception cref="ArgumentNullException">When <paramref name="x"/> or <paramref name="mask"/> is null.</exception>
    public Tensor Call(Tensor x, Tensor mask, bool training = false)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(mask);
        if (!Built) Build(x.Shape);
        return Run(x, mask, training, kernel!)[0];
    }

    /// <summary>
    /// Keras's call with <c>return_state=True</c>: the output followed by the final states (h for GRU and
    /// SimpleRNN; h and c for LSTM). Requires <see cref="ReturnState"/>.
    /// </summary>
    /// <param name="x">The input (batch, time, features).</param>
    /// <param name="training">Whether dropout is active.</param>
    /// <param name="mask">An optional (batch, time) mask; the input's own <see cref="Tensor.Mask"/> otherwise.</param>
    /// <exception cref="ArgumentNullException">When <paramref name="x"/> is null.</exception>
    /// <exception cref="InvalidOperationException">When the layer was created without <see cref="ReturnState"/>.</exception>
    public Tensor[] CallWithState(Tensor x, bool training = false, Tensor? mask = null)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (!ReturnState)
            throw new InvalidOperationException($"{Describe()}: CallWithState needs returnState: true (the layer was created without it).");
        if (!Built) Build(x.Shape);
        return Run(x, mask ?? x.Mask, training, kernel!);
    }

    /// <summary>The layer's computation with another input kernel (WeightNormalization).</summary>
    internal Tensor ForwardWithKernel(Tensor x, Tensor otherKernel) => Run(x, x.Mask, training: false, otherKernel)[0];

    private Tensor[] Run(Tensor x, Tensor? mask, bool training, Tensor inputKernel)
    {
        RequireRank(x, 3, 3);
        RequireLastDim(x, inputKernel.Dims[0]);
        int batch = x.Dims[0], steps = x.Dims[1];
        if (steps < 1) throw new ArgumentException($"{Describe()}: the input has no time steps, shape {Shapes.Format(x.Dims)}.");
        if (mask != null && (mask.Rank != 2 || mask.Dims[0] != batch || mask.Dims[1] != steps))
            throw new ArgumentException($"{Describe()}: the mask must have shape (batch, time) = ({batch}, {steps}) for input of shape {Shapes.Format(x.Dims)}, received mask of shape {Shapes.Format(mask.Dims)}.");
        var sequence = x;
        if (training && Dropout > 0) sequence = Ops.Mul(sequence, DropoutMask(Dropout, batch, 1, x.Dims[2]));
        if (GoBackwards)
        {
            sequence = Ops.Reverse(sequence, 1);
            if (mask != null) mask = Ops.Reverse(mask, 1);
        }
        var recurrentMask = training && RecurrentDropout > 0 ? DropoutMask(RecurrentDropout, batch, Units) : null;
        var (outputs, states) = Recur(Ops.Linear(sequence, inputKernel, InputBias), mask, recurrentMask);
        var output = ReturnSequences ? outputs! : states[0];
        // Keras passes the mask on with the sequence (reversed with it when going backwards).
        if (ReturnSequences && mask != null) output.Mask = mask;
        return [output, .. states];
    }

    /// <summary>The state after one step: the new one where the step is real, the previous one where it is masked.</summary>
    private protected static Tensor Carry(Tensor next, Tensor previous, Tensor? stepMask) =>
        stepMask == null ? next : Ops.Add(previous, Ops.Mul(stepMask, Ops.Sub(next, previous)));

    /// <summary>Column <paramref name="t"/> of a (batch, time) mask as (batch, 1), or null.</summary>
    private protected static Tensor? StepMask(Tensor? mask, int t) =>
        mask == null ? null : Ops.Slice(mask, 1, t, 1);

    /// <summary>Inverted dropout: each value 0 with probability <paramref name="rate"/>, 1 / (1 - rate) otherwise.</summary>
    private static Tensor DropoutMask(double rate, params int[] shape)
    {
        var mask = Tensor.Zeros(shape);
        NormLabRandom.FillUniform(mask.Data, 0, 1);
        float keep = (float)(1 / (1 - rate));
        for (int i = 0; i < mask.Size; i++) mask.Data[i] = mask.Data[i] >= rate ? keep : 0f;
        return mask;
    }

    private void CheckRate(double rate, string argument)
    {
        if (!(rate >= 0 && rate < 1))
            throw new ArgumentException($"{Describe()}: {argument} must be in [0, 1), received {rate}.");
    }

    /// <inheritdoc/>
    public override int[] ComputeOutputShape(int[] inputShape)
    {
        RequireRank(inputShape, 3, 3);
        return ReturnSequences ? [inputShape[0], inputShape[1], Units] : [inputShape[0], Units];
    }

    /// <summary>Keras's keys for the weights' initializers.</summary>
    private protected void WriteInitializers(JsonObject config)
    {
        config["kernel_initializer"] = kernelInitializer.GetConfig();
        config["recurrent_initializer"] = recurrentInitializer.GetConfig();
        config["bias_initializer"] = biasInitializer.GetConfig();
    }

    /// <summary>Keras's keys for the options every recurrent layer has.</summary>
    private protected void WriteOptions(JsonObject config)
    {
        config["dropout"] = Dropout;
        config["recurrent_dropout"] = RecurrentDropout;
        config["return_sequences"] = ReturnSequences;
        config["return_state"] = ReturnState;
        config["go_backwards"] = GoBackwards;
    }

    /// <summary>The options <see cref="WriteOptions"/> wrote, Keras's defaults where absent.</summary>
    private protected sealed record Options(double Dropout, double RecurrentDropout, bool ReturnSequences, bool ReturnState, bool GoBackwards)
    {
        internal static Options Read(JsonObject c) => new(c.GetDouble("dropout", 0), c.GetDouble("recurrent_dropout", 0),
            c.GetBool("return_sequences", false), c.GetBool("return_state", false), c.GetBool("go_backwards", false));
    }
}
