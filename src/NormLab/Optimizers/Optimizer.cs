using System.Text.Json.Nodes;
using NormLab.Optimizers.Schedules;
using NormLab.Saving;

namespace NormLab.Optimizers;

/// <summary>
/// Updates weights from their gradients, in Keras 3's order: clip the gradients (<c>clipnorm</c>,
/// <c>globalClipnorm</c> or <c>clipvalue</c>), decay the weights (<c>w -= w * weightDecay * lr</c>), apply the
/// optimizer's own update, update the exponential moving average of the weights (<c>useEma</c>), count the step.
/// Strings work wherever an optimizer is expected: <c>optimizer: "adam"</c> (valid: adadelta, adafactor, adagrad,
/// adam, adamax, adamw, lion, nadam, rmsprop, sgd, each with Keras's defaults).
/// </summary>
public abstract partial class Optimizer
{
    // Keras's string names; a saved config's class name (e.g. "RMSprop") finds its entry case-insensitively.
    private static readonly NamedRegistry<Optimizer> Registry = new("optimizer", new()
    {
        ["adam"] = c => new Adam(beta1: c.GetDouble("beta_1", 0.9), beta2: c.GetDouble("beta_2", 0.999), epsilon: c.GetDouble("epsilon", 1e-7)).Configure(c),
        ["adamw"] = c => new AdamW(beta1: c.GetDouble("beta_1", 0.9), beta2: c.GetDouble("beta_2", 0.999), epsilon: c.GetDouble("epsilon", 1e-7)).Configure(c),
        ["sgd"] = c => new SGD(momentum: c.GetDouble("momentum", 0), nesterov: c.GetBool("nesterov", false)).Configure(c),
        ["rmsprop"] = c => new RMSprop(rho: c.GetDouble("rho", 0.9), momentum: c.GetDouble("momentum", 0), epsilon: c.GetDouble("epsilon", 1e-7),
            centered: c.GetBool("centered", false)).Configure(c),
        ["nadam"] = c => new Nadam(beta1: c.GetDouble("beta_1", 0.9), beta2: c.GetDouble("beta_2", 0.999), epsilon: c.GetDouble("epsilon", 1e-7)).Configure(c),
        ["adagrad"] = c => new Adagrad(initialAccumulatorValue: c.GetDouble("initial_accumulator_value", 0.1), epsilon: c.GetDouble("epsilon", 1e-7)).Configure(c),
        ["adadelta"] = c => new Adadelta(rho: c.GetDouble("rho", 0.95), epsilon: c.GetDouble("epsilon", 1e-7)).Configure(c),
        ["adamax"] = c => new Adamax(beta1: c.GetDouble("beta_1", 0.9), beta2: c.GetDouble("beta_2", 0.999), epsilon: c.GetDouble("epsilon", 1e-7)).Configure(c),
        ["lion"] = c => new Lion(beta1: c.GetDouble("beta_1", 0.9), beta2: c.GetDouble("beta_2", 0.99)).Configure(c),
        ["adafactor"] = c => new Adafactor(beta2Decay: c.GetDouble("beta_2_decay", -0.8), epsilon1: c.GetDouble("epsilon_1", 1e-30),
            epsilon2: c.GetDouble("epsilon_2", 1e-3), clipThreshold: c.GetDouble("clip_threshold", 1.0), relativeStep: c.GetBool("relative_step", true)).Configure(c),
    });

    private readonly Dictionary<Tensor, float[][]> slots = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<Tensor, float[]> averages = new(ReferenceEqualityComparer.Instance);
    private LearningRateSchedule rate = null!;
    private double? weightDecay, clipnorm, clipvalue, globalClipnorm;
    private bool useEma;
    private double emaMomentum;
    private int? emaOverwriteFrequency;

