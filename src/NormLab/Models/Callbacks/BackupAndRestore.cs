using System.IO.Compression;
using System.Text;
using System.Text.Json.Nodes;
using NormLab.Saving;

namespace NormLab.Callbacks;

/// <summary>
/// Lets a killed training resume (keras.callbacks.BackupAndRestore): after every epoch the weights, the
/// optimizer's state and learning rate, and the number of finished epochs are written atomically to one
/// file in <c>backupDir</c>; a Fit started with a backup there restores them and continues with the
/// next epoch. A training that ends normally deletes the backup (unless deleteCheckpoint is false).
/// The model must be built before Fit (a model from tensors is built by Fit itself).
/// </summary>
/// <param name="backupDir">The directory of the backup file.</param>
/// <param name="deleteCheckpoint">Delete the backup when training ends normally.</param>
public sealed class BackupAndRestore(string backupDir, bool deleteCheckpoint = true) : Callback
{
    private const string StateEntry = "state.json", TensorsEntry = "state.safetensors";
    private readonly string backupDir = string.IsNullOrEmpty(backupDir) ? throw new ArgumentException("BackupAndRestore: backupDir must not be empty.") : backupDir;

    /// <summary>The backup file.</summary>
    public string BackupPath => Path.Combine(backupDir, "backup.zip");

    /// <summary>The epoch the last Fit resumed from, or null when it started afresh.</summary>
    public int? RestoredEpoch { get; private set; }

    /// <inheritdoc/>
    /// <exception cref="InvalidOperationException">When a backup exists but the model has not been built.</exception>
    public override void OnTrainBegin()
    {
        RestoredEpoch = null;
        if (!File.Exists(BackupPath)) return;
        var model = Model!;
        if (!model.Built)
            throw new InvalidOperationException($"BackupAndRestore: model '{model.Name}' must be built before Fit to restore '{BackupPath}' (give the first layer an inputShape, or call the model once).");
        Restore(model);
        model.ResumeEpoch = RestoredEpoch;
    }

    /// <inheritdoc/>
    public override void OnEpochEnd(int epoch, IReadOnlyDictionary<string, double> logs)
    {
        if (Model!.IsNonRootReplica) return; // distributed: the replicas are identical, rank 0 writes
        var optimizer = Model.Optimizer!;
        var weights = Model.Weights;
        var (optimizerScalars, optimizerArrays) = optimizer.GetState(weights);
        var tensors = weights.Select((w, i) => ($"weight/{i}", w))
            .Concat(optimizerArrays.Select(a => ($"optimizer/{a.name}", a.value))).ToList();
        var header = new JsonObject
        {
            ["epochs_done"] = epoch + 1,
            ["weights"] = weights.Count,
            ["optimizer"] = optimizerScalars,
            // A schedule's rate follows the restored Iterations; a plain rate may have been changed by a callback.
            ["learning_rate"] = optimizer.Schedule == null ? optimizer.LearningRate : null,
        };
        AtomicFile.Write(BackupPath, stream =>
        {
            using var zip = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true);
            using (var entry = zip.CreateEntry(StateEntry).Open()) entry.Write(Encoding.UTF8.GetBytes(header.ToJsonString()));
            using (var entry = zip.CreateEntry(TensorsEntry, CompressionLevel.Fastest).Open()) SafeTensors.Write(entry, tensors);
        });
    }

    /// <inheritdoc/>
    public override void OnTrainEnd()
    {
        // Not reached when training is killed or throws, so the backup survives exactly then.
        if (deleteCheckpoint && File.Exists(BackupPath) && !Model!.IsNonRootReplica) File.Delete(BackupPath);
    }

    private void Restore(Model model)
    {
        var weights = model.Weights;
        try
        {
            using var zip = ZipFile.OpenRead(BackupPath);
            var header = JsonNode.Parse(Read(zip, StateEntry))!.AsObject();
            int count = header["weights"]!.GetValue<int>();
            if (count != weights.Count)
                throw new FormatException($"it holds {count} weights but model '{model.Name}' has {weights.Count}.");
            var saved = SafeTensors.Read(Read(zip, TensorsEntry));
            var values = saved.Where(t => t.name.StartsWith("weight/")).ToDictionary(t => t.name, t => t.value);
            for (int i = 0; i < weights.Count; i++)
            {
                var value = values.GetValueOrDefault($"weight/{i}") ?? throw new FormatException($"it has no weight {i}.");
                if (!Shapes.Equal(value.Dims, weights[i].Dims))
                    throw new FormatException($"weight {i} ({weights[i].Name}) has shape {Shapes.Format(value.Dims)} but the model expects {Shapes.Format(weights[i].Dims)}.");
            }
            var optimizerArrays = saved.Where(t => t.name.StartsWith("optimizer/")).Select(t => (t.name["optimizer/".Length..], t.value)).ToList();
            model.Optimizer!.SetState(weights, header["optimizer"]!.AsObject(), optimizerArrays);
            // Everything was checked: only now are the weights changed.
            for (int i = 0; i < weights.Count; i++) values[$"weight/{i}"].Data.CopyTo(weights[i].Data, 0);
            if (header["learning_rate"] is JsonNode rate && model.Optimizer.Schedule == null) model.Optimizer.LearningRate = rate.GetValue<double>();
            RestoredEpoch = header["epochs_done"]!.GetValue<int>();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new FormatException($"BackupAndRestore: '{BackupPath}' is not a valid backup: {e.Message}", e);
        }
    }

    private static byte[] Read(ZipArchive zip, string name)
    {
        var entry = zip.GetEntry(name) ?? throw new FormatException($"it has no {name}.");
        using var stream = entry.Open();
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return buffer.ToArray();
    }
}
