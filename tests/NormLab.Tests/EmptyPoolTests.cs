namespace NormLab.Tests;

/// <summary>
/// A base for tests that watch the tensor pool: each test starts with the pool empty (whatever earlier tests
/// handed back is dropped), and the pool's limit is restored afterwards if a test changed it.
/// </summary>
public abstract class EmptyPoolTests : IDisposable
{
    /// <summary>The pool's limit before the test; set it back to pool again after a test turned pooling off.</summary>
    protected readonly long SavedLimit = NormLabConfig.TensorPoolBytes;

    /// <summary>Empties the pool.</summary>
    protected EmptyPoolTests()
    {
        NormLabConfig.TensorPoolBytes = 0;
        NormLabConfig.TensorPoolBytes = SavedLimit;
    }

    /// <summary>Restores the pool's limit.</summary>
    public void Dispose()
    {
        NormLabConfig.TensorPoolBytes = SavedLimit;
        GC.SuppressFinalize(this);
    }
}
