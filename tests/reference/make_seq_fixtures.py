"""Golden values for the recurrent and attention layers (GRU, SimpleRNN, masked and backwards LSTM,
MultiHeadAttention, Attention, AdditiveAttention), in Keras 3's weight layouts, computed in float64 torch.

Each Keras formula is written out in torch and cross-checked against an independent implementation
(torch.nn.GRU / nn.RNN / nn.LSTM with the gates reordered and, for masks, packed sequences; numpy loops for
the attention layers); the script aborts on disagreement. The loss is sum(y * seed), so the gradients are
what y.Backward(seed) must produce.

Output: tests/NormLab.Tests/Fixtures/seq/<case>.json (format: fixture_io.py).
"""
import numpy as np
import torch
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from fixture_io import FixtureSet

fx = FixtureSet("seq", seed=20)


def check(a, b, what, tol=1e-10):
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    err = np.max(np.abs(a - b)) if a.size else 0.0
    assert a.shape == b.shape and err < tol, (what, a.shape, b.shape, err)


def leaves(**arrays):
    return {k: fx.t(v, grad=True) for k, v in arrays.items()}


def grads(ts):
    return {"d" + k: t.grad for k, t in ts.items()}


def lengths_mask(lengths, steps):
    """Post-padding mask (batch, time): 1 for the first `length` steps."""
    return np.array([[1.0 if s < n else 0.0 for s in range(steps)] for n in lengths])


# ---------------------------------------------------------------- recurrent layers (Keras's loop)

def keras_rnn(step, x, states, mask, go_backwards):
    """Keras's backend.rnn: masked steps keep the states and repeat the previous output."""
    steps = x.shape[1]
    order = range(steps - 1, -1, -1) if go_backwards else range(steps)
    outputs = []
    for s in order:
        new = step(x[:, s, :], states)
        if mask is not None:
            m = mask[:, s:s + 1]
            new = [m * n + (1 - m) * o for n, o in zip(new, states)]
        states = new
        outputs.append(states[0])
    return torch.stack(outputs, dim=1), states


def gru_step(kernel, rec, bias, u):
    def step(xt, states):
        h = states[0]
        mx = xt @ kernel + bias[0]
        mi = h @ rec + bias[1]
        z = torch.sigmoid(mx[:, :u] + mi[:, :u])
        r = torch.sigmoid(mx[:, u:2 * u] + mi[:, u:2 * u])
        c = torch.tanh(mx[:, 2 * u:] + r * mi[:, 2 * u:])
        return [z * h + (1 - z) * c]
    return step


def lstm_step(kernel, rec, bias, u):
    def step(xt, states):
        h, c = states
        zz = xt @ kernel + h @ rec + bias
        i, f, g, o = torch.sigmoid(zz[:, :u]), torch.sigmoid(zz[:, u:2 * u]), torch.tanh(zz[:, 2 * u:3 * u]), torch.sigmoid(zz[:, 3 * u:])
        c = f * c + i * g
        return [o * torch.tanh(c), c]
    return step


def rnn_step(kernel, rec, bias, u):
    return lambda xt, states: [torch.tanh(xt @ kernel + states[0] @ rec + bias)]


def torch_reference(kind, feat, u, kernel, rec, bias):
    """torch.nn.GRU / LSTM / RNN holding the Keras weights (torch's gate orders: GRU r, z, n; LSTM i, f, g, o)."""
    def reorder(w):  # Keras GRU blocks z, r, h -> torch r, z, n
        return np.concatenate([w[..., u:2 * u], w[..., :u], w[..., 2 * u:]], axis=-1)
    module = {"gru": torch.nn.GRU, "lstm": torch.nn.LSTM, "rnn": torch.nn.RNN}[kind](feat, u, batch_first=True).double()
    with torch.no_grad():
        if kind == "gru":
            module.weight_ih_l0.copy_(torch.tensor(reorder(kernel).T))
            module.weight_hh_l0.copy_(torch.tensor(reorder(rec).T))
            module.bias_ih_l0.copy_(torch.tensor(reorder(bias[0])))
            module.bias_hh_l0.copy_(torch.tensor(reorder(bias[1])))
        else:
            module.weight_ih_l0.copy_(torch.tensor(kernel.T))
            module.weight_hh_l0.copy_(torch.tensor(rec.T))
            module.bias_ih_l0.copy_(torch.tensor(bias))
            module.bias_hh_l0.zero_()
    return module


