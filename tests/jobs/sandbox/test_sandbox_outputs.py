"""Listing a submission's output without following links or counting them."""

from __future__ import annotations

import os

from jobs.sandbox import output_size_bytes, safe_output_files


def test_safe_output_files_skips_links_and_special_files(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("ground truth")
    out = tmp_path / "out"
    (out / "nested").mkdir(parents=True)
    (out / "a.json").write_text("{}")
    (out / "nested" / "b.npy").write_bytes(b"\0" * 10)
    (out / "to-file").symlink_to(secret)
    (out / "to-dir").symlink_to(tmp_path)  # would list secret.txt if followed
    os.link(secret, out / "hard.txt")
    os.mkfifo(out / "pipe")
    assert safe_output_files(out) == [out / "a.json", out / "nested" / "b.npy"]


def test_output_size_counts_regular_files_only(tmp_path):
    big = tmp_path / "big.bin"
    big.write_bytes(b"\0" * 5000)
    out = tmp_path / "out"
    out.mkdir()
    (out / "small.bin").write_bytes(b"\0" * 100)
    (out / "link").symlink_to(big)
    assert output_size_bytes(out) == 100
    assert output_size_bytes(tmp_path / "missing") == 0
    assert output_size_bytes(out, stop_above=50) > 50
