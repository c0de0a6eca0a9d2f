namespace NormLab.Autograd;

/// <summary>
/// Reverse-mode autograd: operations record a <see cref="Node"/> on their output, and
/// <see cref="Backward"/> walks the recorded graph from a tensor back to the leaves.
/// </summary>
internal static class Tape
{
    [ThreadStatic] private static int noGradDepth;

    /// <summary>Whether operations are being recorded on this thread.</summary>
    internal static bool IsRecording => noGradDepth == 0;

    /// <summary>Stops recording until the returned scope is disposed (inference paths).</summary>
    internal static IDisposable NoGrad()
    {
        noGradDepth++;
        return new Scope();
    }

    /// <summary>
    /// Attaches <paramref name="backward"/> to <paramref name="output"/> when any input requires a gradient.
    /// The rule receives d output and returns d input for each input (null where not required).
    /// </summary>
    internal static Tensor Record(Tensor output, Tensor[] inputs, Func<Tensor, Tensor?[]> backward)
    {
        if (!IsRecording) return output;
        foreach (var input in inputs)
            if (input.RequiresGrad)
            {
                output.RequiresGrad = true;
                output.GradFn = new Node(inputs, backward);
                return output;
            }
        return output;
    }

    /// <summary>
    /// Walks the graph from <paramref name="root"/> in reverse order, accumulating each leaf's gradient into
    /// its <see cref="Tensor.Grad"/>. The gradients of intermediate tensors are never visible outside this
    /// walk, so each is disposed as soon as no pending gradient and no leaf holds it: its memory goes to the
    /// next rule's output while still in cache, and a user's loop gets that without calling Dispose.
    /// </summary>
    internal static void Backward(Tensor root, Tensor seed)
    {
        if (root.IsDisposed)
            throw new ObjectDisposedException(nameof(Tensor), $"Tensor.Backward: this tensor of shape {Shapes.Format(root.Dims)} was disposed.");
        if (!root.RequiresGrad)
            throw new InvalidOperationException("Tensor.Backward: this tensor does not require a gradient (no input with RequiresGrad = true was used to compute it).");
        var order = TopologicalOrder(root);
        var grads = new Dictionary<Tensor, Tensor>(ReferenceEqualityComparer.Instance) { [root] = seed };
        var pending = new PendingGradients(seed);
        var replaced = new List<Tensor>();
        using var _ = NoGrad();
        for (int i = order.Count - 1; i >= 0; i--)
        {
            var tensor = order[i];
            if (!grads.Remove(tensor, out var grad)) continue;
            pending.Leave(grad);
            if (tensor.GradFn == null)
            {
                pending.Keep(grad);
                tensor.Grad = tensor.Grad == null ? grad : Accumulate(tensor.Grad, grad);
                continue;
            }
            var inputs = tensor.GradFn.Inputs;
            var inputGrads = tensor.GradFn.Backward(grad);
            replaced.Clear();
            replaced.Add(grad);
            for (int k = 0; k < inputs.Length; k++)
            {
                var g = inputGrads[k];
                if (g == null || !inputs[k].RequiresGrad) continue;
                if (!Shapes.Equal(g.Dims, inputs[k].Dims))
                    throw new InvalidOperationException($"Autograd: a backward rule produced a gradient of shape {Shapes.Format(g.Dims)} for an input of shape {Shapes.Format(inputs[k].Dims)}.");
                if (grads.TryGetValue(inputs[k], out var existing))
                {
                    var sum = Accumulate(existing, g);
                    pending.Leave(existing);
                    pending.Hold(sum);
                    grads[inputs[k]] = sum;
                    replaced.Add(existing);
                    replaced.Add(g);
                }
                else
                {
                    pending.Hold(g);
                    grads[inputs[k]] = g;
                }
            }
            // Only now: one tensor may be the gradient of several inputs, or the incoming one handed through.
            foreach (var t in replaced) pending.ReleaseIfUnused(t);
        }
    }

    /// <summary>
    /// Disposes every tensor that a recorded operation produced on the way to <paramref name="roots"/>, stopping
    /// at <paramref name="boundary"/> (tensors the caller owns). For a training step whose graph nobody outside
    /// can see once it is done: its activations' memory goes to the next step's outputs.
    /// </summary>
    internal static void ReleaseGraph(IEnumerable<Tensor> roots, IEnumerable<Tensor?> boundary)
    {
        var seen = new HashSet<Tensor>(boundary.OfType<Tensor>(), ReferenceEqualityComparer.Instance);
        var stack = new Stack<Tensor>(roots);
        while (stack.Count > 0)
        {
            var tensor = stack.Pop();
            if (!seen.Add(tensor) || tensor.GradFn is not { } node) continue;
            foreach (var input in node.Inputs) stack.Push(input);
            tensor.Dispose();
        }
    }

    /// <summary>Inputs before outputs; iterative so that long recurrent chains do not overflow the stack.</summary>
    private static List<Tensor> TopologicalOrder(Tensor root)
    {
        var order = new List<Tensor>();
        var visited = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        var stack = new Stack<(Tensor tensor, bool expanded)>();
        stack.Push((root, false));
        while (stack.Count > 0)
        {
            var (tensor, expanded) = stack.Pop();
            if (expanded) { order.Add(tensor); continue; }
            if (!visited.Add(tensor)) continue;
            stack.Push((tensor, true));
            if (tensor.GradFn == null) continue;
            foreach (var input in tensor.GradFn.Inputs)
            {
                // A rule may read any input, and a disposed tensor's memory may already hold another's values.
                if (input.IsDisposed)
                    throw new ObjectDisposedException(nameof(Tensor), $"Tensor.Backward: a tensor of shape {Shapes.Format(input.Dims)} that a recorded operation used was disposed, and that operation's gradient needs its values. Dispose tensors after Backward.");
                if (input.RequiresGrad && !visited.Contains(input)) stack.Push((input, false));
            }
        }
        return order;
    }

    /// <summary>Adds <paramref name="addend"/> into a fresh tensor (gradients may be shared by reference).</summary>
    private static Tensor Accumulate(Tensor existing, Tensor addend)
    {
        var sum = Tensor.Uninitialized(existing.Dims);
        System.Numerics.Tensors.TensorPrimitives.Add(existing.Data, addend.Data, sum.Data);
        return sum;
    }

    private sealed class Scope : IDisposable
    {
        private bool disposed;
        public void Dispose()
        {
            if (disposed) return;
            disposed = true;
            noGradDepth--;
        }
    }
}