def recurrent_case(case, kind, batch, steps, feat, u, return_sequences, go_backwards=False, lengths=None):
    gates = {"gru": 3, "lstm": 4, "rnn": 1}[kind]
    x = fx.f32((batch, steps, feat))
    kernel = fx.f32((feat, gates * u), 0.5)
    rec = fx.f32((u, gates * u), 0.5)
    bias = fx.f32((2, 3 * u) if kind == "gru" else (gates * u,), 0.5)
    mask = None if lengths is None else lengths_mask(lengths, steps)
    ts = leaves(x=x, kernel=kernel, recurrent_kernel=rec, bias=bias)
    step = {"gru": gru_step, "lstm": lstm_step, "rnn": rnn_step}[kind](ts["kernel"], ts["recurrent_kernel"], ts["bias"], u)
    initial = [torch.zeros(batch, u) for _ in range(2 if kind == "lstm" else 1)]
    seq, states = keras_rnn(step, ts["x"], initial, None if mask is None else fx.t(mask), go_backwards)
    y = seq if return_sequences else states[0]

    # Cross-check: torch's own module on the (reversed, packed) sequence gives the same final h.
    module = torch_reference(kind, feat, u, kernel, rec, bias)
    with torch.no_grad():
        xin = torch.tensor(x[:, ::-1].copy() if go_backwards else x)
        if mask is None:
            out, hn = module(xin)
            check(out, seq.detach(), case + " torch sequence")
        else:
            assert not go_backwards
            out, hn = module(pack_padded_sequence(xin, torch.tensor(lengths), batch_first=True, enforce_sorted=False))
        hn = hn[0] if kind == "lstm" else hn
        check(hn[0], states[0].detach(), case + " torch final state")

    seed = fx.f32(tuple(y.shape))
    (y * fx.t(seed)).sum().backward()
    config = {"kind": kind, "units": u, "returnSequences": return_sequences, "goBackwards": go_backwards}
    tensors = dict(x=x, kernel=kernel, recurrent_kernel=rec, bias=bias, y=y, seed=seed, **grads(ts))
    if mask is not None:
        tensors["mask"] = mask
    fx.write(case, config, **tensors)


# ---------------------------------------------------------------- attention layers

def masked_softmax(scores, mask):
    """Keras's Softmax with a mask: 1e9 subtracted where the mask is 0."""
    if mask is not None:
        scores = scores - 1e9 * (1 - mask)
    return torch.softmax(scores, dim=-1)


def score_mask(value_mask, tq, tk, causal):
    mask = np.ones((1, tq, tk))
    if value_mask is not None:
        mask = mask * value_mask[:, None, :]
    if causal:
        mask = mask * np.tril(np.ones((tq, tk)))[None]
    return mask


