import pandas as pd

from scs import figures


def test_figures_are_byte_stable_and_labelled(tmp_path):
    est = pd.DataFrame({"label": ["a", "b"], "mean": [3.0, 4.0], "ci_low": [2.9, 3.9], "ci_high": [3.1, 4.1]})
    out = []
    for i in range(2):
        fig = figures.item_figure(est, title="T", index_label="Index", index_mean=3.5,
                                  scale_labels={1: "one", 5: "five"}, source_label="SYNTH label", synthetic=True)
        texts = [t.get_text() for t in fig.texts]
        assert any("SYNTHETIC" in t for t in texts) and any("SYNTH label" in t for t in texts)
        figures.save(fig, tmp_path / f"f{i}.png", tmp_path / f"f{i}.pdf", dpi=50)
        out.append(((tmp_path / f"f{i}.png").read_bytes(), (tmp_path / f"f{i}.pdf").read_bytes()))
    assert out[0] == out[1]
    assert b"CreationDate" not in out[0][1]