    /// <summary>Sets the hyperparameters every optimizer shares (Keras's base optimizer arguments).</summary>
    /// <param name="learningRate">A number or a <see cref="LearningRateSchedule"/>; null takes <paramref name="defaultLearningRate"/>.</param>
    /// <param name="defaultLearningRate">The optimizer's Keras default learning rate.</param>
    /// <param name="weightDecay">Decoupled weight decay <c>w -= w * weightDecay * lr</c> before each update (>= 0), or null for none.</param>
    /// <param name="clipnorm">Clip each weight's gradient to this L2 norm (> 0), or null.</param>
    /// <param name="clipvalue">Clip each gradient element to [-clipvalue, clipvalue] (> 0), or null.</param>
    /// <param name="globalClipnorm">Clip all gradients together to this global L2 norm (> 0), or null. At most one of the three clips.</param>
    /// <param name="useEma">Keep an exponential moving average of the weights, written into them at the end of Fit (default false).</param>
    /// <param name="emaMomentum">The average's momentum: <c>average = m * average + (1 - m) * w</c> (in [0, 1], default 0.99).</param>
    /// <param name="emaOverwriteFrequency">Also write the average into the weights every this many steps (>= 1), or null.</param>
    protected Optimizer(LearningRateSchedule? learningRate, double defaultLearningRate, double? weightDecay, double? clipnorm, double? clipvalue,
        double? globalClipnorm, bool useEma, double emaMomentum, int? emaOverwriteFrequency)
    {
        SetLearningRate(learningRate ?? defaultLearningRate);
        SetShared(weightDecay, clipnorm, clipvalue, globalClipnorm, useEma, emaMomentum, emaOverwriteFrequency);
    }

    /// <summary>
    /// The learning rate of the next step: the fixed rate, or the schedule's value at <see cref="Iterations"/>.
    /// Setting it (as callbacks do between epochs) needs a fixed rate: an optimizer created with a schedule
    /// throws <see cref="InvalidOperationException"/>, as Keras raises TypeError, since the schedule owns the rate.
    /// </summary>
    public double LearningRate
    {
        get => rate.Call(Iterations);
        set
        {
            if (Schedule != null)
                throw new InvalidOperationException($"{GetType().Name}: the learning rate comes from its {Schedule.GetType().Name} schedule, so it cannot be set " +
                    $"(received {value}); create the optimizer with a number as learningRate to set it later, as in Keras.");
            SetLearningRate(value);
        }
    }

    /// <summary>The learning rate schedule given as <c>learningRate</c>, or null when the rate is a number.</summary>
    public LearningRateSchedule? Schedule => rate is FixedLearningRate ? null : rate;

    /// <summary>The number of steps taken (Keras's <c>iterations</c>); a schedule is evaluated at it.</summary>
    public long Iterations { get; private set; }

    /// <summary>The names of the state arrays each weight needs (Keras's optimizer variables), in the order
    /// <see cref="Update"/> receives them.</summary>
    protected abstract IReadOnlyList<string> SlotNames { get; }

    /// <summary>The shape of one state array for a weight of <paramref name="weightShape"/>: the weight's own by default.</summary>
    /// <param name="slot">The index in <see cref="SlotNames"/>.</param>
    /// <param name="weightShape">The weight's shape.</param>
    protected virtual int[] SlotShape(int slot, ReadOnlySpan<int> weightShape) => weightShape.ToArray();

    /// <summary>The value a state array starts at: 0 by default (Adagrad's accumulator starts higher).</summary>
    /// <param name="slot">The index in <see cref="SlotNames"/>.</param>
    protected virtual float SlotInitialValue(int slot) => 0;

    /// <summary>Applies one step to every weight that has a gradient; weights without one are left alone, and a
    /// call where no weight has a gradient takes no step.</summary>
    /// <param name="weights">The trainable weights, their gradients in <see cref="Tensor.Grad"/>.</param>
    public void Apply(IEnumerable<Tensor> weights)
    {
        var trained = weights.Where(w => w.Grad != null).ToList();
        if (trained.Count == 0) return;
        double learningRate = LearningRate;
        var gradients = GradientClipping.Clip(trained.Select(w => w.Grad!.Data).ToList(), clipnorm, globalClipnorm, clipvalue);
        if (weightDecay is double decay)
        {
            float shrink = (float)(decay * learningRate);
            // Scalar math: w -= w * weightDecay * lr
            foreach (var data in trained.Select(w => w.Data))
                for (int i = 0; i < data.Length; i++) data[i] -= data[i] * shrink;
        }
        BeginStep();
        for (int i = 0; i < trained.Count; i++) Update(trained[i].Data, trained[i].Dims, gradients[i], SlotsOf(trained[i]), learningRate);
        if (useEma) UpdateMovingAverages(trained);
        Iterations++;
    }

