namespace NormLab.Layers;

/// <summary>
/// A training batch whose statistics are NaN or infinite, refused by a layer with moving statistics
/// (see <see cref="MovingAverage.RequireFinite"/>). On clean data this means training diverged, which the
/// lab records as a result rather than a failure; users see an <see cref="InvalidOperationException"/>.
/// </summary>
internal sealed class NonFiniteStatisticsException(string message) : InvalidOperationException(message);
