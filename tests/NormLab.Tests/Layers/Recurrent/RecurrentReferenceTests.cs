using NormLab.Layers;
using NormLab.Tests.Normalization;
using Xunit;

namespace NormLab.Tests.Layers.Recurrent;

/// <summary>
/// GRU, SimpleRNN and LSTM (masked, backwards) against tests/reference/make_seq_fixtures.py: Keras's recurrence
/// written in float64 torch and cross-checked there with torch.nn.GRU/RNN/LSTM (packed sequences for masks).
/// Forward within 5e-5, gradients of sum(y * seed) within 3e-4 (relative and absolute), as the LSTM fixtures.
/// </summary>
public class RecurrentReferenceTests
{
    [Theory]
    [InlineData("gru_seq")]
    [InlineData("gru_last")]
    [InlineData("gru_masked")]
    [InlineData("gru_backwards")]
    [InlineData("lstm_masked")]
    [InlineData("lstm_backwards")]
    [InlineData("rnn_seq")]
    [InlineData("rnn_masked")]
    public void MatchesReference(string name)
    {
        var f = NormFixture.Load(name, "seq");
        int units = f.Config["units"]!.GetValue<int>();
        bool sequences = f.Config["returnSequences"]!.GetValue<bool>(), backwards = f.Config["goBackwards"]!.GetValue<bool>();
        RecurrentLayer layer = f.Config["kind"]!.GetValue<string>() switch
        {
            "gru" => new GRU(units, returnSequences: sequences, goBackwards: backwards),
            "lstm" => new LSTM(units, returnSequences: sequences, goBackwards: backwards),
            _ => new SimpleRNN(units, returnSequences: sequences, goBackwards: backwards),
        };
        var x = f.T("x", requiresGrad: true);
        if (f.Has("mask")) x.Mask = f.T("mask");
        layer.Build(x.Shape);
        layer.SetWeights([f.T("kernel"), f.T("recurrent_kernel"), f.T("bias")]);

        var y = layer.Call(x, training: true);
        f.AssertClose("y", y, 5e-5, 5e-5);
        y.Backward(f.T("seed"));
        f.AssertClose("dx", x.Grad, 3e-4, 3e-4);
        f.AssertClose("dkernel", layer.TrainableWeights[0].Grad, 3e-4, 3e-4);
        f.AssertClose("drecurrent_kernel", layer.TrainableWeights[1].Grad, 3e-4, 3e-4);
        f.AssertClose("dbias", layer.TrainableWeights[2].Grad, 3e-4, 3e-4);
    }
}