def mha_case(case, batch, tq, tk, dim, value_dim_in, heads, key_dim, value_dim, causal=False, value_lengths=None, attention_mask=False, output_shape=None):
    out_dim = output_shape or dim
    q = fx.f32((batch, tq, dim))
    v = fx.f32((batch, tk, value_dim_in))
    k = fx.f32((batch, tk, value_dim_in))
    w = dict(query_kernel=fx.f32((dim, heads, key_dim), 0.4), query_bias=fx.f32((heads, key_dim), 0.2),
             key_kernel=fx.f32((value_dim_in, heads, key_dim), 0.4), key_bias=fx.f32((heads, key_dim), 0.2),
             value_kernel=fx.f32((value_dim_in, heads, value_dim), 0.4), value_bias=fx.f32((heads, value_dim), 0.2),
             output_kernel=fx.f32((heads, value_dim, out_dim), 0.4), output_bias=fx.f32((out_dim,), 0.2))
    value_mask = None if value_lengths is None else lengths_mask(value_lengths, tk)
    explicit = (fx.rng.uniform(size=(batch, tq, tk)) > 0.3).astype(np.float64) if attention_mask else None
    if explicit is not None:
        explicit[:, :, 0] = 1  # no row fully masked
    mask = score_mask(value_mask, tq, tk, causal) * (1 if explicit is None else explicit)
    ts = leaves(query=q, value=v, key=k, **w)
    qp = torch.einsum("btd,dhk->bthk", ts["query"], ts["query_kernel"]) + ts["query_bias"]
    kp = torch.einsum("btd,dhk->bthk", ts["key"], ts["key_kernel"]) + ts["key_bias"]
    vp = torch.einsum("btd,dhk->bthk", ts["value"], ts["value_kernel"]) + ts["value_bias"]
    scores = torch.einsum("bshk,bthk->bhts", kp, qp / np.sqrt(key_dim))
    probs = masked_softmax(scores, fx.t(mask)[:, None])
    att = torch.einsum("bhts,bshv->bthv", probs, vp)
    y = torch.einsum("bthv,hvo->bto", att, ts["output_kernel"]) + ts["output_bias"]

    # Cross-check with numpy loops over batch and head.
    qn, kn, vn = (a.detach().numpy() for a in (qp, kp, vp))
    ref = np.zeros((batch, tq, out_dim))
    for b in range(batch):
        for h in range(heads):
            s = qn[b, :, h] @ kn[b, :, h].T / np.sqrt(key_dim)
            s = np.where(mask[min(b, mask.shape[0] - 1)] > 0, s, s - 1e9)
            p = np.exp(s - s.max(-1, keepdims=True))
            p /= p.sum(-1, keepdims=True)
            ref[b] += (p @ vn[b, :, h]) @ w["output_kernel"][h]
    check(ref + w["output_bias"], y.detach(), case + " numpy")

    seed = fx.f32(tuple(y.shape))
    (y * fx.t(seed)).sum().backward()
    config = {"numHeads": heads, "keyDim": key_dim, "valueDim": value_dim, "useCausalMask": causal, "outputShape": output_shape}
    tensors = dict(y=y, scores=probs, seed=seed, **{k2: t for k2, t in ts.items()}, **grads(ts))
    if value_mask is not None:
        tensors["value_mask"] = value_mask
    if explicit is not None:
        tensors["attention_mask"] = explicit
    fx.write(case, config, **tensors)