    /// <summary>Called once per step before the weights are updated, for state shared by all weights (Nadam's momentum product).</summary>
    protected virtual void BeginStep() { }

    /// <summary>Updates one weight in place from its (clipped) gradient and its state arrays.</summary>
    /// <param name="weight">The weight's values, updated in place.</param>
    /// <param name="shape">The weight's shape.</param>
    /// <param name="gradient">The gradient after clipping.</param>
    /// <param name="state">The arrays named by <see cref="SlotNames"/>, at <see cref="SlotInitialValue"/> before the first step.</param>
    /// <param name="learningRate">The learning rate of this step.</param>
    protected abstract void Update(float[] weight, ReadOnlySpan<int> shape, float[] gradient, float[][] state, double learningRate);

    /// <summary>
    /// Writes the moving average into the weights when <c>useEma</c> is set (Keras's
    /// <c>finalize_variable_values</c>); Fit calls it after the last epoch.
    /// </summary>
    /// <param name="weights">The weights whose averages to write.</param>
    public void FinalizeVariableValues(IEnumerable<Tensor> weights)
    {
        if (!useEma) return;
        foreach (var w in weights)
            if (averages.TryGetValue(w, out var average)) average.CopyTo(w.Data, 0);
    }

    private float[][] SlotsOf(Tensor weight)
    {
        if (!slots.TryGetValue(weight, out var state))
        {
            state = new float[SlotNames.Count][];
            for (int i = 0; i < state.Length; i++)
            {
                state[i] = new float[Shapes.SizeOf(SlotShape(i, weight.Dims))];
                Array.Fill(state[i], SlotInitialValue(i));
            }
            slots[weight] = state;
        }
        return state;
    }

    private void UpdateMovingAverages(List<Tensor> weights)
    {
        // As Keras: the first step's average is the weight itself (momentum 0 at iteration 0). A weight that first
        // receives a gradient later starts its average at its value then.
        float momentum = (float)emaMomentum;
        foreach (var w in weights)
        {
            if (!averages.TryGetValue(w, out var average))
            {
                averages[w] = (float[])w.Data.Clone();
                continue;
            }
            float m = Iterations == 0 ? 0 : momentum;
            // Scalar math: average = m * average + (1 - m) * w
            for (int i = 0; i < average.Length; i++) average[i] = m * average[i] + (1 - m) * w.Data[i];
        }
        if (emaOverwriteFrequency is int frequency && (Iterations + 1) % frequency == 0) FinalizeVariableValues(weights);
    }

    private void SetLearningRate(LearningRateSchedule learningRate)
    {
        if (learningRate is FixedLearningRate { Value: var value } && (!(value > 0) || double.IsInfinity(value)))
            throw new ArgumentException($"{GetType().Name}: learningRate must be > 0 and finite, received {value}.");
        rate = learningRate;
    }

    private void SetShared(double? weightDecay, double? clipnorm, double? clipvalue, double? globalClipnorm, bool useEma, double emaMomentum, int? emaOverwriteFrequency)
    {
        string name = GetType().Name;
        this.weightDecay = weightDecay is double wd ? InRange(name, nameof(weightDecay), wd, 0, double.MaxValue) : null;
        this.clipnorm = Positive(name, nameof(clipnorm), clipnorm);
        this.clipvalue = Positive(name, nameof(clipvalue), clipvalue);
        this.globalClipnorm = Positive(name, nameof(globalClipnorm), globalClipnorm);
        if (new[] { clipnorm, clipvalue, globalClipnorm }.Count(c => c != null) > 1)
            throw new ArgumentException($"{name}: only one of clipnorm, clipvalue and globalClipnorm can be set, received clipnorm={clipnorm}, clipvalue={clipvalue}, globalClipnorm={globalClipnorm}.");
        this.useEma = useEma;
        this.emaMomentum = InRange(name, nameof(emaMomentum), emaMomentum, 0, 1);
        if (emaOverwriteFrequency < 1)
            throw new ArgumentException($"{name}: emaOverwriteFrequency must be an integer >= 1 or null, received {emaOverwriteFrequency}.");
        this.emaOverwriteFrequency = emaOverwriteFrequency;
    }

