namespace NormLab.Examples;

/// <summary>Every example by name: each takes (samples, epochs, verbose) and returns its History.</summary>
public static class ExampleCatalog
{
    /// <summary>The examples, runnable by name.</summary>
    public static readonly IReadOnlyDictionary<string, Func<int, int, int, History>> All = new Dictionary<string, Func<int, int, int, History>>
    {
        ["cnn-batchnorm"] = CnnBatchNorm.Run,
        ["lstm-layernorm"] = LstmLayerNorm.Run,
        ["cnn-groupnorm"] = CnnGroupNorm.Run,
        ["mlp-batchnorm"] = MlpBatchNorm.Run,
        ["mlp-batchnorm-explicit"] = MlpBatchNorm.RunExplicit,
        ["sequential-add"] = SequentialAdd.Run,
        ["guide-toy-resnet"] = Guides.FunctionalApiGuide.TrainToyResNet,
        ["guide-subclassed-model"] = (samples, epochs, _) => Guides.SubclassingGuide.TrainSubclassedModel(samples, epochs).history,
    };
}
