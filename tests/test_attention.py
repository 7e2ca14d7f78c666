"""attention against explicit torch ops and F.scaled_dot_product_attention; bad input."""

import math

import numpy as np
import pytest
from conftest import run, write
from hypothesis import given, settings
from hypothesis import strategies as st

import dlsolve

torch = pytest.importorskip("torch")
F = torch.nn.functional


def t(m):
    return torch.tensor(m, dtype=torch.float64)


def solve(**spec):
    return dlsolve.solve({"kind": "attention", **spec}).results


Q = [[1.0, 0.5, -1.0], [0.0, 2.0, 1.0], [1.5, -0.5, 0.5]]
K = [[0.5, 1.0, 0.0], [1.0, -1.0, 2.0], [0.0, 0.5, 1.0], [2.0, 0.0, -0.5]]
V = [[1.0, 2.0], [0.0, -1.0], [3.0, 1.0], [-2.0, 0.5]]


def test_explicit_ops_and_sdpa():
    r = solve(queries=Q, keys=K, values=V)
    s = t(Q) @ t(K).T
    w = torch.softmax(s / math.sqrt(3), dim=-1)
    assert np.allclose(r["scores"], s.numpy(), atol=1e-12)
    assert np.allclose(r["scaled"], (s / math.sqrt(3)).numpy(), atol=1e-12)
    assert np.allclose(r["weights"], w.numpy(), atol=1e-12)
    assert np.allclose(r["output"], F.scaled_dot_product_attention(t(Q), t(K), t(V)).numpy(),
                       atol=1e-12)


@pytest.mark.parametrize("scale", [False, 0.25, 2.0])
def test_scale_options_match_sdpa(scale):
    r = solve(queries=Q, keys=K, values=V, scale=scale)
    want = F.scaled_dot_product_attention(t(Q), t(K), t(V), scale=1.0 if scale is False
                                          else scale)
    assert np.allclose(r["output"], want.numpy(), atol=1e-12)


def test_causal_more_keys_than_queries_is_top_left():
    r = solve(queries=Q, keys=K, values=V, mask="causal")
    want = F.scaled_dot_product_attention(t(Q), t(K), t(V), is_causal=True)
    assert np.allclose(r["output"], want.numpy(), atol=1e-12)
    assert r["weights"][0][1:] == [0.0, 0.0, 0.0]


def test_mask_matrix_matches_boolean_attn_mask():
    m = [[1, 0, 1, 1], [0, 1, 0, 0], [1, 1, 1, 0]]
    r = solve(queries=Q, keys=K, values=V, mask=m)
    want = F.scaled_dot_product_attention(t(Q), t(K), t(V), attn_mask=torch.tensor(m).bool())
    assert np.allclose(r["output"], want.numpy(), atol=1e-12)
    sol = dlsolve.solve({"kind": "attention", "queries": Q, "keys": K, "values": V, "mask": m})
    assert sol.results["scaled"][1][0] == float("-inf")


def mha_torch(x, wq, wk, wv, wo, heads):
    q, k, v = t(x) @ t(wq), t(x) @ t(wk), t(x) @ t(wv)
    T, d = q.shape
    split = [m.reshape(T, heads, -1).transpose(0, 1) for m in (q, k, v)]
    o = F.scaled_dot_product_attention(*split)
    concat = o.transpose(0, 1).reshape(T, -1)
    return o, concat, concat @ t(wo)


def test_two_heads_against_torch():
    rng = np.random.default_rng(0)
    x, wq, wk, wv = (rng.normal(size=s).round(2).tolist() for s in
                     ((3, 4), (4, 4), (4, 4), (4, 4)))
    wo = rng.normal(size=(4, 3)).round(2).tolist()
    r = solve(x=x, W_q=wq, W_k=wk, W_v=wv, heads=2, W_o=wo)
    o, concat, out = mha_torch(x, wq, wk, wv, wo, 2)
    assert np.allclose(r["head_outputs"], o.numpy(), atol=1e-12)
    assert np.allclose(r["concat"], concat.numpy(), atol=1e-12)
    assert np.allclose(r["output"], out.numpy(), atol=1e-12)
    assert len(r["weights"]) == 2 and np.allclose(r["Q"], (t(x) @ t(wq)).numpy())