    private static double? Positive(string optimizer, string name, double? value)
    {
        if (value is double v && (!(v > 0) || double.IsInfinity(v)))
            throw new ArgumentException($"{optimizer}: {name} must be > 0 and finite (or null for no clipping), received {v}.");
        return value;
    }

    /// <summary>A hyperparameter checked when an optimizer is created: within [min, max], or [min, max) when
    /// <paramref name="maxExcluded"/> (a beta of 1 would divide by 1 - 1 in Adam's bias correction).</summary>
    /// <param name="optimizer">Class name shown first in the error message, e.g. "Adam".</param>
    /// <param name="name">The hyperparameter's argument name, e.g. "beta1".</param>
    /// <param name="value">The value received.</param>
    /// <param name="min">Smallest allowed value (inclusive).</param>
    /// <param name="max">Largest allowed value; double.MaxValue for no upper bound.</param>
    /// <param name="maxExcluded">Whether <paramref name="max"/> itself is rejected; default false.</param>
    /// <returns><paramref name="value"/> unchanged when it is in range.</returns>
    /// <exception cref="ArgumentException">When <paramref name="value"/> is outside the range (NaN included); the message names the optimizer, argument and value.</exception>
    protected static double InRange(string optimizer, string name, double value, double min, double max, bool maxExcluded = false)
    {
        if (value >= min && (maxExcluded ? value < max : value <= max)) return value;
        string range = max == double.MaxValue ? $">= {min}" : min == double.MinValue ? $"<= {max}" : $"in [{min}, {max}{(maxExcluded ? ")" : "]")}";
        throw new ArgumentException($"{optimizer}: {name} must be {range}, received {value}.");
    }

    /// <summary>The saved form: <c>{"class_name", "config"}</c> with Keras's names for every hyperparameter
    /// (the learning rate as a number or its schedule's config).</summary>
    public JsonObject GetConfig()
    {
        var config = new JsonObject
        {
            ["learning_rate"] = rate is FixedLearningRate f ? f.Value : rate.GetConfig(),
            ["weight_decay"] = weightDecay,
            ["clipnorm"] = clipnorm,
            ["global_clipnorm"] = globalClipnorm,
            ["clipvalue"] = clipvalue,
            ["use_ema"] = useEma,
            ["ema_momentum"] = emaMomentum,
            ["ema_overwrite_frequency"] = emaOverwriteFrequency,
        };
        WriteConfig(config);
        return NamedRegistry<Optimizer>.ToConfig(GetType().Name, config);
    }

    /// <summary>Adds the optimizer's own hyperparameters to <paramref name="config"/> under their Keras names.</summary>
    /// <param name="config">The config being written.</param>
    protected abstract void WriteConfig(JsonObject config);

    /// <summary>Rebuilds an optimizer from <see cref="GetConfig"/>'s output (or a Keras name).</summary>
    /// <param name="config"><c>{"class_name": ..., "config": {...}}</c>, or a name such as "adam".</param>
    public static Optimizer FromConfig(JsonNode? config) => Registry.FromConfig(config);

    /// <summary>The optimizer with this Keras name; unknown names list the valid ones.</summary>
    /// <param name="name">A Keras name such as "adam" (case-insensitive).</param>
    public static Optimizer Get(string name) => Registry.Get(name);

    /// <summary>Lets a Keras name be written where an optimizer is expected.</summary>
    /// <param name="name">A Keras name such as "adam".</param>
    public static implicit operator Optimizer(string name) => Get(name);

    /// <summary>Applies the shared keys of a saved config (absent keys keep the optimizer's defaults).</summary>
    private Optimizer Configure(JsonObject c)
    {
        if (c["learning_rate"] is JsonNode lr)
            SetLearningRate(lr is JsonValue number ? number.GetValue<double>() : LearningRateSchedule.FromConfig(lr));
        SetShared(OptionalDouble(c, "weight_decay") ?? weightDecay, OptionalDouble(c, "clipnorm"), OptionalDouble(c, "clipvalue"), OptionalDouble(c, "global_clipnorm"),
            c.GetBool("use_ema", false), c.GetDouble("ema_momentum", 0.99), c["ema_overwrite_frequency"] is JsonValue f ? f.GetValue<int>() : null);
        return this;
    }

    private static double? OptionalDouble(JsonObject c, string key) => c[key] is JsonValue v ? v.GetValue<double>() : null;
}
