using NormLab.Examples.Guides;
using Xunit;

namespace NormLab.Tests.Examples;

/// <summary>Keras's transfer learning and fine-tuning guide in C#: freezing is recursive and really freezes.</summary>
public class TransferLearningGuideTests
{
    [Fact]
    public void WeightCounts_AsTheGuidePrints()
    {
        Assert.Equal([(2, 2, 0), (4, 2, 2), (2, 0, 2)], TransferLearningGuide.WeightCounts());
    }

    [Fact]
    public void FrozenLayer_WeightsUnchangedByFit()
    {
        NormLabRandom.SetSeed(11);
        var (before, after) = TransferLearningGuide.FrozenLayerDoesNotTrain();
        Assert.Equal(before.Select(w => w.ToArray()), after.Select(w => w.ToArray()));
    }

    [Fact]
    public void Trainable_IsRecursive()
    {
        var (outer, inner) = TransferLearningGuide.RecursiveFreeze();
        Assert.False(inner.Trainable);
        Assert.All(inner.Layers, l => Assert.False(l.Trainable));
        Assert.Empty(outer.TrainableWeights);
        Assert.Equal(6, outer.NonTrainableWeights.Count);
        outer.Trainable = true;
        Assert.All(inner.Layers, l => Assert.True(l.Trainable));
        Assert.Equal(6, outer.TrainableWeights.Count);
    }

    [Fact]
    public void Workflow_FrozenBaseUnchanged_FineTuningMovesWeightsButNotMovingStatistics()
    {
        NormLabRandom.SetSeed(12);
        var run = TransferLearningGuide.FreezeTrainUnfreezeFineTune(samples: 32, epochs: 1);
        Assert.Equal(2, run.TrainableWhileFrozen);          // the head's kernel and bias
        Assert.Equal(2 + 8, run.TrainableWhileFineTuning);  // + two convolutions and two BN scales and offsets
        // Frozen phase: every weight of the base, moving statistics included, bit for bit.
        Assert.Equal(run.BaseBefore.Select(w => w.ToArray()), run.BaseAfterFrozen.Select(w => w.ToArray()));
        Assert.Equal(4, run.MovingStatisticsNames.Length);
        // The moving statistics are not the initial zeros and ones: the base was "pretrained".
        Assert.Contains(run.BaseBefore, w => w.ToArray().Any(v => v != 0 && v != 1));
        // Fine-tuning: the base trains, but it runs in inference mode (training: false), so its statistics stay.
        int changed = 0;
        for (int i = 0; i < run.BaseBefore.Length; i++)
        {
            bool isStatistic = run.Model.Layers[0].Weights[i].Name!.Contains("moving");
            bool equal = run.BaseAfterFrozen[i].ToArray().SequenceEqual(run.BaseAfterFineTuning[i].ToArray());
            if (isStatistic) Assert.True(equal, $"{run.Model.Layers[0].Weights[i].Name} changed during fine-tuning");
            else if (!equal) changed++;
        }
        Assert.True(changed > 0, "fine-tuning changed no weight of the base");
    }
}