def test_multihead_matches_nn_multiheadattention():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(5, 4))
    mha = torch.nn.MultiheadAttention(4, 2, bias=False, dtype=torch.float64)
    w = mha.in_proj_weight.detach().numpy()
    wo = mha.out_proj.weight.detach().numpy()
    r = solve(x=x.tolist(), W_q=w[:4].T.tolist(), W_k=w[4:8].T.tolist(),
              W_v=w[8:].T.tolist(), heads=2, W_o=wo.T.tolist(), mask="causal")
    mask = torch.triu(torch.ones(5, 5, dtype=torch.bool), 1)  # True = not allowed
    out, _ = mha(t(x), t(x), t(x), attn_mask=mask, need_weights=False)
    assert np.allclose(r["output"], out.detach().numpy(), atol=1e-12)


def test_cross_attention_with_context():
    x, c = [[1.0, 0.0], [0.5, 1.0]], [[1.0, 1.0], [0.0, 2.0], [1.0, -1.0]]
    w = [[1.0, 0.5], [0.0, 1.0]]
    r = solve(x=x, context=c, W_q=w, W_k=w, W_v=w)
    want = F.scaled_dot_product_attention(t(x) @ t(w), t(c) @ t(w), t(c) @ t(w))
    assert np.allclose(r["output"], want.numpy(), atol=1e-12)
    assert np.array(r["weights"]).shape == (2, 3)


@settings(max_examples=25, deadline=None, derandomize=True)
@given(st.integers(1, 4), st.integers(1, 4), st.integers(1, 3), st.integers(0, 10_000))
def test_random_shapes_match_sdpa(tq, tk, d, seed):
    rng = np.random.default_rng(seed)
    q, k, v = (rng.normal(size=s) for s in ((tq, d), (tk, d), (tk, 2)))
    r = solve(queries=q.tolist(), keys=k.tolist(), values=v.tolist(), mask="causal")
    want = F.scaled_dot_product_attention(t(q), t(k), t(v), is_causal=True)
    assert np.allclose(r["output"], want.numpy(), atol=1e-10)


def test_positional_encoding_table():
    r = solve(positional={"positions": [0, 1, 5], "d_model": 4})
    pe = r["positional_encoding"]
    assert pe[0] == [0.0, 1.0, 0.0, 1.0]
    assert pe[2][0] == math.sin(5) and pe[2][1] == math.cos(5)
    assert math.isclose(pe[1][2], math.sin(1 / 100)) and math.isclose(pe[1][3], math.cos(0.01))


def test_positional_added_to_x():
    x = [[0.0, 0.0], [0.0, 0.0]]
    r = solve(x=x, W_q=[[1, 0], [0, 1]], W_k=[[1, 0], [0, 1]], W_v=[[1, 0], [0, 1]],
              positional="sinusoidal")
    assert np.allclose(r["Q"], [[0, 1], [math.sin(1), math.cos(1)]])


def test_positional_flags():
    res = run(["attention", "--positions", "0,1", "--d-model", "2", "--format", "json"])
    assert res.exit_code == 0, res.output


def test_steps_show_the_worked_entry_and_cost(tmp_path):
    p = write(tmp_path, "kind: attention\nqueries: [[1, 0]]\nkeys: [[1, 0], [0, 1]]\n"
                        "values: [[1, 3], [5, 7]]\n")
    out = run(["attention", p, "--format", "text"]).stdout
    assert "s_11 = Σ_j q_1j·k_1j = 1·1 + 0·0 = 1" in out
    assert "O(T²·d)" in out and "variance d_k" in out


