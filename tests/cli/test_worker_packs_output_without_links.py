"""lb-worker packs the run's output without following a link the sandbox wrote: a link to a file or
a folder of the GPU host is left out, never read (the platform would otherwise receive that file)."""

from __future__ import annotations

import os
import tarfile

from lb_cli.worker import _pack_output


def test_links_in_the_output_are_left_out(tmp_path):
    host_secret = tmp_path / "host" / "id_rsa"
    host_secret.parent.mkdir()
    host_secret.write_text("PRIVATE KEY")
    output = tmp_path / "output"
    (output / "sub").mkdir(parents=True)
    (output / "predictions.json").write_text("[true]")
    (output / "sub" / "map.npy").write_bytes(b"\x93NUMPY")
    os.symlink(host_secret, output / "stolen.txt")
    os.symlink(host_secret.parent, output / "stolen-dir")
    os.symlink(host_secret, output / "sub" / "also-stolen")

    archive = tmp_path / "output.tar"
    _pack_output(output, archive)

    with tarfile.open(archive) as tar:
        members = {m.name: m for m in tar.getmembers()}
        assert sorted(members) == ["predictions.json", "sub/map.npy"]
        assert all(m.isfile() for m in members.values())
        contents = b"".join(tar.extractfile(m).read() for m in members.values())
    assert b"PRIVATE KEY" not in contents
