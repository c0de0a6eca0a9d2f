namespace NormLab.Optimizers;

/// <summary>
/// Updates weights from their gradients. Strings work wherever an optimizer is expected:
/// <c>optimizer: "adam"</c> (valid: adam, adamw, sgd, rmsprop, each with Keras's defaults).
/// </summary>
public abstract partial class Optimizer
{
    private static readonly Dictionary<string, Func<Optimizer>> Factories = new(StringComparer.OrdinalIgnoreCase)
    {
        ["adam"] = () => new Adam(),
        ["adamw"] = () => new AdamW(),
        ["sgd"] = () => new SGD(),
        ["rmsprop"] = () => new RMSprop(),
    };

    private readonly Dictionary<Tensor, float[][]> slots = new(ReferenceEqualityComparer.Instance);

    private double learningRate;

    /// <summary>Creates the optimizer.</summary>
    protected Optimizer(double learningRate) => LearningRate = learningRate;

    /// <summary>The step size: positive and finite, also when a schedule sets it between epochs.</summary>
    public double LearningRate
    {
        get => learningRate;
        set
        {
            if (!(value > 0) || double.IsInfinity(value)) throw new ArgumentException($"{GetType().Name}: learningRate must be > 0 and finite, received {value}.");
            learningRate = value;
        }
    }

    /// <summary>A hyperparameter checked when an optimizer is created: within [min, max], or [min, max) when
    /// <paramref name="maxExcluded"/> (a beta of 1 would divide by 1 - 1 in Adam's bias correction).</summary>
    protected static double InRange(string optimizer, string name, double value, double min, double max, bool maxExcluded = false)
    {
        if (!(value >= min && (maxExcluded ? value < max : value <= max)))
            throw new ArgumentException($"{optimizer}: {name} must be in [{min}, {max}{(maxExcluded ? ")" : "]")}, received {value}.");
        return value;
    }

    /// <summary>The number of steps taken.</summary>
    public long Iterations { get; private set; }

    /// <summary>How many state arrays (moments) each weight needs.</summary>
    protected abstract int SlotCount { get; }

    /// <summary>Applies one step to every weight that has a gradient.</summary>
    public void Apply(IEnumerable<Tensor> weights)
    {
        Iterations++;
        foreach (var weight in weights)
        {
            if (weight.Grad == null) continue;
            if (!slots.TryGetValue(weight, out var state))
                slots[weight] = state = Enumerable.Range(0, SlotCount).Select(_ => new float[weight.Size]).ToArray();
            Update(weight.Data, weight.Grad.Data, state);
        }
    }

    /// <summary>Updates one weight in place from its gradient and its state arrays.</summary>
    protected abstract void Update(float[] weight, float[] gradient, float[][] state);

    /// <summary>The optimizer with this Keras name; unknown names list the valid ones.</summary>
    public static Optimizer Get(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!Factories.TryGetValue(name, out var factory))
            throw new ArgumentException($"Unknown optimizer '{name}'. Valid optimizer names: {string.Join(", ", Factories.Keys.Order())}.");
        return factory();
    }

    /// <summary>Lets a Keras name be written where an optimizer is expected.</summary>
    public static implicit operator Optimizer(string name) => Get(name);
}

/// <summary>Adam with Keras's defaults (learning rate 1e-3, beta1 0.9, beta2 0.999, epsilon 1e-7).</summary>
public class Adam(double learningRate = 0.001, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-7) : Optimizer(learningRate)
{
    private readonly double beta1 = InRange("Adam", nameof(beta1), beta1, 0, 1, maxExcluded: true);
    private readonly double beta2 = InRange("Adam", nameof(beta2), beta2, 0, 1, maxExcluded: true);
    private readonly double epsilon = InRange("Adam", nameof(epsilon), epsilon, 0, double.MaxValue);

    /// <inheritdoc/>
    protected override int SlotCount => 2;

