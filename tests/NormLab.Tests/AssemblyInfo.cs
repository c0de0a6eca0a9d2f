// NormLabRandom is one process-wide generator: tests that seed it (initializers, dropout,
// shuffling) must not interleave, so the test classes run one after another.
[assembly: Xunit.CollectionBehavior(DisableTestParallelization = true)]