def test_flops_of_the_two_head_problem():
    # projections 3 · 2·2·4·4, Q K^T 2·2·2·2·2, softmax 3·2·2·2, A V 32, W_o 2·2·4·2
    r = dlsolve.solve("problems/attention-two-heads.yaml").results
    assert r["flops"] == 192 + 32 + 24 + 32 + 32


def test_bundled_problems_solve():
    for name in ("attention-3-tokens", "attention-causal-mask", "attention-two-heads"):
        res = run(["attention", f"problems/{name}.yaml", "--format", "json"])
        assert res.exit_code == 0, res.output


def test_one_head_with_w_o_and_direct_heads():
    wo = [[1.0, -1.0], [0.5, 2.0]]
    r = solve(queries=Q, keys=K, values=V, W_o=wo)
    want = F.scaled_dot_product_attention(t(Q), t(K), t(V)) @ t(wo)
    assert np.allclose(r["output"], want.numpy(), atol=1e-12)
    q, k = [row + [1.0] for row in Q], [row + [0.5] for row in K]  # width 4: two heads of 2
    r = solve(queries=q, keys=k, values=V, heads=2)
    heads = [F.scaled_dot_product_attention(t(q)[:, s], t(k)[:, s], t(V)[:, c])
             for s, c in ((slice(0, 2), slice(0, 1)), (slice(2, 4), slice(1, 2)))]
    assert np.allclose(r["concat"], torch.cat(heads, dim=1).numpy(), atol=1e-12)
    assert np.allclose(r["output"], r["concat"])


def test_question_sheet_and_brief_key():
    res = run(["solve", "problems/attention-two-heads.yaml", "--statements-only",
               "--format", "text"])
    assert res.exit_code == 0 and "W_q" in res.stdout and "Softmax" not in res.stdout
    from dlsolve.render import render

    brief = render(dlsolve.solve("problems/attention-3-tokens.yaml"), "text", detail="brief")
    assert "Scale factor" in brief and "Q = X W_q" in brief and "Exponentials" not in brief


@pytest.mark.parametrize("text, where", [
    ("queries: [[1e308]]\nkeys: [[1]]\nvalues: [[1]]\n",
     "queries: expected numbers of size at most 1e+50 (larger ones overflow the products to "
     "inf), got 1e+308"),
    ("queries: [[1]]\nkeys: [[1]]\nvalues: [[1]]\npositional: {positions: [0], d_model: 2}\n",
     "positional: {positions, d_model} asks for the encoding table alone"),
    ("queries: [[1, 0]]\nkeys: [[1, 0, 0]]\nvalues: [[1]]\n",
     ":3:7: keys: expected rows of width 2"),
    ("queries: [[1], [1]]\nkeys: [[1], [1]]\nvalues: [[1], [1]]\nmask: [[1, 1], [0, 0]]\n",
     ":5:16: mask[1]: query 2 may attend to no key: softmax over a row of all -inf is 0/0"),
    ("queries: [[1], [1]]\nkeys: [[1], [1]]\nvalues: [[1], [1]]\nmask: [[1, 1]]\n",
     ":5:7: mask: expected a 2×2 matrix (queries × keys), got 1×2"),
    ("queries: [[1], [1]]\nkeys: [[1], [1]]\nvalues: [[1]]\n",
     ":4:9: values: expected 2 rows (one value per key)"),
    ("queries: [[1, 2]]\nkeys: [[1, 2]]\nvalues: [[1, 2, 3]]\nheads: 2\n",
     "heads: expected a number of heads dividing the width of the values (3), got 2"),
    ("x: [[1, 2]]\nW_q: [[1]]\nW_k: [[1]]\nW_v: [[1]]\n", ":3:6: W_q: expected 2 rows"),
    ("queries: [[1]]\nkeys: [[1]]\nvalues: [[1]]\nmask: casual\n",
     "mask: expected one of causal, got 'casual'"),
])
def test_bad_input(tmp_path, text, where):
    p = write(tmp_path, "kind: attention\n" + text)
    res = run(["attention", p])
    assert res.exit_code == 2
    assert "Traceback" not in res.output
    assert where in res.stderr, res.stderr