    /// <inheritdoc/>
    protected override void Update(float[] weight, float[] gradient, float[][] state)
    {
        var (m, v) = (state[0], state[1]);
        // Scalar math: alpha = lr sqrt(1 - b2^t) / (1 - b1^t); m += (g - m)(1 - b1); v += (g² - v)(1 - b2); w -= alpha m / (sqrt v + eps)
        double alpha = LearningRate * Math.Sqrt(1 - Math.Pow(beta2, Iterations)) / (1 - Math.Pow(beta1, Iterations));
        Kernels.ElementwiseKernel.Adam(weight, gradient, m, v, (float)alpha, (float)(1 - beta1), (float)(1 - beta2), (float)epsilon);
    }
}

/// <summary>Adam with decoupled weight decay (Keras's AdamW: weight decay 0.004 applied as w -= lr * wd * w).</summary>
public sealed class AdamW(double learningRate = 0.001, double weightDecay = 0.004, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-7)
    : Adam(learningRate, beta1, beta2, epsilon)
{
    private readonly double weightDecay = InRange("AdamW", nameof(weightDecay), weightDecay, 0, double.MaxValue);

    /// <inheritdoc/>
    protected override void Update(float[] weight, float[] gradient, float[][] state)
    {
        float decay = (float)(1 - LearningRate * weightDecay);
        for (int i = 0; i < weight.Length; i++) weight[i] *= decay;
        base.Update(weight, gradient, state);
    }
}

/// <summary>Stochastic gradient descent with optional (Nesterov) momentum; Keras's defaults (learning rate 0.01).</summary>
public sealed class SGD(double learningRate = 0.01, double momentum = 0, bool nesterov = false) : Optimizer(learningRate)
{
    // Keras: "`momentum` must be a float between [0, 1]."
    private readonly double momentum = InRange("SGD", nameof(momentum), momentum, 0, 1);

    /// <inheritdoc/>
    protected override int SlotCount => momentum > 0 ? 1 : 0;

    /// <inheritdoc/>
    protected override void Update(float[] weight, float[] gradient, float[][] state)
    {
        float lr = (float)LearningRate, mu = (float)momentum;
        if (mu == 0)
        {
            for (int i = 0; i < weight.Length; i++) weight[i] -= lr * gradient[i];
            return;
        }
        var velocity = state[0];
        // Scalar math: v = mu v - lr g; w += nesterov ? mu v - lr g : v
        for (int i = 0; i < weight.Length; i++)
        {
            velocity[i] = mu * velocity[i] - lr * gradient[i];
            weight[i] += nesterov ? mu * velocity[i] - lr * gradient[i] : velocity[i];
        }
    }
}

/// <summary>RMSprop with Keras's defaults (learning rate 1e-3, rho 0.9, epsilon 1e-7 inside the square root).</summary>
public sealed class RMSprop(double learningRate = 0.001, double rho = 0.9, double momentum = 0, double epsilon = 1e-7, bool centered = false)
    : Optimizer(learningRate)
{
    private readonly double rho = InRange("RMSprop", nameof(rho), rho, 0, 1, maxExcluded: true);
    private readonly double momentum = InRange("RMSprop", nameof(momentum), momentum, 0, 1);
    private readonly double epsilon = InRange("RMSprop", nameof(epsilon), epsilon, 0, double.MaxValue);

    /// <inheritdoc/>
    protected override int SlotCount => 3;

    /// <inheritdoc/>
    protected override void Update(float[] weight, float[] gradient, float[][] state)
    {
        var (velocity, average, moment) = (state[0], state[1], state[2]);
        float r = (float)rho, lr = (float)LearningRate, mu = (float)momentum, eps = (float)epsilon;
        // Scalar math: v = rho v + (1 - rho) g²; step = lr g / sqrt(v - (centered ? avg² : 0) + eps)
        for (int i = 0; i < weight.Length; i++)
        {
            float g = gradient[i];
            velocity[i] = r * velocity[i] + (1 - r) * g * g;
            float denominator = velocity[i] + eps;
            if (centered)
            {
                average[i] = r * average[i] + (1 - r) * g;
                denominator -= average[i] * average[i];
            }
            float step = lr * g / MathF.Sqrt(denominator);
            if (mu > 0) { moment[i] = mu * moment[i] + step; step = moment[i]; }
            weight[i] -= step;
        }
    }
}
