using NormLab.Callbacks;

namespace NormLab.Tests.Fit;

/// <summary>Writes down every hook call, e.g. "train_batch_end 2", to check order and counts.</summary>
internal sealed class RecordingCallback : Callback
{
    internal List<string> Calls { get; } = new();
    internal int Count(string hook) => Calls.Count(c => c.StartsWith(hook + " ") || c == hook);

    public override void OnTrainBegin() => Calls.Add("train_begin");
    public override void OnTrainEnd() => Calls.Add("train_end");
    public override void OnEpochBegin(int epoch) => Calls.Add($"epoch_begin {epoch}");
    public override void OnEpochEnd(int epoch, IReadOnlyDictionary<string, double> logs) => Calls.Add($"epoch_end {epoch}");
    public override void OnTrainBatchBegin(int batch) => Calls.Add($"train_batch_begin {batch}");
    public override void OnTrainBatchEnd(int batch, IReadOnlyDictionary<string, double> logs) => Calls.Add($"train_batch_end {batch}");
    public override void OnTestBegin() => Calls.Add("test_begin");
    public override void OnTestEnd(IReadOnlyDictionary<string, double> logs) => Calls.Add("test_end");
    public override void OnTestBatchBegin(int batch) => Calls.Add($"test_batch_begin {batch}");
    public override void OnTestBatchEnd(int batch, IReadOnlyDictionary<string, double> logs) => Calls.Add($"test_batch_end {batch}");
    public override void OnPredictBegin() => Calls.Add("predict_begin");
    public override void OnPredictEnd() => Calls.Add("predict_end");
    public override void OnPredictBatchBegin(int batch) => Calls.Add($"predict_batch_begin {batch}");
    public override void OnPredictBatchEnd(int batch, Tensor outputs) => Calls.Add($"predict_batch_end {batch} {outputs.Shape[0]}");
}
