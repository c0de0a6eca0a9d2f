namespace NormLab.Kernels;

/// <summary>
/// The hook that synchronized batch normalization passes to the fused backward: it sums the
/// per-channel sums the input gradient needs, <c>sum dy</c> and <c>sum dy * (x - mean)</c>, over all
/// replicas (in place) and returns the number of values per channel over all replicas.
/// </summary>
internal delegate double CrossReplicaSums(double[] sumDy, double[] sumDyXc);