def dense_attention_case(case, layer, batch, tq, tk, dim, score_mode="dot", use_scale=False, causal=False, value_lengths=None, query_lengths=None):
    q = fx.f32((batch, tq, dim))
    v = fx.f32((batch, tk, dim))
    k = fx.f32((batch, tk, dim))
    w = {}
    if layer == "additive" and use_scale:
        w["scale"] = fx.f32((dim,), 0.5)
    elif use_scale:
        w["scale"] = np.array(1.3)
    if layer == "attention" and score_mode == "concat":
        w["concat_score_weight"] = np.array(0.7)
    value_mask = None if value_lengths is None else lengths_mask(value_lengths, tk)
    query_mask = None if query_lengths is None else lengths_mask(query_lengths, tq)
    mask = score_mask(value_mask, tq, tk, causal)
    ts = leaves(query=q, value=v, key=k, **w)
    if layer == "attention" and score_mode == "dot":
        scores = ts["query"] @ ts["key"].transpose(1, 2)
        if use_scale:
            scores = scores * ts["scale"]
    else:
        summed = ts["query"][:, :, None, :] + ts["key"][:, None, :, :]
        if layer == "additive":
            scores = ((ts["scale"] if use_scale else 1) * torch.tanh(summed)).sum(-1)
        else:
            scores = ts["concat_score_weight"] * torch.tanh((ts["scale"] if use_scale else 1) * summed).sum(-1)
    probs = masked_softmax(scores, fx.t(mask))
    y = probs @ ts["value"]
    if query_mask is not None:
        y = y * fx.t(query_mask)[:, :, None]

    # Cross-check with numpy loops.
    ref = np.zeros((batch, tq, dim))
    for b in range(batch):
        for i in range(tq):
            s = np.zeros(tk)
            for j in range(tk):
                if layer == "attention" and score_mode == "dot":
                    s[j] = q[b, i] @ k[b, j] * (1.3 if use_scale else 1)
                elif layer == "additive":
                    s[j] = np.sum((w["scale"] if use_scale else 1) * np.tanh(q[b, i] + k[b, j]))
                else:
                    s[j] = 0.7 * np.sum(np.tanh((1.3 if use_scale else 1) * (q[b, i] + k[b, j])))
            s = np.where(mask[min(b, mask.shape[0] - 1), i] > 0, s, s - 1e9)
            p = np.exp(s - s.max())
            ref[b, i] = (p / p.sum()) @ v[b] * (1 if query_mask is None else query_mask[b, i])
    check(ref, y.detach(), case + " numpy")

    seed = fx.f32(tuple(y.shape))
    (y * fx.t(seed)).sum().backward()
    config = {"layer": layer, "scoreMode": score_mode, "useScale": use_scale, "useCausalMask": causal}
    tensors = dict(y=y, scores=probs, seed=seed, **{k2: t for k2, t in ts.items()}, **grads(ts))
    if value_mask is not None:
        tensors["value_mask"] = value_mask
    if query_mask is not None:
        tensors["query_mask"] = query_mask
    fx.write(case, config, **tensors)


recurrent_case("gru_seq", "gru", 3, 5, 4, 6, return_sequences=True)
recurrent_case("gru_last", "gru", 3, 5, 4, 6, return_sequences=False)
recurrent_case("gru_masked", "gru", 3, 6, 4, 5, return_sequences=True, lengths=[6, 3, 1])
recurrent_case("gru_backwards", "gru", 2, 5, 3, 4, return_sequences=True, go_backwards=True)
recurrent_case("lstm_masked", "lstm", 3, 6, 4, 5, return_sequences=False, lengths=[2, 6, 4])
recurrent_case("lstm_backwards", "lstm", 2, 5, 3, 4, return_sequences=True, go_backwards=True)
recurrent_case("rnn_seq", "rnn", 3, 5, 4, 6, return_sequences=True)
recurrent_case("rnn_masked", "rnn", 3, 6, 4, 5, return_sequences=False, lengths=[6, 3, 1])
mha_case("mha_cross", 2, 4, 5, 8, 6, heads=2, key_dim=3, value_dim=4)
mha_case("mha_causal", 2, 5, 5, 8, 8, heads=3, key_dim=4, value_dim=4, causal=True)
mha_case("mha_masks", 2, 4, 5, 6, 6, heads=2, key_dim=3, value_dim=2, value_lengths=[5, 3], attention_mask=True, output_shape=7)
dense_attention_case("attention_dot", "attention", 2, 4, 5, 6)
dense_attention_case("attention_dot_scaled_masked", "attention", 2, 4, 5, 6, use_scale=True, value_lengths=[5, 2], query_lengths=[4, 3])
dense_attention_case("attention_concat_causal", "attention", 2, 5, 5, 4, score_mode="concat", use_scale=True, causal=True)
dense_attention_case("additive", "additive", 2, 4, 5, 6, use_scale=True)
dense_attention_case("additive_noscale_masked", "additive", 2, 4, 5, 6, value_lengths=[3, 5])
